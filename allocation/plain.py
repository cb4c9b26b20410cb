"""The plain model: one CP-SAT variable per (person, room). The reference, not the engine.

It states the hard rules directly on concrete rooms (each person one bed, room capacity, one
gender per suite, female-only halls, pools, accessible rooms, college rooms), with no
aggregation. It does not scale (``shared/design``: 600 people x 150 rooms finds almost nothing
in 15 s); it exists to check the aggregated models on instances small enough for it, and as
the baseline the allocation benchmark compares against.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from ortools.sat.python import cp_model

from allocation.fit import Kind, deterministic_solver
from psm.errors import PsmError
from psm.policy import Policy

__all__ = ["plain_fits", "room_opens_to"]


def room_opens_to(room: pd.Series, kind: Kind, policy: Policy) -> bool:
    """The hard rules for one concrete room and one person."""
    spill_into = {pool: policy.spill_over.into for pool in policy.spill_over.order}
    pool_ok = kind.pool in room["pools"] or any(spill_into.get(p) == kind.pool for p in room["pools"])
    gender_ok = room["gender"] == "any" or room["gender"] == kind.gender
    access_ok = not kind.accessible or bool(room["accessible"])
    college_ok = room["college"] == "" or room["college"] == kind.college
    return pool_ok and gender_ok and access_ok and college_ok


def plain_fits(people: Sequence[Kind], rooms: pd.DataFrame, policy: Policy, time_limit: float = 30.0) -> bool:
    """Can these people all be given a bed, by the per-room model?"""
    model = cp_model.CpModel()
    rooms = rooms.reset_index(drop=True)
    x = {}
    for p, kind in enumerate(people):
        options = [r for r in rooms.index if room_opens_to(rooms.loc[r], kind, policy)]
        if not options:
            return False
        for r in options:
            x[p, r] = model.new_bool_var(f"x{p}_{r}")
        model.add_exactly_one(x[p, r] for r in options)  # one bed each
    for r in rooms.index:
        here = [v for (p, room), v in x.items() if room == r]
        if here:
            model.add(sum(here) <= int(rooms.at[r, "beds"]))  # capacity
    female = {s: model.new_bool_var(f"female_{s}") for s in rooms["suite_id"].unique()}
    for (p, r), v in x.items():  # one gender per suite
        suite = female[rooms.at[r, "suite_id"]]
        model.add_implication(v, suite if people[p].gender == "F" else suite.Not())
    solver = deterministic_solver(time_limit=time_limit)
    status = solver.solve(model)
    if status == cp_model.UNKNOWN:
        raise PsmError(f"the plain model found no answer within {time_limit:g} deterministic seconds")
    return status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
