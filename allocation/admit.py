"""Admission: who gets a bed. Each pool's ranking walked in order, beds permitting.

The rule (``shared/spec/policy.md`` sections 1, 5 and 7: pools, rank order, pool quotas):
walk each pool's ranking from rank 1 and offer a place to an applicant only if everyone
offered so far, and they, still fit the halls (:mod:`allocation.fit`: one gender per suite,
and the rooms open to each, :mod:`allocation.access`) and the pool's beds after spill-over
are not used up. Otherwise they are waitlisted, keeping their rank.

Pools that give up unused beds are walked first (exchange), then the others, then the pool
that receives them (undergraduate), so spilled beds are known before they are used.

Mutual roommate pairs are joined here, so that a pair both offered shares a room whenever the
hard rules allow it (``mutual_pairs``, the first wish): when the second of a pair is offered a
place (on their own rank, as anyone else), the two become one unit needing a room of two or
more beds open to both, if everyone offered still fits that way; otherwise they stay two
people, and the reason is reported. Joining only narrows where they may live (a pair's rooms
are open to each member), so it never makes room for someone refused before; it may leave
less for those ranked below both.

Because adding people never makes a set fit that did not, a kind of person refused once is
refused for the rest of the walk. The walk therefore guarantees: nobody is refused while
someone ranked below them of the same kind (pool, gender, needs, college) is offered; and no
bed stays empty that a waitlisted applicant could use (adding them would not fit).

College beds left empty (section 7, policy ``[allocation] college_beds_to_applicants_who_list_it``):
residential-college rooms go first to the college's members, in the walk above. Then a second
walk, pool by pool in the same order and within each pool's beds, goes down each waitlist in
rank order over the applicants who listed a hall holding a college's rooms in their
``hall_preferences`` (colleges in the order listed, their own college aside): each is offered a
place, as a unit whose rooms include that college's (``ApplicantKind.released_to``), if everyone
offered still fits; pairs are joined as in the first walk. As the first walk, it guarantees that
no college bed stays empty while a waitlisted applicant of that pool who listed the college could
use it. Members were all walked before, and adding people never makes room for someone refused,
so no member is refused for a non-member.

The pools' beds come from :func:`allocation.quotas.pool_quotas`; in a first round the quotas are
compared with the rooms first (:func:`allocation.quotas.check_quotas`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from allocation.access import ApplicantKind
from allocation.fit import Fit
from allocation.inventory import Inventory
from allocation.quotas import QuotaWarning, check_quotas, pool_quotas
from allocation.units import mutual_partners, no_room_for, pair_problem, unhonoured_requests
from psm import domain
from psm.policy import Policy
from psm.progress import Progress
from psm.ranking import Ranking

__all__ = ["Admission", "admit", "kinds_of", "admitted_kinds", "college_halls", "listed_colleges", "walk_order"]


@dataclass(frozen=True)
class Admission:
    """The ranking with offers decided (status ``offered`` / ``waitlisted``) and how it was reached.

    ``released`` maps each applicant offered a college's empty bed on the second walk to that
    college (module docstring); ``quota_warnings`` the quotas the rooms do not match (first round).
    ``solver_parameters`` records the CP-SAT settings used, for the run's manifest:
    ``{"fit_check": {"num_workers", "random_seed", "linearization_level",
    "max_deterministic_time"}}`` (the fit check's model, :attr:`allocation.fit.Fit.solver_settings`).
    """

    frame: pd.DataFrame
    beds: pd.DataFrame
    fit: Fit
    pairs: dict[str, str]  # mutual roommates joined into one unit, each member to the other
    unpaired: pd.DataFrame  # mutual requests of offered applicants not honoured, with the reason
    solver_parameters: dict[str, dict[str, object]]
    released: dict[str, str] = field(default_factory=dict)  # applicant -> college whose empty bed they were offered
    quota_warnings: tuple[QuotaWarning, ...] = ()

    @property
    def offered(self) -> pd.DataFrame:
        return self.frame[self.frame["status"] == "offered"]


def kinds_of(applications: pd.DataFrame, pools: pd.Series, released: Mapping[str, str] | None = None) -> pd.Series:
    """Each applicant's :class:`ApplicantKind`, indexed by applicant_id; those in ``released``
    (applicant -> college) with that college's rooms open to them."""
    apps = applications.set_index("applicant_id")
    college = apps["college"].fillna("").astype(str)
    released = released or {}
    return pd.Series(
        [ApplicantKind(pool, g, bool(a), c, released_to=released.get(i, "")) for i, pool, g, a, c in
         zip(apps.index.tolist(), pools.loc[apps.index].tolist(), apps["gender"].tolist(),
             apps["accessibility_needs"].tolist(), college.tolist())],
        index=apps.index,
    )


def admitted_kinds(admission: Admission, applications: pd.DataFrame) -> pd.Series:
    """Each applicant's kind as admission offered them a place (college releases included)."""
    return kinds_of(applications, admission.frame.set_index("applicant_id")["pool"], admission.released)


def walk_order(policy: Policy) -> list[str]:
    """Pools that give up beds first, the receiving pool last."""
    givers = [p for p in policy.spill_over.order]
    receiver = policy.spill_over.into
    return givers + [p for p in domain.POOLS if p not in givers and p != receiver] + [receiver]


def college_halls(inventory: Inventory) -> dict[str, frozenset[str]]:
    """Each residential college (of rooms with a bed in ``inventory``) and the halls holding its rooms."""
    rooms = inventory.rooms[inventory.rooms["college"] != ""]
    return {college: frozenset(group["hall"]) for college, group in rooms.groupby("college", sort=True)}


def listed_colleges(halls: tuple[str, ...], own_college: str, halls_of: Mapping[str, frozenset[str]]) -> list[str]:
    """The colleges (not the applicant's own) whose hall the applicant listed, in the order listed."""
    listed: list[str] = []
    for hall in halls:
        listed += [c for c in sorted(halls_of) if hall in halls_of[c] and c != own_college and c not in listed]
    return listed


def admit(ranking: Ranking, applications: pd.DataFrame, inventory: Inventory, policy: Policy,
          taken: dict[str, int] | None = None, progress: bool = False) -> Admission:
    """Decide offers: the ranking's ``ranked`` rows become ``offered`` or ``waitlisted``.

    In a later offer round, ``inventory`` is what is left (:mod:`allocation.residual`) and
    ``taken`` the beds each pool's residents kept (:func:`psm.ranking.pool_beds`); a first round
    (``taken`` None) compares the quotas with the rooms first (:func:`allocation.quotas.check_quotas`).
    With ``progress``, a progress line on stderr if it is a terminal.
    """
    warnings = check_quotas(policy, ranking, inventory) if taken is None else ()
    frame = ranking.frame.reset_index(drop=True)  # rows are positions (the walk's status array)
    walk = _Walk(frame=frame, kinds=kinds_of(applications, frame.set_index("applicant_id")["pool"]).to_dict(),
                 partners=mutual_partners(applications), fit=Fit(inventory.classes, policy))
    beds = pool_quotas(policy, ranking, inventory, taken).set_index("pool")
    room_left = {pool: int(beds.loc[pool, "beds"]) for pool in walk_order(policy)}
    bar = Progress(len(ranking.ranked), "admission walk", enabled=progress)
    for pool in walk_order(policy):
        refused: set[ApplicantKind] = set()
        for row in frame.index[(frame["pool"] == pool) & (frame["status"] == "ranked")]:  # already in rank order
            kind = walk.kinds[walk.ids[row]]
            if room_left[pool] > 0 and kind not in refused and walk.fit.try_add(kind):
                walk.offer(row, kind)
                room_left[pool] -= 1
            else:
                walk.status[row] = "waitlisted"
                refused.add(kind)
            bar.advance()
    bar.close()
    if policy.allocation.college_beds_to_applicants_who_list_it:
        _release_college_beds(walk, applications, college_halls(inventory), room_left, walk_order(policy))
    frame["status"] = walk.status
    return Admission(frame=frame, beds=beds.reset_index(), fit=walk.fit, pairs=walk.pairs,
                     unpaired=unhonoured_requests(list(walk.offered), walk.partners, walk.pairs, walk.reasons,
                                                  dict(zip(frame["applicant_id"], walk.status))),
                     solver_parameters={"fit_check": walk.fit.solver_settings.as_dict()},
                     released=walk.released, quota_warnings=warnings)


@dataclass
class _Walk:
    """The walk's state: statuses, offers in the order made, kinds offered, pairs joined."""

    frame: pd.DataFrame  # the ranking's rows, indexed 0..n-1 (rows are positions)
    kinds: dict[str, ApplicantKind]  # applicant -> ApplicantKind as applied
    partners: dict[str, str]
    fit: Fit
    offered: dict[str, ApplicantKind] = field(default_factory=dict)  # in the order offered, with the kind offered
    pairs: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    released: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.status = self.frame["status"].to_numpy(dtype=object).copy()
        self.ids = self.frame["applicant_id"].to_numpy(dtype=object)

    def offer(self, row: int, kind: ApplicantKind) -> None:
        """Offer the row's applicant a place as ``kind`` (already added to the fit); join a mutual
        partner offered before into one pair unit if everyone still fits that way."""
        applicant = self.ids[row]
        self.status[row] = "offered"
        partner = self.partners.get(applicant)
        if partner in self.offered:
            mate = self.offered[partner]
            if problem := pair_problem(mate, kind):
                self.reasons[applicant] = problem
            elif self.fit.try_join(mate, kind):
                self.pairs[applicant], self.pairs[partner] = partner, applicant
            else:
                self.reasons[applicant] = no_room_for(mate, kind, self.fit.access)
        self.offered[applicant] = kind


def _release_college_beds(walk: _Walk, applications: pd.DataFrame, halls_of: Mapping[str, frozenset[str]],
                          room_left: dict[str, int], pools: list[str]) -> None:
    """The second walk (module docstring): college beds members left empty, down each pool's
    waitlist in rank order, to applicants who listed the college's hall."""
    if not halls_of:
        return
    wishes = dict(zip(applications["applicant_id"], applications["hall_preferences"]))
    frame = walk.frame
    for pool in pools:
        refused: set[ApplicantKind] = set()
        for row in frame.index[(frame["pool"] == pool) & (walk.status == "waitlisted")]:
            applicant = walk.ids[row]
            kind = walk.kinds[applicant]
            for college in listed_colleges(tuple(wishes[applicant] or ()), kind.college, halls_of):
                released = kind._replace(released_to=college)
                if room_left[pool] > 0 and released not in refused and walk.fit.try_add(released):
                    walk.offer(row, released)
                    walk.released[applicant] = college
                    room_left[pool] -= 1
                    break
                refused.add(released)
