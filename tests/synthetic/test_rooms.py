"""Tests of the illustrative room inventory generator (synthetic.rooms)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from synthetic import room_inventory, write_rooms
from synthetic.rooms import ROOM_COLUMNS, main

BUNDLED = Path(__file__).resolve().parents[2] / "data" / "halls" / "polyu_rooms.csv"


def test_it_reproduces_the_bundled_inventory_byte_for_byte(tmp_path: Path) -> None:
    write_rooms(tmp_path / "rooms.csv")
    assert (tmp_path / "rooms.csv").read_bytes() == BUNDLED.read_bytes()


def test_the_command_writes_the_given_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main([str(tmp_path / "rooms.csv")])
    assert (tmp_path / "rooms.csv").read_bytes() == BUNDLED.read_bytes()
    assert "2,298 rooms, 4,596 beds" in capsys.readouterr().out


def test_ids_are_unique_and_beds_per_pool_match_the_policy_quotas() -> None:
    rooms = room_inventory()
    assert BUNDLED.read_text(encoding="utf-8").splitlines()[0] == ",".join(ROOM_COLUMNS)
    assert len({room.room_id for room in rooms}) == len(rooms) == 2298
    beds = Counter()
    for room in rooms:
        beds[room.pools] += room.beds
    assert beds == {"undergraduate": 3724, "exchange": 380, "research": 492}  # config/policy [pools]


def test_a_suite_keeps_one_hall_gender_and_pool() -> None:
    suites: dict[str, set] = {}
    for room in room_inventory():
        suites.setdefault(room.suite_id, set()).add((room.hall, room.gender, room.pools, room.college))
    assert all(len(kinds) == 1 for kinds in suites.values())
