"""Benchmark: the speed table of the issue "Speed", in one run, against the previous approach.

A benchmark, not a timed test: ``make bench`` runs it, or ``.venv/bin/python
benchmarks/bench_speed.py`` (``--help`` for the flags). With the previous approach it takes
several minutes; ``--skip-previous`` times only today's engine.

Each figure is timed now and with the **previous approach**: the engine as it was before the speed
work (commit ``reference.PREVIOUS_APPROACH`` of main's history), extracted with ``git archive`` into a
temporary directory and run from there in a subprocess (``PYTHONPATH`` set to it, the check
that it imported from there). It is kept runnable as a reference here, not in the engine.

| figure | how | target |
|---|---|---|
| ``psm run``, the sample (6,000), the bundled inventory | subprocess, whole command | 5 s |
| ``psm verify`` of that bundle | subprocess | 5 s |
| ``psm run``, 20,000 applicants, the inventory twice, quotas doubled | subprocess | 20 s |
| ``psm score``, 100,000 applicants from CSV | subprocess | 4 s |
| a what-if scenario on the sample (``whatif.run_cohort``: the volunteer band 50 h -> 30 h) | subprocess, the call alone (the cohort read before) | 3 s |

Both trees run from compiled bytecode (:func:`compiled`, before any timing), as an engine
installed from a wheel does: where ``PYTHONDONTWRITEBYTECODE`` is set (it is on these
machines), each run would otherwise compile its modules again, about 0.3 s of every command.

Wall times are medians of ``--repeats`` (``--previous-repeats`` for the previous approach);
the CPU time of the child (user + system) is printed beside them, since these 2-core machines
are noisy. Beside the times: the room model's objective values from each bundle's manifest
(mixing, room_type, tie_break), and whether the two bundles' results are byte-identical:
scores, rejects, ranking and lottery must be; the rooms (``assignments.csv``) may differ, since
several room plans reach the same optima, and ``unmatched_roommates.csv`` words some reasons
differently since the speed work; those two are reported, not required.

The **plain baselines**, in the same run (``--skip-plain`` leaves the first two out):

- scoring: the per-row Python loop of the same rules (``plain_loop.py``) on the 100,000 cohort,
  against the engine's ``score_frames`` on the same frames, with the cross-check that both give
  every applicant the same track and points;
- rooms: the plain per-room CP-SAT model (a boolean per unit and room, ``allocation.plain``)
  where it can be built, a cut of the inventory for ``--plain-size`` applicants (default 300),
  against the engine's ``place`` on the same offers, objective values beside the times; and the
  number of (unit, room) variables it would need for the whole sample, where it cannot;
- allocation *quality*: a serial dictatorship (``serial_dictatorship.py``) over the engine's own
  units (same offers, same pairs, same rules) on the sample and the 20,000 cohort: first
  choices, listed halls, mixed rooms, room types met and applicants it leaves unplaced, beside
  the engine's on the same measures, and its time.

Exit status 0 when scores, rejects, ranking, lottery and the objective values agree with the
previous approach, 1 otherwise (a target missed is reported, not an error).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from reference import PREVIOUS_APPROACH, extract  # beside this script

SAMPLE = REPO / "data" / "sample"
ROOMS = REPO / "data" / "halls" / "polyu_rooms.csv"
MAIN = "import sys; from cli.main import main; sys.exit(main(sys.argv[1:]))"
WHATIF = """
import time, whatif
cohort = whatif.load_cohort()  # once, as a notebook or the console holds it; the scenario is what is timed
wall, cpu = time.perf_counter(), time.process_time()
whatif.run_cohort(cohort, seed="demo-2025-26",
                  overrides={"parts.volunteer.bands": [{"at_least": 0, "points": 0}, {"at_least": 30, "points": 8}]})
