"""The hall inventory: rooms read and checked, suites built, suites grouped into classes.

A suite is the unit of the gender rule (all its residents share one gender). Suites alike in
every way that matters to the rules (hall, gender rule, pools, college, and the rooms inside:
type, beds, accessibility) are interchangeable: they form one :class:`SuiteClass`, and the
allocation models count suites per class instead of naming them (``shared/design``: "Models
that scale aggregate").

Checks, all reported at once (a partial inventory would lose beds silently): each row valid
per the contract; room ids unique; beds match the room type (single 1, double 2, triple 3);
every room of a suite in the same hall, with the same gender rule, pools and college.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, NamedTuple

import pandas as pd
from pydantic import BeforeValidator, Field

from allocation.access import gender_rule_houses
from psm import domain
from psm.errors import PsmError
from psm.io import read_rows
from psm.io.rows import Boolean, Code, WholeNumber, _fail, _Row
from psm.policy import Policy

__all__ = ["RoomRow", "RoomSignature", "SuiteClass", "Inventory", "read_inventory", "default_rooms_path",
           "classify_suites", "room_signatures", "room_order"]

ROOM_BEDS = {"single": 1, "double": 2, "triple": 3}


def _pools(value: object) -> tuple[str, ...]:
    names = tuple(sorted({name.strip() for name in str(value).split(";") if name.strip()}))
    unknown = [n for n in names if n not in domain.POOLS]
    if not names or unknown:
        raise _fail("unknown_pool", f"pools {value!r} must be ';'-separated names from {list(domain.POOLS)}")
    return names


class RoomRow(_Row):
    """One row of ``rooms.csv`` (``shared/spec/io-contract.md``)."""

    room_id: Annotated[str, Field(min_length=1)]
    campus: Annotated[str, Field(min_length=1)]
    hall: Annotated[str, Field(min_length=1)]
    floor: Annotated[int, WholeNumber, Field(ge=-5, le=200)]
    wing: str = ""
    suite_id: Annotated[str, Field(min_length=1)]
    room_type: Code("room type", tuple(ROOM_BEDS))
    beds: Annotated[int, WholeNumber, Field(ge=1, le=3)]
    gender: Code("gender rule", ("F", "any"))
    accessible: Boolean
    pools: Annotated[tuple[str, ...], BeforeValidator(_pools)]
    college: str = ""

    def cross_check(self, policy: Policy) -> list[tuple[str, str]]:
        if self.beds != ROOM_BEDS[self.room_type]:
            return [("beds", f"a {self.room_type} room has {ROOM_BEDS[self.room_type]} bed(s), not {self.beds}")]
        return []


class RoomSignature(NamedTuple):
    """What makes rooms of one suite class interchangeable: type, beds and accessibility."""

    room_type: str  # single, double or triple
    beds: int
    accessible: bool


@dataclass(frozen=True)
class SuiteClass:
    """Interchangeable suites: same hall, rules and rooms (one signature per room, sorted)."""

    key: int
    hall: str
    campus: str
    gender: str  # the gender rule: "any", "F" (female-only) or "M" (men from an earlier round)
    pools: tuple[str, ...]
    college: str
    rooms: tuple[RoomSignature, ...]
    count: int

    def houses(self, gender: str) -> bool:
        """May residents of this gender live here? (:func:`allocation.access.gender_rule_houses`)"""
        return gender_rule_houses(self.gender, gender)

    @cached_property  # asked for hundreds of thousands of times by the fit check
    def beds(self) -> int:
        """Beds in one suite of the class."""
        return sum(room.beds for room in self.rooms)

    @cached_property
    def accessible_beds(self) -> int:
        return sum(room.beds for room in self.rooms if room.accessible)

    @cached_property
    def shared_rooms(self) -> int:
        """Rooms of two or more beds in one suite: where a roommate pair can live together."""
        return sum(1 for room in self.rooms if room.beds >= 2)

    @cached_property
    def accessible_shared_rooms(self) -> int:
        """Accessible rooms of two or more beds in one suite: for a pair one of whom needs access."""
        return sum(1 for room in self.rooms if room.beds >= 2 and room.accessible)


@dataclass(frozen=True)
class Inventory:
    """Rooms (one row each), suites (one row each, with their class) and the classes."""

    path: str
    sha256: str
    rooms: pd.DataFrame
    suites: pd.DataFrame
    classes: tuple[SuiteClass, ...]

    def beds_by_pool(self) -> dict[str, int]:
        """Beds each pool may use (a bed open to two pools counts for both)."""
        return {pool: int(self.rooms.loc[self.rooms["pools"].map(lambda p: pool in p), "beds"].sum())
                for pool in domain.POOLS}


def default_rooms_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "halls" / "polyu_rooms.csv"


def read_inventory(policy: Policy, path: str | Path | None = None) -> Inventory:
    """Read and check ``rooms.csv``; raise :class:`PsmError` listing every problem found."""
    path = Path(path) if path is not None else default_rooms_path()
    read = read_rows(path, RoomRow, policy)
    problems = [f"row {r.row}, {r.column} = {r.value!r}: {r.error}" for r in read.rejects]
    rooms = read.frame
    repeated = rooms[rooms["room_id"].duplicated(keep=False)]
    problems += [f"row {row}, room_id = {rid!r}: room id listed more than once; keep one row per room"
                 for row, rid in zip(repeated["source_row"], repeated["room_id"])]
    rules = ["hall", "campus", "gender", "pools", "college"]
    kinds = rooms.groupby("suite_id", sort=True)[rules].nunique()  # how many different values per suite
    for suite_id, row in kinds[(kinds > 1).any(axis=1)].iterrows():
        suite = rooms[rooms["suite_id"] == suite_id]
        problems += [f"suite {suite_id!r}: its rooms disagree on {column} ({sorted(map(_cell, set(suite[column])))}); "
                     f"a suite lies in one hall with one rule" for column in rules if row[column] > 1]
    if problems:
        shown = "\n  - ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise PsmError(f"{path}: the room inventory has {len(problems)} problem(s):\n  - {shown}{more}")
    suites, classes = classify_suites(rooms)
    return Inventory(str(path), read.summary.sha256, rooms.reset_index(drop=True), suites, classes)


def _cell(value: object) -> str:
    """A value as rooms.csv writes it (pools: ``exchange;research``)."""
    return ";".join(value) if isinstance(value, tuple) else str(value)


def room_signatures(rooms: pd.DataFrame) -> list[RoomSignature]:
    """Each room's signature, in row order."""
    return [RoomSignature(*fields) for fields in zip(rooms["room_type"], rooms["beds"], rooms["accessible"])]


