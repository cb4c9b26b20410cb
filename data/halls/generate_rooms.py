"""Generate ``polyu_rooms.csv``: an illustrative room inventory shaped like PolyU's halls.

ILLUSTRATIVE, NOT THE REAL ROOM LIST. It follows the halls' public description (Student
Handbook 12.C.x and the Student Halls' pages) so that allocation can be built and tested;
replace it with the Student Affairs Office's room list, in the same columns, before real use.

Shape (per the allocation issue):

- Hung Hom Halls (about 3,000 places): 9 halls, floors 3-20, suites of 2 double rooms
  (4 places), 4 suites on odd floors and 5 on even floors. Xuemin Hall is female-only;
  Boyan Hall is for research students only. Floors 3-5 of the seven general halls and
  floor 3 of Xuemin Hall are reserved for inbound exchange students.
- Homantin Halls (about 1,650 places): Red, Orange, Yellow and Blue Halls and the CURI and
  STARS residential colleges, each 7 wings (A-G) x floors 2-5 of 9-person clusters (3 doubles
  + 1 triple); the college clusters are for their members only. Floor 1 of every wing holds 4
  single rooms for research students, each its own suite.
- Accessible rooms: the first suite of floors 3 and 6 in every Hung Hom hall, the wing A
  floor 2 cluster and wing A singles in every Homantin hall.

Run ``python data/halls/generate_rooms.py`` (no randomness: the same file every time).
"""

from __future__ import annotations

import csv
from pathlib import Path

COLUMNS = ("room_id", "campus", "hall", "floor", "wing", "suite_id", "room_type", "beds", "gender",
           "accessible", "pools", "college")

HUNG_HOM = {  # hall -> (code, gender rule, pools off the exchange floors)
    "Xuemin Hall": ("XM", "F", "undergraduate"),
    "Chengxin Hall": ("CX", "any", "undergraduate"),
    "Dexin Hall": ("DX", "any", "undergraduate"),
    "Huixin Hall": ("HX", "any", "undergraduate"),
    "Jingxin Hall": ("JX", "any", "undergraduate"),
    "Mingxin Hall": ("MX", "any", "undergraduate"),
    "Renxin Hall": ("RX", "any", "undergraduate"),
    "Zhixin Hall": ("ZX", "any", "undergraduate"),
    "Boyan Hall": ("BY", "any", "research"),
}
HOMANTIN = {  # hall -> (code, college)
    "Red Hall": ("RD", ""),
    "Orange Hall": ("OR", ""),
    "Yellow Hall": ("YL", ""),
    "Blue Hall": ("BL", ""),
    "CURI College": ("CU", "CURI"),
    "STARS College": ("ST", "STARS"),
}
WINGS = "ABCDEFG"


def hung_hom_rooms() -> list[dict]:
    rooms = []
    for hall, (code, gender, pools) in HUNG_HOM.items():
        for floor in range(3, 21):
            for suite in range(1, (4 if floor % 2 else 5) + 1):
                exchange = (floor <= 5 and pools == "undergraduate" and gender == "any") or (code == "XM" and floor == 3)
                suite_id = f"{code}-{floor:02d}{suite:02d}"
                for room in "ab":
                    rooms.append(dict(
                        room_id=f"{suite_id}{room}", campus="Hung Hom", hall=hall, floor=floor, wing="",
                        suite_id=suite_id, room_type="double", beds=2, gender=gender,
                        accessible=str(suite == 1 and floor in (3, 6)).lower(),
                        pools="exchange" if exchange else pools, college="",
                    ))
    return rooms


def homantin_rooms() -> list[dict]:
    rooms = []
    for hall, (code, college) in HOMANTIN.items():
        for wing in WINGS:
            for single in range(1, 5):
                suite_id = f"{code}-{wing}1{single:02d}"
                rooms.append(dict(
                    room_id=f"{suite_id}s", campus="Homantin", hall=hall, floor=1, wing=wing, suite_id=suite_id,
                    room_type="single", beds=1, gender="any", accessible=str(wing == "A").lower(),
                    pools="research", college="",
                ))
            for floor in range(2, 6):
                suite_id = f"{code}-{wing}{floor}"
                for room, (kind, beds) in zip("abcd", [("double", 2)] * 3 + [("triple", 3)]):
                    rooms.append(dict(
                        room_id=f"{suite_id}{room}", campus="Homantin", hall=hall, floor=floor, wing=wing,
                        suite_id=suite_id, room_type=kind, beds=beds, gender="any",
                        accessible=str(wing == "A" and floor == 2).lower(), pools="undergraduate", college=college,
                    ))
    return rooms


def main() -> None:
    out = Path(__file__).with_name("polyu_rooms.csv")
    rooms = hung_hom_rooms() + homantin_rooms()
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rooms)
    by_pool: dict[str, int] = {}
    for room in rooms:
        by_pool[room["pools"]] = by_pool.get(room["pools"], 0) + room["beds"]
    print(f"wrote {out}: {len(rooms):,} rooms, {sum(by_pool.values()):,} beds {by_pool}")


if __name__ == "__main__":
    main()
