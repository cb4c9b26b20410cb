"""What an allocation achieved, in the figures the committee reads (allocation issue).

- cut-offs per pool and gender: the last tier and score offered, and the offers/waitlist;
- mutual roommate requests: pairs with both offered and of one gender, and how many share a room;
- mixing: rooms with a local and a non-local resident, against the upper bound (sum over
  genders of min(local offered, non-local offered));
- hall preferences met, by rank band: first choice, any listed choice, none of the list;
- room-type wishes met.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from allocation.admit import Admission
from allocation.inventory import Inventory
from allocation.place import Placement
from allocation.units import residency_of

__all__ = ["AllocationSummary", "summarise", "cutoffs_by_pool_and_gender", "cutoffs_by_tier", "mixing_upper_bound"]


@dataclass(frozen=True)
class AllocationSummary:
    cutoffs: pd.DataFrame
    cutoffs_by_tier: pd.DataFrame
    pairs_possible: int
    pairs_together: int
    mixed_rooms: int
    mixing_bound: int
    preferences: pd.DataFrame
    room_type_asked: int
    room_type_met: int
    solver: dict


def cutoffs_by_pool_and_gender(admission: Admission, applications: pd.DataFrame) -> pd.DataFrame:
    """Per pool and gender: offers, waitlist, and where the waitlist starts (rank, tier, score).

    ``offered_below`` counts offers ranked below the first waitlisted applicant: people who fit
    a bed the waitlisted could not use (a college room, an accessible room, a suite's last bed).
    """
    gender = applications.set_index("applicant_id")["gender"]
    ranked = admission.frame[admission.frame["status"].isin(["offered", "waitlisted"])]
    rows = []
    for (pool, g), group in ranked.assign(gender=ranked["applicant_id"].map(gender)).groupby(["pool", "gender"]):
        group = group.sort_values("rank")
        waiting = group[group["status"] == "waitlisted"]
        first = waiting.iloc[0] if len(waiting) else None
        rows.append(dict(
            pool=pool, gender=g, offered=int((group["status"] == "offered").sum()), waitlisted=len(waiting),
            waitlist_from_rank=int(first["rank"]) if first is not None else pd.NA,
            tier=first["tier"] if first is not None else "", score=first["score"] if first is not None else pd.NA,
            offered_below=int(((group["status"] == "offered") & (group["rank"] > first["rank"])).sum())
            if first is not None else 0,
        ))
    return pd.DataFrame(rows)


def cutoffs_by_tier(admission: Admission, applications: pd.DataFrame) -> pd.DataFrame:
    """Per pool, tier and gender: offered, waitlisted, and the lowest score offered."""
    gender = applications.set_index("applicant_id")["gender"]
    ranked = admission.frame[admission.frame["status"].isin(["offered", "waitlisted"])]
    rows = []
    for (pool, tier, g), group in ranked.assign(gender=ranked["applicant_id"].map(gender)).groupby(
            ["pool", "tier", "gender"], sort=False):
        offered = group[group["status"] == "offered"]
        rows.append(dict(pool=pool, tier=tier, gender=g, offered=len(offered),
                         waitlisted=int((group["status"] == "waitlisted").sum()),
                         lowest_score_offered=offered["score"].min() if len(offered) else pd.NA))
    frame = pd.DataFrame(rows, columns=["pool", "tier", "gender", "offered", "waitlisted", "lowest_score_offered"])
    first_seen = frame.groupby(["pool", "tier"], sort=False).ngroup()  # pools and tiers in rank order
    return frame.assign(order=first_seen).sort_values(["order", "gender"]).drop(columns="order").reset_index(drop=True)


def summarise(admission: Admission, placement: Placement, applications: pd.DataFrame, inventory: Inventory,
              band: int = 1000) -> AllocationSummary:
    """The figures above; preference results in bands of ``band`` ranks (pairs at their worse rank)."""
    apps = applications.set_index("applicant_id")
    offered = set(admission.offered["applicant_id"])
    gender = apps["gender"]
    request = apps["roommate_request"]
    possible = {tuple(sorted((a, b))) for a, b in request.dropna().items()
                if a in offered and b in offered and request.get(b) == a and gender[a] == gender[b]}
    room = dict(zip(placement.assignments["applicant_id"], placement.assignments["room_id"]))
    together = sum(1 for a, b in possible if room.get(a) == room.get(b))

    residency = placement.assignments["applicant_id"].map(lambda a: residency_of(apps.at[a, "student_type"]))
    per_room = placement.assignments.assign(residency=residency).groupby("room_id")["residency"].agg(set)
    mixed = int(per_room.map(lambda r: {"L", "N"} <= r).sum())

    hall = dict(zip(placement.assignments["applicant_id"], placement.assignments["hall"]))
    rank = admission.frame.set_index("applicant_id")["rank"]
    pool = admission.frame.set_index("applicant_id")["pool"]
    rows = []
    for unit in placement.units:
        if not unit.halls:
            continue
        got = hall[unit.unit_id]
        worst = max(int(rank[m]) for m in unit.members)
        rows.append(dict(pool=pool[unit.unit_id], band=f"{(worst - 1) // band * band + 1}-{(worst - 1) // band * band + band}",
                         band_start=(worst - 1) // band, first=got == unit.halls[0], listed=got in unit.halls))
    prefs = pd.DataFrame(rows)
    if len(prefs):
        prefs = (prefs.groupby(["pool", "band_start", "band"], sort=True)
                 .agg(units=("first", "size"), first_choice=("first", "sum"), any_listed=("listed", "sum"))
                 .reset_index().drop(columns="band_start"))
    room_type_of = inventory.rooms.set_index("room_id")["room_type"]
    asked = [u for u in placement.units if u.room_type in ("double", "triple")]
    met = sum(1 for u in asked if room_type_of[room[u.unit_id]] == u.room_type)
    return AllocationSummary(
        cutoffs=cutoffs_by_pool_and_gender(admission, applications),
        cutoffs_by_tier=cutoffs_by_tier(admission, applications),
        pairs_possible=len(possible), pairs_together=together,
        mixed_rooms=mixed, mixing_bound=mixing_upper_bound(admission, applications),
        preferences=prefs, room_type_asked=len(asked), room_type_met=met,
        solver=placement.plan.parameters | {"objectives": placement.plan.objectives},
    )


def mixing_upper_bound(admission: Admission, applications: pd.DataFrame) -> int:
    """Sum over genders of min(local offered, non-local offered): no placement can beat it."""
    apps = applications.set_index("applicant_id").loc[admission.offered["applicant_id"]]
    residency = apps["student_type"].map(residency_of)
    counts = Counter(zip(apps["gender"], residency))
    return sum(min(counts[g, "L"], counts[g, "N"]) for g in ("F", "M"))
