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
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from allocation.access import ApplicantKind
from allocation.fit import Fit
from allocation.inventory import Inventory
from allocation.units import mutual_partners, no_room_for, pair_problem, unhonoured_requests
from psm import domain
from psm.policy import Policy
from psm.progress import Progress
from psm.ranking import Ranking, pool_beds

__all__ = ["Admission", "admit", "kinds_of", "walk_order"]


@dataclass(frozen=True)
class Admission:
    """The ranking with offers decided (status ``offered`` / ``waitlisted``) and how it was reached.

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

    @property
    def offered(self) -> pd.DataFrame:
        return self.frame[self.frame["status"] == "offered"]


def kinds_of(applications: pd.DataFrame, pools: pd.Series) -> pd.Series:
    """Each applicant's :class:`ApplicantKind`, indexed by applicant_id."""
    apps = applications.set_index("applicant_id")
    college = apps["college"].fillna("").astype(str)
    return pd.Series(
        [ApplicantKind(pool, g, bool(a), c) for pool, g, a, c in
         zip(pools.loc[apps.index], apps["gender"], apps["accessibility_needs"], college)],
        index=apps.index,
    )


def walk_order(policy: Policy) -> list[str]:
    """Pools that give up beds first, the receiving pool last."""
    givers = [p for p in policy.spill_over.order]
    receiver = policy.spill_over.into
    return givers + [p for p in domain.POOLS if p not in givers and p != receiver] + [receiver]


def admit(ranking: Ranking, applications: pd.DataFrame, inventory: Inventory, policy: Policy,
          taken: dict[str, int] | None = None, progress: bool = False) -> Admission:
    """Decide offers: the ranking's ``ranked`` rows become ``offered`` or ``waitlisted``.

    In a later offer round, ``inventory`` is what is left (:mod:`allocation.residual`) and
    ``taken`` the beds each pool's residents kept (:func:`psm.ranking.pool_beds`). With
    ``progress``, a progress line on stderr if it is a terminal.
    """
    frame = ranking.frame.copy()
    kinds = kinds_of(applications, frame.set_index("applicant_id")["pool"])
    partners = mutual_partners(applications)
    fit = Fit(inventory.classes, policy)
    beds = pool_beds(policy, ranking, taken).set_index("pool")
    status = frame["status"].to_numpy(dtype=object).copy()
    offered: dict[str, None] = {}  # in the order offered
    pairs: dict[str, str] = {}
    reasons: dict[str, str] = {}
    bar = Progress(len(ranking.ranked), "admission walk", enabled=progress)
    for pool in walk_order(policy):
        in_pool = frame.index[(frame["pool"] == pool) & (frame["status"] == "ranked")]
        room_left = int(beds.loc[pool, "beds"])
        refused: set[ApplicantKind] = set()
        for row in in_pool:  # already in rank order
            applicant = frame.at[row, "applicant_id"]
            kind = kinds[applicant]
            if room_left > 0 and kind not in refused and fit.try_add(kind):
                status[row] = "offered"
                room_left -= 1
                partner = partners.get(applicant)
                if partner in offered:
                    if problem := pair_problem(kinds[partner], kind):
                        reasons[applicant] = problem
                    elif _join(fit, kinds[partner], kind):
                        pairs[applicant], pairs[partner] = partner, applicant
                    else:
                        reasons[applicant] = no_room_for(kinds[partner], kind, fit.access)
                offered[applicant] = None
            else:
                status[row] = "waitlisted"
                refused.add(kind)
            bar.advance()
    bar.close()
    frame["status"] = status
    return Admission(frame=frame, beds=beds.reset_index(), fit=fit, pairs=pairs,
                     unpaired=unhonoured_requests(list(offered), partners, pairs, reasons),
                     solver_parameters={"fit_check": fit.solver_settings.as_dict()})


def _join(fit: Fit, a: ApplicantKind, b: ApplicantKind) -> bool:
    """Make two placed people one pair unit if everyone still fits; otherwise change nothing."""
    taken = [(kind, fit.remove(kind)) for kind in (a, b)]
    if fit.try_add(fit.access.pair_kind(a, b)):
        return True
    for kind, suite in reversed(taken):
        fit.restore(kind, suite)
    return False
