"""What the commands print: counts and figures only, never a cell's value.

So no address, household figure or disciplinary decision reaches a terminal or a log.
Step timings go to stderr, and only when it is a terminal.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from allocation.inventory import Inventory, default_rooms_path
from cli.exits import EXIT_OK, EXIT_REJECTED
from psm import domain
from psm.io import Cohort
from psm.policy import Policy
from psm.ranking import Ranking, pool_beds

__all__ = ["step", "print_rooms", "print_inputs", "print_scores", "print_ranking", "print_allocation", "print_rejects"]


@contextmanager
def step(label: str, timings: dict[str, float] | None = None) -> Iterator[None]:
    """``label ... done in 1.2 s`` on stderr when it is a terminal; the time kept in ``timings``."""
    shown = sys.stderr.isatty()
    if shown:
        print(f"  {label} ...", end="", file=sys.stderr, flush=True)
    started = time.perf_counter()
    yield
    elapsed = time.perf_counter() - started
    if timings is not None:
        timings[label.split(":")[0]] = round(elapsed, 3)
    if shown:  # from the line's start: a progress line inside the step may have cleared it
        print(f"\r  {label} ... done in {elapsed:.1f} s", file=sys.stderr, flush=True)


def print_inputs(done, args: argparse.Namespace) -> None:
    policy, travel, cohort = done.policy, done.travel, done.cohort
    print(f"psm {args.command_name} · policy {policy.version} (sha256 {policy.sha256[:12]}) · round {args.round}")
    print(f"  travel minutes: {travel.describe()}")
    for f in cohort.files:
        extra = f" · {f.blank_rows} blank rows skipped" if f.blank_rows else ""
        print(f"  {Path(f.path).name:<22} {f.rows:>7,} rows: {f.accepted:>7,} used, {f.rejected:>5,} rejected{extra}")
        if f.unknown_columns:
            print(f"    columns not in the contract: {', '.join(f.unknown_columns)} (rows with values there are rejected)")


def print_scores(done) -> None:
    scores, policy = done.scores, done.policy
    tracks = Counter(scores["track"])
    print("  tracks: " + " · ".join(f"{t} {tracks[t]:,}" for t in sorted(tracks, key=lambda t: -tracks[t])))
    scored = scores[scores["profile"] != ""]
    if len(scored):
        print("  total points by profile:   n   min  median   max  (of)")
        for profile, group in scored.groupby("profile", sort=True):
            points = group["total_points"].astype(int)
            print(f"    {profile:<20} {len(group):>6,} {points.min():>5} {points.median():>7g} {points.max():>5}"
                  f"  ({policy.profiles[profile].total})")
    sources = Counter(s for s in scores["travel_source"] if s)
    if sources:
        print("  travel source (local): " + " · ".join(f"{s} {n:,}" for s, n in sorted(sources.items())))
    for line in done.travel.stats.summary_lines():
        print(f"  {line}")


def print_ranking(policy: Policy, ranking: Ranking, allocated: bool = False) -> None:
    frame = ranking.frame
    print(f"  lottery seed {ranking.seed!r} · ranked ids sha256 {ranking.commitment[:16]}…")
    beds = pool_beds(policy, ranking).set_index("pool")
    for pool in domain.POOLS:
        in_pool = frame[frame["pool"] == pool]
        ranked = in_pool[in_pool["status"] == "ranked"]
        row = beds.loc[pool]
        spill = (f" (+{row.spilled_in} spilled in)" if row.spilled_in
                 else f" ({row.spilled_out} unused, spill over)" if row.spilled_out else "")
        print(f"  {pool}: {len(ranked):,} ranked for {row.beds:,} beds{spill}; "
              f"{(in_pool['status'] == 'ineligible').sum():,} ineligible, "
              f"{(in_pool['status'] == 'disqualified').sum():,} disqualified")
        if policy.pools[pool].order == "tiers" and not allocated:
            by_tier = ranked.groupby("tier").size()
            for tier in policy.tiers.order:
                print(f"    {tier:<22} {int(by_tier.get(tier, 0)):>6,}")
    if not allocated:
        print("  cut-off scores per pool, tier and gender come with allocation (psm run); here the tier sizes")


def print_rooms(inventory: Inventory) -> None:
    beds = inventory.beds_by_pool()
    note = " (the bundled ILLUSTRATIVE inventory: pass --rooms with SAO's room list)" \
        if Path(inventory.path).resolve() == default_rooms_path() else ""
    print(f"  rooms: {Path(inventory.path).name} (sha256 {inventory.sha256[:12]}){note}: {len(inventory.rooms):,} rooms, "
          + ", ".join(f"{pool} {n:,}" for pool, n in beds.items()) + " beds")


def print_allocation(summary) -> None:
    """Cut-offs, mutual requests, mixing, hall preferences by rank band, room types, solver."""
    print("  offers and cut-offs (where each waitlist starts):")
    for row in summary.cutoffs.itertuples(index=False):
        line = f"    {row.pool:<14} {row.gender}: {row.offered:>6,} offered, {row.waitlisted:>5,} waitlisted"
        if row.waitlisted:
            line += f"; waitlist from rank {row.waitlist_from_rank:,} ({row.tier or 'lottery'}"
            line += f", {row.score} points)" if not pd.isna(row.score) else ")"
            if row.offered_below:
                line += f"; {row.offered_below} offered below it (rooms the waitlisted cannot use)"
        print(line)
    by_tier = summary.cutoffs_by_tier[summary.cutoffs_by_tier["tier"] != ""]
    if len(by_tier):
        print("  lowest score offered, by pool, tier and gender (offered / waitlisted):")
        for row in by_tier.itertuples(index=False):
            lowest = "-" if pd.isna(row.lowest_score_offered) else row.lowest_score_offered
            print(f"    {row.pool:<14} {row.tier:<22} {row.gender}: {lowest!s:>4} points "
                  f"({row.offered:,} / {row.waitlisted:,})")
    print(f"  mutual roommate requests (both offered, one gender): {summary.pairs_together:,} of "
          f"{summary.pairs_possible:,} share a room")
    if summary.pairs_possible > summary.pairs_together:
        print(f"    {summary.pairs_possible - summary.pairs_together} not together: see the reasons in "
              "unmatched_roommates.csv")
    share = summary.mixed_rooms / summary.mixing_bound if summary.mixing_bound else 1.0
    print(f"  rooms with a local and a non-local resident: {summary.mixed_rooms:,} of an upper bound "
          f"{summary.mixing_bound:,} ({share:.0%})")
    if len(summary.preferences):
        print("  hall preferences met, by rank band (pairs at the worse rank):")
        for row in summary.preferences.itertuples(index=False):
            print(f"    {row.pool:<14} ranks {row.band:<11} {row.units:>5,} with a list: "
                  f"{row.first_choice / row.units:>4.0%} first choice, {row.any_listed / row.units:>4.0%} a listed hall")
    if summary.room_type_asked:
        print(f"  room type wishes met: {summary.room_type_met:,} of {summary.room_type_asked:,}")
    objectives = ", ".join(f"{k} {v} ({status})" for k, (v, status) in summary.solver["objectives"].items())
    print(f"  solver: CP-SAT, {summary.solver['num_workers']} worker, seed {summary.solver['random_seed']}, "
          f"deterministic limit {summary.solver['max_deterministic_time']:g} per step; {objectives}")


def print_rejects(cohort: Cohort) -> int:
    """Say what was rejected; return the exit status that tells a script."""
    if not cohort.rejected_rows:
        return EXIT_OK
    problems = Counter((r.file, r.column) for r in cohort.rejects)
    print(f"  {cohort.rejected_rows:,} rows rejected (exit status {EXIT_REJECTED}); problems by file and column:")
    for (file, column), n in problems.most_common(10):
        print(f"    {file}: {column}: {n:,}")
    return EXIT_REJECTED
