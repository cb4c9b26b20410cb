"""The halls as the next offer round finds them: the beds of residents who accepted taken out.

A resident who accepted an offer keeps their room (offer rounds: accepted places are kept). So the next
round sees:

- each room with its free beds only (its type, accessibility, pools and college unchanged);
  a full room is left out;
- a suite with residents keeps their gender: its gender rule becomes theirs ("F" or "M"), so
  one gender per suite holds across rounds;
- everything else as in the inventory.

The result is an ordinary :class:`~allocation.inventory.Inventory`, so admission and placement
run on it unchanged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from allocation.access import ApplicantKind, RoomAccess
from allocation.admit import Admission, admitted_kinds
from allocation.fit import Fit
from allocation.inventory import Inventory, classify_suites
from allocation.units import pair_problem
from psm.errors import PsmError
from psm.policy import Policy

__all__ = ["residual_inventory", "roommates_left_alone", "ResidentRoommates", "join_resident_roommates",
           "ROOMMATE_ROOM_AND_SUITE_FULL", "ROOMMATE_BEDS_NOT_OPEN", "ROOMMATE_BEDS_NEEDED"]


def residual_inventory(inventory: Inventory, residents: pd.DataFrame, gender: pd.Series) -> Inventory:
    """The inventory less ``residents`` (assignment rows: applicant_id, suite_id, room_id).

    ``gender`` maps applicant_id to "F" / "M". Raises :class:`PsmError` if the residents do not
    agree with the inventory (an unknown room, more residents than beds, two genders in a
    suite, a man in a female-only hall): the rooms file changed since they were placed.
    """
    rooms = inventory.rooms.set_index("room_id", drop=False)
    known = set(rooms.index)
    problems = [f"room {r!r} (of {a}) is not in the inventory"
                for a, r in zip(residents["applicant_id"].tolist(), residents["room_id"].tolist()) if r not in known]
    taken = residents["room_id"].value_counts()
    free = rooms["beds"] - taken.reindex(rooms.index, fill_value=0)
    problems += [f"room {r!r} holds {taken[r]} residents for {rooms.at[r, 'beds']} beds" for r in free.index[free < 0]]
    genders: dict[str, set] = {}
    for suite, one in zip(residents["suite_id"].tolist(), residents["applicant_id"].map(gender).tolist()):
        genders.setdefault(suite, set()).add(one)
    problems += [f"suite {s!r} holds residents of both genders" for s, g in sorted(genders.items()) if len(g) > 1]
    suite_gender = {s: next(iter(g)) for s, g in genders.items() if len(g) == 1}
    rule = pd.Series([suite_gender.get(s, g) for s, g in zip(rooms["suite_id"].tolist(), rooms["gender"].tolist())],
                     index=rooms.index, dtype=object)
    problems += [f"room {r!r} is in a female-only hall but holds men" for r in rooms.index[(rooms["gender"] == "F") & (rule == "M")]]
    if problems:
        raise PsmError("the accepted residents do not fit the room inventory (was rooms.csv changed since the "
                       "last round?):\n  - " + "\n  - ".join(problems[:20]))
    left = rooms.assign(beds=free.astype(int), gender=rule)
    left = left[left["beds"] > 0].reset_index(drop=True)
    suites, classes = classify_suites(left)
    return Inventory(inventory.path, inventory.sha256, left, suites, classes)


def roommates_left_alone(residents: pd.DataFrame, applications: pd.DataFrame,
                         inventory: Inventory, listed_colleges_open: bool = False) -> list[str]:
    """Residents of a college room who are not members of that college and whose mutual roommate
    is no longer a resident of the room, in id order. With ``listed_colleges_open`` (policy
    ``[allocation] college_beds_to_applicants_who_list_it``), a non-member who listed the room's
    hall may hold the bed in their own right (section 7) and is not named.

    Under ``[allocation] college_rooms_for_member_roommates = true`` a non-member may share a
    member's college room. If the member then declines and the roommate accepts, the roommate
    keeps the room (accepted residents keep their rooms) and the member's bed goes to another
    member. The policy is silent on this, so the engine keeps the room and names these residents
    for the HAC to review.
    """
    apps = applications.set_index("applicant_id")
    room_college = inventory.rooms.set_index("room_id")["college"]
    room_hall = inventory.rooms.set_index("room_id")["hall"]
    room_of = dict(zip(residents["applicant_id"], residents["room_id"]))
    alone = []
    for applicant, room in room_of.items():
        college = room_college.get(room, "")
        member_of = apps.at[applicant, "college"] or ""
        listed = listed_colleges_open and room_hall.get(room) in (apps.at[applicant, "hall_preferences"] or ())
        if college and member_of != college and not listed and room_of.get(apps.at[applicant, "roommate_request"]) != room:
            alone.append(applicant)
    return sorted(alone)


#: The reason a newly offered applicant is placed apart from a mutual roommate who is a resident.
ROOMMATE_ROOM_AND_SUITE_FULL = "your roommate's room and suite are full"
ROOMMATE_BEDS_NOT_OPEN = ("your roommate's room and suite have a free bed, but none open to you "
                          "(a residential college room, or not accessible)")
ROOMMATE_BEDS_NEEDED = ("the free beds of your roommate's room and suite were needed to place everyone "
                        "offered this round")


@dataclass(frozen=True)
class ResidentRoommates:
    """Newly offered applicants whose mutual roommate is a resident: those placed beside them
    (``placed``: assignment rows without the round) and why the others are not (``apart``:
    applicant -> reason)."""

    placed: pd.DataFrame  # applicant_id, pool, hall, suite_id, room_id
    apart: dict[str, str]


def join_resident_roommates(admission: Admission, applications: pd.DataFrame, residents: pd.DataFrame,
                            full: Inventory, policy: Policy) -> ResidentRoommates:
    """Place each newly offered applicant whose mutual roommate already lives in a room beside them.

    The rule (the ``mutual_pairs`` wish across offer rounds): in the order of the offers, the
    applicant goes into the roommate's room if it has a free bed open to them, else into a room
    of the roommate's suite with one (rooms by id), as long as everyone else offered this round
    still fits the beds left (:mod:`allocation.fit`); otherwise they are placed as anyone else,
    with the true reason: :data:`ROOMMATE_ROOM_AND_SUITE_FULL` (no free bed there),
    :data:`ROOMMATE_BEDS_NOT_OPEN` (free beds, none open to them) or :data:`ROOMMATE_BEDS_NEEDED`.
    Two people who could never share (:func:`allocation.units.pair_problem`) get that reason.
    """
    residents = residents[["applicant_id", "pool", "hall", "suite_id", "room_id"]]
    kinds = admitted_kinds(admission, applications)
    hopeful = _join(admission, applications, residents, full, policy, kinds, check=False)
    rows = hopeful.placed.to_dict("records")
    if _others_fit(admission, applications, residents, rows, full, policy, kinds):
        return hopeful  # the usual case: one fit check for all of them
    # The longest run of the hopeful placements, from the first, that still lets everyone else
    # fit, found by halving: the checked walk makes the same choices up to there. "Everyone else
    # fits" holds of every shorter run if it holds of a longer one: the longer run's placement of
    # the others, with the applicants it adds in the beds they took (open to them, in a suite of
    # their gender), places the shorter run's others. That needs the fit test exact, which it is
    # for suites whose rooms are all accessible or none (allocation.fit); with a suite of both it
    # can say "fits" of a longer run and not of a shorter one, so there every placement is checked.
    fits, breaks = 0, len(rows) if _accessible_alike(full) else 0
    while breaks - fits > 1:
        middle = (fits + breaks) // 2
        if _others_fit(admission, applications, residents, rows[:middle], full, policy, kinds):
            fits = middle
        else:
            breaks = middle
    return _join(admission, applications, residents, full, policy, kinds, check=True, known_to_fit=fits)


def _accessible_alike(inventory: Inventory) -> bool:
    """Are every suite's rooms all accessible or all not (so every residual suite's too)?"""
    return all(suite_class.accessible_beds in (0, suite_class.beds) for suite_class in inventory.classes)


def _join(admission: Admission, applications: pd.DataFrame, residents: pd.DataFrame, full: Inventory,
          policy: Policy, kinds: pd.Series, check: bool, known_to_fit: int = 0) -> ResidentRoommates:
    """:func:`join_resident_roommates`, checking after each applicant placed that everyone else
    still fits (``check``), or not at all. The first ``known_to_fit`` placements are known to
    pass the check (:func:`join_resident_roommates`): they take the first open bed unchecked."""
    apps = applications.set_index("applicant_id")
    room_of = dict(zip(residents["applicant_id"], residents["room_id"]))
    offered = list(admission.offered["applicant_id"])
    pool = admission.frame.set_index("applicant_id")["pool"]
    access = RoomAccess.from_policy(policy)
    rooms = full.rooms.set_index("room_id")
    gender = apps["gender"]
    # The rooms the residents leave free; a room's rule stays as it is when someone joins a
    # resident there (the suite already has their gender: pair_problem), only its free beds fall.
    left = residual_inventory(full, residents, gender).rooms.set_index("room_id")
    rooms_of_suite = {suite: sorted(ids) for suite, ids in left.groupby("suite_id").groups.items()}
    joined: Counter = Counter()  # room -> applicants placed in it here
    placed: list[dict] = []
    apart: dict[str, str] = {}
    for applicant in offered:
        partner = apps.at[applicant, "roommate_request"]
        if partner not in room_of or apps.at[partner, "roommate_request"] != applicant:
            continue
        mate = ApplicantKind(pool.get(partner, kinds[applicant].pool), gender[partner], False, "")
        if problem := pair_problem(mate, kinds[applicant]):
            apart[applicant] = problem
            continue
        home = room_of[partner]
        suite = rooms.at[home, "suite_id"]
        free = [r for r in dict.fromkeys([home, *rooms_of_suite.get(suite, [])])
                if r in left.index and left.at[r, "beds"] > joined[r]]
        if not free:
            apart[applicant] = ROOMMATE_ROOM_AND_SUITE_FULL
            continue
        open_beds = [r for r in free if access.allows_listed_room(kinds[applicant], left.loc[r])]
        if not open_beds:
            apart[applicant] = ROOMMATE_BEDS_NOT_OPEN
            continue
        chosen = next((r for r in open_beds if not check or len(placed) < known_to_fit or _others_fit(
            admission, applications, residents, placed + [_row(applicant, pool[applicant], rooms, r)], full, policy,
            kinds)), None)
        if chosen is None:
            apart[applicant] = ROOMMATE_BEDS_NEEDED
            continue
        placed.append(_row(applicant, pool[applicant], rooms, chosen))
        joined[chosen] += 1
    return ResidentRoommates(pd.DataFrame(placed, columns=["applicant_id", "pool", "hall", "suite_id", "room_id"]),
                             apart)


def _row(applicant: str, pool: str, rooms: pd.DataFrame, room_id: str) -> dict:
    return {"applicant_id": applicant, "pool": pool, "hall": rooms.at[room_id, "hall"],
            "suite_id": rooms.at[room_id, "suite_id"], "room_id": room_id}


def _others_fit(admission: Admission, applications: pd.DataFrame, residents: pd.DataFrame, placed: list[dict],
                full: Inventory, policy: Policy, kinds: pd.Series) -> bool:
    """Do the units offered this round, other than those ``placed``, fit the beds left beside them?"""
    beside = {p["applicant_id"] for p in placed}
    pinned = pd.DataFrame(placed, columns=["applicant_id", "pool", "hall", "suite_id", "room_id"])
    left = residual_inventory(full, pd.concat([residents, pinned[list(residents.columns)]]) if placed else residents,
                              applications.set_index("applicant_id")["gender"])
    fit = Fit(left.classes, policy)
    for applicant in admission.offered["applicant_id"]:
        partner = admission.pairs.get(applicant)
        if applicant in beside or (partner is not None and partner < applicant):
            continue
        kind = fit.access.pair_kind(kinds[applicant], kinds[partner]) if partner else kinds[applicant]
        if not fit.try_add(kind):
            return False
    return True
