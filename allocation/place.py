"""Placement: which room each offered applicant gets. Units, halls in rank order, rooms, checks.

Steps (the wishes in the policy's order of importance, ``[allocation] wishes``: mutual pairs,
hall preferences, mixing, room type):

1. Units (:mod:`allocation.units`): the mutual roommate pairs admission joined move as one;
   everyone else alone. Pairs admission could not join are reported with the reason.
2. Halls, in rank order: each unit (pairs at the worse rank of the two) takes the first hall
   on its list that keeps everyone placeable (:meth:`allocation.fit.Fit.try_commit`). So a
   higher-ranked applicant never gets a worse hall so that a lower-ranked one of the same
   gender gets a better one: the lower-ranked one chose later, within what was left.
3. Rooms: the pattern model (:mod:`allocation.rooms`) keeps every promised hall and maximises
   mixing and room-type matches in the policy's order.
4. Concrete people into concrete rooms, deterministically: suites of a class in suite_id order
   (women's first), rooms in room_id order, units in rank order, then id.
5. Every hard rule is checked again on the concrete result (the rooms open to each unit:
   :class:`~allocation.access.RoomAccess`); a broken rule stops the run.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import pandas as pd

from allocation.access import ApplicantKind, RoomAccess
from allocation.admit import Admission, admitted_kinds, college_halls, listed_colleges, walk_order
from allocation.fit import Fit
from allocation.inventory import Inventory, room_order, room_signatures
from allocation.rooms import RoomGroup, RoomPlan, is_mixed, plan_rooms, room_kind, slot_of
from allocation.units import Unit, form_units
from psm.errors import PsmError
from psm.policy import Policy

__all__ = ["ASSIGNMENT_COLUMNS", "Placement", "place", "check_assignments"]

ASSIGNMENT_COLUMNS = ("applicant_id", "pool", "hall", "suite_id", "room_id", "round")


@dataclass(frozen=True)
class Placement:
    """Assignments (one row per offered applicant) and what the report needs to explain them."""

    assignments: pd.DataFrame
    units: tuple[Unit, ...]
    promised: dict[str, str]  # unit_id -> hall promised in rank order
    split_pairs: pd.DataFrame  # mutual requests not honoured, with the reason
    plan: RoomPlan


def place(admission: Admission, applications: pd.DataFrame, inventory: Inventory, policy: Policy,
          round_no: int = 1, progress: bool = False) -> Placement:
    """Place every offered applicant; raise :class:`PsmError` if a rule cannot be kept.

    With ``progress``, the room model's steps are counted on stderr if it is a terminal."""
    kinds = admitted_kinds(admission, applications)
    fit = Fit(inventory.classes, policy)
    units = form_units(admission.offered, applications, kinds, walk_order(policy), admission.pairs,
                       fit.access)
    _fit_units(fit, units, admission.fit)
    promised = _choose_halls(fit, units)
    counts = Counter(room_kind(u, promised.get(u.unit_id, "")) for u in units)
    plan = plan_rooms(counts, inventory.classes, policy, progress)
    assignments = _concrete(units, promised, plan, inventory, admission, round_no)
    problems = check_assignments(assignments, admission, applications, inventory, policy, units, promised)
    if problems:
        raise PsmError("placement broke a rule (a bug, please report it):\n  - " + "\n  - ".join(problems[:20]))
    return Placement(assignments, tuple(units), promised, admission.unpaired, plan)


def _fit_units(fit: Fit, units: list[Unit], admitted: Fit | None = None) -> None:
    """Place every unit on counts: admission made sure they all fit, pairs joined as they are.

    When admission's fit check (``admitted``) holds exactly these units, its placement is taken
    over: a valid placement of them all, found already."""
    if admitted is not None and +admitted.people == Counter(unit.kind for unit in units):
        fit.start_from(admitted)
        return
    for unit in units:
        if not fit.try_add(unit.kind):
            raise PsmError(f"applicant(s) {', '.join(unit.members)} were offered a place but cannot be placed; "
                           "the offers and the inventory disagree (a bug, please report it)")


def _choose_halls(fit: Fit, units: list[Unit]) -> dict[str, str]:
    """Serial choice in rank order: the first listed hall that keeps everyone placeable."""
    promised = {}
    open_halls: dict[ApplicantKind, set[str]] = {}
    for unit in units:
        if unit.kind not in open_halls:
            open_halls[unit.kind] = {c.hall for c in fit.open_classes(unit.kind)}
        for hall in unit.halls:
            if hall in open_halls[unit.kind] and fit.try_commit(unit.kind, hall):
                promised[unit.unit_id] = hall
                break
    return promised


