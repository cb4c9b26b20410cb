"""Benchmark: score 100,000 applicants in under 2 s on one core, against a plain Python loop.

Acceptance point: "scoring 100,000 applicants in under 2 s on one core, printed with its
ratio against a plain per-row Python loop of the same rules". This is a benchmark, not a
timed test: run it with ``make bench`` (or ``.venv/bin/python benchmarks/bench_scoring.py``).

What it does:

1. Pins the process to one CPU (``os.sched_setaffinity``, where the platform has it) and sets
   the OpenMP/BLAS thread counts to 1 before numpy is imported.
2. Draws a synthetic cohort (``synthetic.generate_cohort``), writes it as CSV into a
   temporary directory (``write_cohort``) and reads it back the way the engine does
   (``psm.io.read_cohort``: parsing and validation), ``--read-repeats`` times, wall and CPU
   time. Beside it, the same files read by the previous reader (one pydantic model per row),
   kept as a reference outside the engine: the ``psm`` package of the engine
   before the speed work (``reference.PREVIOUS_APPROACH``, ``--reference``), extracted with ``git archive`` into a temporary
   directory and run in a subprocess with that directory on ``PYTHONPATH``, one run after each
   run of the new reader. Both medians and their ratio are printed, and the two readings must
   be identical (frames, rejects); ``--skip-reference`` leaves the reference out. The read is
   for information; it is not part of the scoring target.
3. Times ``psm.scoring.score_frames`` with the district table, i.e. the whole scoring:
   eligibility, tracks, travel resolution, every part, profiles and totals. Median of
   ``--repeats`` runs (the machine is noisy).
4. Times the plain per-row loop of ``benchmarks/plain_loop.py`` (median of fewer runs).
5. Checks that both give the same track and the same points, part by part, for every
   applicant; prints the first difference and exits with status 1 if they do not.
6. Prints a small table: n, the two medians, their ratio, whether the 2 s target is met, and
   the read medians (new and previous reader) with their ratio.

Exit status: 0 when the results agree (whether or not the target is met, which is reported),
1 when they differ (the scores, or the two readers' frames and rejects).
"""

from __future__ import annotations

from one_core import AFFINITY  # first, before numpy loads: one thread, one pinned CPU

import argparse
import json
import os
import pickle
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from psm.io import read_cohort
from psm.policy import load_policy
from psm.scoring import score_frames
from psm.travel import DistrictTable
from synthetic import generate_cohort, write_cohort

from plain_loop import POINT_COLUMNS, plain_scores  # beside this script
from reference import PREVIOUS_APPROACH, extract

TARGET_SECONDS = 2.0
COMPARED = ("track", *POINT_COLUMNS, "total_points")
REPO = Path(__file__).resolve().parent.parent

# The previous reader, run in a subprocess whose PYTHONPATH holds the reference commit's psm: one
# timed read_cohort (wall and CPU seconds as JSON on stdout), its result pickled to argv[1]. With
# pandas' Python string storage, which the engine now pins (psm/__init__.py) and the reference,
# written before pyarrow was installed, does not: the frames compared must have the same dtypes.
PREVIOUS_READ = """
import json, pickle, sys, time
import pandas
pandas.set_option("mode.string_storage", "python")
import psm
from psm.io import read_cohort
from psm.policy import load_policy
policy = load_policy()
wall, cpu = time.perf_counter(), time.process_time()
cohort = read_cohort(policy, *sys.argv[2:])
times = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "package": psm.__file__}
with open(sys.argv[1], "wb") as handle:
    pickle.dump([cohort.applications, cohort.office_bearers, cohort.achievements, list(cohort.rejects)], handle)
print(json.dumps(times))
"""


def _time(function: Callable[[], pd.DataFrame], repeats: int) -> tuple[float, list[float], pd.DataFrame]:
    """Median wall time of ``repeats`` calls, all the times, and the last result."""
    times = []
    result = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times, result


def read_previous(reference: Path, paths: list[Path], result: Path) -> tuple[float, float]:
    """One read of ``paths`` by the reference reader in a subprocess: (wall, CPU) seconds."""
    environment = {**os.environ, "PYTHONPATH": str(reference)}
    done = subprocess.run([sys.executable, "-c", PREVIOUS_READ, str(result), *map(str, paths)], cwd=reference,
                          env=environment, capture_output=True, text=True, check=True)
    times = json.loads(done.stdout.splitlines()[-1])
    if not times["package"].startswith(str(reference)):
        raise RuntimeError(f"the reference run imported {times['package']}, not the package under {reference}")
    return times["wall"], times["cpu"]


