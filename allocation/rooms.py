"""Which rooms: a CP-SAT model on counts of room fillings ("patterns"), solved lexicographically.

Units of one *room kind* (their :class:`~allocation.access.ApplicantKind`, residency,
room-type wish and promised hall) are interchangeable; rooms of one type in suites of one
class and gender are too. The model decides, with every count exact:

- ``suites[c, g]``: suites of class ``c`` given to gender ``g`` (one gender per suite);
- ``fill[c, g, t, p]``: rooms of type ``t`` in those suites filled with pattern ``p``, a
  multiset of slots such as a local single, a non-local single, or a pair (``pLN``: a pair of
  one local and one non-local), never more people than beds;
- ``units[k, c, t]``: units of room kind ``k`` in rooms of type ``t`` of class ``c``.

Rule groups, each behind a guard literal so an infeasible model names the group that breaks
it (assumptions): everyone placed; beds and patterns; one gender per suite; open rooms only
(pools, female-only halls, colleges, accessible rooms: :class:`~allocation.access.RoomAccess`;
and promised halls). Then, in the policy's order of importance (``[allocation] wishes``): as
many rooms as possible with a local and a non-local resident (``mixing``); as many units as
possible in the room type they asked for (``room_type``); last, a tie-break that prefers lower
class and room-type indices. The wishes are solved in one weighted step whose optimum is their
lexicographic optimum (:func:`allocation.solve.in_one_step`), then the tie-break, keeping each
wish's value (:func:`allocation.solve.solve_lexicographically`).

Room kinds the model cannot tell apart (same gender and slot, same open rooms, the room-type
wish met in the same rooms or in all or none of them) share one ``units`` variable per room
type (:func:`_merge_kinds`), shared out to the kinds after solving. The room plan is one model,
not one per hall: kinds promised no hall reach nearly every class, so the kinds and classes
fall into two connected parts on the sample (44 classes, and 14 of single rooms and Boyan Hall),
and solving the parts apart was no faster (0.78 deterministic seconds, median of seeds 0-4,
against 0.61 as one).

Where the time goes (sample): proving that mixing cannot reach the LP's bound (865 against 864).
Every room is full there, so each gender's people in a class of four-bed suites come in fours;
the relaxation splits suites instead, across many halls at once (SCIP's root cuts leave 865). A
valid family of cuts was measured and left out: the suites of a gender that the people confined
to a set of classes need, rounded up. The median over seeds 0-12 fell (deterministic seconds,
sample 0.73 -> 0.56, 20,000 cohort 0.86 -> 0.53), but at seed 0 the sample slowed (0.65 -> 1.20)
and one 20,000 seed went from 0.73 to 4.4. The wishes' step is raced against a second CP-SAT
configuration on the other core (:func:`allocation.solve.race`), since only its value is kept:
on the sample 0.30 deterministic seconds alone, 0.17 raced (the rival's), the step's wall time
about 1.07 -> 0.82 s standalone and the room model's 2.19 -> 2.03 s in the run (medians of 6,
alternately, quick hour). The tie-break is not raced: its solution is the plan.

The objective values are the model's optima; the counts that reach them are usually not the
only ones (the tie-break weighs (class, room type) places, not kinds, pattern counts or suites
left empty: on the sample other optimal counts exist for all three). The plan is the same for
the same inputs because the solver is deterministic (:class:`~allocation.solve.SolverSettings`),
so any change to the model, its build order, its hints or the solver's parameters may give
other rooms with the same objective values.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from ortools.sat.python import cp_model

from allocation.access import ApplicantKind, RoomAccess
from allocation.inventory import RoomSignature, SuiteClass
from allocation.solve import Objective, SolverSettings, in_one_step, solve, solve_lexicographically
from allocation.units import Unit
from psm.errors import PsmError
from psm.policy import Policy
from psm.progress import Progress

__all__ = ["RoomKind", "ClassGender", "RoomGroup", "KindInRooms", "RoomFilling", "RoomPlan", "plan_rooms",
           "room_kind", "slot_of", "is_mixed", "mixing_objective", "room_type_objective",
           "tie_break_objective"]

GENDERS = ("F", "M")


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
    released_to: str = ""  # the college whose empty beds were released to these units (section 7)

    @property
    def applicant_kind(self) -> ApplicantKind:
        """What the access rules see of these units."""
        return ApplicantKind(self.pool, self.gender, self.accessible, self.college, self.size, self.released_to)


class ClassGender(NamedTuple):
    """Suites of one class given to one gender."""

    class_key: int
    gender: str


class RoomGroup(NamedTuple):
    """Rooms of one type in the suites of one class given to one gender: interchangeable."""

    class_key: int
    gender: str
    room: RoomSignature


class RoomFilling(NamedTuple):
    """Rooms of one group filled with one pattern (a multiset of slots, :func:`slot_of`)."""

    class_key: int
    gender: str
    room: RoomSignature
    pattern: tuple[str, ...]


class KindInRooms(NamedTuple):
    """Units of one room kind in rooms of one type of one class."""

    kind: RoomKind
    class_key: int
    room: RoomSignature


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

    suites: dict[ClassGender, int]
    fills: dict[RoomFilling, int]
    units: dict[KindInRooms, int]
    objectives: dict[str, tuple[int, str]]
    parameters: dict[str, object]


def room_kind(unit: Unit, hall: str) -> RoomKind:
    k = unit.kind
    return RoomKind(k.gender, k.pool, k.accessible, k.college, k.size, unit.residency,
                    unit.room_type if unit.room_type in ("double", "triple") else "any", hall, k.released_to)


def plan_rooms(units_by_kind: Counter, classes: tuple[SuiteClass, ...], policy: Policy,
               progress: bool = False) -> RoomPlan:
    """Solve the room model for ``units_by_kind`` (RoomKind -> units); raise naming the broken rule.

    With ``progress``, a line on stderr (if a terminal) counts the objective steps solved."""
    # Data: the rooms of each class by type, and where each room kind may live.
    access = RoomAccess.from_policy(policy)
    room_types = {c.key: Counter(c.rooms) for c in classes}  # room signature -> rooms of it in one suite
    suite_count = {c.key: c.count for c in classes}
    open_rooms: dict[ApplicantKind, list[tuple[SuiteClass, RoomSignature]]] = {}  # the rules asked once per kind
    for kind in units_by_kind:
        if kind.applicant_kind not in open_rooms:
            open_rooms[kind.applicant_kind] = [(c, t) for c in classes for t in room_types[c.key]
                                               if access.allows_room(kind.applicant_kind, c, t)]
    options = {kind: [(c, t) for c, t in open_rooms[kind.applicant_kind] if _fits_unit(c, t, kind)]
               for kind in units_by_kind}
    merged = _merge_kinds(units_by_kind, options)
    kinds = [(group.kind, sum(n for _, n in group.members)) for group in merged]
    fixed_room_type = {group.kind for group in merged if group.wish_fixed}
    wish_met_anyway = sum(group.met_anyway for group in merged)

    # Variables: suites per class and gender; units per kind and room type; rooms per filling.
    model = cp_model.CpModel()
    guard = {name: model.new_bool_var(name) for name in
             ("everyone placed", "beds and room patterns", "one gender per suite", "open rooms only")}
    suites = {ClassGender(c.key, g): model.new_int_var(0, c.count, f"suites_{c.key}_{g}")
              for c in classes for g in GENDERS}
    place = {KindInRooms(kind, c.key, t): model.new_int_var(0, n, f"units_{i}_in_{c.key}_{_name(t)}")
             for i, (kind, n) in enumerate(kinds) for c, t in options[kind]}
    units_in: dict[RoomGroup, dict[str, list]] = defaultdict(lambda: defaultdict(list))  # slot -> unit counts
    for (kind, key, t), v in place.items():
        units_in[RoomGroup(key, kind.gender, t)][slot_of(kind.size, kind.residency)].append(v)
    groups = sorted(units_in.items(), key=lambda item: _build_order(item[0]))
    patterns = {group: _patterns(sorted(by_slot), group.room.beds) for group, by_slot in groups}
    fill = {}
    for group, _ in groups:
        key, g, t = group
        for p in patterns[group]:
            fill[RoomFilling(key, g, t, p)] = model.new_int_var(0, room_types[key][t] * suite_count[key],
                                                                f"fill_{key}_{g}_{_name(t)}_{'+'.join(p)}")

    # Suites: female-only ones for women only, and one gender per suite.
    for c in classes:
        for g in GENDERS:
            if not c.houses(g):
                model.add(suites[c.key, g] == 0).only_enforce_if(guard["open rooms only"])
        one_gender = suites[c.key, "F"] + suites[c.key, "M"] <= c.count
        model.add(one_gender).only_enforce_if(guard["one gender per suite"])

    # Everyone is placed, in rooms open to them (only those have a variable).
    for kind, n in kinds:
        placed = sum(place[kind, c.key, t] for c, t in options[kind]) == n
        model.add(placed).only_enforce_if(guard["everyone placed"])

    # Rooms: no more filled than the suites given to the gender hold; units exactly their patterns' slots.
    for group, by_slot in groups:
        key, g, t = group
        rooms = sum(fill[key, g, t, p] for p in patterns[group])
        model.add(rooms <= room_types[key][t] * suites[key, g]).only_enforce_if(guard["beds and room patterns"])
        for slot, here in by_slot.items():
            in_slots = sum(here) == sum(p.count(slot) * fill[key, g, t, p] for p in patterns[group])
            model.add(in_slots).only_enforce_if(guard["beds and room patterns"])

    # The guards hold while solving (fixed true: measured against passing them as assumptions,
    # deterministic seconds over the two steps, random seeds 0-4, median, with the merged kinds
    # and each wish kept: the 20,000-applicant benchmark 0.57 against 1.19, the sample 0.65
    # against 0.61); only if the rules cannot all hold is the model solved again with them as
    # assumptions, to name the group that breaks (_broken_rules).
    diagnosis = model.clone()
    for literal in guard.values():
        model.add(literal == 1)

    # Objectives, most important first: the wishes in one weighted step (each counts at most one
    # per unit), then the tie-break. One step for the wishes where there were one per wish:
    # measured in CPU seconds for the wishes and the tie-break, the sample 14.8 as separate steps
    # against 3.8-5.0 in one, a second offer round 1.5 against 0.9, the 20,000-applicant benchmark
    # 5.5 against 2.7-3.2, with the same optima (every step proven optimal).
    wishes = {"mixing": mixing_objective(fill),
              "room_type": room_type_objective(place, fixed=fixed_room_type, met_anyway=wish_met_anyway)}
    ranked = [wishes[name] for name in policy.allocation.wishes if name in wishes]
    tie_break = tie_break_objective(place, classes, room_types)
    units = sum(units_by_kind.values())
    objectives = ([in_one_step(ranked, bound=units)] if ranked else []) + [tie_break]
    steps = [objective.name for objective in objectives]

    # Solve.
    settings = SolverSettings(random_seed=policy.allocation.solver_seed,
                              max_deterministic_time=policy.allocation.max_deterministic_time)
    bar = Progress(len(steps), "room model: " + ", ".join(steps), enabled=progress)
    # No hint from one step to the next: the hint (the last step's answer) pulls the search back
    # towards it and costs more than it saves. Measured over the three steps, CPU seconds
    # (deterministic seconds): the sample 24.5 (7.2) with the hint, 14.9 (3.7) without; the
    # 20,000-applicant benchmark 14.4 (4.2) with, 7.0 (1.4) without; a second offer round of the
    # sample 1.55 (0.53) with, 1.41 (0.45) without. The objective values are the same. Again with
    # each wish kept: the sample's tie-break 1.10 deterministic seconds with the hint, 0.56 without.
    # The tie-break folded into the wishes' step (wishes * W - tie-break, one solve) did not prove
    # its optimum within 60 deterministic seconds on the sample.
    # The wishes' step is raced (allocation.solve.race): only its value is kept, the same
    # whichever configuration proves it; the tie-break, whose solution is the plan, is not.
    result = solve_lexicographically(model, objectives, settings, after_step=bar.advance, race_values=True)
    bar.close()
    solver = result.solver
    if result.failed is not None:
        if result.failed.status == cp_model.INFEASIBLE:
            broken = _broken_rules(diagnosis, list(guard.values()), settings)
            raise PsmError(f"room placement is impossible: the rule group(s) {broken} cannot all hold together; "
                           "check the inventory (accessible rooms, colleges, pools) against the offers")
        raise PsmError(f"room placement found no answer for {result.failed.name!r} within "
                       f"{policy.allocation.max_deterministic_time:g} deterministic seconds; raise "
                       f"[allocation] max_deterministic_time in the policy")

    def status(step) -> str:
        return "optimal" if step.optimal else "best found within the limit"

    values = {wish.name: (int(solver.value(wish.expression)), status(result.steps[0])) for wish in ranked}
    values[tie_break.name] = (result.steps[-1].value, status(result.steps[-1]))

    # The solution, as counts.
    return RoomPlan(
        suites={key: solver.value(v) for key, v in suites.items() if solver.value(v)},
        fills={key: solver.value(v) for key, v in fill.items() if solver.value(v)},
        units=_unmerge({key: solver.value(v) for key, v in place.items() if solver.value(v)}, merged, options),
        objectives=values,
        parameters=settings.as_dict() | {"objective_steps": [*(wish.name for wish in ranked), tie_break.name],
                                         "solved_in": steps}
                   | ({"raced_with": dict(settings.rival().overrides)} if any(s.raced for s in result.steps) else {}),
    )


def mixing_objective(fill: dict[RoomFilling, cp_model.IntVar]) -> Objective:
    """The ``mixing`` wish: as many rooms as possible with a local and a non-local resident."""
    return Objective("mixing", sum(v for filling, v in fill.items() if is_mixed(filling.pattern)))


def room_type_objective(place: dict[KindInRooms, cp_model.IntVar], fixed: frozenset | set = frozenset(),
                        met_anyway: int = 0) -> Objective:
    """The ``room_type`` wish: as many units as possible in the room type they asked for.

    Kinds in ``fixed`` meet their wish wherever they live, or nowhere (merged kinds, see
    :func:`_merge_kinds`): their units count in ``met_anyway``, not through ``place``."""
    return Objective("room_type", met_anyway + sum(v for where, v in place.items() if where.kind not in fixed
                                                   and where.kind.room_type == where.room.room_type))


def tie_break_objective(place: dict[KindInRooms, cp_model.IntVar], classes: tuple[SuiteClass, ...],
                        room_types: dict[int, Counter]) -> Objective:
    """Last: units in lower classes and room types first, so the optimum is unique."""
    position = {c.key: i for i, c in enumerate(classes)}
    weight = {(c.key, t): position[c.key] * 8 + i for c in classes for i, t in enumerate(room_types[c.key])}
    return Objective("tie_break", sum(weight[where.class_key, where.room] * v for where, v in place.items()),
                     maximise=False)


class _MergedKind(NamedTuple):
    """Room kinds the model holds as one (:func:`_merge_kinds`), named by their first member."""

    kind: RoomKind
    members: list[tuple[RoomKind, int]]  # (member, units), in sorted order
    wish_fixed: bool  # the room-type wish is met in every room open to them, or in none
    met_anyway: int  # units whose wish is met in every room open to them (a constant of room_type)


def _merge_kinds(units_by_kind: Counter, options: dict[RoomKind, list]) -> list[_MergedKind]:
    """Room kinds the model cannot tell apart, as one: the same gender and slot, the same rooms
    open to them, and the same room-type wish met in each (or one met everywhere or nowhere, a
    constant of the ``room_type`` wish). In sorted order of the kinds that name them.

    Fewer variables, and no search among placements that differ only in which of such kinds
    lives where: measured in deterministic seconds over the two steps, random seeds 0-4, median
    (each wish kept, :func:`allocation.solve.solve_lexicographically`), the sample 0.61 against
    1.57 unmerged; on the sample 346 kinds become 222, the units variables 2,868 become 2,373."""
    alike: dict[tuple, list] = defaultdict(list)
    for kind, n in sorted(units_by_kind.items()):
        where = tuple((c.key, t) for c, t in options[kind])
        met = tuple(kind.room_type == t.room_type for _, t in where)
        alike[kind.gender, slot_of(kind.size, kind.residency), where,
              met if len(set(met)) > 1 else ()].append((kind, n))
    merged = []
    for (_, _, where, pattern), members in alike.items():
        fixed = bool(where) and not pattern
        met_anyway = sum(n for member, n in members if fixed and member.room_type == where[0][1].room_type)
        merged.append(_MergedKind(members[0][0], members, fixed, met_anyway))
    return sorted(merged)


def _unmerge(units: dict[KindInRooms, int], merged: list[_MergedKind],
             options: dict[RoomKind, list]) -> dict[KindInRooms, int]:
    """The units of each merged kind shared out to its members, in order: members in sorted
    order fill its places in the order of ``options``."""
    found = {}
    for kind, members, _, _ in merged:
        left = [[member, n] for member, n in members]
        for c, t in options[kind]:
            here = units.get(KindInRooms(kind, c.key, t), 0)
            while here:
                take = min(here, left[0][1])
                found[KindInRooms(left[0][0], c.key, t)] = take
                here -= take
                left[0][1] -= take
                if not left[0][1]:
                    left.pop(0)
    return found


def _broken_rules(diagnosis: cp_model.CpModel, guards: list, settings: SolverSettings) -> list[str]:
    """The rule groups (guard literals) that cannot all hold together: the model solved again
    with the guards as assumptions (a feasibility question, no objective)."""
    diagnosis.add_assumptions(guards)
    solver = settings.solver()
    solve(solver, diagnosis)
    return [diagnosis.proto.variables[i].name for i in solver.sufficient_assumptions_for_infeasibility()]


def _fits_unit(c: SuiteClass, t: RoomSignature, kind: RoomKind) -> bool:
    """In a room of type ``t`` of class ``c`` open to them (:meth:`RoomAccess.allows_room`), may
    units of ``kind`` live: beds enough for the unit, in the hall promised (if any)?"""
    return t.beds >= kind.size and (kind.hall == "" or c.hall == kind.hall)


def _build_order(group: RoomGroup) -> str:
    """The order room groups enter the model: by the text of (class key, gender, room), the room
    as in :func:`~allocation.inventory.room_order`."""
    return repr((group.class_key, group.gender, tuple(group.room)))


def _name(room: RoomSignature) -> str:
    """A room signature in a variable's name: ``double2``, ``single1a`` (accessible)."""
    return f"{room.room_type}{room.beds}{'a' if room.accessible else ''}"


def _patterns(slots: list[str], beds: int) -> list[tuple[str, ...]]:
    """Every non-empty multiset of these slots that fits in a room of ``beds`` beds."""
    found = []
    for count in range(1, beds + 1):
        for combo in itertools.combinations_with_replacement(slots, count):
            if sum(_size(s) for s in combo) <= beds:
                found.append(combo)
    return found