def _concrete(units: list[Unit], promised: dict[str, str], plan: RoomPlan, inventory: Inventory,
              admission: Admission, round_no: int) -> pd.DataFrame:
    """Concrete rooms from the plan's counts, deterministically (see the module's step 4)."""
    suites = inventory.suites.sort_values("suite_id")
    rooms = inventory.rooms.assign(signature=room_signatures(inventory.rooms))
    rooms = rooms.merge(suites[["suite_id", "class_key"]], on="suite_id").sort_values(["suite_id", "room_id"])
    gender_of_suite = {}
    for key, group in suites.groupby("class_key", sort=True):
        ids = list(group["suite_id"])
        women, men = plan.suites.get((key, "F"), 0), plan.suites.get((key, "M"), 0)
        gender_of_suite.update({s: "F" for s in ids[:women]})
        gender_of_suite.update({s: "M" for s in ids[women:women + men]})
    rooms = rooms.assign(suite_gender=rooms["suite_id"].map(gender_of_suite))

    queue: dict[tuple, list[Unit]] = defaultdict(list)  # (class, gender, room type, slot) -> units
    by_kind: dict[object, list[Unit]] = defaultdict(list)
    for unit in units:
        by_kind[room_kind(unit, promised.get(unit.unit_id, ""))].append(unit)
    places_of: dict[object, list[tuple[int, object, int]]] = defaultdict(list)  # kind -> (class, room, units)
    for (k, key, t), n in sorted(plan.units.items(), key=lambda item: (item[0].class_key, room_order(item[0].room))):
        places_of[k].append((key, t, n))
    for kind, members in sorted(by_kind.items()):
        members.sort(key=lambda u: (u.order, u.unit_id))
        for key, t, n in places_of[kind]:
            queue[key, kind.gender, t, slot_of(kind.size, kind.residency)] += members[:n]
            members = members[n:]
        if members:
            raise PsmError(f"the room plan left {len(members)} unit(s) of one kind unplaced (a bug, please report it)")
    waiting = {place: iter(units_there) for place, units_there in queue.items()}  # each taken once, in order
    rooms_of: dict[tuple, list] = defaultdict(list)  # (class, gender, room type) -> rooms, in suite and room order
    for room in rooms.itertuples(index=False):
        rooms_of[room.class_key, room.suite_gender, room.signature].append(room)

    pool = dict(zip(admission.frame["applicant_id"].tolist(), admission.frame["pool"].tolist()))
    rows = []
    for (key, g, t), groups in _fills_in_order(plan):
        free_rooms = iter(rooms_of[key, g, t])
        for pattern, count in groups:
            for _ in range(count):
                room = next(free_rooms)
                for slot in pattern:
                    unit = next(waiting[key, g, t, slot])
                    rows += [dict(applicant_id=m, pool=pool[m], hall=room.hall, suite_id=room.suite_id,
                                  room_id=room.room_id, round=round_no) for m in unit.members]
    frame = pd.DataFrame(rows, columns=list(ASSIGNMENT_COLUMNS))
    order = {a: i for i, a in enumerate(admission.frame["applicant_id"].tolist())}
    return frame.sort_values("applicant_id", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def _fills_in_order(plan: RoomPlan) -> list[tuple[RoomGroup, list[tuple[tuple[str, ...], int]]]]:
    """Per group of rooms (class, gender, room type): its patterns and their counts, mixed rooms
    first, in a fixed order."""
    grouped: dict[RoomGroup, list] = defaultdict(list)
    for (key, g, t, pattern), n in plan.fills.items():
        grouped[RoomGroup(key, g, t)].append((pattern, n))
    mixed_first = ((group, sorted(v, key=lambda pn: (not is_mixed(pn[0]), pn[0]))) for group, v in grouped.items())
    return sorted(mixed_first, key=lambda item: (item[0].class_key, item[0].gender, room_order(item[0].room)))


def check_assignments(assignments: pd.DataFrame, admission: Admission, applications: pd.DataFrame,
                      inventory: Inventory, policy: Policy, units: list[Unit],
                      promised: dict[str, str]) -> list[str]:
    """Every hard rule on the concrete result; an empty list when none is broken."""
    problems = []
    offered = set(admission.offered["applicant_id"])
    placed = assignments["applicant_id"].tolist()
    if sorted(placed) != sorted(offered):
        problems.append(f"placed {len(placed)} applicants for {len(offered)} offers "
                        f"(missing {sorted(offered - set(placed))[:5]}, extra {sorted(set(placed) - offered)[:5]})")
    rooms = inventory.rooms.set_index("room_id")
    per_room = assignments["room_id"].value_counts()
    beds = dict(zip(rooms.index, rooms["beds"].tolist()))
    problems += [f"room {r} holds {n} people for {beds[r]} beds" for r, n in per_room.items() if n > beds[r]]
    kinds = admitted_kinds(admission, applications)
    kind_of = kinds.to_dict()
    genders = assignments.assign(gender=[kind_of[a].gender for a in placed])
    mixed = genders.groupby("suite_id")["gender"].nunique()
    problems += [f"suite {s} holds more than one gender" for s in mixed[mixed > 1].index]
    unit_kind = {m: unit.kind for unit in units for m in unit.members}  # a pair: the room must suit both
    access = RoomAccess.from_policy(policy)
    room_rows = rooms[["pools", "gender", "accessible", "college"]].to_dict("index")  # what the access rules read
    rooms_held = assignments["room_id"].tolist()
    for applicant, room in zip(placed, rooms_held):
        if not access.allows_listed_room(unit_kind.get(applicant, kind_of[applicant]), room_rows[room]):
            problems.append(f"{applicant} is in room {room}, which is not open to them")
    room_of = dict(zip(placed, rooms_held))
    hall_of = dict(zip(placed, assignments["hall"].tolist()))
    for unit in units:
        if len({room_of.get(m) for m in unit.members}) > 1:
            problems.append(f"the pair {unit.members} does not share a room")
        if unit.unit_id in promised and hall_of.get(unit.unit_id) != promised[unit.unit_id]:
            problems.append(f"{unit.unit_id} was promised {promised[unit.unit_id]} but is in {hall_of.get(unit.unit_id)}")
    if policy.allocation.college_beds_to_applicants_who_list_it:
        problems += _college_bed_problems(assignments, admission, applications, inventory, access, kinds)
    return problems


def _college_bed_problems(assignments: pd.DataFrame, admission: Admission, applications: pd.DataFrame,
                          inventory: Inventory, access: RoomAccess, kinds: pd.Series) -> list[str]:
    """College beds on the concrete result (section 7): no college bed is free, in a suite a
    waitlisted applicant of the pool could join, while that applicant listed the college (the
    pool's beds not used up); no college bed released to a non-member is one a waitlisted member
    could take instead (members come first)."""
    frame = admission.frame
    waiting = frame[frame["status"] == "waitlisted"]
    if waiting.empty:
        return []
    left = admission.beds.set_index("pool")["beds"] - frame.loc[frame["status"] == "offered", "pool"].value_counts() \
        .reindex(admission.beds["pool"], fill_value=0).to_numpy()
    rooms = inventory.rooms.set_index("room_id")
    college_rooms = rooms[rooms["college"] != ""]
    occupants = Counter(assignments["room_id"].tolist())
    kind_of = kinds.to_dict()
    suite_genders: dict[str, set[str]] = {}
    for suite, applicant in zip(assignments["suite_id"].tolist(), assignments["applicant_id"].tolist()):
        suite_genders.setdefault(suite, set()).add(kind_of[applicant].gender)
    halls_of = college_halls(inventory)
    wishes = dict(zip(applications["applicant_id"], applications["hall_preferences"]))
    room_rows = college_rooms[["pools", "gender", "accessible", "college", "suite_id", "beds"]].to_dict("index")

    def could_live(kind: ApplicantKind, room_id: str) -> bool:
        room = room_rows[room_id]
        genders = suite_genders.get(room["suite_id"], set())
        return access.allows_listed_room(kind, room) and genders <= {kind.gender}

    problems = []
    free = [r for r, room in room_rows.items() if occupants[r] < room["beds"]]
    held = assignments[assignments["room_id"].isin(college_rooms.index)]
    held = held[held["applicant_id"].isin(admission.released)]  # non-members offered the beds members left empty
    for applicant, pool in zip(waiting["applicant_id"], waiting["pool"]):
        if left[pool] <= 0:
            continue
        kind = kind_of[applicant]
        for college in listed_colleges(tuple(wishes[applicant] or ()), kind.college, halls_of):
            bed = next((r for r in free if room_rows[r]["college"] == college
                        and could_live(kind._replace(released_to=college), r)), None)
            if bed is not None:
                problems.append(f"college room {bed} has a free bed while {applicant}, who listed {college}, waits")
        if kind.college:
            taken = next((r for a, r in zip(held["applicant_id"], held["room_id"])
                          if room_rows[r]["college"] == kind.college and kind_of[a].gender == kind.gender
                          and access.allows_listed_room(kind, room_rows[r])), None)
            if taken is not None:
                problems.append(f"a non-member holds a bed in college room {taken} while {applicant}, a member, waits")
    return problems
