"""A bundle's own round again, under a changed policy: :func:`run_round` and :class:`BundleReplay`.

What a what-if from a bundle compares is that bundle's round, run again with the same inputs and
only the policy changed. The rules:

- **A first round** (``psm run``): the bundle's cohort (the applications, office-bearer and
  achievement files kept in ``inputs/``, read under the bundle's policy), its rooms, seed and
  scoring round, and the travel minutes its ``scores.csv`` recorded (no look-up); scored, ranked
  and admitted under the changed policy by :func:`whatif.run_cohort` (no rooms).
- **A later offer round** (manifest ``command`` ``psm offers``, ``offer_round`` > 1): the round as
  :func:`hac.offers.next_round` made it (policy section B: offers are made in rounds; accepted
  places are kept), with the policy changed. The (amended) cohort kept in ``inputs/``, its wishes
  checked against the rooms, is scored under the changed policy with the travel minutes the
  parent's scores recorded, and ranked with the same seed; the responses and changes kept in
  ``inputs/`` are applied to that ranking against the parent's ranking
  (:func:`hac.offers.with_responses`): residents who accepted keep their places whatever the
  policy, those who declined, withdrew or had their offer revoked stay out; then the freed beds go
  down the new waitlist, the residents keeping their rooms from the parent's assignments
  (:func:`hac.offers.offer_round_places`), and the new offers are placed in rooms as the round's
  were. Status ``offered`` is a new offer of this round; ``accepted`` a resident.
- **No overrides** give the bundle's own round back: the same statuses as its ``ranking.csv``
  (and, for a later round, the same rooms as its ``assignments.csv``), so a comparison with the
  baseline shows what the changed numbers alone do.
- The bundle must match its manifest (:func:`hac.bundle.read_checked_manifest`); nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from allocation.inventory import read_inventory
from hac.bundle import input_paths, read_checked_manifest
from hac.offers import offer_round_places, read_changes, read_responses, with_responses
from hac.pipeline import load_run_policy, wishes_checked
from psm.io import read_cohort
from psm.ranking import rank_cohort
from psm.scoring import score_frames
from psm.travel.recorded import RecordedTravel
from whatif.outcome import Outcome, outcome_of, run_cohort
from whatif.overrides import policy_with

__all__ = ["BundleReplay", "run_round"]

#: The manifest command of a later offer round's bundle.
OFFERS_COMMAND = "psm offers"


def run_round(bundle_dir: str | Path, overrides: Mapping[str, Any] | None = None, *,
              label: str | None = None) -> Outcome:
    """The round of the bundle in ``bundle_dir`` again under its policy with ``overrides``
    (:func:`whatif.policy_with`): a first round or a later offer round, as the module's rules say.
    Several scenarios from one bundle: read it once with :class:`BundleReplay`."""
    return BundleReplay(bundle_dir).run(overrides, label=label)


class BundleReplay:
    """A bundle read once (its manifest checked, its cohort, recorded travel minutes and, for a
    later round, the parent's ranking and assignments with the responses and changes), so that
    its round can be run again under as many policies as asked (:meth:`run`)."""

    def __init__(self, bundle_dir: str | Path) -> None:
        self.bundle_dir = folder = Path(bundle_dir)
        self.manifest = manifest = read_checked_manifest(folder)
        self.inputs = inputs = input_paths(folder, manifest)
        self.seed, self.round_name = manifest["seed"], manifest["round"]
        self.offer_round = int(manifest.get("offer_round", 1))
        self.later_round = manifest.get("command") == OFFERS_COMMAND and self.offer_round > 1
        policy = load_run_policy(inputs["policy"], self.round_name)
        self.cohort = read_cohort(policy, inputs["applications"], inputs.get("office_bearers"),
                                  inputs.get("achievements"))
        recorded = inputs["parent_scores"] if self.later_round else folder / "scores.csv"
        self.travel = RecordedTravel(pd.read_csv(recorded, dtype={"applicant_id": str}))
        if self.later_round:
            self.parent_ranking = pd.read_csv(inputs["parent_ranking"], dtype=str, keep_default_na=False)
            self.responses = read_responses(inputs["responses"], self.parent_ranking)
            self.changes = read_changes(inputs["changes"], self.parent_ranking) if inputs.get("changes") else {}
            self.parent_assignments = pd.read_csv(inputs["parent_assignments"], dtype=str, keep_default_na=False)

    @property
    def steps(self) -> str:
        """What a run of this bundle's round does, in words (for progress and notes)."""
        if not self.later_round:
            return "scoring, ranking and admitting"
        return (f"scoring, ranking, applying the answers to round {self.offer_round - 1}'s offers, "
                "offering the freed beds and placing the new offers")

    def run(self, overrides: Mapping[str, Any] | None = None, *, label: str | None = None) -> Outcome:
        """The bundle's round under its policy with ``overrides``; labelled ``label`` (default:
        the policy's version)."""
        if not self.later_round:
            return run_cohort(self.cohort, self.inputs["policy"], seed=self.seed, overrides=overrides,
                              rooms=self.inputs["rooms"], travel=self.travel, round_name=self.round_name,
                              label=label)
        policy = policy_with(overrides, self.inputs["policy"])
        policy.round(self.round_name)
        full = read_inventory(policy, self.inputs["rooms"])
        cohort = wishes_checked(self.cohort, full)
        apps = cohort.applications
        scores = score_frames(apps, cohort.office_bearers, cohort.achievements, policy, self.travel, self.round_name)
        ranking = with_responses(rank_cohort(apps, scores, policy, self.seed), self.parent_ranking, self.responses,
                                 self.changes)
        offers = offer_round_places(ranking, apps, self.parent_assignments, full, policy, self.offer_round)
        return outcome_of(label=label or policy.version, policy=policy, seed=self.seed, round_name=self.round_name,
                          applications=apps, scores=scores, admission=offers.admission,
                          assignments=offers.assignments)
