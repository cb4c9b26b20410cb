"""An illustrative room inventory shaped like PolyU's halls (``data/halls/polyu_rooms.csv``).

ILLUSTRATIVE, NOT THE REAL ROOM LIST. It follows the halls' public description (Student
Handbook 12.C.x and the Student Halls' pages) so that allocation can be built and tested;
replace it with the Student Affairs Office's room list, in the same columns (the rooms format
of ``shared/spec/io-contract.md``), before real use. The halls and their facts are
:data:`synthetic.halls.HALLS`. The layout:

- Hung Hom Halls (about 3,000 places): floors 3-20, suites of 2 double rooms (4 places),
  4 suites on odd floors and 5 on even floors. A suite on one of its hall's exchange floors is
  for inbound exchange students; the others serve the hall's pool.
- Homantin Halls (about 1,650 places): 7 wings (A-G) x floors 2-5 of 9-person clusters (3 doubles
  + 1 triple), for undergraduates; a college's clusters are for its members only. Floor 1 of
  every wing holds 4 single rooms for research students, each its own suite.
- Accessible rooms: the first suite of floors 3 and 6 in every Hung Hom hall, the wing A
  floor 2 cluster and the wing A singles in every Homantin hall.

No randomness: the same file every time. Run ``python -m synthetic.rooms`` from the repository
root to rewrite ``data/halls/polyu_rooms.csv`` (or give another path).
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path

from synthetic.halls import halls_on

__all__ = ["ROOMS_PATH", "ROOM_COLUMNS", "Room", "main", "room_inventory", "write_rooms"]

#: Where the bundled inventory lives, relative to the repository root.
ROOMS_PATH = Path("data/halls/polyu_rooms.csv")

_HUNG_HOM_FLOORS = range(3, 21)
_HUNG_HOM_ACCESSIBLE_FLOORS = (3, 6)
_HOMANTIN_WINGS = "ABCDEFG"
_HOMANTIN_CLUSTER_FLOORS = range(2, 6)
_HOMANTIN_SINGLES_PER_WING = 4
_CLUSTER_ROOMS = (("a", "double", 2), ("b", "double", 2), ("c", "double", 2), ("d", "triple", 3))


@dataclass(frozen=True)
class Room:
    """One row of the rooms file, its fields in the file's column order."""

    room_id: str
    campus: str
    hall: str
    floor: int
    wing: str
    suite_id: str
    room_type: str
    beds: int
    gender: str
    accessible: bool
    pools: str
    college: str


ROOM_COLUMNS: tuple[str, ...] = tuple(field.name for field in fields(Room))


def _hung_hom_rooms() -> list[Room]:
    """Suites of two doubles: 4 suites on odd floors, 5 on even floors."""
    rooms = []
    for hall in halls_on("Hung Hom"):
        for floor in _HUNG_HOM_FLOORS:
            for suite in range(1, (4 if floor % 2 else 5) + 1):
                suite_id = f"{hall.code}-{floor:02d}{suite:02d}"
                accessible = suite == 1 and floor in _HUNG_HOM_ACCESSIBLE_FLOORS
                pools = "exchange" if floor in hall.exchange_floors else hall.pools
                rooms += [
                    Room(f"{suite_id}{room}", hall.campus, hall.name, floor, "", suite_id, "double", 2,
                         hall.gender, accessible, pools, "")
                    for room in "ab"
                ]
    return rooms


def _homantin_rooms() -> list[Room]:
    """Per wing: research singles on floor 1, then one 9-person cluster on each of floors 2-5."""
    rooms = []
    for hall in halls_on("Homantin"):
        for wing in _HOMANTIN_WINGS:
            for single in range(1, _HOMANTIN_SINGLES_PER_WING + 1):
                suite_id = f"{hall.code}-{wing}1{single:02d}"
                rooms.append(Room(f"{suite_id}s", hall.campus, hall.name, 1, wing, suite_id, "single", 1,
                                  hall.gender, wing == "A", "research", ""))
            for floor in _HOMANTIN_CLUSTER_FLOORS:
                suite_id = f"{hall.code}-{wing}{floor}"
                rooms += [
                    Room(f"{suite_id}{room}", hall.campus, hall.name, floor, wing, suite_id, kind, beds,
                         hall.gender, wing == "A" and floor == 2, hall.pools, hall.college)
                    for room, kind, beds in _CLUSTER_ROOMS
                ]
    return rooms


def room_inventory() -> tuple[Room, ...]:
    """Every room: the Hung Hom Halls, then the Homantin Halls."""
    return (*_hung_hom_rooms(), *_homantin_rooms())


def write_rooms(out: str | Path = ROOMS_PATH) -> tuple[Room, ...]:
    """Write the inventory as CSV (UTF-8, ``\\n`` line endings, a header row, ``true``/``false``)."""
    rooms = room_inventory()
    with Path(out).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(ROOM_COLUMNS)
        writer.writerows(_csv_row(room) for room in rooms)
    return rooms


def _csv_row(room: Room) -> tuple:
    return tuple(str(value).lower() if isinstance(value, bool) else value for value in astuple(room))


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m synthetic.rooms [OUT]``: write the inventory (default ``data/halls/polyu_rooms.csv``)."""
    parser = argparse.ArgumentParser(prog="python -m synthetic.rooms",
                                     description="Write the illustrative room inventory.")
    parser.add_argument("out", nargs="?", type=Path, default=ROOMS_PATH,
                        help=f"file to write (default {ROOMS_PATH})")
    out = parser.parse_args(argv).out
    rooms = write_rooms(out)
    beds_per_pool: dict[str, int] = {}
    for room in rooms:
        beds_per_pool[room.pools] = beds_per_pool.get(room.pools, 0) + room.beds
    print(f"wrote {out}: {len(rooms):,} rooms, {sum(beds_per_pool.values()):,} beds {beds_per_pool}")


if __name__ == "__main__":
    main()
