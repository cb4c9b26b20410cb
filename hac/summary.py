"""A run's summary as text lines: what the commands print and ``run.log`` keeps.

Counts and figures only, never a cell's value, so no address, household figure or
disciplinary decision reaches a terminal or a log. The figures come from :mod:`hac.stats`,
the same that the manifest and ``report.html`` show.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from allocation.inventory import Inventory, default_rooms_path
from allocation.quotas import QuotaWarning
from hac import stats
from psm import domain
from psm.io import Cohort
from psm.policy import Policy
from psm.ranking import Ranking, pool_beds
from psm.travel import TravelTimes

__all__ = ["input_lines", "score_lines", "review_lines", "ranking_lines", "rooms_line", "allocation_lines", "quota_lines",
           "reject_lines"]


def input_lines(command: str, policy: Policy, scoring_round: str, travel: TravelTimes, cohort: Cohort) -> list[str]:
    """The policy, the travel source and each input file's rows used and rejected."""
    lines = [f"psm {command} · policy {policy.version} (sha256 {policy.sha256[:12]}) · round {scoring_round}",
             f"  travel minutes: {travel.describe()}"]
    for f in cohort.files:
        extra = f" · {f.blank_rows} blank rows skipped" if f.blank_rows else ""
        lines.append(f"  {Path(f.path).name:<22} {f.rows:>7,} rows: {f.accepted:>7,} used, {f.rejected:>5,} rejected"
                     f"{extra}")
        if f.unknown_columns:
            lines.append(f"    columns not in the contract: {', '.join(f.unknown_columns)} "
                         "(rows with values there are rejected)")
    return lines


def score_lines(scores, policy: Policy, travel: TravelTimes) -> list[str]:
    """Tracks, total points by profile, travel sources and the travel provider's own counts."""
    tracks = Counter(scores["track"].tolist())
    lines = ["  tracks: " + " · ".join(f"{t} {tracks[t]:,}" for t in sorted(tracks, key=lambda t: -tracks[t]))]
    scored = scores[scores["profile"] != ""]
    if len(scored):
        lines.append("  total points by profile:   n   min  median   max  (of)")
        for profile, group in scored.groupby("profile", sort=True):
            points = group["total_points"].astype(int)
            lines.append(f"    {profile:<20} {len(group):>6,} {points.min():>5} {points.median():>7g} "
                         f"{points.max():>5}  ({policy.profiles[profile].total})")
    sources = Counter(s for s in scores["travel_source"].tolist() if s)
    if sources:
        lines.append("  travel source (local): " + " · ".join(f"{s} {n:,}" for s, n in sorted(sources.items())))
    return lines + review_lines(scores) + [f"  {line}" for line in travel.stats.summary_lines()]


def review_lines(scores) -> list[str]:
    """Scheme flags that cannot apply (scores.csv's ``review_note``; policy section 5), counted."""
    flagged = int((scores["review_note"].fillna("") != "").sum()) if "review_note" in scores else 0
    if not flagged:
        return []
    return [f"  for review: {flagged:,} scheme flag(s) that cannot apply and change nothing (review_note in scores.csv)"]


def ranking_lines(policy: Policy, ranking: Ranking, allocated: bool = False,
                  beds: pd.DataFrame | None = None) -> list[str]:
    """The seed and commitment, each pool's ranked applicants and beds (``beds``: admission's,
    :attr:`allocation.admit.Admission.beds`; without it, the policy's quotas, a pool without one
    having the beds of its rooms); tier sizes before allocation."""
    frame = ranking.frame
    lines = [f"  lottery seed {ranking.seed!r} · ranked ids sha256 {ranking.commitment[:16]}…"]
    known = all(p.beds is not None for p in policy.pools.values())
    beds = beds if beds is not None else pool_beds(policy, ranking) if known else None
    for pool in domain.POOLS:
        in_pool = frame[frame["pool"] == pool]
        ranked = in_pool[in_pool["status"] == "ranked"]
        if beds is None:
            quota = policy.pools[pool].beds
            offered_for = f"{quota:,} beds" if quota is not None else "the beds of the rooms open to it"
        else:
            row = beds.set_index("pool").loc[pool]
            spill = (f" (+{row.spilled_in} spilled in)" if row.spilled_in
                     else f" ({row.spilled_out} unused, spill over)" if row.spilled_out else "")
            offered_for = f"{row.beds:,} beds{spill}"
        referred = (in_pool["status"] == "referred").sum()
        lines.append(f"  {pool}: {len(ranked):,} ranked for {offered_for}; "
                     f"{(in_pool['status'] == 'ineligible').sum():,} ineligible, "
                     f"{(in_pool['status'] == 'disqualified').sum():,} disqualified"
                     + (f", {referred:,} referred to the University's special arrangement (section A; in ranking.csv)"
                        if referred else ""))
        if policy.pools[pool].order == "tiers" and not allocated:
            by_tier = ranked.groupby("tier").size()
            lines += [f"    {tier:<22} {int(by_tier.get(tier, 0)):>6,}" for tier in policy.tiers.order]
    if not allocated:
        lines.append("  cut-off scores per pool, tier and gender come with allocation (psm run); here the tier sizes")
    return lines


