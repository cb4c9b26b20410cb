"""Pool quotas against the rooms: each pool's beds, and what a quota the rooms cannot match means.

The rule (``shared/spec/policy.md`` section 7, policy sections B and G): a pool's ``beds`` in the
policy is a cap; without it, the pool has the beds of the rooms open to it. Before anyone is
admitted the quotas are compared with the rooms file:

- a pool with ranked applicants and no room open to it stops the run (:class:`PsmError` naming
  the pool and the rooms file): nobody of that pool could be offered a place, which is never
  what a committee meant;
- a quota above the beds of the rooms open to the pool (only those beds can be offered), or a
  quota that leaves beds of those rooms empty while the pool's applicants wait, is a
  :class:`QuotaWarning`: the run goes on under the quota, and the summary, the manifest and the
  report say so.

The beds "open to a pool" are those of the rooms that list it in ``pools`` (a room open to two
pools counts for both: :meth:`allocation.inventory.Inventory.beds_by_pool`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from allocation.access import RoomAccess
from allocation.inventory import Inventory
from psm import domain
from psm.errors import PsmError
from psm.policy import Policy
from psm.ranking import Ranking, pool_beds

__all__ = ["QuotaWarning", "pool_quotas", "check_quotas"]


@dataclass(frozen=True)
class QuotaWarning:
    """A pool quota the rooms do not match: ``quota`` (the policy's beds for the pool), ``beds``
    (of the rooms open to it), ``applicants`` (ranked in the pool) and ``empty_beds`` (beds of those
    rooms the quota leaves empty while its applicants wait; 0 for a quota above the beds)."""

    pool: str
    quota: int
    beds: int
    applicants: int
    empty_beds: int
    rooms_file: str

    @property
    def message(self) -> str:
        """One line naming the pool, the quota, the beds and how many stay empty."""
        rooms = Path(self.rooms_file).name
        if self.quota > self.beds:
            return (f"pool {self.pool}: quota {self.quota:,} beds, but the rooms open to it in {rooms} hold "
                    f"{self.beds:,}; at most {self.beds:,} can be offered: "
                    f"check [pools.{self.pool}] beds or the rooms file")
        return (f"pool {self.pool}: quota {self.quota:,} of the {self.beds:,} beds open to it in {rooms} leaves "
                f"{self.empty_beds:,} beds empty while {self.applicants - self.quota:,} of its applicants wait: "
                f"check [pools.{self.pool}] beds (absent: the beds of the rooms)")

    def as_dict(self) -> dict[str, object]:
        """For the manifest: the fields and the message."""
        return {**asdict(self), "rooms_file": Path(self.rooms_file).name, "message": self.message}


def pool_quotas(policy: Policy, ranking: Ranking, inventory: Inventory,
                taken: dict[str, int] | None = None) -> pd.DataFrame:
    """Beds per pool after spill-over (:func:`psm.ranking.pool_beds`), a pool without a quota
    having the beds of the rooms of ``inventory`` open to it (in a later round: the free ones)."""
    return pool_beds(policy, ranking, taken, room_beds=inventory.beds_by_pool())


def check_quotas(policy: Policy, ranking: Ranking, inventory: Inventory) -> tuple[QuotaWarning, ...]:
    """Compare each pool's quota with the rooms (module docstring); raise for a pool with
    applicants and no room open to it, return the warnings (pools in the contract's order)."""
    access = RoomAccess.from_policy(policy)
    ranked = ranking.ranked["pool"].value_counts()
    own_beds = inventory.beds_by_pool()
    warnings = []
    for pool in domain.POOLS:
        applicants = int(ranked.get(pool, 0))
        open_beds = int(inventory.rooms.loc[[access.opens_to_pool(pool, p) for p in inventory.rooms["pools"]],
                                            "beds"].sum()) if len(inventory.rooms) else 0
        if applicants and not open_beds:
            raise PsmError(f"{inventory.path}: no room is open to the {pool} pool, which has {applicants:,} ranked "
                           f"applicant(s); add its rooms (pools column: {pool}) to the rooms file, or give the "
                           "rooms file that lists them")
        quota, beds = policy.pools[pool].beds, own_beds[pool]
        if quota is None:
            continue
        if quota > beds:
            warnings.append(QuotaWarning(pool, quota, beds, applicants, 0, inventory.path))
        elif quota < min(beds, applicants):
            warnings.append(QuotaWarning(pool, quota, beds, applicants, min(beds, applicants) - quota, inventory.path))
    return tuple(warnings)
