"""A plain baseline for allocation quality: serial dictatorship over the same offers.

The textbook house-allocation mechanism, written independently of ``allocation.place``: the
engine's placement units (the same offered applicants, the same mutual pairs, the same
rooms open to each, :class:`allocation.access.RoomAccess`) take rooms one at a time in rank
order. Each takes, in the first hall of its list that has one, a free bed in a room open to
it, in a suite of its gender or still empty (a room of the type it asked for first, then by
room id); with no listed hall left, any such bed. No look-ahead: a unit that finds nothing is
left unplaced, which the engine, planning everyone at once, never does.

Used by ``bench_speed.py`` to print the baseline's quality (first choices, listed halls, mixed
rooms, room types, unplaced) beside the engine's, on the same measures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from allocation.access import RoomAccess
from allocation.units import Unit


@dataclass(frozen=True)
class Quality:
    """Allocation quality on one set of units, the same measures for every mechanism."""

    units: int
    with_a_list: int
    first_choice: int
    listed_hall: int
    mixed_rooms: int
    room_type_met: int
    unplaced: int

    def line(self) -> str:
        share = (lambda n: f"{100 * n / self.with_a_list:.0f}%") if self.with_a_list else (lambda n: "-")
        return (f"{share(self.first_choice)} first choice, {share(self.listed_hall)} a listed hall, "
                f"{self.mixed_rooms:,} mixed rooms, {self.room_type_met:,} room types met, {self.unplaced:,} unplaced")


def serial_dictatorship(units: list[Unit], rooms: pd.DataFrame, access: RoomAccess) -> dict[str, str]:
    """unit_id -> room_id for the units placed, in rank order (the module's rule)."""
    free = dict(zip(rooms["room_id"], rooms["beds"].astype(int)))
    suite_of = dict(zip(rooms["room_id"], rooms["suite_id"]))
    gender_of_suite: dict[str, str] = {}
    records = rooms.sort_values("room_id").to_dict("records")
    open_rooms: dict[object, dict[str | None, list[dict]]] = {}  # kind -> hall (None: any) -> rooms open to it
    chosen: dict[str, str] = {}
    for unit in sorted(units, key=lambda u: (u.order, u.unit_id)):
        kind = unit.kind
        if kind not in open_rooms:
            halls: dict[str | None, list[dict]] = {None: [r for r in records if access.allows_listed_room(kind, r)]}
            for r in halls[None]:
                halls.setdefault(r["hall"], []).append(r)
            open_rooms[kind] = halls

        def takes(room: dict) -> bool:
            return (free[room["room_id"]] >= kind.size
                    and gender_of_suite.get(room["suite_id"], kind.gender) == kind.gender)

        room = None
        for hall in (*unit.halls, None):
            candidates = [r for r in open_rooms[kind].get(hall, ()) if takes(r)]
            if candidates:
                room = min(candidates, key=lambda r: (r["room_type"] != unit.room_type, r["room_id"]))
                break
        if room is None:
            continue
        chosen[unit.unit_id] = room["room_id"]
        free[room["room_id"]] -= kind.size
        gender_of_suite[suite_of[room["room_id"]]] = kind.gender
    return chosen


def quality(units: list[Unit], room_of_unit: dict[str, str], rooms: pd.DataFrame) -> Quality:
    """The measures of :class:`Quality` for ``room_of_unit`` (unit_id -> room_id)."""
    hall = dict(zip(rooms["room_id"], rooms["hall"]))
    room_type = dict(zip(rooms["room_id"], rooms["room_type"]))
    listed = [u for u in units if u.halls and u.unit_id in room_of_unit]
    residents: dict[str, set[str]] = defaultdict(set)
    for unit in units:
        if unit.unit_id in room_of_unit:
            residents[room_of_unit[unit.unit_id]].update(unit.member_residency)
    return Quality(
        units=len(units),
        with_a_list=len(listed),
        first_choice=sum(hall[room_of_unit[u.unit_id]] == u.halls[0] for u in listed),
        listed_hall=sum(hall[room_of_unit[u.unit_id]] in u.halls for u in listed),
        mixed_rooms=sum({"L", "N"} <= r for r in residents.values()),
        room_type_met=sum(room_type[room_of_unit[u.unit_id]] == u.room_type for u in units if u.unit_id in room_of_unit),
        unplaced=sum(u.unit_id not in room_of_unit for u in units),
    )