def read_difference(new, previous: list) -> str | None:
    """How the new reader's cohort differs from the previous reader's; None when identical."""
    names = ("applications", "office_bearers", "achievements")
    for name, frame in zip(names, previous):
        try:
            pd.testing.assert_frame_equal(getattr(new, name), frame, check_exact=True)
        except AssertionError as e:
            return f"{name}: {e}"
    if list(new.rejects) != previous[3]:
        return f"rejects differ: {len(new.rejects)} new, {len(previous[3])} previous"
    return None


def time_reads(policy, paths: list[Path], repeats: int, reference: Path | None) -> dict:
    """``read_cohort`` of ``paths`` ``repeats`` times, each run followed by one of the reference reader."""
    runs: dict[str, list[tuple[float, float]]] = {"new": [], "previous": []}
    difference = None
    for repeat in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        read = read_cohort(policy, *paths)
        runs["new"].append((time.perf_counter() - wall, time.process_time() - cpu))
        if reference is not None:
            result = reference / "previous.pickle"
            runs["previous"].append(read_previous(reference, paths, result))
            if repeat == 0:
                difference = read_difference(read, pickle.loads(result.read_bytes()))
    return {"read": read, "runs": runs, "difference": difference}


def _medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def _read_rows(reads: dict, reference_note: str) -> list[tuple[str, str]]:
    """The report's lines on reading: each reader's medians and runs, their ratio, the cross-check."""
    def line(runs: list[tuple[float, float]]) -> str:
        wall, cpu = _medians(runs)
        shown = ", ".join(f"{w:.2f}/{c:.2f}" for w, c in runs)
        return f"{wall:.2f} s wall, {cpu:.2f} s CPU  (runs wall/CPU: {shown})"

    new, previous = reads["runs"]["new"], reads["runs"]["previous"]
    rows = [("read + validate, new (median)", line(new))]
    if not previous:
        return rows + [("read + validate, previous", reference_note)]
    (new_wall, new_cpu), (old_wall, old_cpu) = _medians(new), _medians(previous)
    same = "identical frames and rejects" if reads["difference"] is None else "DIFFERENT"
    return rows + [
        (f"read + validate, previous ({PREVIOUS_APPROACH[:7]})", line(previous)),
        ("ratio previous / new", f"{old_wall / new_wall:.1f}x wall, {old_cpu / new_cpu:.1f}x CPU"),
        ("cross-check (new vs previous read)", same),
    ]


def _plain_values(column: pd.Series) -> list:
    """A column as plain Python values, with None for every kind of empty (NA, NaN, None)."""
    return [None if pd.isna(v) else (v if isinstance(v, str) else int(v)) for v in column.tolist()]


