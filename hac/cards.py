"""One applicant's result, read from a bundle: what ``psm show`` prints, and what a letter and
the console's applicant page show.

The card is read, never recalculated: each part's points as the run stored them (with the
policy's maximum beside each), total, track, tier, rank in the pool, status and reason, room,
lottery key (and the rule to check it), where the applicant stands against the cut-off of
their pool and gender (:func:`hac.stats.waitlist_starts`), the travel minutes' source and note,
and the appeals recorded on the bundle. Nothing is written. The bundle's files must match its
manifest (:func:`hac.bundle.read_checked_manifest`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from hac import stats
from hac.bundle import input_paths, read_checked_manifest
from psm import domain
from psm.errors import PsmError
from psm.lottery import FORMULA
from psm.policy import load_policy

__all__ = ["PartPoints", "CutOff", "ApplicantCard", "applicant_card"]


@dataclass(frozen=True)
class PartPoints:
    """One part of the score card: its points (None where it does not count) and its maximum."""

    part: str
    points: int | None
    maximum: int


@dataclass(frozen=True)
class CutOff:
    """Where the waitlist of the applicant's pool and gender starts in this round, if it has one,
    and the applicant's distance to it in ranks (negative: ahead of it)."""

    waitlist_from_rank: int | None
    tier: str
    score: int | None
    ranks_from_cutoff: int | None


@dataclass(frozen=True)
class ApplicantCard:
    applicant_id: str
    track: str
    profile: str
    parts: tuple[PartPoints, ...]
    total_points: int | None
    ineligible_reason: str
    pool: str
    tier: str
    rank: int | None
    status: str
    reason: str
    hall: str
    room_id: str
    lottery_key: str
    lottery_rule: str
    seed: str
    cutoff: CutOff | None
    travel_minutes: float | None
    travel_source: str
    travel_note: str
    appeals: tuple[dict, ...]
    policy_version: str

    def as_dict(self) -> dict:
        return asdict(self)


def _number(value) -> int | None:
    return None if value == "" or pd.isna(value) else int(float(value))


def applicant_card(run_dir: Path, applicant_id: str) -> ApplicantCard:
    """The card of ``applicant_id`` in the bundle ``run_dir``; PsmError if the id has no row."""
    run_dir = Path(run_dir)
    manifest = read_checked_manifest(run_dir)
    policy = load_policy(input_paths(run_dir, manifest)["policy"])
    scores = pd.read_csv(run_dir / "scores.csv", dtype=str, keep_default_na=False).set_index("applicant_id")
    ranking = pd.read_csv(run_dir / "ranking.csv", dtype=str, keep_default_na=False).set_index("applicant_id")
    by_capitals = {i.upper(): i for i in ranking.index}  # ids match whatever their case
    applicant_id = by_capitals.get(applicant_id.strip().upper(), applicant_id)
    if applicant_id not in ranking.index:
        raise PsmError(f"{applicant_id!r} is not in {run_dir / 'ranking.csv'}; check the id (rejected rows are in "
                       "rejects.csv)")
    score, ranked = scores.loc[applicant_id], ranking.loc[applicant_id]
    assignments = pd.read_csv(run_dir / "assignments.csv", dtype=str, keep_default_na=False).set_index("applicant_id")
    placed = assignments.loc[applicant_id] if applicant_id in assignments.index else None
    profile = score.get("profile", "")
    counted = set(policy.profiles[profile].parts) if profile else set()
    parts = tuple(PartPoints(part, _number(score[f"{part}_points"]) if part in counted else None,
                             int(policy.part(part).max))
                  for part in domain.PARTS if part in counted)
    return ApplicantCard(
        applicant_id=applicant_id, track=score["track"], profile=profile, parts=parts,
        total_points=_number(score["total_points"]), ineligible_reason=score.get("ineligible_reason", ""),
        pool=ranked["pool"], tier=ranked["tier"], rank=_number(ranked["rank"]), status=ranked["status"],
        reason=ranked["reason"], hall=placed["hall"] if placed is not None else "",
        room_id=placed["room_id"] if placed is not None else "", lottery_key=ranked["lottery_key"],
        lottery_rule=FORMULA, seed=manifest["seed"], cutoff=_cutoff(run_dir, manifest, applicant_id, ranked),
        travel_minutes=float(score["travel_minutes"]) if score.get("travel_minutes", "") != "" else None,
        travel_source=score.get("travel_source", ""), travel_note=score.get("travel_note", ""),
        appeals=_appeals(run_dir, applicant_id), policy_version=policy.version,
    )


def _cutoff(run_dir: Path, manifest: dict, applicant_id: str, ranked: pd.Series) -> CutOff | None:
    """The waitlist start of the applicant's pool and gender (None: not ranked)."""
    if ranked["rank"] == "":
        return None
    tables = stats.read_tables(run_dir, manifest)
    gender = tables.applicants.set_index("applicant_id")["gender"].get(applicant_id, "")
    starts = stats.waitlist_starts(tables)
    row = starts[(starts["pool"] == ranked["pool"]) & (starts["gender"] == gender)]
    if row.empty or not row.iloc[0]["waitlisted"]:
        return CutOff(None, "", None, None)
    first = row.iloc[0]
    start = int(first["waitlist_from_rank"])
    return CutOff(start, first["tier"], _number(first["score"]), int(ranked["rank"]) - start)


def _appeals(run_dir: Path, applicant_id: str) -> tuple[dict, ...]:
    """The appeals recorded on the bundle for this applicant (private values already withheld)."""
    path = run_dir / "appeals.jsonl"
    if not path.exists():
        return ()
    records = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return tuple(r for r in records if r.get("applicant_id") == applicant_id)
