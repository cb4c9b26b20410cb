"""The steps the commands share: read and score, rank, allocate, and write what each step made."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from allocation.admit import Admission, admit
from allocation.inventory import Inventory, read_inventory
from allocation.place import Placement, place
from cli.summary import step
from psm.errors import PsmError
from psm.io import REJECT_COLUMNS, Cohort, read_cohort, write_csv
from psm.lottery import FORMULA
from psm.policy import Policy, load_policy
from psm.ranking import Ranking, rank_cohort
from psm.scoring import score_frames
from psm.travel import PROVIDERS, DistrictTable, TravelProvider, make_provider

__all__ = ["Scored", "RunResult", "add_inputs", "read_and_score", "produce", "write_ranking", "write_stamped",
           "allocate", "write_allocation", "write_json"]


def add_inputs(command: argparse.ArgumentParser) -> None:
    """The input options of every command that scores."""
    command.add_argument("--applications", required=True, type=Path, help="applications.csv or .xlsx")
    command.add_argument("--office-bearers", type=Path, help="office_bearers.csv or .xlsx (optional)")
    command.add_argument("--achievements", type=Path, help="achievements.csv or .xlsx (optional)")
    command.add_argument("--policy", type=Path, help="policy TOML (default: config/policy/2025-26.toml)")
    command.add_argument("--round", default="regular", help="scoring round in the policy: regular (default) or summer")
    command.add_argument("--travel", choices=PROVIDERS, default="table",
                         help="travel minutes: table (offline, default), google (Distance Matrix) or google-routes "
                              "(Routes API); Google needs the key in the environment variable GOOGLE_MAPS_API_KEY")
    command.add_argument("--travel-cache", type=Path,
                         help="SQLite cache of Google look-ups (default: data/cache/travel.sqlite)")


@dataclass(frozen=True)
class Scored:
    policy: Policy
    travel: TravelProvider
    cohort: Cohort
    scores: pd.DataFrame
    rejects_path: Path


def read_and_score(args: argparse.Namespace, rejects_path: Path, travel: TravelProvider | None = None,
                   timings: dict | None = None) -> Scored:
    """Load the policy, read and validate the inputs, score; write rejects.csv."""
    policy = load_policy(args.policy)
    if args.round not in policy.rounds:
        raise PsmError(f"--round {args.round!r} is not in the policy; use one of {sorted(policy.rounds)}")
    if travel is None:
        travel = make_provider(args.travel, policy.travel, args.travel_cache, DistrictTable.load(), progress=True)
    with step("reading and checking the input files", timings):
        cohort = read_cohort(policy, args.applications, args.office_bearers, args.achievements)
    with step("scoring", timings):
        scores = score_frames(cohort.applications, cohort.office_bearers, cohort.achievements, policy, travel,
                              args.round)
    write_stamped(pd.DataFrame([r.__dict__ for r in cohort.rejects], columns=list(REJECT_COLUMNS)), policy,
                  rejects_path)
    return Scored(policy, travel, cohort, scores, rejects_path)


def write_stamped(frame: pd.DataFrame, policy: Policy, path: Path) -> Path:
    """Write a result CSV that names the policy it was made under (version and file hash)."""
    return write_csv(frame.assign(policy_version=policy.version, policy_sha256=policy.sha256), path)


def write_ranking(frame: pd.DataFrame, ranking: Ranking, policy: Policy, path: Path) -> Path:
    """ranking.csv (with the policy's version and hash) and lottery.json beside it."""
    write_stamped(frame, policy, path)
    lottery_path = path.with_name("lottery.json")
    write_json(lottery_path, {
        "seed": ranking.seed,
        "formula": FORMULA,
        "ranked_applicants": len(ranking.ranked),
        "ranked_ids_sha256": ranking.commitment,
        "commitment_rule": "SHA-256 of the ranked applicant ids, sorted, one per line, UTF-8",
        "policy_version": policy.version,
        "policy_sha256": policy.sha256,
    })
    return lottery_path


@dataclass(frozen=True)
class Allocated:
    inventory: Inventory
    admission: Admission
    placement: Placement


def allocate(ranking: Ranking, applications: pd.DataFrame, policy: Policy, rooms: Path | None,
             timings: dict | None = None) -> Allocated:
    """Admission (who gets a bed), then placement (which room)."""
    inventory = read_inventory(policy, rooms)
    with step(f"admission: walking {len(ranking.ranked):,} ranked applicants", timings):
        admission = admit(ranking, applications, inventory, policy, progress=True)
    with step(f"placement: {len(admission.offered):,} offers into {len(inventory.rooms):,} rooms", timings):
        placement = place(admission, applications, inventory, policy, progress=True)
    return Allocated(inventory, admission, placement)


def write_allocation(allocated: Allocated, policy: Policy, folder: Path) -> None:
    """assignments.csv and unmatched_roommates.csv."""
    write_stamped(allocated.placement.assignments, policy, folder / "assignments.csv")
    write_stamped(allocated.placement.split_pairs, policy, folder / "unmatched_roommates.csv")


@dataclass(frozen=True)
class RunResult:
    scored: Scored
    ranking: Ranking
    allocated: Allocated


def produce(args: argparse.Namespace, folder: Path, travel: TravelProvider | None = None,
            timings: dict | None = None) -> RunResult:
    """Score, rank and allocate; write every result file of a run into ``folder``."""
    scored = read_and_score(args, folder / "rejects.csv", travel, timings)
    write_csv(scored.scores, folder / "scores.csv")
    with step("ranking", timings):
        ranking = rank_cohort(scored.cohort.applications, scored.scores, scored.policy, args.seed)
    allocated = allocate(ranking, scored.cohort.applications, scored.policy, args.rooms, timings)
    write_ranking(allocated.admission.frame, ranking, scored.policy, folder / "ranking.csv")
    write_allocation(allocated, scored.policy, folder)
    return RunResult(scored, ranking, allocated)


def read_ranking(path: Path, applications: pd.DataFrame) -> Ranking:
    """A ranking.csv written by ``psm rank``, checked against the applications it must rank."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as e:
        raise PsmError(f"{path}: cannot read the ranking ({e}); give the ranking.csv that psm rank wrote") from e
    needed = ["applicant_id", "pool", "tier", "rank", "score", "lottery_key", "status", "reason"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise PsmError(f"{path}: columns {missing} are missing; give the ranking.csv that psm rank wrote")
    done = sorted(set(frame["status"]) - {"ranked", "ineligible", "disqualified"})
    if done:
        raise PsmError(f"{path}: statuses {done} show this ranking was already allocated; allocate the ranking "
                       "that psm rank wrote (offer rounds come with psm offers)")
    unknown = sorted(set(frame["applicant_id"]) - set(applications["applicant_id"]))
    if unknown:
        raise PsmError(f"{path}: {len(unknown)} applicant(s) not in the applications (first: {unknown[:3]}); "
                       "rank and allocate the same applications file")
    frame = frame[needed].assign(rank=pd.array(pd.to_numeric(frame["rank"].replace("", None)), dtype="Int64"),
                                 score=pd.array(pd.to_numeric(frame["score"].replace("", None)), dtype="Int64"))
    lottery = path.with_name("lottery.json")
    record = json.loads(lottery.read_text(encoding="utf-8")) if lottery.exists() else {}
    return Ranking(frame, record.get("seed", ""), record.get("ranked_ids_sha256", ""), "", "")


def write_json(path: Path, content: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    except OSError as e:
        raise PsmError(f"{path}: cannot write ({e.strerror}); choose a writable --out path") from e
