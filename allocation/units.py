"""Placement units: mutual roommate pairs move as one; everyone else alone.

A roommate request counts only if mutual (``io-contract``: "counts only if mutual"). Admission
joins a pair into one unit when the second of them is offered a place, if they are of one
gender and pool and everyone offered still fits with the pair in one room
(:func:`allocation.admit.admit`; the rooms open to a pair:
:meth:`allocation.access.RoomAccess.pair_kind`). The unit chooses its hall at the worse rank
of the two, with the hall and room-type preferences of its better-ranked member. A pair that cannot
be a unit is placed as two people, with the reason reported.

Residency, for the mixing wish: ``L`` a local student, ``N`` a non-local one, in the policy's
sense (section B.2 and part 3e: non-local students of UGC-funded programmes). Inbound exchange
and research students are a category of their own ("-"), never counted for mixing: they
live in rooms reserved for their pools.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from allocation.access import ApplicantKind, RoomAccess

__all__ = ["Unit", "NO_PLACE_REASONS", "RELEASED_APART", "form_units", "mutual_partners", "no_place_reason", "no_room_for",
           "pair_problem", "residency_of", "unhonoured_requests"]


@dataclass(frozen=True)
class Unit:
    """One or two applicants who are placed together."""

    members: tuple[str, ...]  # applicant ids, better-ranked first
    kind: ApplicantKind
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

    def alone(self, member: str, kind: ApplicantKind) -> Unit:
        """One member of this unit as a unit of their own."""
        i = self.members.index(member)
        return Unit((member,), kind, self.order, (self.member_residency[i],), self.halls, self.room_type)


def residency_of(student_type: str) -> str:
    return {"local": "L", "non_local": "N"}.get(student_type, "-")


def mutual_partners(applications: pd.DataFrame) -> dict[str, str]:
    """Each applicant whose roommate request is returned, mapped to that roommate."""
    wanted = applications["roommate_request"]
    request = dict(zip(applications.loc[wanted.notna(), "applicant_id"], wanted[wanted.notna()]))
    return {a: b for a, b in request.items() if a != b and request.get(b) == a}


def pair_problem(a: ApplicantKind, b: ApplicantKind) -> str:
    """Why two people can never share a room under the hard rules; "" when they can."""
    if a.gender != b.gender:
        return "different genders: rooms are single-gender"
    if a.pool != b.pool:
        return f"different pools ({a.pool}, {b.pool}): no room is open to both"
    return ""


#: Why a pair is apart when one of them was offered a college bed its members left empty
#: (section 7: released to applicants who listed the college) and the other may not use it.
RELEASED_APART = ("one of them was offered a residential college bed its members left empty (open to applicants who "
                  "listed the college, section 7), which the other may not use, and no ordinary room of two or more "
                  "beds was left when the second of them was offered a place")


def no_room_for(a: ApplicantKind, b: ApplicantKind, access: RoomAccess) -> str:
    """The reason a pair that could share in principle was left as two people."""
    kind = access.pair_kind(a, b)
    if a.released_to != b.released_to and not (a.colleges & b.colleges):
        return RELEASED_APART
    if a.college != b.college and kind.college == "":
        return ("not members of the same residential college, and no ordinary room of two or more beds was "
                "left when the second of them was offered a place")
    return "no room of two or more beds open to both was left when the second of them was offered a place"


#: Why a mutual request is not honoured when the requested roommate holds no place this round,
#: by the roommate's status in the ranking.
NO_PLACE_REASONS = {
    "waitlisted": "the requested roommate is on the waitlist",
    "declined": "the requested roommate declined their offer",
    "withdrawn": "the requested roommate has withdrawn from the hall",
    "revoked": "the requested roommate's offer was revoked by the HAC",
    "ineligible": "the requested roommate is not eligible for a hall place",
    "disqualified": "the requested roommate is disqualified",
}


def no_place_reason(status: str) -> str:
    """Why a request is not honoured whose roommate (status ``status``) holds no place this round."""
    return NO_PLACE_REASONS.get(status, f"the requested roommate holds no place (status {status or 'not ranked'})")


def unhonoured_requests(offered: list[str], partners: dict[str, str], pairs: dict[str, str],
                        reasons: dict[str, str], status: Mapping[str, str]) -> pd.DataFrame:
    """One row per mutual request of an offered applicant that is not honoured, with why.

    ``offered`` in walk order; ``pairs`` the pairs admission joined (both directions);
    ``reasons`` why a pair of offered applicants was not joined, keyed by either member;
    ``status`` each applicant's status in the ranking, which says why a roommate holds no place
    (:func:`no_place_reason`). A roommate who is a resident of an earlier round (``accepted``) is
    for the offer round to settle (:func:`hac.offers.next_round`): the row says so until then.
    """
    rows, seen = [], set()
    is_offered = set(offered)
    for a in offered:
        b = partners.get(a)
        if b is None or a in pairs or b in seen:
            continue
        seen.add(a)
        reason = (reasons.get(a) or reasons.get(b)) if b in is_offered else no_place_reason(status.get(b, ""))
        rows.append({"applicant_id": a, "roommate_request": b, "reason": reason})
    return pd.DataFrame(rows, columns=["applicant_id", "roommate_request", "reason"])


def form_units(offered: pd.DataFrame, applications: pd.DataFrame, kinds: pd.Series,
               walk: list[str], pairs: dict[str, str], access: RoomAccess) -> list[Unit]:
    """Units of the offered applicants: the pairs admission joined, everyone else alone.

    ``offered`` is the admission frame's offered rows (in rank order per pool); ``kinds`` maps
    applicant_id to its admission :class:`ApplicantKind`; ``pairs`` maps each joined member to
    the other; a pair's kind is ``access.pair_kind`` of its members'.
    """
    ids = applications["applicant_id"].tolist()
    student_type = dict(zip(ids, applications["student_type"].tolist()))
    halls = dict(zip(ids, applications["hall_preferences"].tolist()))
    room_type = dict(zip(ids, applications["room_type_preference"].tolist()))
    kind_of = kinds.to_dict()
    order = {a: (walk.index(pool), int(rank))
             for a, pool, rank in zip(offered["applicant_id"].tolist(), offered["pool"].tolist(), offered["rank"].tolist())}
    units = []
    for a in sorted(order, key=order.get):
        if a in pairs and order[pairs[a]] < order[a]:
            continue  # already in the unit of the better-ranked member
        members = (a, pairs[a]) if a in pairs else (a,)
        kind = kind_of[a] if len(members) == 1 else access.pair_kind(kind_of[a], kind_of[members[1]])
        units.append(Unit(
            members=members,
            kind=kind,
            order=max(order[m] for m in members),
            member_residency=tuple(residency_of(student_type[m]) for m in members),
            halls=tuple(halls[a] or ()),
            room_type=room_type[a],
        ))
    units.sort(key=lambda u: (u.order, u.unit_id))
    return units
