"""The plain model: one CP-SAT variable per (person, room). The reference, not the engine.

It states the hard rules directly on concrete rooms (each person one bed, room capacity, one
gender per suite, and the rooms open to each unit: :class:`~allocation.access.RoomAccess`), with
no aggregation. It does not scale (``shared/design``: 600 people x 150 rooms finds almost nothing
in 15 s); it exists to check the aggregated models on instances small enough for it, and as
the baseline the allocation benchmark compares against.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from ortools.sat.python import cp_model

from allocation.access import ApplicantKind, RoomAccess
from allocation.solve import Objective, SolverSettings, deterministic_solver, solve, solve_lexicographically
from psm.errors import PsmError
from psm.policy import Policy

__all__ = ["plain_fits", "plain_room_objectives"]


def _model(units: Sequence[ApplicantKind], rooms: pd.DataFrame, policy: Policy,
           halls: Sequence[str | None] | None, pinned: Sequence[str] = ()):
    """Per-(unit, room) variables and the hard rules; None if some unit has no open room at all.

    The first ``len(pinned)`` units live in the rooms (room ids) ``pinned`` names: residents
    from an earlier offer round."""
    access = RoomAccess.from_policy(policy)
    model = cp_model.CpModel()
    x = {}
    for u, kind in enumerate(units):
        options = [r for r in rooms.index if access.allows_listed_room(kind, rooms.loc[r])
                   and int(rooms.at[r, "beds"]) >= kind.size and (not halls or not halls[u] or rooms.at[r, "hall"] == halls[u])
                   and (u >= len(pinned) or rooms.at[r, "room_id"] == pinned[u])]
        if not options:
            return None
        for r in options:
            x[u, r] = model.new_bool_var(f"x{u}_{r}")
        model.add_exactly_one(x[u, r] for r in options)  # one bed each (a pair: one room together)
    for r in rooms.index:
        here = [units[u].size * v for (u, room), v in x.items() if room == r]
        if here:
            model.add(sum(here) <= int(rooms.at[r, "beds"]))  # capacity
    female = {s: model.new_bool_var(f"female_{s}") for s in rooms["suite_id"].unique()}
    for (u, r), v in x.items():  # one gender per suite
        suite = female[rooms.at[r, "suite_id"]]
        model.add_implication(v, suite if units[u].gender == "F" else suite.Not())
    return model, x


def plain_fits(units: Sequence[ApplicantKind], rooms: pd.DataFrame, policy: Policy,
               halls: Sequence[str | None] | None = None, time_limit: float = 30.0,
               pinned_rooms: Sequence[str] = ()) -> bool:
    """Can these units (people, or pairs sharing a room) all be placed, each in its hall if given,
    the first ``len(pinned_rooms)`` in those rooms?"""
    rooms = rooms.reset_index(drop=True)
    built = _model(units, rooms, policy, halls, pinned_rooms)
    if built is None:
        return False
    solver = deterministic_solver(time_limit=time_limit)
    status = solve(solver, built[0])
    if status == cp_model.UNKNOWN:
        raise PsmError(f"the plain model found no answer within {time_limit:g} deterministic seconds")
    return status in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def plain_room_objectives(units: Sequence[ApplicantKind], residency: Sequence[str], wishes: Sequence[str],
                          halls: Sequence[str | None], rooms: pd.DataFrame, policy: Policy,
                          time_limit: float = 60.0) -> dict[str, tuple[int | None, str]]:
    """The room model's objectives (mixing, then room type, in the policy's order) on concrete rooms.

    ``residency``: per unit "L", "N", "-", or a pair's "LL"/"LN"/"NN"; ``wishes``: per unit
    "double", "triple" or "any"; ``halls``: the hall promised to each unit, or None. Each step
    gives (value, "optimal" | "feasible") and keeps its value for the next; a step that finds
    no solution within ``time_limit`` gives (None, "no solution") and ends the list.
    """
    rooms = rooms.reset_index(drop=True)
    built = _model(units, rooms, policy, halls)
    if built is None:
        raise PsmError("the plain model has a unit with no open room")
    model, x = built
    mixed = []
    for r in rooms.index:
        local = [v for (u, room), v in x.items() if room == r and "L" in residency[u]]
        other = [v for (u, room), v in x.items() if room == r and "N" in residency[u]]
        if local and other:
            m = model.new_bool_var(f"mixed_{r}")
            model.add(m <= sum(local))
            model.add(m <= sum(other))
            mixed.append(m)
    goals = {
        "mixing": Objective("mixing", sum(mixed)),
        "room_type": Objective("room_type",
                               sum(v for (u, r), v in x.items() if wishes[u] == rooms.at[r, "room_type"])),
    }
    result = solve_lexicographically(model, [goals[w] for w in policy.allocation.wishes if w in goals],
                                     SolverSettings(random_seed=0, max_deterministic_time=time_limit))
    return {step.name: ((step.value, "optimal" if step.optimal else "feasible") if step.solved
                        else (None, "no solution"))
            for step in result.steps}
