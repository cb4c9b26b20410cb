"""One function per command: run the pipeline, write the files, print the summary."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from allocation.report import summarise
from cli.exits import EXIT_OK
from cli.pipeline import allocate, read_and_score, read_ranking, write_ranking, write_stamped
from cli.summary import print_allocation, print_inputs, print_ranking, print_rejects, print_rooms, print_scores
from psm.errors import PsmError
from psm.io import read_applications, read_table, write_csv
from psm.lottery import FORMULA, commitment, lottery_keys
from psm.policy import load_policy
from psm.ranking import rank_cohort

__all__ = ["score", "rank", "lottery", "sample", "allocate_ranking", "run"]


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
    """Score, rank and allocate in one go, into RUN_DIR."""
    out: Path = args.out
    done = read_and_score(args, out / "rejects.csv")
    write_csv(done.scores, out / "scores.csv")
    ranking = rank_cohort(done.cohort.applications, done.scores, done.policy, args.seed)
    allocated = allocate(ranking, done.cohort.applications, done.policy, args.rooms)
    write_ranking(allocated.admission.frame, ranking, done.policy, out / "ranking.csv")
    _write_allocation(allocated, done.policy, out)
    print_inputs(done, args)
    print_rooms(allocated.inventory)
    print_ranking(done.policy, ranking, allocated=True)
    print_allocation(summarise(allocated.admission, allocated.placement, done.cohort.applications, allocated.inventory))
    print(f"  wrote {out}/: scores.csv, rejects.csv, ranking.csv, lottery.json, assignments.csv, unmatched_roommates.csv")
    return print_rejects(done.cohort)


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
    _write_allocation(allocated, policy, args.out)
    print(f"psm allocate · policy {policy.version} (sha256 {policy.sha256[:12]}) · {args.ranking}")
    print_rooms(allocated.inventory)
    print_allocation(summarise(allocated.admission, allocated.placement, applications.frame, allocated.inventory))
    print(f"  wrote {args.out}/: ranking.csv, lottery.json, assignments.csv, unmatched_roommates.csv")
    return EXIT_OK


def _write_allocation(allocated, policy, out: Path) -> None:
    write_stamped(allocated.placement.assignments, policy, out / "assignments.csv")
    write_stamped(allocated.placement.split_pairs, policy, out / "unmatched_roommates.csv")


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
