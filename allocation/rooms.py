"""Which rooms: a CP-SAT model on counts of room fillings ("patterns"), solved lexicographically.

Units of one *room kind* (their :class:`~allocation.fit.Kind`, residency, room-type wish and
promised hall) are interchangeable; rooms of one type in suites of one class and gender are
too. The model decides, with every count exact:

- ``suites[c, g]``: suites of class ``c`` given to gender ``g`` (one gender per suite);
- ``fill[c, g, t, p]``: rooms of type ``t`` in those suites filled with pattern ``p``, a
  multiset of slots such as a local single, a non-local single, or a pair (``pLN``: a pair of
  one local and one non-local), never more people than beds;
- ``units[k, c, t]``: units of room kind ``k`` in rooms of type ``t`` of class ``c``.

Rule groups, each behind a guard literal so an infeasible model names the group that breaks
it (assumptions): everyone placed; beds and patterns; one gender per suite; open rooms only
(pools, female-only halls, colleges, accessible rooms, promised halls). Then, in the policy's
order of importance: as many rooms as possible with a local and a non-local resident
(``mixing``); as many units as possible in the room type they asked for (``room_type``);
last, a tie-break that prefers lower class and room-type indices, so the optimum is unique.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from allocation.fit import LINEARIZATION_LEVEL, Kind, deterministic_solver, opens_to
from allocation.inventory import SuiteClass
from allocation.units import Unit
from psm.errors import PsmError
from psm.policy import Policy
from psm.progress import Progress

__all__ = ["RoomKind", "RoomPlan", "plan_rooms", "slot_of", "is_mixed"]


@dataclass(frozen=True, order=True)
class RoomKind:
    """Units interchangeable for rooms: same hard-rule kind, residency, room-type wish and hall."""

    gender: str
    pool: str
    accessible: bool
    college: str
    size: int
    residency: str
    room_type: str
    hall: str  # the hall promised in rank order, or "" for none


def slot_of(size: int, residency: str) -> str:
    """The slot a unit takes in a room pattern: s + L/N/- for one person, p + LL/LN/NN/- for a pair."""
    return ("p" if size > 1 else "s") + residency


def _size(slot: str) -> int:
    return 2 if slot.startswith("p") else 1


def is_mixed(pattern: tuple[str, ...]) -> bool:
    """A room with a local and a non-local resident."""
    letters = "".join(slot[1:] for slot in pattern)
    return "L" in letters and "N" in letters


@dataclass(frozen=True)
class RoomPlan:
    """The solved counts, and how well each wish was met (with the solver's status per step)."""

    suites: dict[tuple[int, str], int]
    fills: dict[tuple[int, str, tuple, tuple[str, ...]], int]
    units: dict[tuple[RoomKind, int, tuple], int]
    objectives: dict[str, tuple[int, str]]
    parameters: dict[str, object]


def room_kind(unit: Unit, hall: str) -> RoomKind:
    k = unit.kind
    return RoomKind(k.gender, k.pool, k.accessible, k.college, k.size, unit.residency,
                    unit.room_type if unit.room_type in ("double", "triple") else "any", hall)


def plan_rooms(units_by_kind: Counter, classes: tuple[SuiteClass, ...], policy: Policy,
               progress: bool = False) -> RoomPlan:
    """Solve the room model for ``units_by_kind`` (RoomKind -> units); raise naming the broken rule.

    With ``progress``, a line on stderr (if a terminal) counts the objective steps solved."""
    spill_into = {pool: policy.spill_over.into for pool in policy.spill_over.order}
    model = cp_model.CpModel()
    guard = {name: model.new_bool_var(name) for name in
             ("everyone placed", "beds and room patterns", "one gender per suite", "open rooms only")}

    suites = {}
    for c in classes:
        for g in ("F", "M"):
            suites[c.key, g] = model.new_int_var(0, c.count, f"suites_{c.key}_{g}")
            if not c.houses(g):
                model.add(suites[c.key, g] == 0).only_enforce_if(guard["open rooms only"])
        model.add(suites[c.key, "F"] + suites[c.key, "M"] <= c.count).only_enforce_if(guard["one gender per suite"])

    room_types = {c.key: Counter(c.rooms) for c in classes}
    place = {}
    for kind, n in sorted(units_by_kind.items()):
        options = [(c, t) for c in classes for t in room_types[c.key] if _opens(c, t, kind, spill_into)]
        for c, t in options:
            place[kind, c.key, t] = model.new_int_var(0, n, "")
        model.add(sum(place[kind, c.key, t] for c, t in options) == n).only_enforce_if(guard["everyone placed"])

    units_in: dict[tuple[int, str, tuple], dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for (kind, key, t), v in place.items():
        units_in[key, kind.gender, t][slot_of(kind.size, kind.residency)].append(v)
    count = {c.key: c.count for c in classes}
    fill = {}
    for (key, g, t), by_slot in sorted(units_in.items(), key=repr):
        patterns = _patterns(sorted(by_slot), t[1])
        for p in patterns:
            fill[key, g, t, p] = model.new_int_var(0, room_types[key][t] * count[key], "")
        rooms = sum(fill[key, g, t, p] for p in patterns)
        model.add(rooms <= room_types[key][t] * suites[key, g]).only_enforce_if(guard["beds and room patterns"])
        for slot, here in by_slot.items():  # the units in these rooms are exactly their patterns' slots
            model.add(sum(here) == sum(p.count(slot) * fill[key, g, t, p] for p in patterns)).only_enforce_if(
                guard["beds and room patterns"])

    model.add_assumptions(list(guard.values()))
    mixing = sum(v for (key, g, t, p), v in fill.items() if is_mixed(p))
    room_type = sum(v for (kind, key, t), v in place.items() if kind.room_type == t[0])
    position = {c.key: i for i, c in enumerate(classes)}
    tie_break = sum((position[key] * 8 + list(room_types[key]).index(t)) * v for (kind, key, t), v in place.items())
    goals = {"mixing": (mixing, True), "room_type": (room_type, True)}
    steps = [name for name in policy.allocation.wishes if name in goals] + ["tie_break"]
    goals["tie_break"] = (tie_break, False)

    objectives = {}
    solver = None
    bar = Progress(len(steps), "room model: " + ", ".join(steps), enabled=progress)
    for name in steps:
        expression, maximise = goals[name]
        model.clear_objective()
        (model.maximize if maximise else model.minimize)(expression)
        solver = deterministic_solver(policy.allocation.solver_seed, policy.allocation.max_deterministic_time)
        status = solver.solve(model)
        if status == cp_model.INFEASIBLE:
            broken = [model.proto.variables[i].name for i in solver.sufficient_assumptions_for_infeasibility()]
            raise PsmError(f"room placement is impossible: the rule group(s) {broken} cannot all hold together; "
                           "check the inventory (accessible rooms, colleges, pools) against the offers")
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            raise PsmError(f"room placement found no answer for {name!r} within "
                           f"{policy.allocation.max_deterministic_time:g} deterministic seconds; raise "
                           f"[allocation] max_deterministic_time in the policy")
        value = int(round(solver.objective_value))
        objectives[name] = (value, "optimal" if status == cp_model.OPTIMAL else "best found within the limit")
        model.add(expression >= value if maximise else expression <= value)  # keep it for the next steps
        model.clear_hints()  # the next step starts from this answer, which meets every step so far
        for var in [*suites.values(), *place.values(), *fill.values()]:
            model.add_hint(var, solver.value(var))
        bar.advance()
    bar.close()
    return RoomPlan(
        suites={key: solver.value(v) for key, v in suites.items() if solver.value(v)},
        fills={key: solver.value(v) for key, v in fill.items() if solver.value(v)},
        units={key: solver.value(v) for key, v in place.items() if solver.value(v)},
        objectives=objectives,
        parameters={"num_workers": 1, "random_seed": policy.allocation.solver_seed,
                    "linearization_level": LINEARIZATION_LEVEL,
                    "max_deterministic_time": policy.allocation.max_deterministic_time,
                    "objective_steps": steps},
    )


def _opens(c: SuiteClass, t: tuple, kind: RoomKind, spill_into: dict[str, str]) -> bool:
    room_type, beds, accessible = t
    return (
        opens_to(c, Kind(kind.pool, kind.gender, kind.accessible, kind.college), spill_into)
        and beds >= kind.size
        and (accessible or not kind.accessible)
        and (kind.hall == "" or c.hall == kind.hall)
    )


def _patterns(slots: list[str], beds: int) -> list[tuple[str, ...]]:
    """Every non-empty multiset of these slots that fits in a room of ``beds`` beds."""
    found = []
    for count in range(1, beds + 1):
        for combo in itertools.combinations_with_replacement(slots, count):
            if sum(_size(s) for s in combo) <= beds:
                found.append(combo)
    return found
