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

import csv
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

__all__ = ["PartPoints", "CutOff", "ApplicantCard", "BundleCards", "applicant_card"]


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
    room_type: str
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


class BundleCards:
    """Every applicant's card in one bundle, its files read once (letters make thousands)."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir = Path(run_dir)
        self.manifest = manifest = read_checked_manifest(run_dir)
        self.policy = load_policy(input_paths(run_dir, manifest)["policy"])

        self.scores, self.ranking, self.assignments = (_rows_by_id(run_dir / name) for name in
                                                       ("scores.csv", "ranking.csv", "assignments.csv"))
        tables = stats.read_tables(run_dir, manifest)
        self.gender = dict(zip(tables.applicants["applicant_id"], tables.applicants["gender"]))
        starts = stats.waitlist_starts(tables)
        self.starts = {(row["pool"], row["gender"]): row for row in starts.to_dict("records")}
        self.room_type = dict(zip(tables.rooms["room_id"], tables.rooms["room_type"]))
        self.appeals = _appeals(run_dir)
        self._by_capitals = {i.upper(): i for i in self.ranking}

    @property
    def applicant_ids(self) -> list[str]:
        """Every applicant of the round (ranking.csv's rows, in its order)."""
        return list(self.ranking)

    def card(self, applicant_id: str) -> ApplicantCard:
        """The card of ``applicant_id`` (any case); PsmError if the id has no row."""
        applicant_id = self._by_capitals.get(applicant_id.strip().upper(), applicant_id)
        if applicant_id not in self.ranking:
            raise PsmError(f"{applicant_id!r} is not in {self.run_dir / 'ranking.csv'}; check the id (rejected rows "
                           "are in rejects.csv)")
        score, ranked = self.scores[applicant_id], self.ranking[applicant_id]
        placed = self.assignments.get(applicant_id)
        profile = score.get("profile", "")
        counted = set(self.policy.profiles[profile].parts) if profile else set()
        parts = tuple(PartPoints(part, _number(score[f"{part}_points"]), int(self.policy.part(part).max))
                      for part in domain.PARTS if part in counted)
        return ApplicantCard(
            applicant_id=applicant_id, track=score["track"], profile=profile, parts=parts,
            total_points=_number(score["total_points"]), ineligible_reason=score.get("ineligible_reason", ""),
            pool=ranked["pool"], tier=ranked["tier"], rank=_number(ranked["rank"]), status=ranked["status"],
            reason=ranked["reason"], hall=placed["hall"] if placed is not None else "",
            room_id=placed["room_id"] if placed is not None else "",
            room_type=self.room_type.get(placed["room_id"], "") if placed is not None else "",
            lottery_key=ranked["lottery_key"],
            lottery_rule=FORMULA, seed=self.manifest["seed"], cutoff=self._cutoff(applicant_id, ranked),
            travel_minutes=float(score["travel_minutes"]) if score.get("travel_minutes", "") != "" else None,
            travel_source=score.get("travel_source", ""), travel_note=score.get("travel_note", ""),
            appeals=tuple(r for r in self.appeals if r.get("applicant_id") == applicant_id),
            policy_version=self.policy.version,
        )

    def _cutoff(self, applicant_id: str, ranked: dict[str, str]) -> CutOff | None:
        """The waitlist start of the applicant's pool and gender (None: not ranked)."""
        if ranked["rank"] == "":
            return None
        first = self.starts.get((ranked["pool"], self.gender.get(applicant_id, "")))
        if first is None or not first["waitlisted"]:
            return CutOff(None, "", None, None)
        start = int(first["waitlist_from_rank"])
        return CutOff(start, first["tier"], _number(first["score"]), int(ranked["rank"]) - start)


def applicant_card(run_dir: Path, applicant_id: str) -> ApplicantCard:
    """The card of ``applicant_id`` in the bundle ``run_dir``; PsmError if the id has no row."""
    return BundleCards(run_dir).card(applicant_id)


def _rows_by_id(path: Path) -> dict[str, dict[str, str]]:
    """A result CSV's rows by applicant_id, each a plain dict of its cells as text (an empty cell
    is ""), as the bundle wrote them. Read with the csv module: a card looks cells up one by one,
    thousands of times for letters, and building these dicts through pandas (its string columns
    boxed cell by cell) cost more than reading the file."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        header = next(rows, [])
        at = header.index("applicant_id")
        width = len(header)
        return {cells[at]: dict(zip(header, cells + [""] * (width - len(cells)))) for cells in rows if cells}


def _appeals(run_dir: Path) -> tuple[dict, ...]:
    """The appeals recorded on the bundle (private values already withheld)."""
    path = run_dir / "appeals.jsonl"
    if not path.exists():
        return ()
    return tuple(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
