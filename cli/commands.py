"""One function per command: run the pipeline, write the files, print the summary."""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from allocation.inventory import default_rooms_path
from allocation.report import summarise
from cli.bundle import building, keep_inputs, logging_to, manifest_of, read_manifest, sha256_of, write_manifest
from cli.exits import EXIT_OK, EXIT_VERIFY_FAILED
from cli.html_report import write_report
from cli.offers import next_round
from cli.pipeline import (allocate, produce, read_and_score, read_ranking, write_allocation,
                          write_ranking)
from cli.summary import print_allocation, print_inputs, print_ranking, print_rejects, print_rooms, print_scores
from psm.errors import PsmError
from psm.io import read_applications, read_table, write_csv
from psm.lottery import FORMULA, commitment, lottery_keys
from psm.policy import default_policy_path, load_policy
from psm.ranking import rank_cohort
from psm.travel import default_table_path
from psm.travel.areas import default_area_path
from psm.travel.recorded import RecordedTravel

__all__ = ["score", "rank", "lottery", "sample", "allocate_ranking", "run", "verify"]


def score(args: argparse.Namespace) -> int:
    done = read_and_score(args, args.rejects or args.out.with_name("rejects.csv"))
    write_csv(done.scores, args.out)
    print_inputs(done, args)
    print_scores(done)
    print(f"  wrote {args.out} ({len(done.scores):,} rows) and {done.rejects_path} ({len(done.cohort.rejects):,} problems)")
    return print_rejects(done.cohort)


def rank(args: argparse.Namespace) -> int:
    done = read_and_score(args, args.rejects or args.out.with_name("rejects.csv"))
    ranking = rank_cohort(done.cohort.applications, done.scores, done.policy, args.seed)
    lottery_path = write_ranking(ranking.frame, ranking, done.policy, args.out)
    print_inputs(done, args)
    print_ranking(done.policy, ranking)
    print(f"  wrote {args.out} ({len(ranking.frame):,} rows), {lottery_path} and {done.rejects_path} "
          f"({len(done.cohort.rejects):,} problems)")
    return print_rejects(done.cohort)


def run(args: argparse.Namespace) -> int:
    """Score, rank and allocate in one go, into a complete, self-sufficient bundle RUN_DIR."""
    timings: dict[str, float] = {}
    with building(args.out) as folder:
        kept = keep_inputs(folder, {
            "applications": args.applications, "office_bearers": args.office_bearers,
            "achievements": args.achievements, "rooms": args.rooms or default_rooms_path(),
            "policy": args.policy or default_policy_path(),
            "district_minutes": default_table_path(), "area_minutes": default_area_path(),
        })
        with logging_to(folder / "run.log"):
            result = produce(args, folder, timings=timings)
            summary = summarise(result.allocated.admission, result.allocated.placement,
                                result.scored.cohort.applications, result.allocated.inventory)
            print_inputs(result.scored, args)
            print_rooms(result.allocated.inventory)
            print_ranking(result.scored.policy, result.ranking, allocated=True)
            print_allocation(summary)
            status = print_rejects(result.scored.cohort)
        write_manifest(folder, manifest_of(args, result, summary, kept, timings))
        write_report(folder)
    print(f"  bundle complete: {args.out}/ (manifest.json, inputs/, results, run.log, report.html)")
    return status


def verify(args: argparse.Namespace) -> int:
    """Re-run a bundle from its own inputs and say whether every output reproduces."""
    run_dir: Path = args.run_dir
    manifest = read_manifest(run_dir)
    problems = _changed_files(run_dir, manifest)
    for name, problem in _rerun_differences(run_dir, manifest).items():
        problems.setdefault(name, []).append(problem)
    print(f"psm verify · {run_dir} · policy {manifest['policy']['version']} · seed {manifest['seed']!r}")
    for name in manifest["outputs"]:
        found = problems.get(name)
        print(f"  {name:<26} {'DIFFERS: ' + '; '.join(found) if found else 'reproduces'}")
    for name, found in problems.items():
        if name not in manifest["outputs"]:
            print(f"  {name}: {'; '.join(found)}")
    if problems:
        print(f"  verification FAILED: {sum(map(len, problems.values()))} problem(s)")
        return EXIT_VERIFY_FAILED
    print("  every output reproduces from the bundle's inputs, policy and seed")
    return EXIT_OK


