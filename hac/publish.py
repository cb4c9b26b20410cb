"""What the committee may publish after a round (section B; as peers publish cut-offs by gender
and local status, and ranked waitlists): ``cutoffs.csv`` and ``waitlist.csv``.

- ``cutoffs.csv``: per pool, tier, gender and residency (local / non-local; exchange and
  research students are "neither"): how many hold a place, how many wait, the lowest score holding
  a place and the best score waiting (:func:`hac.stats.tier_cutoffs`, the report's figure); the
  scores are left blank for a group smaller than the policy's ``[publish] min_group_size``;
- ``waitlist.csv``: the waitlisted applicants of each pool in rank order, named by pseudonym
  (the ``psm redact`` key, so a student finds themself with the pseudonym in their letter) or
  by applicant id, as the HAC chooses; a score only if asked for (``with_points``), since a
  score beside an identifiable applicant says much about their household.

Only from a bundle that matches its manifest; into a new folder renamed into place when done.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from hac import stats
from hac.bundle import building, input_paths, read_checked_manifest
from hac.pipeline import write_stamped
from hac.redact import Pseudonyms
from psm.policy import load_policy

__all__ = ["Published", "publish"]

RESIDENCY = {"local": "local", "non_local": "non-local"}


@dataclass(frozen=True)
class Published:
    folder: Path
    cutoff_rows: int
    waitlisted: int


def publish(run_dir: Path, out: Path, *, key: bytes | None, with_points: bool = False) -> Published:
    """Write ``cutoffs.csv`` and ``waitlist.csv`` of the bundle ``run_dir`` into the new folder
    ``out``; ``key`` pseudonymises the waitlist (None: applicant ids, the HAC's choice)."""
    run_dir = Path(run_dir)
    manifest = read_checked_manifest(run_dir)
    policy = load_policy(input_paths(run_dir, manifest)["policy"])
    tables = stats.read_tables(run_dir, manifest)
    residency = tables.applicants.set_index("applicant_id")["student_type"].map(RESIDENCY).fillna("neither")
    parts = []
    for label in ("local", "non-local", "neither"):
        ids = set(residency.index[residency == label])
        subset = replace(tables, ranking=tables.ranking[tables.ranking["applicant_id"].isin(ids)])
        table = stats.tier_cutoffs(subset)
        parts.append(table.assign(residency=label))
    cutoffs = pd.concat(parts, ignore_index=True)
    order = {pool: i for i, pool in enumerate(dict.fromkeys(tables.ranking["pool"]))}
    order |= {tier: i for i, tier in enumerate(policy.tiers.order)}
    cutoffs = cutoffs.sort_values(["pool", "tier", "gender", "residency"],
                                  key=lambda c: c.map(order) if c.name in ("pool", "tier") else c, kind="stable")
    cutoffs = cutoffs[["pool", "tier", "gender", "residency", *stats.RANKED_STATUSES, "lowest_placed",
                       "best_waitlisted"]]
    small = cutoffs[list(stats.RANKED_STATUSES)].sum(axis=1) < policy.publish.min_group_size
    cutoffs.loc[small, ["lowest_placed", "best_waitlisted"]] = float("nan")  # a few students' own scores
    for column in ("lowest_placed", "best_waitlisted"):
        cutoffs[column] = cutoffs[column].astype("Int64")
    waiting = tables.ranking[tables.ranking["status"] == "waitlisted"].sort_values(
        ["pool", "rank"], key=lambda c: c.map(order) if c.name == "pool" else c, kind="stable")
    names = Pseudonyms(key) if key is not None else (lambda applicant_id: applicant_id)
    waitlist = pd.DataFrame({"pool": waiting["pool"], "rank": waiting["rank"].astype("Int64"),
                             "tier": waiting["tier"],
                             "applicant": [names(a) for a in waiting["applicant_id"]]})
    if with_points:
        waitlist["score"] = waiting["score"].astype("Int64").to_numpy()
    with building(Path(out)) as folder:
        write_stamped(cutoffs.reset_index(drop=True), policy, folder / "cutoffs.csv")
        write_stamped(waitlist.reset_index(drop=True), policy, folder / "waitlist.csv")
    return Published(Path(out), len(cutoffs), len(waitlist))
