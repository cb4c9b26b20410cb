"""Reading rooms.csv (io-contract "rooms.csv"): the checks across rows, and the suite classes."""

from __future__ import annotations

import pytest
from builders import ROOM_COLUMNS, suite_rows, write_rows

from allocation.inventory import classify_suites, read_inventory
from psm.errors import PsmError


def test_suites_alike_in_rooms_and_rules_form_one_class(tmp_path, policy):
    rows = (suite_rows("R01") + suite_rows("R02") + suite_rows("R03", gender="F")
            + suite_rows("B01", hall="Blue Hall", rooms=(("single", 1), ("double", 2))))
    inventory = read_inventory(policy, write_rows(tmp_path / "rooms.csv", rows, ROOM_COLUMNS))
    assert sorted((c.hall, c.gender, c.count, c.beds) for c in inventory.classes) == [
        ("Blue Hall", "any", 1, 3), ("Red Hall", "F", 1, 2), ("Red Hall", "any", 2, 2)]
    assert list(inventory.suites["suite_id"]) == ["B01", "R01", "R02", "R03"]


def test_suites_without_rooms_keep_the_columns_kinds(tmp_path, policy):
    """A later round whose rooms are all taken classifies no suites: the suite table is empty with
    the rooms' own column kinds, so it still merges on suite_id (a version that built it from
    empty lists gave float columns, and a three-round run stopped at the merge)."""
    rows = suite_rows("R01") + suite_rows("B01", hall="Blue Hall", rooms=(("single", 1), ("double", 2)))
    rooms = read_inventory(policy, write_rows(tmp_path / "rooms.csv", rows, ROOM_COLUMNS)).rooms
    suites, classes = classify_suites(rooms.iloc[:0])
    assert classes == () and suites.empty
    assert suites["suite_id"].dtype == rooms["suite_id"].dtype and suites["class_key"].dtype == "int64"
    assert rooms.iloc[:0].merge(suites[["suite_id", "class_key"]], on="suite_id").empty


def test_every_suite_whose_rooms_disagree_is_named_with_each_rule_broken(tmp_path, policy):
    broken = suite_rows("R01", rooms=(("double", 2), ("double", 2)))
    broken[1] |= {"gender": "F", "hall": "Blue Hall"}
    other = suite_rows("R02", rooms=(("double", 2), ("double", 2)))
    other[0]["pools"] = "exchange"
    path = write_rows(tmp_path / "rooms.csv", suite_rows("R00") + broken + other, ROOM_COLUMNS)
    with pytest.raises(PsmError) as error:
        read_inventory(policy, path)
    message = str(error.value)
    assert "the room inventory has 3 problem(s)" in message
    assert "suite 'R01': its rooms disagree on hall (['Blue Hall', 'Red Hall'])" in message
    assert "suite 'R01': its rooms disagree on gender (['F', 'any'])" in message
    assert "suite 'R02': its rooms disagree on pools (['exchange', 'undergraduate'])" in message
    assert message.index("'R01': its rooms disagree on hall") < message.index("'R01': its rooms disagree on gender") \
        < message.index("'R02'")


def test_a_room_id_listed_twice_names_both_rows(tmp_path, policy):
    rows = suite_rows("R01") + suite_rows("R01")
    with pytest.raises(PsmError) as error:
        read_inventory(policy, write_rows(tmp_path / "rooms.csv", rows, ROOM_COLUMNS))
    assert "row 2, room_id = 'R010': room id listed more than once" in str(error.value)
    assert "row 3, room_id = 'R010'" in str(error.value)
