"""Appeals: recalculate one applicant's score card against the exact run that decided it.

Under the bundle's own policy, recorded travel minutes and lottery seed: the applicant's row
is changed as the appeal says (``--set column=value``, ``--add-achievement``, ``--add-post``),
validated like any input row, re-scored by the same code as the batch, and re-ranked in the
same cohort (everyone else unchanged; lottery keys depend only on seed and id). The result:
old and new points per part, old and new position in tier and pool, and whether the new
position clears that round's cut-off (ahead of the first waitlisted applicant of the same
pool and gender). A record is appended to ``appeals.jsonl``; the bundle's results are never
rewritten. An appeal with no change reproduces the stored card exactly (checked every time).

An appeal the HAC upholds (``--uphold``) also records its changes in full in
``appeals/amendments.jsonl`` (personal data, kept like ``inputs/``, never printed): the next
offer round (``psm offers``) applies them, so the appellant joins the waitlist at the new
position.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

from hac.bundle import input_paths, read_checked_manifest, sha256_of
from psm.domain import PERSONAL_COLUMNS
from psm.errors import PsmError
from psm.io import AchievementRow, ApplicationRow, OfficeBearerRow, describe_problem, read_cohort, rows_to_frame
from psm.policy import Policy, load_policy
from psm.ranking import rank_cohort
from psm.scoring import POINT_COLUMNS, score_frames
from psm.travel.recorded import RecordedTravel

__all__ = ["Appeal", "recalculate", "record_appeal", "shown_changes", "PRIVATE_COLUMNS", "AMENDMENTS", "CARD"]

#: Never written to appeals.jsonl or printed: only that they changed.
PRIVATE_COLUMNS = PERSONAL_COLUMNS
CARD = (*POINT_COLUMNS, "total_points", "track", "profile")
#: Upheld appeals' changes in full (household and address values included, like inputs/),
#: which ``psm offers`` applies to the inputs of the next round.
AMENDMENTS = Path("appeals") / "amendments.jsonl"


@dataclass(frozen=True)
class Appeal:
    applicant_id: str
    old_card: dict
    new_card: dict
    old_position: dict
    new_position: dict
    clears_cutoff: bool | None  # None: the pool and gender had no waitlist
    notes: tuple[str, ...]


def recalculate(run_dir: Path, applicant_id: str, changes: dict[str, str], posts: list[dict],
                prizes: list[dict]) -> Appeal:
    """The appeal's result; raises :class:`PsmError` naming the column and fix for a bad change."""
    manifest = read_checked_manifest(run_dir)
    applicant_id = applicant_id.strip().upper()  # ids match whatever their case
    inputs = input_paths(run_dir, manifest)
    policy = load_policy(inputs["policy"])
    cohort = read_cohort(policy, inputs["applications"], inputs.get("office_bearers"), inputs.get("achievements"))
    apps = cohort.applications
    if applicant_id not in set(apps["applicant_id"]):
        raise PsmError(f"{applicant_id!r} has no valid application in {run_dir}; check the id")
    stored = pd.read_csv(run_dir / "scores.csv", dtype={"applicant_id": str})
    travel = RecordedTravel(stored)
    ranking = pd.read_csv(run_dir / "ranking.csv", dtype={"applicant_id": str, "lottery_key": str},
                          keep_default_na=False)

    def card_and_position(frame, post_frame, prize_frame):
        scores = score_frames(frame, post_frame, prize_frame, policy, travel, manifest["round"])
        ranked = rank_cohort(frame, scores, policy, manifest["seed"]).frame
        return scores.set_index("applicant_id").loc[applicant_id], ranked

    before, ranked_before = card_and_position(apps, cohort.office_bearers, cohort.achievements)
    stored_card = stored.set_index("applicant_id").loc[applicant_id]
    if not _same_card(before, stored_card):
        raise PsmError(f"{run_dir}: recalculating {applicant_id} without changes does not give the stored card; "
                       "run psm verify on the bundle")
    changed, notes = _apply(apps, applicant_id, changes, policy)
    post_frame = pd.concat([cohort.office_bearers, _rows(OfficeBearerRow, posts, applicant_id)], ignore_index=True)
    prize_frame = pd.concat([cohort.achievements, _rows(AchievementRow, prizes, applicant_id)], ignore_index=True)
    after, ranked_after = card_and_position(changed, post_frame, prize_frame)
    return Appeal(
        applicant_id=applicant_id,
        old_card=_card(before), new_card=_card(after),
        old_position=_position(ranked_before, applicant_id), new_position=_position(ranked_after, applicant_id),
        clears_cutoff=_clears(ranked_after, ranking, applicant_id, apps, policy),
        notes=tuple(notes),
    )


