"""The run: score -> rank -> admit -> place, from a typed request to a typed result.

:func:`run_cohort` is the one pipeline: ``psm run``, ``psm verify``, ``whatif.run_cohort`` and
the notebooks all call it. :func:`run` reads a :class:`RunRequest`'s files first;
:func:`score_request` stops after scoring (``psm score``, ``psm rank``). Nothing here writes a
file except the writers at the end, which stamp every result CSV with the policy's version and
hash (:func:`write_results` writes a run's six result files into a folder).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from allocation.inventory import Inventory, default_rooms_path, read_inventory
from allocation.quotas import QuotaWarning
from psm.domain import PERSONAL_COLUMNS, UNRANKED_STATUSES, WITHHELD
from psm.errors import PsmError
from psm.io import REJECT_COLUMNS, Cohort, FileSummary, Reject, read_applications, read_cohort, write_csv
from psm.io.writers import write_fix
from psm.lottery import FORMULA, check_seed
from psm.policy import Policy, default_policy_path, load_policy
from psm.progress import timed_step
from psm.ranking import Ranking, rank_cohort
from psm.scoring import score_frames
from psm.travel import DistrictTable, TravelProvider, TravelTimes, make_provider

if TYPE_CHECKING:  # imported by the functions that allocate (_allocation): scoring never loads OR-Tools
    from allocation.admit import Admission
    from allocation.place import Placement

__all__ = ["InputFiles", "RunRequest", "Scored", "RunResult", "AllocatedRanking", "RESULT_FILES",
           "load_run_policy", "score_request", "rank_scored", "run", "run_cohort", "wishes_checked", "allocate_ranking", "read_ranking",
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

    def __post_init__(self) -> None:
        if self.seed:
            check_seed(self.seed)  # at the edge: before a file is read

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

    @property
    def quota_warnings(self) -> tuple[QuotaWarning, ...]:
        """Pool quotas the rooms do not match (:mod:`allocation.quotas`), for the summary, manifest, report."""
        return self.admission.quota_warnings


def load_run_policy(path: Path | None, scoring_round: str) -> Policy:
    """The policy file, with the scoring round checked against it."""
    policy = load_policy(path)
    policy.round(scoring_round)
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
                  progress: bool = True, rooms: Inventory | None = None) -> Scored:
    """Load the policy, read and validate the inputs, score (``psm score``, ``psm rank``); with
    ``rooms``, the wishes are checked against them first (:func:`wishes_checked`: an offer round)."""
    policy, travel, cohort = _read(request, travel, timings, progress)
    if rooms is not None:
        cohort = wishes_checked(cohort, rooms)
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


def wishes_checked(cohort: Cohort, inventory: Inventory) -> Cohort:
    """The cohort with every application naming a hall or college the rooms file lacks rejected.

    Each hall in ``hall_preferences`` and each ``college`` must be a name in the rooms file,
    exactly as written there (``io-contract``: rooms.csv is the list of halls); otherwise the
    wish would be dropped without a word. A bad name is a reject like any other bad value: one
    line of rejects.csv per cell (row, applicant_id, column, value, the fix naming the nearest
    name), and the row leaves the cohort exactly as a reader's reject does: its rows in the
    office-bearer and achievement files are rejected with it, and each file's counts follow.
    """
    halls, colleges = set(inventory.rooms["hall"]), set(inventory.rooms["college"]) - {""}
    rooms_file = Path(inventory.path).name
    apps = cohort.applications
    if apps.empty:
        return cohort
    name_of = {Path(f.path).name: f for f in cohort.files}
    apps_file = Path(cohort.files[0].path).name
    new: list[Reject] = []
    for row, applicant, wished, college in zip(apps["source_row"], apps["applicant_id"], apps["hall_preferences"],
                                               apps["college"]):
        unknown = [h for h in (wished or ()) if h not in halls]
        if unknown:
            new.append(Reject(int(row), applicant, "hall_preferences", ";".join(wished),
                              "; ".join(_unknown_name("hall", h, halls, rooms_file) for h in unknown), apps_file))
        if isinstance(college, str) and college and college not in colleges:
            new.append(Reject(int(row), applicant, "college", college,
                              _unknown_name("residential college", college, colleges, rooms_file), apps_file))
    if not new:
        return cohort
    gone = {r.applicant_id for r in new}
    linked = {}
    for role, frame in (("office_bearers", cohort.office_bearers), ("achievements", cohort.achievements)):
        dropped = frame[frame["applicant_id"].isin(gone)]
        linked[role] = frame[~frame["applicant_id"].isin(gone)].reset_index(drop=True)
        if len(dropped):
            file = Path(_linked_files(cohort)[role].path).name
            new += [Reject(int(row), a, "applicant_id", a, "this applicant's application row was rejected; fix that "
                           "row first", file) for row, a in zip(dropped["source_row"], dropped["applicant_id"])]
    added = Counter((r.file, r.row) for r in new)
    files = tuple(replace(f, accepted=f.accepted - len({row for name, row in added if name == Path(f.path).name}),
                          rejected=f.rejected + len({row for name, row in added if name == Path(f.path).name}))
                  for f in cohort.files)
    order = {name: i for i, name in enumerate(name_of)}
    rejects = tuple(sorted((*cohort.rejects, *new), key=lambda r: (order.get(r.file, len(order)), r.row)))
    return Cohort(applications=apps[~apps["applicant_id"].isin(gone)].reset_index(drop=True),
                  office_bearers=linked["office_bearers"], achievements=linked["achievements"],
                  rejects=rejects, files=files)


def _linked_files(cohort: Cohort) -> dict[str, FileSummary]:
    """The office-bearer and achievement files' summaries, by role, of those read with rows used.

    :func:`psm.io.read_cohort` lists the files read in the order applications, office bearers,
    achievements; with one of the two, it is the one whose frame has rows."""
    linked = cohort.files[1:]
    if len(linked) == 2:
        return {"office_bearers": linked[0], "achievements": linked[1]}
    role = "office_bearers" if len(cohort.office_bearers) else "achievements"
    return {role: linked[0]} if linked else {}


def _unknown_name(what: str, name: str, known: set[str], rooms_file: str) -> str:
    """The fix for a hall or college the rooms file lacks: the nearest name, if one is near."""
    by_lower = {k.lower(): k for k in sorted(known)}  # "curi" is nearest to "CURI"
    nearest = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.5)
    hint = f"did you mean {by_lower[nearest[0]]!r}? " if nearest else ""
    return f"no {what} named {name!r} in {rooms_file}; {hint}write the name exactly as {rooms_file} has it"


def run_cohort(cohort: Cohort, policy: Policy, *, seed: str, rooms: Path | Inventory | None = None,
               travel: TravelTimes | TravelProvider | None = None, scoring_round: str = "regular",
               place_rooms: bool = True, timings: dict | None = None, progress: bool = False) -> RunResult:
    """Score, rank, admit and (with ``place_rooms``) place a cohort already read.

    Travel minutes default to the offline table ``psm run --travel table`` uses (districts refined
    by areas); rooms to the bundled inventory.
    """
    admit, place = _allocation()
    inventory = rooms if isinstance(rooms, Inventory) else read_inventory(policy, rooms)
    cohort = wishes_checked(cohort, inventory)
    travel = travel if travel is not None else make_provider("table", policy.travel, progress=False)
    scored = _score(cohort, policy, travel, scoring_round, timings)
    with timed_step("ranking", timings):
        ranking = rank_scored(scored, seed)
    with timed_step(f"admission: walking {len(ranking.ranked):,} ranked applicants", timings):
        admission = admit(ranking, cohort.applications, inventory, policy, progress=progress)
    placement = None
    if place_rooms:
        with timed_step(f"placement: {len(admission.offered):,} offers into {len(inventory.rooms):,} rooms", timings):
            placement = place(admission, cohort.applications, inventory, policy, progress=progress)
    return RunResult(scored, ranking, inventory, admission, placement)


def _allocation():
    """:func:`allocation.admit.admit` and :func:`allocation.place.place`, imported when a run
    first allocates: they bring OR-Tools (about 0.15 s to import), which ``psm score`` and
    ``psm rank`` never use."""
    from allocation.admit import admit  # noqa: PLC0415
    from allocation.place import place  # noqa: PLC0415

    return admit, place


@dataclass(frozen=True)
class AllocatedRanking:
    """A ranking from ``psm rank`` allocated (``psm allocate``): the same steps as a run's last two."""

    policy: Policy
    applications: pd.DataFrame
    ranking: Ranking
    inventory: Inventory
    admission: Admission
    placement: Placement
    rejected_rows: int = 0  # rows of the applications file the reader rejected (left out, as psm rank did)