def _changed_files(run_dir: Path, manifest: dict) -> dict[str, list[str]]:
    """Inputs and outputs missing or changed since the manifest was written."""
    recorded = {**manifest["outputs"], **{entry["file"]: entry["sha256"] for entry in manifest["inputs"].values()}}
    problems: dict[str, list[str]] = {}
    for name, digest in recorded.items():
        if not (run_dir / name).exists():
            problems[name] = ["missing from the bundle"]
        elif sha256_of(run_dir / name) != digest:
            problems[name] = ["changed since the run (SHA-256 differs from the manifest)"]
    return problems


def _rerun_differences(run_dir: Path, manifest: dict) -> dict[str, str]:
    """Outputs a re-run from the bundle's inputs (recorded travel minutes) does not reproduce."""
    inputs = {role: run_dir / entry["file"] for role, entry in manifest["inputs"].items()}
    if not all(path.exists() for path in inputs.values()) or not (run_dir / "scores.csv").exists():
        return {"(re-run)": "not possible: the bundle lacks an input or scores.csv"}
    differences = {}
    with tempfile.TemporaryDirectory(prefix="psm-verify-") as scratch:
        out = Path(scratch) / "out"
        out.mkdir()
        if manifest["command"] == "psm offers":
            next_round(inputs, manifest["seed"], manifest["round"], manifest["offer_round"], out)
        else:
            given = _under_given_names(inputs, manifest["inputs"], Path(scratch) / "given")
            again = argparse.Namespace(
                applications=given["applications"], office_bearers=given.get("office_bearers"),
                achievements=given.get("achievements"), policy=inputs["policy"], rooms=inputs["rooms"],
                round=manifest["round"], seed=manifest["seed"], travel="table", travel_cache=None,
            )
            produce(again, out, travel=RecordedTravel(pd.read_csv(run_dir / "scores.csv", dtype={"applicant_id": str})))
        for name in manifest["outputs"]:
            stored = run_dir / name
            if stored.exists() and (out / name).read_bytes() != stored.read_bytes():
                differences[name] = "the re-run from the bundle's inputs gives different content"
    return differences


def _under_given_names(inputs: dict[str, Path], entries: dict[str, dict], scratch: Path) -> dict[str, Path]:
    """The input files copied under the names the run was given (rejects.csv quotes them)."""
    given = {}
    for role in ("applications", "office_bearers", "achievements"):
        if role in inputs:
            target = scratch / role / entries[role].get("name", inputs[role].name)
            target.parent.mkdir(parents=True)
            shutil.copyfile(inputs[role], target)
            given[role] = target
    return given


def allocate_ranking(args: argparse.Namespace) -> int:
    """Allocate a ranking.csv that ``psm rank`` wrote."""
    policy = load_policy(args.policy)
    applications = read_applications(args.applications, policy)
    if applications.rejects:
        raise PsmError(f"{args.applications}: {len({r.row for r in applications.rejects})} rows do not validate; "
                       "run psm score on it and fix them first")
    ranking = read_ranking(args.ranking, applications.frame)
    allocated = allocate(ranking, applications.frame, policy, args.rooms)
    write_ranking(allocated.admission.frame, ranking, policy, args.out / "ranking.csv")
    write_allocation(allocated, policy, args.out)
    print(f"psm allocate · policy {policy.version} (sha256 {policy.sha256[:12]}) · {args.ranking}")
    print_rooms(allocated.inventory)
    print_allocation(summarise(allocated.admission, allocated.placement, applications.frame, allocated.inventory))
    print(f"  wrote {args.out}/: ranking.csv, lottery.json, assignments.csv, unmatched_roommates.csv")
    return EXIT_OK


def lottery(args: argparse.Namespace) -> int:
    table = read_table(args.applications)
    if "applicant_id" not in table.header:
        raise PsmError(f"{args.applications}: no applicant_id column; give a file whose header has applicant_id")
    at = table.header.index("applicant_id")
    ids = list(dict.fromkeys(cells[at] for _, cells in table.rows if at < len(cells) and cells[at]))
    keys = lottery_keys(args.seed, ids)
    print(f"# {FORMULA}; seed {args.seed!r}; {len(ids)} ids; ids_sha256 {commitment(ids)}")
    print("position,applicant_id,lottery_key")
    for position, index in enumerate(np.argsort(keys, kind="stable"), 1):
        print(f"{position},{ids[index]},{keys[index]}")
    return EXIT_OK


def sample(args: argparse.Namespace) -> int:
    from psm.synthetic import generate_cohort, write_cohort

    for path in write_cohort(generate_cohort(n=args.n, seed=args.seed), args.out):
        print(f"wrote {path}")
    return EXIT_OK
