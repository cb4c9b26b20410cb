"""The room model: an impossible model names the rule group that breaks it; kinds held as one; each wish kept."""

from __future__ import annotations

from collections import Counter

import pytest

import allocation.rooms as rooms_module
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


def test_kinds_the_model_cannot_tell_apart_are_solved_as_one_and_shared_back(tmp_path, policy, monkeypatch):
    # Three kinds of local women with the same open rooms (doubles only): one wishes a double (met
    # wherever she lives), one a triple (met nowhere), one any room. The model holds them as one
    # kind; the plan still gives each kind its own units, and room_type counts the double-wisher.
    rooms = inventory(tmp_path, policy, suite_rows("S1", rooms=(("double", 2), ("double", 2)))
                      + suite_rows("S2", rooms=(("double", 2), ("double", 2))))
    kinds = Counter({woman(room_type="double"): 3, woman(room_type="triple"): 2, woman(): 1,
                     woman(residency="N"): 2})
    merged = []
    merge = rooms_module._merge_kinds
    monkeypatch.setattr(rooms_module, "_merge_kinds", lambda *args: merged.extend(merge(*args)) or merged)
    plan = plan_rooms(kinds, rooms.classes, policy)
    assert [sorted(member.room_type for member, _ in group.members) for group in merged] == [
        ["any", "double", "triple"], ["any"]]  # the locals as one kind; the non-locals apart (another slot)
    assert [(group.wish_fixed, group.met_anyway) for group in merged] == [(True, 3), (True, 0)]
    placed = Counter()
    for where, n in plan.units.items():
        placed[where.kind] += n
    assert placed == kinds
    assert plan.objectives["room_type"] == (3, "optimal")
    assert plan.objectives["mixing"] == (2, "optimal")  # two non-locals, each with a local
    assert sum(n for filling, n in plan.fills.items() for _ in filling.pattern) == 8  # eight people in rooms


def test_a_lexicographic_step_of_several_wishes_keeps_each_wishs_value(policy):
    # solve_lexicographically with in_one_step: once the combined step is proven optimal, the
    # model keeps each wish at its value (a >= 3, b >= 1), not only their weighted sum, before
    # the next step; the next step then cannot trade one wish for the other.
    from ortools.sat.python import cp_model

    from allocation.solve import Objective, SolverSettings, in_one_step, solve_lexicographically
    model = cp_model.CpModel()
    a, b = model.new_int_var(0, 3, "a"), model.new_int_var(0, 3, "b")
    model.add(a + b <= 4)
    steps = [in_one_step([Objective("a", a), Objective("b", b)], bound=3), Objective("low a", a, maximise=False)]
    result = solve_lexicographically(model, steps, SolverSettings(random_seed=0, max_deterministic_time=5))
    assert [s.value for s in result.steps] == [3 * 4 + 1, 3]
    assert (result.solver.value(a), result.solver.value(b)) == (3, 1)
    kept = [(list(c.linear.vars), list(c.linear.coeffs), c.linear.domain[0]) for c in list(model.proto.constraints)[1:]]
    assert kept[:2] == [([a.index], [1], 3), ([b.index], [1], 1)]
