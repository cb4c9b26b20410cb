"""The run: score -> rank -> admit -> place, from a typed request to a typed result.

:func:`run_cohort` is the one pipeline: ``psm run``, ``psm verify``, ``whatif.run_cohort`` and
the notebooks all call it. :func:`run` reads a :class:`RunRequest`'s files first;
:func:`score_request` stops after scoring (``psm score``, ``psm rank``). Nothing here writes a
file except the writers at the end, which stamp every result CSV with the policy's version and
hash (:func:`write_results` writes a run's six result files into a folder).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from allocation.admit import Admission, admit
from allocation.inventory import Inventory, default_rooms_path, read_inventory
from allocation.place import Placement, place
from psm.errors import PolicyError, PsmError
from psm.io import REJECT_COLUMNS, Cohort, read_applications, read_cohort, write_csv
from psm.lottery import FORMULA
from psm.policy import Policy, default_policy_path, load_policy
from psm.progress import timed_step
from psm.ranking import Ranking, rank_cohort
from psm.scoring import score_frames
from psm.travel import DistrictTable, TravelProvider, TravelTimes, make_provider

__all__ = ["InputFiles", "RunRequest", "Scored", "RunResult", "AllocatedRanking", "RESULT_FILES",
           "load_run_policy", "score_request", "rank_scored", "run", "run_cohort", "allocate_ranking", "read_ranking",
           "rejects_frame", "write_stamped", "write_scores", "write_rejects", "write_ranking", "write_allocation",
           "write_results", "write_json"]

#: What a run writes, in every bundle (same inputs, policy and seed: the same bytes).
RESULT_FILES = ("scores.csv", "rejects.csv", "ranking.csv", "lottery.json", "assignments.csv",
                "unmatched_roommates.csv")


@dataclass(frozen=True)
class InputFiles:
    """The committee's files for one exercise (CSV or XLSX); only the applications are required."""

    applications: Path
    office_bearers: Path | None = None
    achievements: Path | None = None

    def given(self) -> dict[str, Path]:
        """Role -> path, for the files given."""
        return {role: Path(path) for role, path in (("applications", self.applications),
                                                    ("office_bearers", self.office_bearers),
                                                    ("achievements", self.achievements)) if path is not None}


@dataclass(frozen=True)
class RunRequest:
    """Everything a run is made from. ``policy`` and ``rooms`` default to the bundled files;
    ``travel`` names the provider of travel minutes (``table``, ``google``, ``google-routes``)."""

    inputs: InputFiles
    seed: str = ""
    policy: Path | None = None
    rooms: Path | None = None
    scoring_round: str = "regular"
    travel: str = "table"
    travel_cache: Path | None = None

    @property
    def policy_path(self) -> Path:
        return Path(self.policy) if self.policy is not None else default_policy_path()

    @property
    def rooms_path(self) -> Path:
        return Path(self.rooms) if self.rooms is not None else default_rooms_path()


@dataclass(frozen=True)
class Scored:
    """A cohort read, validated and scored under one policy."""

    policy: Policy
    travel: TravelTimes
    cohort: Cohort
    scores: pd.DataFrame


@dataclass(frozen=True)
class RunResult:
    """One run: the scored cohort, the draw (``ranking``: pools, tiers, lottery), who got a bed
    (``admission.frame``: the ranking with statuses) and which room (``placement``; None when a
    what-if stopped after admission)."""

    scored: Scored
    ranking: Ranking
    inventory: Inventory
    admission: Admission
    placement: Placement | None

    @property
    def policy(self) -> Policy:
        return self.scored.policy


def load_run_policy(path: Path | None, scoring_round: str) -> Policy:
    """The policy file, with the scoring round checked against it."""
    policy = load_policy(path)
    if scoring_round not in policy.rounds:
        raise PolicyError(f"--round {scoring_round!r} is not in the policy; use one of {sorted(policy.rounds)}")
    return policy


def _read(request: RunRequest, travel: TravelTimes | None, timings: dict | None,
          progress: bool) -> tuple[Policy, TravelTimes, Cohort]:
    policy = load_run_policy(request.policy, request.scoring_round)
    if travel is None:
        travel = make_provider(request.travel, policy.travel, request.travel_cache, DistrictTable.load(),
                               progress=progress)
    files = request.inputs
    with timed_step("reading and checking the input files", timings):
        cohort = read_cohort(policy, files.applications, files.office_bearers, files.achievements)
    return policy, travel, cohort


def _score(cohort: Cohort, policy: Policy, travel: TravelTimes, scoring_round: str,
           timings: dict | None) -> Scored:
    with timed_step("scoring", timings):
        scores = score_frames(cohort.applications, cohort.office_bearers, cohort.achievements, policy, travel,
                              scoring_round)
    return Scored(policy, travel, cohort, scores)


def score_request(request: RunRequest, travel: TravelTimes | None = None, timings: dict | None = None,
                  progress: bool = True) -> Scored:
    """Load the policy, read and validate the inputs, score (``psm score``, ``psm rank``)."""
    policy, travel, cohort = _read(request, travel, timings, progress)
    return _score(cohort, policy, travel, request.scoring_round, timings)