def room_order(room: RoomSignature) -> str:
    """The fixed order of room signatures wherever the models are built or read: by the text of
    the plain tuple. The solver's path depends on the order a model is built in, so it stays."""
    return repr(tuple(room))


def classify_suites(rooms: pd.DataFrame) -> tuple[pd.DataFrame, tuple[SuiteClass, ...]]:
    """One row per suite (by suite id), each with the key of its class; classes in a fixed order
    (by the text of their description, rooms as plain tuples: see :func:`room_order`). A suite's
    rule (hall, campus, gender, pools, college) is its first room's: :func:`read_inventory` makes
    sure its rooms agree."""
    fields = ["hall", "campus", "gender", "pools", "college"]
    rule: dict[str, tuple] = {}
    suite_rooms: dict[str, list[RoomSignature]] = {}
    for suite_id, *values, room in zip(rooms["suite_id"], *(rooms[f] for f in fields), room_signatures(rooms)):
        if suite_id not in rule:
            rule[suite_id], suite_rooms[suite_id] = tuple(values), []
        suite_rooms[suite_id].append(room)
    suite_ids = sorted(rule)
    described = [(*rule[s], tuple(sorted(suite_rooms[s]))) for s in suite_ids]
    keys = sorted(set(described), key=lambda k: repr((*k[:5], tuple(tuple(room) for room in k[5]))))
    key_of = {k: i for i, k in enumerate(keys)}
    signature = pd.DataFrame({  # each column of the rooms' own dtype (an empty inventory too)
        "suite_id": pd.Series(suite_ids, dtype=rooms["suite_id"].dtype),
        **{f: pd.Series([d[i] for d in described], dtype=rooms[f].dtype) for i, f in enumerate(fields)},
        "rooms": pd.Series([d[5] for d in described], dtype=object),
        "class_key": pd.Series([key_of[d] for d in described], dtype="int64")})
    counts = Counter(signature["class_key"])
    classes = tuple(
        SuiteClass(key=i, hall=k[0], campus=k[1], gender=k[2], pools=k[3], college=k[4],
                   rooms=tuple(RoomSignature(t, int(b), bool(a)) for t, b, a in k[5]), count=counts[i])
        for i, k in enumerate(keys)
    )
    return signature, classes
