"""Who may live in which room: the hard rules of access, stated once and built from the policy.

A room is open to an applicant of a given :class:`ApplicantKind` when all of these hold:

- pools: the room is open to the applicant's pool, or to a pool whose unused beds spill over
  into it (policy ``[spill_over]``: the reserved beds of the pools in ``order`` that are left
  empty go ``into`` the receiving pool);
- gender rule: ``any`` houses everyone, ``F`` (a female-only hall, ``rooms.csv``) women only,
  ``M`` (a suite whose residents from an earlier offer round are men,
  :mod:`allocation.residual`) men only;
- accessibility: whoever needs an accessible room gets one;
- college: a residential-college room is first for "the residential college whose members alone
  may live there" (``io-contract``, rooms.csv); every other room for everyone. Beds the members
  leave empty go, down the waitlist, to applicants who listed the college's hall in their
  ``hall_preferences`` (``shared/spec/policy.md`` section 7, policy ``[allocation]
  college_beds_to_applicants_who_list_it``): such an applicant, admitted on that second walk
  (:func:`allocation.admit.admit`), is of a kind whose ``released_to`` names the college, and
  its rooms are open to them as to a member.

A mutual roommate pair lives in one room open to both (:meth:`RoomAccess.pair_kind`): an
accessible one if either needs it; a college room if both are members of that college, or,
under ``[allocation] college_rooms_for_member_roommates = true`` (a decision for the HAC), if
one is a member and the other belongs to no college; and a college room whose beds were
released to both of them.

The fit check (:mod:`allocation.fit`), the room model (:mod:`allocation.rooms`), the final
rule check of placement (:mod:`allocation.place`) and the plain reference model
(:mod:`allocation.plain`) all ask :class:`RoomAccess`; none states these rules again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from psm.policy import Policy

if TYPE_CHECKING:
    from allocation.inventory import RoomSignature, SuiteClass

__all__ = ["ApplicantKind", "RoomAccess", "SpillRoute", "gender_rule_houses"]


class ApplicantKind(NamedTuple):
    """What the hard rules see of a placement unit: its pool, gender, whether it needs an
    accessible room, its residential college ("" for none), its size (1 for one person, 2
    for a mutual roommate pair sharing a room) and the college whose beds its members left empty
    were released to it (``released_to``, "" for none; section 7). Units of one kind are
    interchangeable.

    For a pair, ``college`` and ``released_to`` are the (at most two) colleges whose rooms are
    open to both (:meth:`RoomAccess.pair_kind`).

    A named tuple (immutable, ordered field by field): the fit check looks its counts up by kind
    hundreds of thousands of times a run, and a tuple is hashed and compared without a Python
    call (a frozen dataclass's ``__hash__`` and ``__eq__`` were about a tenth of admission's and
    hall choice's Python time on the sample)."""

    pool: str
    gender: str
    accessible: bool
    college: str
    size: int = 1
    released_to: str = ""

    @property
    def colleges(self) -> frozenset[str]:
        """The residential colleges whose rooms are open to this unit."""
        return frozenset({self.college, self.released_to} - {""})


def gender_rule_houses(rule: str, gender: str) -> bool:
    """May someone of ``gender`` ("F" / "M") live under the gender rule ``rule``? ("any": everyone;
    "F": women only; "M": men only.)"""
    return rule in ("any", gender)


class SpillRoute(NamedTuple):
    """Unused reserved beds of ``giver`` go to ``receiver`` (policy ``[spill_over]``)."""

    giver: str
    receiver: str


@dataclass(frozen=True)
class RoomAccess:
    """The policy's access rules: where unused beds spill over, and who may share a college room."""

    spill_over: frozenset[SpillRoute]
    member_roommates_in_college: bool  # policy [allocation] college_rooms_for_member_roommates

    @classmethod
    def from_policy(cls, policy: Policy) -> RoomAccess:
        spill = policy.spill_over
        return cls(spill_over=frozenset(SpillRoute(pool, spill.into) for pool in spill.order),
                   member_roommates_in_college=policy.allocation.college_rooms_for_member_roommates)

    def allows(self, kind: ApplicantKind, *, pools: Iterable[str], gender_rule: str, accessible: bool,
               college: str) -> bool:
        """May a unit of ``kind`` live in a room open to ``pools``, under ``gender_rule``, accessible
        or not, of residential college ``college`` ("" for an ordinary room)? The module's rules."""
        access_ok = accessible or not kind.accessible
        college_ok = college == "" or college in kind.colleges
        return (self.opens_to_pool(kind.pool, pools) and gender_rule_houses(gender_rule, kind.gender) and access_ok
                and college_ok)

    def opens_to_pool(self, pool: str, pools: Iterable[str]) -> bool:
        """Is a room open to ``pools`` open to applicants of ``pool`` (its own, or by spill-over)?"""
        pools = tuple(pools)
        return pool in pools or any(SpillRoute(p, pool) in self.spill_over for p in pools)

    def allows_suite(self, kind: ApplicantKind, suite: SuiteClass) -> bool:
        """May a unit of ``kind`` live somewhere in a suite of this class? (An applicant needing an
        accessible room: if the suite has an accessible bed.)"""
        return self.allows(kind, pools=suite.pools, gender_rule=suite.gender,
                           accessible=suite.accessible_beds > 0, college=suite.college)

    def allows_room(self, kind: ApplicantKind, suite: SuiteClass, room: RoomSignature) -> bool:
        """May a unit of ``kind`` live in a room of type ``room`` in a suite of this class?"""
        return self.allows(kind, pools=suite.pools, gender_rule=suite.gender, accessible=room.accessible,
                           college=suite.college)

    def allows_listed_room(self, kind: ApplicantKind, room: Mapping) -> bool:
        """May a unit of ``kind`` live in this concrete room (a row of the inventory's rooms)?"""
        return self.allows(kind, pools=room["pools"], gender_rule=room["gender"],
                           accessible=bool(room["accessible"]), college=room["college"])

    def pair_kind(self, a: ApplicantKind, b: ApplicantKind) -> ApplicantKind:
        """The kind of a mutual pair sharing one room: the room must suit both (module docstring).

        Call only for two people who may share at all (:func:`allocation.units.pair_problem`)."""
        shared = a.colleges & b.colleges
        if self.member_roommates_in_college and "" in (a.college, b.college):
            shared |= {a.college or b.college} - {""}
        college, released_to = (sorted(shared) + ["", ""])[:2]
        return ApplicantKind(a.pool, a.gender, a.accessible or b.accessible, college, size=2, released_to=released_to)
