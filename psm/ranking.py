"""Ranking (policy sections 1, 5 and 6): pools, priority tiers, score, and the lottery for ties.

The rules:

1. Each applicant competes in one pool: inbound exchange students in ``exchange``, research
   students in ``research``, everyone else in ``undergraduate``.
2. Ineligible applicants (section A) and those a HAC disciplinary decision disqualifies are
   listed with their reason and never ranked.
3. A pool ranked by ``tiers`` orders its applicants by tier (in the policy's order), then by
   score, highest first, then by lottery key, lowest first. A pool ranked by ``lottery``
   orders by lottery key alone. Ranks are 1-based within the pool: a total order, no ties.
4. Reserved beds a pool leaves unused (fewer applicants than beds) spill over into the
   undergraduate pool, taken from the pools in the policy's order (:func:`pool_beds`).

Until allocation decides offers, every ranked applicant has status ``ranked``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from psm import domain
from psm.eligibility import assess
from psm.lottery import check_seed, commitment, lottery_keys
from psm.policy import Policy

__all__ = ["RANKING_COLUMNS", "Ranking", "rank_cohort", "pool_beds", "pools_of"]

RANKING_COLUMNS = ("applicant_id", "pool", "tier", "rank", "score", "lottery_key", "status", "reason")


@dataclass(frozen=True)
class Ranking:
    """The ranking of one cohort under one seed, with what makes the draw verifiable."""

    frame: pd.DataFrame
    seed: str
    commitment: str
    policy_version: str
    policy_sha256: str

    @property
    def ranked(self) -> pd.DataFrame:
        return self.frame[self.frame["status"] == "ranked"]


def pools_of(student_type: pd.Series) -> np.ndarray:
    """The pool of each applicant, by student type (section 5)."""
    kind = student_type.to_numpy(dtype=object)
    return np.select([kind == "exchange", kind == "research"], ["exchange", "research"], "undergraduate").astype(object)


def rank_cohort(applications: pd.DataFrame, scores: pd.DataFrame, policy: Policy, seed: str) -> Ranking:
    """Rank every valid applicant; ``scores`` is ``score_frames``' output for the same rows."""
    check_seed(seed)
    apps = applications.reset_index(drop=True)
    if list(scores["applicant_id"]) != list(apps["applicant_id"]):
        raise ValueError("scores must hold the same applicants as applications, in the same order")
    status = assess(apps, policy)
    frame = pd.DataFrame(
        {
            "applicant_id": apps["applicant_id"],
            "pool": pools_of(apps["student_type"]),
            "tier": status["tier"],
            "rank": pd.array([pd.NA] * len(apps), dtype="Int64"),
            "score": pd.array(scores["total_points"].to_numpy(), dtype="Int64"),
            "lottery_key": lottery_keys(seed, apps["applicant_id"]),
        }
    )
    ineligible = (status["track"] == "ineligible").to_numpy()
    disqualified = ~ineligible & (status["excluded_reason"] != "").to_numpy()
    frame["status"] = np.select([ineligible, disqualified], ["ineligible", "disqualified"], "ranked").astype(object)
    frame["reason"] = np.where(ineligible, status["ineligible_reason"], status["excluded_reason"]).astype(object)

    ranked_parts = [_order_pool(frame[(frame["pool"] == pool) & (frame["status"] == "ranked")], policy, pool)
                    for pool in domain.POOLS]
    unranked = frame[frame["status"] != "ranked"].sort_values(["pool", "applicant_id"], kind="stable")
    unranked = unranked.assign(tier="", score=unranked["score"].where(unranked["status"] == "disqualified"))
    ordered = pd.concat([*ranked_parts, unranked], ignore_index=True)
    return Ranking(
        frame=ordered[list(RANKING_COLUMNS)],
        seed=seed,
        commitment=commitment(ordered.loc[ordered["status"] == "ranked", "applicant_id"]),
        policy_version=policy.version,
        policy_sha256=policy.sha256,
    )


def _order_pool(pool: pd.DataFrame, policy: Policy, name: str) -> pd.DataFrame:
    """Tier, then score (highest first), then lottery key; or the lottery alone."""
    if policy.pools[name].order == "tiers":
        tier_index = pool["tier"].map({tier: i for i, tier in enumerate(policy.tiers.order)})
        keys = pd.DataFrame({"tier": tier_index, "score": -pool["score"].astype("int64"), "key": pool["lottery_key"]})
        order = keys.sort_values(["tier", "score", "key"], kind="stable").index
    else:
        pool = pool.assign(tier="", score=pd.array([pd.NA] * len(pool), dtype="Int64"))
        order = pool.sort_values("lottery_key", kind="stable").index
    ordered = pool.loc[order]
    return ordered.assign(rank=pd.array(np.arange(1, len(ordered) + 1), dtype="Int64"))


def pool_beds(policy: Policy, ranking: Ranking, taken: dict[str, int] | None = None) -> pd.DataFrame:
    """Beds per pool after spill-over: quota, ranked applicants, beds given up and received.

    In a later offer round, ``taken`` holds the beds each pool's residents kept (accepted
    offers); the quota left is what spills. A receiving pool's residents may hold beds it
    received, so its own quota left can be below zero: the spilled beds make up for it.
    """
    ranked = ranking.ranked["pool"].value_counts()
    taken = taken or {}
    rows = {pool: {"quota": policy.pools[pool].beds - taken.get(pool, 0), "ranked": int(ranked.get(pool, 0)),
                   "spilled_out": 0, "spilled_in": 0} for pool in domain.POOLS}
    spill = policy.spill_over
    for pool in spill.order:
        unused = max(rows[pool]["quota"] - rows[pool]["ranked"], 0)
        rows[pool]["spilled_out"] = unused
        rows[spill.into]["spilled_in"] += unused
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("pool").reset_index()
    table["beds"] = table["quota"] - table["spilled_out"] + table["spilled_in"]
    return table