def _apply(apps: pd.DataFrame, applicant_id: str, changes: dict[str, str], policy: Policy):
    """The applicant's row with the changes, validated like an input row."""
    unknown = [c for c in changes if c not in ApplicationRow.model_fields or c == "applicant_id"]
    if unknown:
        raise PsmError(f"--set {unknown}: not columns an appeal can change; use columns of applications.csv")
    row = apps[apps["applicant_id"] == applicant_id].iloc[0].drop("source_row").to_dict()
    cells = {k: _cell(v) for k, v in row.items()} | changes
    try:
        validated = ApplicationRow.model_validate({k: v for k, v in cells.items() if v != ""})
    except ValidationError as e:
        raise PsmError("; ".join(f"--set {column}: {message}"
                                 for column, message in map(describe_problem, e.errors()))) from e
    problems = validated.cross_check(policy)
    if problems:
        raise PsmError("; ".join(f"--set {column}: {message}" for column, message in problems))
    frame = apps.copy()
    new = rows_to_frame(ApplicationRow, [validated])
    at = frame.index[frame["applicant_id"] == applicant_id][0]
    for column in new.columns.drop("source_row"):
        frame.at[at, column] = new.at[0, column]  # .at: a tuple of halls is one cell, not a sequence
    notes = []
    if ({"district", "home_address"} & set(changes)) and "travel_minutes" not in changes:
        notes.append("travel minutes are the run's (recorded); set travel_minutes=... (HAC-verified) to change them")
    return frame, notes


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, tuple):
        return ";".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _rows(model, rows: list[dict], applicant_id: str) -> pd.DataFrame:
    try:
        valid = [model.model_validate({"applicant_id": applicant_id, **{k: v for k, v in r.items() if v != ""}})
                 for r in rows]  # an empty field is an empty cell, as in the input files
    except ValidationError as e:
        raise PsmError("; ".join(f"{model.__name__} {column}: {message}"
                                 for column, message in map(describe_problem, e.errors()))) from e
    return rows_to_frame(model, valid).drop(columns="source_row") if valid else rows_to_frame(model, [])


def _same_card(card: pd.Series, stored: pd.Series) -> bool:
    return all(_value(card[c]) == _value(stored[c]) for c in CARD)


def _value(v):
    """A card cell as plain JSON: None for empty, int for points, text otherwise."""
    if pd.isna(v) or v == "":
        return None
    return int(v) if isinstance(v, (int, float, np.integer, np.floating)) else str(v)


def _card(card: pd.Series) -> dict:
    return {c: _value(card[c]) for c in CARD}


def _position(ranked: pd.DataFrame, applicant_id: str) -> dict:
    me = ranked[ranked["applicant_id"] == applicant_id].iloc[0]
    if me["status"] != "ranked":
        return {"pool": me["pool"], "status": me["status"]}
    same_tier = ranked[(ranked["pool"] == me["pool"]) & (ranked["tier"] == me["tier"]) & (ranked["status"] == "ranked")]
    return {"pool": me["pool"], "tier": me["tier"], "rank_in_pool": int(me["rank"]),
            "position_in_tier": int((same_tier["rank"] <= me["rank"]).sum()), "tier_size": len(same_tier)}


def _clears(ranked_after: pd.DataFrame, decided: pd.DataFrame, applicant_id: str, apps: pd.DataFrame,
            policy: Policy) -> bool | None:
    """Ahead of the first waitlisted applicant of the same pool and gender in that round?"""
    gender = apps.set_index("applicant_id")["gender"]
    me = ranked_after[ranked_after["applicant_id"] == applicant_id].iloc[0]
    if me["status"] != "ranked":
        return False
    waiting = decided[(decided["status"] == "waitlisted") & (decided["pool"] == me["pool"])
                      & (decided["applicant_id"].map(gender) == gender[applicant_id])
                      & (decided["applicant_id"] != applicant_id)]
    if waiting.empty:
        return None
    first = ranked_after[ranked_after["applicant_id"].isin(waiting["applicant_id"])].sort_values("rank").iloc[0]
    return int(me["rank"]) < int(first["rank"])


def shown_changes(changes: dict[str, str]) -> dict[str, str]:
    """The changes as they may be shown or recorded: a private column's value as "(changed)"."""
    return {k: ("(changed)" if k in PRIVATE_COLUMNS else v) for k, v in changes.items()}


def record_appeal(run_dir: Path, appeal: Appeal, *, by: str, reason: str, changes: dict[str, str],
                  posts: list[dict], prizes: list[dict], upheld: bool) -> dict:
    """Append the appeal to ``appeals.jsonl`` (private values withheld) and, if upheld, its
    changes in full to ``appeals/amendments.jsonl``, which the next offer round applies."""
    record = {
        "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "by": by, "reason": reason, "applicant_id": appeal.applicant_id,
        "changes": shown_changes(changes), "posts_added": posts, "achievements_added": prizes,
        "old": {"card": appeal.old_card, "position": appeal.old_position},
        "new": {"card": appeal.new_card, "position": appeal.new_position},
        "clears_cutoff": appeal.clears_cutoff,
        "upheld": upheld,
        "manifest_sha256": sha256_of(run_dir / "manifest.json"),
    }
    _append(run_dir / "appeals.jsonl", record)
    if upheld:
        _append(run_dir / AMENDMENTS, {"at": record["at"], "by": by, "applicant_id": appeal.applicant_id,
                                       "set": changes, "posts": posts, "achievements": prizes})
    return record


def _append(path: Path, record: dict) -> None:
    """Append one JSON line, holding an exclusive lock on the file while writing, so records of
    two officers (``psm appeal`` and the console at once) never interleave; the file is created
    readable by its owner only."""
    path.parent.mkdir(exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as log:
        fcntl.flock(log, fcntl.LOCK_EX)
        try:
            log.write(json.dumps(record, sort_keys=True) + "\n")
            log.flush()
        finally:
            fcntl.flock(log, fcntl.LOCK_UN)