def rooms_line(inventory: Inventory) -> str:
    beds = inventory.beds_by_pool()
    note = " (the bundled ILLUSTRATIVE inventory: pass --rooms with SAO's room list)" \
        if Path(inventory.path).resolve() == default_rooms_path() else ""
    return (f"  rooms: {Path(inventory.path).name} (sha256 {inventory.sha256[:12]}){note}: {len(inventory.rooms):,} "
            "rooms, " + ", ".join(f"{pool} {n:,}" for pool, n in beds.items()) + " beds")


def _points(value: float) -> str:
    return str(int(value))


def allocation_lines(tables: stats.RunTables, solver: dict) -> list[str]:
    """Cut-offs, mutual requests, mixing, hall preferences by rank band, room types, solver."""
    lines = ["  offers and cut-offs (where each waitlist starts):"]
    for row in stats.waitlist_starts(tables).itertuples(index=False):
        line = f"    {row.pool:<14} {row.gender}: {row.offered:>6,} offered, {row.waitlisted:>5,} waitlisted"
        if row.waitlisted:
            line += f"; waitlist from rank {int(row.waitlist_from_rank):,} ({row.tier or 'lottery'}"
            line += f", {_points(row.score)} points)" if row.score == row.score else ")"
            if row.placed_below:
                line += f"; {row.placed_below} offered below it (rooms the waitlisted cannot use)"
        lines.append(line)
    by_tier = stats.tier_cutoffs(tables)
    by_tier = by_tier[by_tier["tier"] != ""]
    if len(by_tier):
        lines.append("  lowest score offered, by pool, tier and gender (offered / waitlisted):")
        for row in by_tier.itertuples(index=False):
            lowest = _points(row.lowest_placed) if row.lowest_placed == row.lowest_placed else "-"
            lines.append(f"    {row.pool:<14} {row.tier:<22} {row.gender}: {lowest:>4} points "
                         f"({row.offered + row.accepted:,} / {row.waitlisted:,})")
    possible, together = stats.mutual_pairs(tables)
    lines.append(f"  mutual roommate requests (both offered, one gender): {together:,} of {possible:,} share a room")
    if possible > together:
        lines.append(f"    {possible - together} not together: see the reasons in unmatched_roommates.csv")
    mixed, bound = stats.mixing(tables)
    lines.append(f"  rooms with a local and a non-local resident: {mixed:,} of an upper bound {bound:,} "
                 f"({mixed / bound if bound else 1.0:.0%})")
    bands = stats.preference_bands(tables)
    if len(bands):
        lines.append("  hall preferences met, by rank band (pairs at the worse rank):")
        lines += [f"    {row.pool:<14} ranks {row.band:<11} {row.units:>5,} with a list: "
                  f"{row.first / row.units:>4.0%} first choice, {row.any / row.units:>4.0%} a listed hall"
                  for row in bands.itertuples(index=False)]
    asked, met = stats.room_type_wishes(tables)
    if asked:
        lines.append(f"  room type wishes met: {met:,} of {asked:,}")
    colleges = stats.college_beds(tables)
    if len(colleges):
        lines.append("  residential college beds (members first; beds they leave empty to applicants who listed "
                     "the college):")
        lines += [f"    {row.college:<14} {row.beds:>5,} beds: {row.members:,} members, {row.non_members:,} non-members, "
                  f"{row.empty:,} empty" for row in colleges.itertuples(index=False)]
    objectives = ", ".join(f"{k} {v} ({status})" for k, (v, status) in solver["objectives"].items())
    lines.append(f"  solver: CP-SAT, {solver['num_workers']} worker, seed {solver['random_seed']}, "
                 f"deterministic limit {solver['max_deterministic_time']:g} per step; {objectives}")
    return lines


def quota_lines(warnings: Sequence[QuotaWarning]) -> list[str]:
    """One warning line per pool quota the rooms do not match (:mod:`allocation.quotas`)."""
    return [f"  warning: {w.message}" for w in warnings]


def reject_lines(cohort: Cohort, rejected_status: int | None = None) -> list[str]:
    """What was rejected, by file and column (the ten most frequent); with the exit status the
    command gives for it (``psm``'s :data:`cli.exits.EXIT_REJECTED`), when a command wrote the
    lines (the console, which has no exit status, passes None)."""
    if not cohort.rejected_rows:
        return []
    problems = Counter((r.file, r.column) for r in cohort.rejects)
    status = f"exit status {rejected_status}" if rejected_status is not None else "see rejects.csv"
    return [f"  {cohort.rejected_rows:,} rows rejected ({status}); problems by file and column:",
            *(f"    {file}: {column}: {n:,}" for (file, column), n in problems.most_common(10))]
