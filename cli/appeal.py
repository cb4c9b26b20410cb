"""``psm appeal``: recalculate one applicant's score card against the exact run that decided it.

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

import argparse
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

from cli.bundle import read_manifest, sha256_of
from psm.errors import PsmError
from psm.io import AchievementRow, ApplicationRow, OfficeBearerRow, describe_problem, read_cohort, rows_to_frame
from psm.policy import Policy, load_policy
from psm.ranking import rank_cohort
from psm.scoring import POINT_COLUMNS, score_frames
from psm.travel.recorded import RecordedTravel

__all__ = ["Appeal", "recalculate", "appeal_command", "PRIVATE_COLUMNS", "AMENDMENTS"]

#: Never written to appeals.jsonl or printed: only that they changed.
PRIVATE_COLUMNS = ("home_address", "district", "home_floor_area_sqm", "household_size", "housing_type", "disciplinary")
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
    manifest = read_manifest(run_dir)
    inputs = {role: run_dir / entry["file"] for role, entry in manifest["inputs"].items()}
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
        raise PsmError("; ".join(f"--set {column}: {message}" for column, message in map(describe_problem, e.errors()))) from e
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
        valid = [model.model_validate({"applicant_id": applicant_id, **r}) for r in rows]
    except ValidationError as e:
        raise PsmError("; ".join(f"{model.__name__} {column}: {message}" for column, message in map(describe_problem, e.errors()))) from e
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


def appeal_command(args: argparse.Namespace) -> int:
    changes = dict(_pair(item) for item in args.set or [])
    posts = [dict(zip(("body", "post_level"), _fields(p, 2, "--add-post BODY,POST_LEVEL"))) for p in args.add_post or []]
    prizes = [dict(zip(("level", "prize", "award_date", "verified"), _fields(a, 4, "--add-achievement LEVEL,PRIZE,DATE,VERIFIED")))
              for a in args.add_achievement or []]
    result = recalculate(args.run_dir, args.applicant, changes, posts, prizes)
    shown = {k: ("(changed)" if k in PRIVATE_COLUMNS else v) for k, v in changes.items()}
    print(f"psm appeal · {args.run_dir} · {args.applicant} · by {args.by}")
    if shown or posts or prizes:
        print(f"  changes: {shown or ''}{' · posts added: ' + str(len(posts)) if posts else ''}"
              f"{' · achievements added: ' + str(len(prizes)) if prizes else ''}")
    print(f"  {'part':<22} {'old':>5} {'new':>5}")
    for column in (*POINT_COLUMNS, "total_points"):
        old, new = result.old_card[column], result.new_card[column]
        if old is not None or new is not None:
            mark = "  <-" if old != new else ""
            print(f"  {column:<22} {'' if old is None else old:>5} {'' if new is None else new:>5}{mark}")
    for label, position in (("old", result.old_position), ("new", result.new_position)):
        if "rank_in_pool" in position:
            print(f"  {label} position: {position['pool']} rank {position['rank_in_pool']:,}; "
                  f"{position['tier']} tier {position['position_in_tier']:,} of {position['tier_size']:,}")
        else:
            print(f"  {label} position: {position['pool']}, {position['status']}")
    verdict = {True: "clears", False: "does not clear", None: "no waitlist in"}[result.clears_cutoff]
    print(f"  the new position {verdict} this round's cut-off for the pool and gender")
    for note in result.notes:
        print(f"  note: {note}")
    record = {
        "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "by": args.by, "reason": args.reason, "applicant_id": args.applicant,
        "changes": shown, "posts_added": posts, "achievements_added": prizes,
        "old": {"card": result.old_card, "position": result.old_position},
        "new": {"card": result.new_card, "position": result.new_position},
        "clears_cutoff": result.clears_cutoff,
        "upheld": args.uphold,
        "manifest_sha256": sha256_of(args.run_dir / "manifest.json"),
    }
    _append(args.run_dir / "appeals.jsonl", record)
    print(f"  recorded in {args.run_dir / 'appeals.jsonl'}")
    if args.uphold:
        _append(args.run_dir / AMENDMENTS, {"at": record["at"], "by": args.by, "applicant_id": args.applicant,
                                            "set": changes, "posts": posts, "achievements": prizes})
        print(f"  upheld: the changed card counts from the next offer round (psm offers {args.run_dir} ...)")
    return 0


def _append(path: Path, record: dict) -> None:
    """Append one JSON line; the file is created readable by its owner only."""
    path.parent.mkdir(exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as log:
        log.write(json.dumps(record, sort_keys=True) + "\n")


def _pair(item: str) -> tuple[str, str]:
    column, sep, value = item.partition("=")
    if not sep:
        raise PsmError(f"--set {item!r}: write column=value, e.g. --set volunteer_hours=60")
    return column.strip(), value.strip()


def _fields(text: str, n: int, usage: str) -> list[str]:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != n:
        raise PsmError(f"{text!r}: expected {n} comma-separated fields: {usage}")
    return parts