def rank_scored(scored: Scored, seed: str) -> Ranking:
    """Rank a scored cohort (``psm rank``): pools, tiers, score, lottery."""
    return rank_cohort(scored.cohort.applications, scored.scores, scored.policy, seed)


def run(request: RunRequest, travel: TravelTimes | None = None, timings: dict | None = None,
        progress: bool = True) -> RunResult:
    """Read the request's files, then :func:`run_cohort` (``psm run``, ``psm verify``)."""
    policy, travel, cohort = _read(request, travel, timings, progress)
    return run_cohort(cohort, policy, seed=request.seed, rooms=request.rooms_path, travel=travel,
                      scoring_round=request.scoring_round, timings=timings, progress=progress)


def run_cohort(cohort: Cohort, policy: Policy, *, seed: str, rooms: Path | Inventory | None = None,
               travel: TravelTimes | TravelProvider | None = None, scoring_round: str = "regular",
               place_rooms: bool = True, timings: dict | None = None, progress: bool = False) -> RunResult:
    """Score, rank, admit and (with ``place_rooms``) place a cohort already read.

    Travel minutes default to the offline district table; rooms to the bundled inventory.
    """
    scored = _score(cohort, policy, travel if travel is not None else DistrictTable.load(), scoring_round, timings)
    with timed_step("ranking", timings):
        ranking = rank_scored(scored, seed)
    inventory = rooms if isinstance(rooms, Inventory) else read_inventory(policy, rooms)
    with timed_step(f"admission: walking {len(ranking.ranked):,} ranked applicants", timings):
        admission = admit(ranking, cohort.applications, inventory, policy, progress=progress)
    placement = None
    if place_rooms:
        with timed_step(f"placement: {len(admission.offered):,} offers into {len(inventory.rooms):,} rooms", timings):
            placement = place(admission, cohort.applications, inventory, policy, progress=progress)
    return RunResult(scored, ranking, inventory, admission, placement)


@dataclass(frozen=True)
class AllocatedRanking:
    """A ranking from ``psm rank`` allocated (``psm allocate``): the same steps as a run's last two."""

    policy: Policy
    applications: pd.DataFrame
    ranking: Ranking
    inventory: Inventory
    admission: Admission
    placement: Placement


def allocate_ranking(ranking_path: Path, applications_path: Path, policy_path: Path | None = None,
                     rooms: Path | None = None) -> AllocatedRanking:
    """Admit and place the applicants of a ranking.csv that ``psm rank`` wrote."""
    policy = load_policy(policy_path)
    applications = read_applications(applications_path, policy)
    if applications.rejects:
        raise PsmError(f"{applications_path}: {len({r.row for r in applications.rejects})} rows do not validate; "
                       "run psm score on it and fix them first")
    ranking = read_ranking(ranking_path, applications.frame)
    inventory = read_inventory(policy, rooms)
    admission = admit(ranking, applications.frame, inventory, policy, progress=True)
    placement = place(admission, applications.frame, inventory, policy, progress=True)
    return AllocatedRanking(policy, applications.frame, ranking, inventory, admission, placement)


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


# -- writing ----------------------------------------------------------------------------------


def write_stamped(frame: pd.DataFrame, policy: Policy, path: Path) -> Path:
    """Write a result CSV that names the policy it was made under (version and file hash)."""
    return write_csv(frame.assign(policy_version=policy.version, policy_sha256=policy.sha256), path)


def rejects_frame(cohort: Cohort) -> pd.DataFrame:
    """One row per problem of a rejected row (rejects.csv's columns)."""
    return pd.DataFrame([r.__dict__ for r in cohort.rejects], columns=list(REJECT_COLUMNS))


def write_scores(scores: pd.DataFrame, path: Path) -> Path:
    """scores.csv (its rows carry the policy's version and hash already)."""
    return write_csv(scores, path)


def write_rejects(cohort: Cohort, policy: Policy, path: Path) -> Path:
    """rejects.csv: one line per problem of a rejected row."""
    return write_stamped(rejects_frame(cohort), policy, path)


def write_ranking(frame: pd.DataFrame, ranking: Ranking, policy: Policy, path: Path) -> Path:
    """ranking.csv (with the policy's version and hash) and lottery.json beside it; returns the latter."""
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


def write_allocation(placement: Placement, policy: Policy, folder: Path) -> None:
    """assignments.csv and unmatched_roommates.csv."""
    write_stamped(placement.assignments, policy, folder / "assignments.csv")
    write_stamped(placement.split_pairs, policy, folder / "unmatched_roommates.csv")


def write_results(result: RunResult, folder: Path) -> None:
    """Every result file of a run (:data:`RESULT_FILES`) into ``folder``."""
    policy = result.policy
    write_rejects(result.scored.cohort, policy, folder / "rejects.csv")
    write_scores(result.scored.scores, folder / "scores.csv")
    write_ranking(result.admission.frame, result.ranking, policy, folder / "ranking.csv")
    write_allocation(result.placement, policy, folder)


def write_json(path: Path, content: dict) -> None:
    """A JSON file with sorted keys (the same content: the same bytes)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    except OSError as e:
        raise PsmError(f"{path}: cannot write ({e.strerror}); choose a writable --out path") from e
