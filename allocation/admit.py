"""Admission: who gets a bed. Each pool's ranking walked in order, beds permitting.

The rule (allocation issue; policy sections 1 and 5): walk each pool's ranking from rank 1
and offer a place to an applicant only if everyone offered so far, and they, still fit the
halls (:mod:`allocation.fit`: one gender per suite, female-only halls, pools, accessible
rooms, college rooms for members) and the pool's beds after spill-over are not used up.
Otherwise they are waitlisted, keeping their rank.

Pools that give up unused beds are walked first (exchange), then the others, then the pool
that receives them (undergraduate), so spilled beds are known before they are used.

Because adding people never makes a set fit that did not, a kind of person refused once is
refused for the rest of the walk. The walk therefore guarantees: nobody is refused while
someone ranked below them of the same kind (pool, gender, needs, college) is offered; and no
bed stays empty that a waitlisted applicant could use (adding them would not fit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocation.fit import Fit, Kind
from allocation.inventory import Inventory
from psm import domain
from psm.policy import Policy
from psm.ranking import Ranking, pool_beds

__all__ = ["Admission", "admit", "kinds_of", "walk_order"]


@dataclass(frozen=True)
class Admission:
    """The ranking with offers decided (status ``offered`` / ``waitlisted``) and how it was reached."""

    frame: pd.DataFrame
    beds: pd.DataFrame
    fit: Fit

    @property
    def offered(self) -> pd.DataFrame:
        return self.frame[self.frame["status"] == "offered"]


def kinds_of(applications: pd.DataFrame, pools: pd.Series) -> pd.Series:
    """Each applicant's :class:`Kind`, indexed by applicant_id."""
    apps = applications.set_index("applicant_id")
    college = apps["college"].fillna("").astype(str)
    return pd.Series(
        [Kind(pool, g, bool(a), c) for pool, g, a, c in
         zip(pools.loc[apps.index], apps["gender"], apps["accessibility_needs"], college)],
        index=apps.index,
    )


def walk_order(policy: Policy) -> list[str]:
    """Pools that give up beds first, the receiving pool last."""
    givers = [p for p in policy.spill_over.order]
    receiver = policy.spill_over.into
    return givers + [p for p in domain.POOLS if p not in givers and p != receiver] + [receiver]


def admit(ranking: Ranking, applications: pd.DataFrame, inventory: Inventory, policy: Policy) -> Admission:
    """Decide offers: the ranking's ``ranked`` rows become ``offered`` or ``waitlisted``."""
    frame = ranking.frame.copy()
    kinds = kinds_of(applications, frame.set_index("applicant_id")["pool"])
    fit = Fit(inventory.classes, policy)
    beds = pool_beds(policy, ranking).set_index("pool")
    status = frame["status"].to_numpy(dtype=object).copy()
    for pool in walk_order(policy):
        in_pool = frame.index[(frame["pool"] == pool) & (frame["status"] == "ranked")]
        room_left = int(beds.loc[pool, "beds"])
        refused: set[Kind] = set()
        for row in in_pool:  # already in rank order
            kind = kinds[frame.at[row, "applicant_id"]]
            if room_left > 0 and kind not in refused and fit.try_add(kind):
                status[row] = "offered"
                room_left -= 1
            else:
                status[row] = "waitlisted"
                refused.add(kind)
    frame["status"] = status
    return Admission(frame=frame, beds=beds.reset_index(), fit=fit)
