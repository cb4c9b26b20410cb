"""Benchmark: probability of a place over 1,000 lottery seeds x 10,000 applicants in under 30 s.

The target: "1,000 seeds x 10,000 applicants in under 30 s: the admission
step, vectorised, not a full placement per seed". A benchmark, not a timed test: run it with
``.venv/bin/python benchmarks/bench_montecarlo.py`` (about a minute).

What it does:

1. Pins the process to one CPU and sets the OpenMP/BLAS thread counts to 1 before numpy loads.
2. Draws ``generate_cohort(n=10000, seed=2025)``, writes it as CSV and reads it back through
   ``read_cohort`` (information). Runs the baseline: ``whatif.run_cohort`` (score, rank, one real
   admission with the bundled inventory and policy), timed for information.
3. Times ``whatif.place_probability(baseline, seeds=1000)`` (median of ``--repeats``): the engine
   as shipped, which hashes only the tie groups a kind's capacity cuts through (and, where B.2.b
   refills a readmission tier's non-local places by length of stay, that whole tier).
4. Times the same with ``contested_only=False`` (median of ``--all-repeats``): every applicant's
   real SHA-256 key under every seed (10 million keys), sorted with numpy. Same counts.
5. The plain baseline: for ``--plain-seeds`` seeds, ``psm.ranking.rank_cohort`` (keys, sort) and
   an ordinary Python walk of the ranking offering each applicant a place while their kind's
   capacity lasts (kinds as the engine's, college beds released to non-members included); the median per seed times 1,000 is the extrapolated plain figure. Also one
   real ``allocation.admit.admit`` per seed, for information (what a full admission per seed costs).
6. Cross-check: the plain walk's offers for those seeds equal the engine's, applicant by
   applicant, and both engine variants give identical counts. Exit status 1 if not.
"""

from __future__ import annotations

from one_core import AFFINITY  # first, before numpy loads: one thread, one pinned CPU

import argparse
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from allocation.admit import admit
from allocation.inventory import read_inventory
from psm.errors import PsmError
from psm.io import read_cohort
from psm.ranking import rank_cohort
from synthetic import generate_cohort, write_cohort
from whatif import place_probability, policy_with, run_cohort
from whatif.montecarlo import mc_seeds

TARGET_SECONDS = 30.0
LOTTERY_SEED = "bench-montecarlo-2025-26"


def _median_time(function, repeats: int):
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times, result