def allocate_ranking(ranking_path: Path, applications_path: Path, policy_path: Path | None = None,
                     rooms: Path | None = None) -> AllocatedRanking:
    """Admit and place the applicants of a ranking.csv that ``psm rank`` wrote (and recorded:
    :func:`read_ranking`), from the applications it ranked: rows the reader rejects are left out,
    as ``psm rank`` left them out; an application naming a hall or college the rooms lack stops
    the command (``psm rank`` could not check it: :func:`wishes_checked`)."""
    policy = load_policy(policy_path)
    applications = read_applications(applications_path, policy)
    ranking = read_ranking(ranking_path, applications.frame)
    inventory = read_inventory(policy, rooms)
    nothing = pd.DataFrame(columns=["source_row", "applicant_id"])
    read = Cohort(applications.frame, nothing, nothing, applications.rejects, (applications.summary,))
    checked = wishes_checked(read, inventory)
    if len(checked.rejects) > len(read.rejects):
        found = [r for r in checked.rejects if r not in set(read.rejects)]
        shown = "\n  - ".join(f"row {r.row}, {r.column} = {r.value!r}: {r.error}" for r in found[:20])
        raise PsmError(f"{applications_path}: {len(found)} wish(es) name a hall or college the rooms file lacks:\n"
                       f"  - {shown}\nfix them and rank again (psm rank), or score, rank and allocate in one go "
                       "(psm run), which rejects such rows")
    admit, place = _allocation()
    admission = admit(ranking, applications.frame, inventory, policy, progress=True)
    placement = place(admission, applications.frame, inventory, policy, progress=True)
    return AllocatedRanking(policy, applications.frame, ranking, inventory, admission, placement,
                            applications.summary.rejected)


