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

import pandas as pd

from allocation.inventory import Inventory, classify_suites
from psm.errors import PsmError

__all__ = ["residual_inventory", "roommates_left_alone"]


def residual_inventory(inventory: Inventory, residents: pd.DataFrame, gender: pd.Series) -> Inventory:
    """The inventory less ``residents`` (assignment rows: applicant_id, suite_id, room_id).

    ``gender`` maps applicant_id to "F" / "M". Raises :class:`PsmError` if the residents do not
    agree with the inventory (an unknown room, more residents than beds, two genders in a
    suite, a man in a female-only hall): the rooms file changed since they were placed.
    """
    rooms = inventory.rooms.set_index("room_id", drop=False)
    problems = [f"room {r!r} (of {a}) is not in the inventory"
                for a, r in zip(residents["applicant_id"], residents["room_id"]) if r not in rooms.index]
    taken = residents["room_id"].value_counts()
    free = rooms["beds"] - taken.reindex(rooms.index, fill_value=0)
    problems += [f"room {r!r} holds {taken[r]} residents for {rooms.at[r, 'beds']} beds" for r in free.index[free < 0]]
    genders = residents.assign(gender=residents["applicant_id"].map(gender)).groupby("suite_id")["gender"].agg(set)
    problems += [f"suite {s!r} holds residents of both genders" for s, g in genders.items() if len(g) > 1]
    suite_gender = {s: next(iter(g)) for s, g in genders.items() if len(g) == 1}
    rule = pd.Series([suite_gender.get(s, g) for s, g in zip(rooms["suite_id"], rooms["gender"])],
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
                         inventory: Inventory) -> list[str]:
    """Residents of a college room who are not members of that college and whose mutual roommate
    is no longer a resident of the room, in id order.

    Under ``[allocation] college_rooms_for_member_roommates = true`` a non-member may share a
    member's college room. If the member then declines and the roommate accepts, the roommate
    keeps the room (accepted residents keep their rooms) and the member's bed goes to another
    member. The policy is silent on this, so the engine keeps the room and names these residents
    for the HAC to review.
    """
    apps = applications.set_index("applicant_id")
    room_college = inventory.rooms.set_index("room_id")["college"]
    room_of = dict(zip(residents["applicant_id"], residents["room_id"]))
    alone = []
    for applicant, room in room_of.items():
        college = room_college.get(room, "")
        member_of = apps.at[applicant, "college"] or ""
        if college and member_of != college and room_of.get(apps.at[applicant, "roommate_request"]) != room:
            alone.append(applicant)
    return sorted(alone)
