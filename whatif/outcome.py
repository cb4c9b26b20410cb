"""Run a cohort under a policy: scores, ranking and offers, as one immutable :class:`Outcome`.

The steps are the engine's own: the one pipeline :func:`hac.pipeline.run_cohort` that ``psm run``
calls (score -> rank -> admit, and, only if asked, place: which room, most of a run's time).
Travel minutes come from the offline district table unless another provider or recorded minutes
are given. Nothing is written to disk.

An :class:`Outcome` cannot be changed: its attributes cannot be set, and every table it hands
out is a copy. ``applicants`` holds only what the comparisons break results down by (gender,
student type, district, housing type, accessibility need, college, pool, tier): no address,
household, floor area or disciplinary field, so it can be shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from allocation.admit import Admission, kinds_of
from hac.pipeline import run_cohort as run_pipeline
from psm.ranking import uma_semesters
from psm.io import Cohort, read_cohort
from psm.policy import Policy, default_policy_path
from psm.travel import TravelProvider, TravelTimes
from whatif.overrides import policy_with

__all__ = ["Outcome", "run_cohort", "outcome_of", "load_cohort", "sample_folder", "APPLICANT_COLUMNS"]

#: What an Outcome keeps of each application: the breakdown columns, nothing personal.
APPLICANT_COLUMNS = ("applicant_id", "gender", "student_type", "district", "housing_type",
                     "accessibility_needs", "college")


def sample_folder() -> Path:
    """``data/sample/``: the bundled synthetic cohort (6,000 applicants, no real person)."""
    return default_policy_path().parents[2] / "data" / "sample"


def load_cohort(folder: str | Path | None = None, policy: Policy | None = None) -> Cohort:
    """Read and validate ``applications.csv`` (and ``office_bearers.csv``, ``achievements.csv`` if
    present) from ``folder`` (default: the sample) under ``policy`` (default: the bundled one)."""
    folder = Path(folder) if folder is not None else sample_folder()
    optional = [folder / name if (folder / name).exists() else None
                for name in ("office_bearers.csv", "achievements.csv")]
    policy = policy if policy is not None else policy_with()
    return read_cohort(policy, folder / "applications.csv", *optional)


class Outcome:
    """One cohort run under one policy and seed. Read-only: tables are handed out as copies.

    - ``scores``: :func:`~psm.scoring.score_frames`' card of every valid applicant;
    - ``ranking``: ``RANKING_COLUMNS`` with status ``offered``, ``waitlisted``, ``ineligible`` or
      ``disqualified`` (ranked pools in rank order, as ``ranking.csv``);
    - ``applicants``: :data:`APPLICANT_COLUMNS` plus ``pool``, ``tier``, ``uma_semesters`` (the
      length of stay B.2.b orders by) and ``released_to`` (the college whose empty bed admission
      offered them, section 7); no personal data;
    - ``beds``: beds per pool after spill-over; ``assignments``: rooms, if placement was run.
    """

    __slots__ = ("label", "policy", "seed", "round_name", "_tables")

    def __init__(self, *, label: str, policy: Policy, seed: str, round_name: str, scores: pd.DataFrame,
                 ranking: pd.DataFrame, applicants: pd.DataFrame, beds: pd.DataFrame,
                 assignments: pd.DataFrame | None = None) -> None:
        tables = {"scores": scores, "ranking": ranking, "applicants": applicants, "beds": beds,
                  "assignments": assignments}
        for name, value in (("label", label), ("policy", policy), ("seed", seed), ("round_name", round_name),
                            ("_tables", {k: None if v is None else v.copy() for k, v in tables.items()})):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"an Outcome cannot be changed (tried to set {name!r}); "
                             "run_cohort makes a new one")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("an Outcome cannot be changed")

    def _copy(self, name: str) -> pd.DataFrame | None:
        table = self._tables[name]
        return None if table is None else table.copy()

    @property
    def scores(self) -> pd.DataFrame:
        return self._copy("scores")

    @property
    def ranking(self) -> pd.DataFrame:
        return self._copy("ranking")

    @property
    def applicants(self) -> pd.DataFrame:
        return self._copy("applicants")

    @property
    def beds(self) -> pd.DataFrame:
        return self._copy("beds")

    @property
    def assignments(self) -> pd.DataFrame | None:
        return self._copy("assignments")

    @property
    def status(self) -> pd.Series:
        """Each applicant's status, by applicant_id."""
        ranking = self._tables["ranking"]
        return pd.Series(ranking["status"].to_numpy(), index=ranking["applicant_id"].to_numpy(),
                         name="status")

    @property
    def kinds(self) -> pd.Series:
        """Each applicant's :class:`~allocation.access.ApplicantKind` as admission offered them a
        place (a college's empty bed released to them included, section 7), by applicant_id."""
        applicants = self._tables["applicants"]
        released = {a: c for a, c in zip(applicants["applicant_id"], applicants["released_to"]) if c}
        return kinds_of(applicants, self._tables["ranking"].set_index("applicant_id")["pool"], released)

    @property
    def offered(self) -> frozenset[str]:
        """The ids offered a place."""
        ranking = self._tables["ranking"]
        return frozenset(ranking.loc[ranking["status"] == "offered", "applicant_id"])

    def __repr__(self) -> str:
        counts = self._tables["ranking"]["status"].value_counts()
        shown = ", ".join(f"{status} {int(counts.get(status, 0)):,}"
                          for status in ("offered", "waitlisted", "ineligible", "disqualified"))
        return (f"Outcome({self.label!r}: policy {self.policy.version}, seed {self.seed!r}, {shown}"
                f"{', placed' if self._tables['assignments'] is not None else ''})")