def read_ranking(path: Path, applications: pd.DataFrame) -> Ranking:
    """A ranking.csv written by ``psm rank``, checked against the applications it must rank.

    Only a ranking whose SHA-256 ``psm rank`` recorded in ``lottery.json`` beside it is taken
    (:func:`write_ranking`): an edited ranking would move people up or down the waitlist."""
    lottery = path.with_name("lottery.json")
    try:
        recorded = json.loads(lottery.read_text(encoding="utf-8")).get("ranking_sha256") if lottery.exists() else None
    except (OSError, ValueError) as e:
        raise PsmError(f"{lottery}: not readable ({e}); give the ranking.csv and lottery.json that psm rank wrote") from e
    if recorded is None:
        raise PsmError(f"{path}: no SHA-256 of this ranking is recorded (lottery.json beside it, written by psm rank); "
                       "allocate a ranking psm rank wrote, with its lottery.json")
    if _sha256(path) != recorded:
        raise PsmError(f"{path}: the ranking was changed since psm rank wrote it (its SHA-256 differs from the one "
                       f"in {lottery.name}); allocate the ranking as psm rank wrote it, or rank again")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as e:
        raise PsmError(f"{path}: cannot read the ranking ({e}); give the ranking.csv that psm rank wrote") from e
    needed = ["applicant_id", "pool", "tier", "rank", "score", "lottery_key", "status", "reason"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise PsmError(f"{path}: columns {missing} are missing; give the ranking.csv that psm rank wrote")
    done = sorted(set(frame["status"]) - {"ranked", *UNRANKED_STATUSES})
    if done:
        raise PsmError(f"{path}: statuses {done} show this ranking was already allocated; allocate the ranking "
                       "that psm rank wrote (offer rounds come with psm offers)")
    unknown = sorted(set(frame["applicant_id"]) - set(applications["applicant_id"]))
    if unknown:
        raise PsmError(f"{path}: {len(unknown)} applicant(s) not in the applications (first: {unknown[:3]}); "
                       "rank and allocate the same applications file")
    frame = frame[needed].assign(rank=pd.array(pd.to_numeric(frame["rank"].replace("", None)), dtype="Int64"),
                                 score=pd.array(pd.to_numeric(frame["score"].replace("", None)), dtype="Int64"))
    record = json.loads(lottery.read_text(encoding="utf-8"))
    return Ranking(frame, record.get("seed", ""), record.get("ranked_ids_sha256", ""), "", "")


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as e:
        raise PsmError(f"{path}: cannot read the ranking ({e.strerror}); give the ranking.csv that psm rank wrote") from e


# -- writing ----------------------------------------------------------------------------------


def write_stamped(frame: pd.DataFrame, policy: Policy, path: Path) -> Path:
    """Write a result CSV that names the policy it was made under (version and file hash)."""
    return write_csv(frame.assign(policy_version=policy.version, policy_sha256=policy.sha256), path)


def rejects_frame(cohort: Cohort) -> pd.DataFrame:
    """One row per problem of a rejected row (rejects.csv's columns). The value of a personal
    column (:data:`psm.domain.PERSONAL_COLUMNS`) is withheld, and so are values quoted in its
    error message; the row and column say where to look in the committee's own file."""
    frame = pd.DataFrame([r.__dict__ for r in cohort.rejects], columns=list(REJECT_COLUMNS))
    personal = frame["column"].isin(PERSONAL_COLUMNS)
    frame.loc[personal, "value"] = WITHHELD
    frame.loc[personal, "error"] = frame.loc[personal, "error"].map(withhold_quoted)
    return frame


_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def withhold_quoted(text: str) -> str:
    """``text`` with every quoted value replaced by "(value)": a value may be personal."""
    return _QUOTED.sub("(value)", text)


def write_scores(scores: pd.DataFrame, path: Path) -> Path:
    """scores.csv (its rows carry the policy's version and hash already)."""
    return write_csv(scores, path)


def write_rejects(cohort: Cohort, policy: Policy, path: Path) -> Path:
    """rejects.csv: one line per problem of a rejected row, readable by its owner only (it
    names applicants and what is wrong with their rows)."""
    path = write_stamped(rejects_frame(cohort), policy, path)
    os.chmod(path, 0o600)
    return path


def write_ranking(frame: pd.DataFrame, ranking: Ranking, policy: Policy, path: Path) -> Path:
    """ranking.csv (with the policy's version and hash) and lottery.json beside it; returns the latter."""
    write_stamped(frame, policy, path)
    lottery_path = path.with_name("lottery.json")
    write_json(lottery_path, {
        "ranking_sha256": _sha256(path),  # psm allocate takes this ranking only unedited
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
        raise PsmError(f"{path}: cannot write ({e.strerror}); {write_fix(e)}") from e