def first_difference(engine: pd.DataFrame, plain: pd.DataFrame) -> str | None:
    """Describe the first applicant whose track or points differ; None when all agree."""
    if len(engine) != len(plain):
        return f"row counts differ: engine {len(engine)}, plain loop {len(plain)}"
    ids_e, ids_p = engine["applicant_id"].tolist(), plain["applicant_id"].tolist()
    if ids_e != ids_p:
        at = next(i for i, (a, b) in enumerate(zip(ids_e, ids_p)) if a != b)
        return f"applicant order differs at row {at}: engine {ids_e[at]}, plain loop {ids_p[at]}"
    columns_e = {c: _plain_values(engine[c]) for c in COMPARED}
    columns_p = {c: _plain_values(plain[c]) for c in COMPARED}
    bad_rows = set()
    for c in COMPARED:
        bad_rows.update(i for i, (a, b) in enumerate(zip(columns_e[c], columns_p[c])) if a != b)
    if not bad_rows:
        return None
    at = min(bad_rows)
    differing = [c for c in COMPARED if columns_e[c][at] != columns_p[c][at]]
    detail = ", ".join(f"{c}: engine {columns_e[c][at]!r} vs plain {columns_p[c][at]!r}" for c in differing)
    return f"{len(bad_rows)} applicant(s) differ; first: {ids_e[at]} (row {at}): {detail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="applicants (default 100000)")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs of the engine (default 7)")
    parser.add_argument("--plain-repeats", type=int, default=3, help="timed runs of the plain loop (default 3)")
    parser.add_argument("--read-repeats", type=int, default=3, help="timed runs of read_cohort (default 3)")
    parser.add_argument("--seed", type=int, default=2025, help="synthetic cohort seed (default 2025)")
    parser.add_argument("--reference", default=PREVIOUS_APPROACH,
                        help=f"git commit of the previous reader timed beside the new one (default {PREVIOUS_APPROACH[:7]})")
    parser.add_argument("--skip-reference", action="store_true", help="do not time the previous reader")
    args = parser.parse_args(argv)
    if min(args.n, args.repeats, args.plain_repeats, args.read_repeats) < 1:
        parser.error("--n, --repeats, --plain-repeats and --read-repeats must be at least 1")

    policy = load_policy()
    table = DistrictTable.load()

    print(f"Generating {args.n:,} synthetic applicants (seed {args.seed}) ...", flush=True)
    cohort = generate_cohort(n=args.n, seed=args.seed)
    with tempfile.TemporaryDirectory(prefix="psm-bench-") as tmp:
        paths = write_cohort(cohort, Path(tmp) / "cohort")
        reference, reference_note = None, "skipped (--skip-reference)"
        if not args.skip_reference:
            try:
                reference = extract(args.reference, Path(tmp), "psm", "config")
            except (OSError, subprocess.CalledProcessError) as e:
                reference_note = f"not run: cannot extract tag {args.reference!r} with git archive ({e})"
        print(f"Timing read_cohort, {args.read_repeats} runs"
              f"{', each followed by one of the previous reader' if reference else ''} ...", flush=True)
        reads = time_reads(policy, paths, args.read_repeats, reference)
    read = reads["read"]
    apps, posts, prizes = read.applications, read.office_bearers, read.achievements
    print(
        f"Read + validate (information, not the target): median {_medians(reads['runs']['new'])[0]:.2f} s; "
        f"{len(apps):,} applications, {len(posts):,} office-bearer rows, {len(prizes):,} achievement rows, "
        f"{read.rejected_rows} rejected rows",
        flush=True,
    )

    print(f"Timing score_frames, {args.repeats} runs ...", flush=True)
    engine_median, engine_times, engine = _time(
        lambda: score_frames(apps, posts, prizes, policy, table), args.repeats
    )
    print(f"Timing the plain loop, {args.plain_repeats} runs ...", flush=True)
    plain_median, plain_times, plain = _time(
        lambda: plain_scores(apps, posts, prizes, policy, table.minutes_by_district), args.plain_repeats
    )

    difference = first_difference(engine, plain)
    ratio = plain_median / engine_median
    met = engine_median < TARGET_SECONDS
    tracks = engine["track"].value_counts().to_dict()

    rows = [
        ("applicants (n)", f"{len(apps):,}"),
        ("score_frames median", f"{engine_median:.3f} s  (runs: {', '.join(f'{t:.3f}' for t in engine_times)})"),
        ("plain loop median", f"{plain_median:.3f} s  (runs: {', '.join(f'{t:.3f}' for t in plain_times)})"),
        ("ratio plain / vectorised", f"{ratio:.1f}x"),
        (f"target < {TARGET_SECONDS:g} s met", "yes" if met else "no"),
        ("cross-check (track + points)", "identical for all applicants" if difference is None else "DIFFERENT"),
        *_read_rows(reads, reference_note),
        ("tracks", ", ".join(f"{k} {v:,}" for k, v in sorted(tracks.items()))),
        ("python / numpy / pandas", f"{platform.python_version()} / {np.__version__} / {pd.__version__}"),
        ("CPU affinity", AFFINITY),
        ("policy", f"{policy.version} (sha256 {policy.sha256[:12]})"),
    ]
    width = max(len(label) for label, _ in rows)
    print()
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    print()

    if difference is not None:
        print(f"CROSS-CHECK FAILED: {difference}", file=sys.stderr)
        return 1
    if reads["difference"] is not None:
        print(f"READ CROSS-CHECK FAILED: the new and the previous reader differ: {reads['difference']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
