"""Placement units: mutual roommate pairs move as one; everyone else alone.

A roommate request counts only if mutual (``io-contract``: "counts only if mutual"). A pair
becomes one unit when both are offered a place, are of one gender, and a room could hold both
(the same pool and college rules for each). The unit takes the worse rank of the two for
hall choice (allocation issue), and the hall and room-type preferences of its better-ranked
member. A pair that cannot be a unit is placed as two people, with the reason reported.

Residency, for the mixing wish: ``L`` a local student, ``N`` a non-local one, in the policy's
sense (section B.2 and part 3e: non-local students of UGC-funded programmes). Inbound exchange
and research students are a category of their own ("-"), never counted for mixing: they
live in rooms reserved for their pools.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from allocation.fit import Kind

__all__ = ["Unit", "form_units", "residency_of"]


@dataclass(frozen=True)
class Unit:
    """One or two applicants who are placed together."""

    members: tuple[str, ...]  # applicant ids, better-ranked first
    kind: Kind
    order: tuple[int, int]  # (pool's place in the walk, rank): the unit's turn in hall choice
    member_residency: tuple[str, ...]  # "L", "N" or "-" for each member, in member order
    halls: tuple[str, ...]
    room_type: str

    @property
    def unit_id(self) -> str:
        return self.members[0]

    @property
    def residency(self) -> str:
        """"L", "N", "-" for one person; "LL", "LN", "NN" for a pair; "-" if anyone is "-"."""
        return "-" if "-" in self.member_residency else "".join(sorted(self.member_residency))

    def alone(self, member: str, kind: Kind) -> Unit:
        """One member of this unit as a unit of their own."""
        i = self.members.index(member)
        return Unit((member,), kind, self.order, (self.member_residency[i],), self.halls, self.room_type)


def residency_of(student_type: str) -> str:
    return {"local": "L", "non_local": "N"}.get(student_type, "-")


def form_units(offered: pd.DataFrame, applications: pd.DataFrame, kinds: pd.Series,
               walk: list[str]) -> tuple[list[Unit], pd.DataFrame]:
    """Units of the offered applicants, and a frame of the mutual requests not honoured, with why.

    ``offered`` is the admission frame's offered rows (in rank order per pool); ``kinds`` maps
    applicant_id to its admission :class:`Kind`.
    """
    apps = applications.set_index("applicant_id")
    rank = offered.set_index("applicant_id")["rank"].astype(int)
    pool = offered.set_index("applicant_id")["pool"]
    order = {a: (walk.index(pool[a]), rank[a]) for a in rank.index}
    request = apps["roommate_request"].where(apps["roommate_request"].notna(), None)

    paired: dict[str, str] = {}
    not_honoured = []
    for a in sorted(rank.index, key=order.get):
        b = request.get(a)
        if a in paired or b is None or request.get(b) != a or order.get(a) > order.get(b, (99, 0)):
            continue  # not mutual, or seen from the other side
        reason = _why_not(a, b, rank, kinds)
        if reason:
            not_honoured.append({"applicant_id": a, "roommate_request": b, "reason": reason})
        else:
            paired[a], paired[b] = b, a

    units = []
    for a in sorted(rank.index, key=order.get):
        if a in paired and order[paired[a]] < order[a]:
            continue  # already in the unit of the better-ranked member
        members = (a, paired[a]) if a in paired else (a,)
        kind = kinds[a] if len(members) == 1 else _pair_kind(kinds[a], kinds[members[1]])
        units.append(Unit(
            members=members,
            kind=kind,
            order=max(order[m] for m in members),
            member_residency=tuple(residency_of(apps.at[m, "student_type"]) for m in members),
            halls=tuple(apps.at[a, "hall_preferences"] or ()),
            room_type=apps.at[a, "room_type_preference"],
        ))
    units.sort(key=lambda u: (u.order, u.unit_id))
    return units, pd.DataFrame(not_honoured, columns=["applicant_id", "roommate_request", "reason"])


def _why_not(a: str, b: str, rank: pd.Series, kinds: pd.Series) -> str:
    if b not in rank.index:
        return "the requested roommate has no offer"
    ka, kb = kinds[a], kinds[b]
    if ka.gender != kb.gender:
        return "different genders: rooms are single-gender"
    if ka.pool != kb.pool:
        return f"different pools ({ka.pool}, {kb.pool}): no room is open to both"
    return ""


def _pair_kind(a: Kind, b: Kind) -> Kind:
    """A pair needs a room open to both: an accessible one if either needs it; a college room
    only if both belong to that college (otherwise an ordinary room, open to everyone)."""
    return Kind(a.pool, a.gender, a.accessible or b.accessible, a.college if a.college == b.college else "", size=2)
