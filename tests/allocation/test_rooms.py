"""The room model's messages: an impossible model names the rule group that breaks it."""

from __future__ import annotations

from collections import Counter

import pytest

from allocation.inventory import read_inventory
from allocation.rooms import RoomKind, plan_rooms
from builders import ROOM_COLUMNS, suite_rows, write_rows
from psm.errors import PsmError


def inventory(tmp_path, policy, rows):
    return read_inventory(policy, write_rows(tmp_path / "rooms.csv", rows, ROOM_COLUMNS))


def woman(**fields) -> RoomKind:
    return RoomKind(**({"gender": "F", "pool": "undergraduate", "accessible": False, "college": "", "size": 1,
                        "residency": "L", "room_type": "any", "hall": ""} | fields))


def test_more_people_than_beds_names_the_rule_groups(tmp_path, policy):
    rooms = inventory(tmp_path, policy, suite_rows("S1", rooms=(("double", 2),)))
    with pytest.raises(PsmError, match=r"room placement is impossible: the rule group\(s\) \[.*\] cannot all hold"):
        plan_rooms(Counter({woman(): 3}), rooms.classes, policy)


def test_a_promised_hall_with_no_room_open_is_named(tmp_path, policy):
    rooms = inventory(tmp_path, policy, suite_rows("S1", hall="Red Hall", rooms=(("double", 2),)))
    with pytest.raises(PsmError, match="everyone placed"):
        plan_rooms(Counter({woman(hall="Blue Hall"): 1}), rooms.classes, policy)


def test_a_feasible_model_reports_its_objectives_and_settings(tmp_path, policy):
    rooms = inventory(tmp_path, policy, suite_rows("S1", rooms=(("double", 2), ("triple", 3))))
    plan = plan_rooms(Counter({woman(): 2, woman(residency="N"): 2, woman(room_type="triple"): 1}), rooms.classes, policy)
    assert plan.objectives["mixing"] == (2, "optimal")  # two rooms, each with a local and a non-local
    assert plan.objectives["room_type"][0] == 1
    assert plan.parameters["num_workers"] == 1 and plan.parameters["random_seed"] == policy.allocation.solver_seed