def plain_offers(applications: pd.DataFrame, scores: pd.DataFrame, policy, seed: str, kinds: pd.Series,
                 capacity: Counter) -> set[str]:
    """One seed the plain way: rank_cohort, then walk the ranking; a place while the kind's capacity lasts."""
    ranking = rank_cohort(applications, scores, policy, seed)
    taken: Counter = Counter()
    offered = set()
    for applicant_id, status in zip(ranking.frame["applicant_id"], ranking.frame["status"]):
        if status != "ranked":
            continue
        kind = kinds[applicant_id]
        if taken[kind] < capacity[kind]:
            taken[kind] += 1
            offered.add(applicant_id)
    return offered


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="applicants (default 10000)")
    parser.add_argument("--seeds", type=int, default=1000, help="lottery seeds (default 1000)")
    parser.add_argument("--repeats", type=int, default=5, help="timed engine runs (default 5)")
    parser.add_argument("--all-repeats", type=int, default=3, help="timed runs hashing every key (default 3)")
    parser.add_argument("--plain-seeds", type=int, default=5, help="seeds timed the plain way (default 5)")
    parser.add_argument("--admit-seeds", type=int, default=1,
                        help="real admissions timed, 0 to skip (default 1)")
    parser.add_argument("--seed", type=int, default=2025, help="synthetic cohort seed (default 2025)")
    args = parser.parse_args(argv)
    if min(args.n, args.seeds, args.repeats, args.all_repeats, args.plain_seeds) < 1 or args.admit_seeds < 0:
        parser.error("counts must be at least 1 (--admit-seeds at least 0)")

    policy = policy_with()
    print(f"Generating {args.n:,} synthetic applicants (seed {args.seed}) ...", flush=True)
    with tempfile.TemporaryDirectory(prefix="psm-bench-mc-") as tmp:
        paths = write_cohort(generate_cohort(n=args.n, seed=args.seed), Path(tmp))
        started = time.perf_counter()
        cohort = read_cohort(policy, *paths)
        read_seconds = time.perf_counter() - started
    print("Baseline run (score, rank, one real admission) ...", flush=True)
    started = time.perf_counter()
    baseline = run_cohort(cohort, policy, seed=LOTTERY_SEED, label="baseline")
    baseline_seconds = time.perf_counter() - started
    ranked = int(baseline.ranking["status"].isin(["offered", "waitlisted"]).sum())

    print(f"Timing place_probability, {args.seeds:,} seeds, {args.repeats} runs ...", flush=True)
    engine_median, engine_times, odds = _median_time(
        lambda: place_probability(baseline, seeds=args.seeds, progress=False), args.repeats)
    print(f"Timing place_probability hashing every key, {args.all_repeats} runs ...", flush=True)
    all_median, all_times, odds_all = _median_time(
        lambda: place_probability(baseline, seeds=args.seeds, progress=False, contested_only=False),
        args.all_repeats)

    apps, scores = cohort.applications, baseline.scores
    kinds = baseline.kinds  # the engine's kinds, college beds released to non-members included (section 7)
    offered = baseline.ranking.loc[baseline.ranking["status"] == "offered", "applicant_id"]
    capacity = Counter(kinds[offered].tolist())
    plain_seeds = mc_seeds(LOTTERY_SEED, args.seeds)[: args.plain_seeds]
    print(f"Timing the plain way (rank_cohort + a Python walk), {len(plain_seeds)} seeds ...", flush=True)
    plain_times, plain_sets = [], []
    for seed in plain_seeds:
        started = time.perf_counter()
        plain_sets.append(plain_offers(apps, scores, policy, seed, kinds, capacity))
        plain_times.append(time.perf_counter() - started)
    plain_per_seed = statistics.median(plain_times)
    admit_times = []
    if args.admit_seeds:
        print(f"Timing real admissions (allocation.admit), {args.admit_seeds} seed(s) ...", flush=True)
        inventory = read_inventory(policy)
        for seed in plain_seeds[: args.admit_seeds]:
            ranking = rank_cohort(apps, scores, policy, seed)
            started = time.perf_counter()
            try:
                admit(ranking, apps, inventory, policy)
                admit_times.append(f"{time.perf_counter() - started:.2f} s")
            except PsmError as e:  # information only: the Monte Carlo does not depend on it
                admit_times.append(f"failed after {time.perf_counter() - started:.2f} s ({e})")

    differ = 0  # each plain seed against the engine on that seed alone
    for seed, plain in zip(plain_seeds, plain_sets):
        one = place_probability(baseline, seeds=[seed], progress=False).frame
        differ += len(set(one.loc[one["offers"] == 1, "applicant_id"]) ^ plain)
    same_variants = bool((odds.frame["offers"].to_numpy() == odds_all.frame["offers"].to_numpy()).all())

    plain_extrapolated = plain_per_seed * args.seeds
    contested = int(odds.capacities["contested_applicants"].sum())
    between = int(((odds.frame["probability"] > 0) & (odds.frame["probability"] < 1)).sum())
    def runs(times):
        return ", ".join(f"{t:.3f}" for t in times)

    def met(seconds):
        return "yes" if seconds < TARGET_SECONDS else "no"

    rows = [
        ("applicants (n) / ranked", f"{len(apps):,} / {ranked:,}"),
        ("seeds", f"{args.seeds:,}"),
        ("place_probability median", f"{engine_median:.3f} s  (runs: {runs(engine_times)})"),
        ("  hashing every key (median)", f"{all_median:.3f} s  (runs: {runs(all_times)}); "
                                         f"{ranked * args.seeds:,} SHA-256 keys"),
        ("plain, per seed (median)", f"{plain_per_seed:.3f} s  (runs: {runs(plain_times)})"),
        (f"plain, x {args.seeds:,} (extrapolated)", f"{plain_extrapolated:.1f} s"),
        ("ratio plain / engine", f"{plain_extrapolated / engine_median:,.0f}x"),
        ("ratio plain / engine hashing every key", f"{plain_extrapolated / all_median:,.1f}x"),
        (f"target < {TARGET_SECONDS:g} s met",
         f"{met(engine_median)} (hashing every key: {met(all_median)})"),
        ("real admission per seed (info)", "; ".join(admit_times) or "skipped"),
        ("baseline run (info)", f"{baseline_seconds:.2f} s (score, rank, one real admission)"),
        ("read + validate (info)", f"{read_seconds:.2f} s"),
        ("applicants in contested tie groups", f"{contested:,}; probability strictly in (0, 1): {between:,}"),
        ("cross-check", f"plain vs engine: {differ} applicant(s) differ over {len(plain_seeds)} seeds; "
                        f"engine variants identical: {'yes' if same_variants else 'NO'}"),
        ("python / numpy / pandas", f"{platform.python_version()} / {np.__version__} / {pd.__version__}"),
        ("CPU affinity", AFFINITY),
    ]
    width = max(len(label) for label, _ in rows)
    print()
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    print()
    if differ or not same_variants:
        print("CROSS-CHECK FAILED", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