print("TIMED", time.perf_counter() - wall, time.process_time() - cpu)
"""
#: Run before each timed child, in both trees: pandas 3 keeps text in Arrow arrays when pyarrow is
#: installed (it is now: psm/io/tables.py parses CSV with it), which the engine switches off
#: (psm/__init__.py) and the previous approach, written before pyarrow was a dependency, does not.
PYTHON_STRINGS = 'import pandas; pandas.set_option("mode.string_storage", "python")\n'
NOT_COMPARED = {"manifest.json", "report.html", "run.log"}  # timings; the report's layout; the log names folders
#: Results that must not change with the speed work. Rooms (assignments.csv) may: several room plans
#: reach the same optima (allocation/rooms.py), so the objective values are compared instead.
MUST_MATCH = {"scores.csv", "rejects.csv", "ranking.csv", "lottery.json"}


PACKAGES = ("psm", "allocation", "hac", "cli", "synthetic", "whatif")


def compiled(tree: Path) -> Path:
    """``tree`` with its packages compiled to bytecode (``compileall``, which writes it even
    where ``PYTHONDONTWRITEBYTECODE`` is set); a tree that lacks one of them is left as it is."""
    packages = [str(tree / name) for name in PACKAGES if (tree / name).is_dir()]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], check=True, capture_output=True)
    return tree


def timed(argv: list[str], tree: Path) -> tuple[float, float]:
    """Run ``argv`` (Python code and arguments) with ``tree`` first on the path: (wall, CPU) seconds."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    code, *arguments = argv
    done = subprocess.run([sys.executable, "-c", PYTHON_STRINGS + code, *arguments], cwd=tree, env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{argv[1:3]} in {tree} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    last = done.stdout.strip().splitlines()[-1:] or [""]
    if last[0].startswith("TIMED "):  # the child timed its own part (a what-if scenario, imports and cohort aside)
        _, own_wall, own_cpu = last[0].split()
        return float(own_wall), float(own_cpu)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run_args(cohort: Path, out: Path, seed: str, rooms: Path | None = None, policy: Path | None = None) -> list[str]:
    return [MAIN, "run", "--applications", str(cohort / "applications.csv"),
            "--office-bearers", str(cohort / "office_bearers.csv"), "--achievements", str(cohort / "achievements.csv"),
            *(["--rooms", str(rooms)] if rooms else []), *(["--policy", str(policy)] if policy else []),
            "--seed", seed, "--out", str(out)]


def median_of(argvs: list[list[str]], tree: Path) -> tuple[float, float]:
    """Medians of (wall, CPU) over the argument lists (one run each)."""
    runs = [timed(argv, tree) for argv in argvs]
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def objectives(bundle: Path) -> str:
    manifest = json.loads((bundle / "manifest.json").read_text())
    found = manifest.get("solver", {}).get("objectives", {})
    return ", ".join(f"{name} {v['value']} ({v['status']})" for name, v in found.items()) or "-"


def differing(a: Path, b: Path) -> list[str]:
    """Result files that differ between two bundles (module docstring: which are compared)."""
    names = sorted({p.name for p in a.iterdir() if p.is_file()} | {p.name for p in b.iterdir() if p.is_file()})
    return [n for n in names if n not in NOT_COMPARED
            and not ((a / n).exists() and (b / n).exists() and filecmp.cmp(a / n, b / n, shallow=False))]


def scoring_lines(cohort: Path, repeats: int) -> list[str]:
    """The engine's scoring against the per-row loop on the same frames, and whether they agree."""
    from bench_scoring import first_difference  # noqa: PLC0415 (after the timed subprocesses)
    from plain_loop import plain_scores  # noqa: PLC0415
    from psm.io import read_cohort  # noqa: PLC0415
    from psm.policy import load_policy  # noqa: PLC0415
    from psm.scoring import score_frames  # noqa: PLC0415
    from psm.travel import DistrictTable  # noqa: PLC0415

    policy, table = load_policy(), DistrictTable.load()
    read = read_cohort(policy, cohort / "applications.csv", cohort / "office_bearers.csv", cohort / "achievements.csv")
    frames = (read.applications, read.office_bearers, read.achievements)
    engine_times = []
    for _ in range(repeats):
        started = time.process_time()
        engine = score_frames(*frames, policy, table)
        engine_times.append(time.process_time() - started)
    plain_started = time.process_time()
    plain = plain_scores(*frames, policy, table.minutes_by_district)
    plain_seconds = time.process_time() - plain_started
    engine_seconds = statistics.median(engine_times)
    difference = first_difference(engine, plain)
    return [f"  scoring {len(read.applications):,} (frames read before; CPU seconds): engine score_frames "
            f"{engine_seconds:.2f} s, plain per-row loop {plain_seconds:.2f} s, {plain_seconds / engine_seconds:.0f}x; "
            f"tracks and points {'identical' if difference is None else 'DIFFER: ' + difference}"]


def plain_room_lines(size: int, tmp: Path, sample_request) -> list[str]:
    """The plain per-room model against ``place`` on a cut of the inventory; its size on the sample."""
    from bench_allocation import _objectives, compare_with_plain, plain_variable_count  # noqa: PLC0415
    from hac.pipeline import run  # noqa: PLC0415
    from psm.policy import load_policy  # noqa: PLC0415
    from psm.travel import DistrictTable  # noqa: PLC0415

    policy = load_policy()
    limit = float(policy.allocation.max_deterministic_time)
    row = compare_with_plain(size, 2025, policy, DistrictTable.load(), limit, tmp)
    sample = run(sample_request, progress=False)
    needed = plain_variable_count(sample.placement, sample.inventory, sample.policy)
    return [f"  rooms, {size} applicants on a cut inventory ({row['rooms']} rooms, {row['units']} units; wall seconds):",
            f"    engine place {row['place_seconds']:.2f} s (room model {row['room_model_seconds'] or 0:.2f} s): "
            f"{_objectives(row['aggregated'])}",
            f"    plain per-room model {row['plain_seconds']:.1f} s, {row['plain_status']}: {_objectives(row['plain'])}",
            f"  rooms, the sample: the plain model would need {needed:,} (unit, room) variables; not built"]


def quality_lines(label: str, request) -> list[str]:
    """The engine's allocation quality and the serial dictatorship's, on the engine's units."""
    from allocation.access import RoomAccess  # noqa: PLC0415 (after the timed subprocesses)
    from hac.pipeline import run  # noqa: PLC0415
    from serial_dictatorship import quality, serial_dictatorship  # noqa: PLC0415

    result = run(request, progress=False)
    units = list(result.placement.units)
    rooms = result.inventory.rooms
    room_of = dict(zip(result.placement.assignments["applicant_id"], result.placement.assignments["room_id"]))
    engine = quality(units, {u.unit_id: room_of[u.unit_id] for u in units}, rooms)
    started = time.perf_counter()
    baseline = serial_dictatorship(units, rooms, RoomAccess.from_policy(result.policy))
    seconds = time.perf_counter() - started
    return [f"  {label}: {len(units):,} units offered",
            f"    engine (rooms planned at once):        {engine.line()}",
            f"    serial dictatorship ({seconds:5.2f} s):      {quality(units, baseline, rooms).line()}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of today's engine per figure (default 3)")
    parser.add_argument("--previous-repeats", type=int, default=1,
                        help="timed runs of the previous approach per figure (default 1: it is slow)")
    parser.add_argument("--skip-previous", action="store_true", help="do not run the previous approach")
    parser.add_argument("--skip-quality", action="store_true", help="do not run the serial dictatorship baseline")
    parser.add_argument("--skip-plain", action="store_true",
                        help="do not run the per-row scoring loop and the plain per-room model")
    parser.add_argument("--plain-size", type=int, default=300,
                        help="applicants for the plain per-room model's comparison (default 300)")
    parser.add_argument("--reference", default=PREVIOUS_APPROACH,
                        help=f"git commit of the previous approach (default {PREVIOUS_APPROACH[:7]})")
    args = parser.parse_args(argv)

    from bench_allocation import write_doubled_rooms  # noqa: PLC0415
    from hac.pipeline import InputFiles, RunRequest  # noqa: PLC0415
    from psm.policy import load_policy  # noqa: PLC0415
    from synthetic import generate_cohort, write_cohort  # noqa: PLC0415
    from whatif import override_toml  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="bench-speed-") as scratch:
        tmp = Path(scratch)
        print("setting up: cohorts of 20,000 and 100,000 (synthetic, seed 2025), the inventory twice ...", flush=True)
        write_cohort(generate_cohort(n=20_000, seed=2025), tmp / "c20k")
        write_cohort(generate_cohort(n=100_000, seed=2025), tmp / "c100k")
        doubled = write_doubled_rooms(ROOMS, tmp / "rooms_twice.csv")
        policy = load_policy(REPO / "config" / "policy" / "2025-26.toml")
        twice = tmp / "policy_twice.toml"
        twice.write_text(override_toml({"pools": {n: {"beds": 2 * p.beds} for n, p in policy.pools.items()}}),
                         encoding="utf-8")
        trees = {"now": compiled(REPO)}
        if not args.skip_previous:
            (tmp / "previous").mkdir()
            trees["previous"] = compiled(extract(args.reference, tmp / "previous"))

        figures = [
            ("psm run, sample 6,000", 5.0, lambda who, i: run_args(SAMPLE, tmp / f"{who}-sample-{i}", "demo-2025-26")),
            ("psm verify of that bundle", 5.0, lambda who, i: [MAIN, "verify", str(tmp / f"{who}-sample-0")]),
            ("psm run, 20,000, inventory x2", 20.0,
             lambda who, i: run_args(tmp / "c20k", tmp / f"{who}-20k-{i}", "bench-20k", doubled, twice)),
            ("psm score, 100,000 from CSV", 4.0,
             lambda who, i: [MAIN, "score", "--applications", str(tmp / "c100k" / "applications.csv"),
                             "--office-bearers", str(tmp / "c100k" / "office_bearers.csv"),
                             "--achievements", str(tmp / "c100k" / "achievements.csv"),
                             "--out", str(tmp / f"{who}-scores-{i}.csv")]),
            ("what-if scenario, sample", 3.0, lambda who, i: [WHATIF]),
        ]
        rows = []
        for name, target, make in figures:
            line = {}
            for who, tree in trees.items():
                repeats = args.repeats if who == "now" else args.previous_repeats
                line[who] = median_of([make(who, i) for i in range(repeats)], tree)
                print(f"  {name}: {who} {line[who][0]:.1f} s wall, {line[who][1]:.1f} s CPU", flush=True)
            rows.append((name, target, line))

        print(f"\nspeed (medians: now of {args.repeats}, previous of {args.previous_repeats}; wall / CPU seconds)")
        print(f"  {'figure':<32} {'now':>15} {'previous':>15} {'ratio':>7}  target")
        for name, target, line in rows:
            now, previous = line["now"], line.get("previous")
            ratio = f"{previous[0] / now[0]:6.1f}x" if previous else "      -"
            met = "met" if now[0] <= target else "NOT met"
            prev = f"{previous[0]:6.1f} / {previous[1]:5.1f}" if previous else f"{'-':>15}"
            print(f"  {name:<32} {now[0]:6.1f} / {now[1]:5.1f} {prev} {ratio}  <= {target:g} s {met}")

        status = 0
        print("\nroom model objectives and results (now against previous)")
        for label, folder in (("sample", "sample-0"), ("20,000", "20k-0")):
            now = tmp / f"now-{folder}"
            print(f"  {label}: now {objectives(now)}")
            if "previous" in trees:
                before = tmp / f"previous-{folder}"
                print(f"  {label}: previous {objectives(before)}")
                changed = differing(now, before)
                strict = [name for name in changed if name in MUST_MATCH]
                print(f"  {label}: scores, rejects, ranking and lottery "
                      f"{'identical' if not strict else 'DIFFER: ' + ', '.join(strict)}; "
                      f"rooms and reasons {'identical' if not set(changed) - set(strict) else 'differ: ' + ', '.join(sorted(set(changed) - set(strict)))}")
                status |= bool(strict) or objectives(now) != objectives(before)

        sample_request = RunRequest(InputFiles(SAMPLE / "applications.csv", SAMPLE / "office_bearers.csv",
                                               SAMPLE / "achievements.csv"), seed="demo-2025-26")
        if not args.skip_plain:
            print("\nplain baselines: the per-row scoring loop, the plain per-room CP-SAT model", flush=True)
            print("\n".join(scoring_lines(tmp / "c100k", args.repeats)), flush=True)
            (tmp / "plain").mkdir()
            print("\n".join(plain_room_lines(args.plain_size, tmp / "plain", sample_request)), flush=True)

        if not args.skip_quality:
            print("\nallocation quality against the plain baseline (serial dictatorship over the same offers)")
            for label, cohort, rooms, policy_path, seed in (("sample", SAMPLE, None, None, "demo-2025-26"),
                                                            ("20,000", tmp / "c20k", doubled, twice, "bench-20k")):
                request = RunRequest(InputFiles(cohort / "applications.csv", cohort / "office_bearers.csv",
                                                cohort / "achievements.csv"), seed=seed, policy=policy_path, rooms=rooms)
                print("\n".join(quality_lines(label, request)), flush=True)
        return status


if __name__ == "__main__":
    sys.exit(main())