def run_cohort(cohort: Cohort | str | Path | None = None, policy: Policy | str | Path | None = None, *,
               seed: str, overrides: Mapping[str, Any] | None = None, place: bool = False,
               rooms: str | Path | None = None, travel: TravelTimes | TravelProvider | None = None,
               round_name: str = "regular", label: str | None = None) -> Outcome:
    """Score, rank and admit ``cohort`` (a :class:`~psm.io.Cohort`, a folder, or the sample) under
    ``policy`` with ``overrides`` (:func:`whatif.overrides.policy_with`), drawing with ``seed``.

    A folder is read under the run's policy; a Cohort is used as read (rows were validated under
    the policy it was read with, which matters only for overrides of ``[settings]``). With
    ``place=True`` the offers are also placed in rooms (``rooms``: default the bundled inventory).
    """
    policy = policy_with(overrides, policy)
    if not isinstance(cohort, Cohort):
        cohort = load_cohort(cohort, policy)
    result = run_pipeline(cohort, policy, seed=seed, rooms=rooms, travel=travel, scoring_round=round_name,
                          place_rooms=place)
    return outcome_of(label=label or policy.version, policy=policy, seed=seed, round_name=round_name,
                      applications=cohort.applications, scores=result.scored.scores, admission=result.admission,
                      assignments=result.placement.assignments if place else None)


def outcome_of(*, label: str, policy: Policy, seed: str, round_name: str, applications: pd.DataFrame,
               scores: pd.DataFrame, admission: Admission, assignments: pd.DataFrame | None) -> Outcome:
    """The :class:`Outcome` of an admission (a first round's, or a later round's new offers:
    :func:`whatif.run_round`): its frame as the ranking, the applicants' breakdown columns with
    their pool, tier, length of stay and released college."""
    apps = applications.reset_index(drop=True)
    by_id = admission.frame.set_index("applicant_id")
    applicants = apps[list(APPLICANT_COLUMNS)]
    applicants = applicants.assign(pool=applicants["applicant_id"].map(by_id["pool"]),
                                   tier=applicants["applicant_id"].map(by_id["tier"]),
                                   uma_semesters=uma_semesters(apps),
                                   released_to=[admission.released.get(a, "") for a in applicants["applicant_id"]])
    return Outcome(label=label, policy=policy, seed=seed, round_name=round_name, scores=scores,
                   ranking=admission.frame.reset_index(drop=True), applicants=applicants, beds=admission.beds,
                   assignments=assignments)
