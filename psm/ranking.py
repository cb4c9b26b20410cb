"""Ranking (policy sections 1, 5 and 6): pools, priority tiers, score, and the lottery for ties.

The rules:

1. Each applicant competes in one pool: inbound exchange students in ``exchange``, research
   students in ``research``, everyone else in ``undergraduate``.
2. Ineligible applicants (section A), those a HAC disciplinary decision disqualifies, and those
   referred to the University's special arrangement (section A's "other full-time students with
   exceptional needs") are listed with their reason and never ranked.
3. A pool ranked by ``tiers`` orders its applicants by tier (in the policy's order), then by
   track (the policy's ``track_order``, first-time before readmission: a tier holding both
   tracks, exceptional needs or lowered, does not compare a 150-point readmission total with a
   120-point first-time total, and section D gives readmission "lower priority"), then by
   score, highest first, then by lottery key, lowest first. A pool ranked by ``lottery``
   orders by lottery key alone. Ranks are 1-based within the pool: a total order, no ties.
   Section B.2.b, "priority will decrease with the length of stay in University-managed
   accommodations": within the ``readmission`` tier, the places this order gives to non-local
   applicants are filled by the non-local applicants ordered by ``prior_uma_semesters`` (fewer
   first; empty = ``prior_hall_semesters``), then score, then lottery key. Local applicants keep
   their places; non-locals are reordered only among themselves.
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
from psm.errors import InternalError
from psm.lottery import check_seed, commitment, lottery_keys
from psm.policy import Policy

__all__ = ["RANKING_COLUMNS", "Ranking", "rank_cohort", "pool_beds", "pools_of", "order_pool", "uma_semesters"]

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
        raise InternalError("scores must hold the same applicants as applications, in the same order")
    status = assess(apps, policy)
    frame = pd.DataFrame(
        {
            "applicant_id": apps["applicant_id"],
            "pool": pools_of(apps["student_type"]),
            "tier": status["tier"],
            "rank": pd.array([pd.NA] * len(apps), dtype="Int64"),
            "score": pd.array(scores["total_points"].to_numpy(), dtype="Int64"),
            "lottery_key": lottery_keys(seed, apps["applicant_id"]),
            "track": status["track"],
            "non_local": (apps["student_type"] == "non_local").to_numpy(),
            "uma_semesters": uma_semesters(apps),
        }
    )
    ineligible = (status["track"] == "ineligible").to_numpy()
    referred = (status["track"] == "referred").to_numpy()
    disqualified = ~ineligible & ~referred & (status["excluded_reason"] != "").to_numpy()
    frame["status"] = np.select([ineligible, referred, disqualified], ["ineligible", "referred", "disqualified"],
                               "ranked").astype(object)
    frame["reason"] = np.where(ineligible, status["ineligible_reason"], status["excluded_reason"]).astype(object)

    ranked_parts = [order_pool(frame[(frame["pool"] == pool) & (frame["status"] == "ranked")], policy, pool)
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


def uma_semesters(apps: pd.DataFrame) -> np.ndarray:
    """Semesters in University-managed accommodation; where not given, the semesters in hall."""
    halls = apps["prior_hall_semesters"].to_numpy(dtype=float, na_value=np.nan)
    if "prior_uma_semesters" not in apps:
        return halls
    uma = apps["prior_uma_semesters"].to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isnan(uma), halls, uma)


def order_pool(pool: pd.DataFrame, policy: Policy, name: str) -> pd.DataFrame:
    """Tier, then track, then score (highest first), then lottery key, with B.2.b's length of stay
    among the readmission tier's non-locals; or the lottery alone (see the module rules).

    ``pool``: the pool's ranked applicants with ``tier, track, score, lottery_key, non_local,
    uma_semesters``; returned in rank order with ``rank`` (1-based)."""
    if policy.pools[name].order == "tiers":
        tier_index = pool["tier"].map({tier: i for i, tier in enumerate(policy.tiers.order)})
        track_index = pool["track"].map({track: i for i, track in enumerate(policy.tiers.track_order)})
        keys = pd.DataFrame({"tier": tier_index, "track": track_index, "score": -pool["score"].astype("int64"),
                             "key": pool["lottery_key"]})
        order = keys.sort_values(["tier", "track", "score", "key"], kind="stable").index
        ordered = _by_length_of_stay(pool.loc[order])
    else:
        pool = pool.assign(tier="", score=pd.array([pd.NA] * len(pool), dtype="Int64"))
        ordered = pool.loc[pool.sort_values("lottery_key", kind="stable").index]
    return ordered.assign(rank=pd.array(np.arange(1, len(ordered) + 1), dtype="Int64"))


def _by_length_of_stay(ordered: pd.DataFrame) -> pd.DataFrame:
    """B.2.b: the readmission tier's places held by non-locals, refilled by the non-locals ordered
    by semesters in University-managed accommodation (fewer first), then score, then lottery key."""
    places = np.flatnonzero(((ordered["tier"] == "readmission") & ordered["non_local"]).to_numpy())
    if len(places) < 2:
        return ordered
    nonlocals = ordered.iloc[places]
    keys = pd.DataFrame({"stay": nonlocals["uma_semesters"].to_numpy(), "score": -nonlocals["score"].to_numpy(dtype="int64"),
                         "key": nonlocals["lottery_key"].to_numpy()})
    by_stay = keys.sort_values(["stay", "score", "key"], kind="stable").index.to_numpy()
    positions = np.arange(len(ordered))
    positions[places] = places[by_stay]
    return ordered.iloc[positions]


def pool_beds(policy: Policy, ranking: Ranking, taken: dict[str, int] | None = None,
              room_beds: dict[str, int] | None = None) -> pd.DataFrame:
    """Beds per pool after spill-over: quota, ranked applicants, beds given up and received.

    A pool's quota is its ``beds`` in the policy; a pool without one has ``room_beds[pool]``, the
    beds of the rooms open to it (section 7; in a later round, the free ones). A quota above
    those beds counts only the beds that exist (section 7: a quota is a cap, not beds), so a
    pool never spills beds its rooms do not have. In a later offer round, ``taken`` holds the
    beds each pool's residents kept (accepted offers), taken off a policy quota; the quota left
    is what spills. A receiving pool's residents may hold beds it received, so its own quota
    left can be below zero: the spilled beds make up for it.
    """
    ranked = ranking.ranked["pool"].value_counts()
    taken = taken or {}

    def quota(pool: str) -> int:
        beds = policy.pools[pool].beds
        if beds is not None:
            left = beds - taken.get(pool, 0)
            return left if room_beds is None else min(left, room_beds.get(pool, 0))
        if room_beds is None:
            raise ValueError(f"pool {pool!r} has no beds in the policy: pass the rooms' beds (room_beds)")
        return room_beds.get(pool, 0)

    rows = {pool: {"quota": quota(pool), "ranked": int(ranked.get(pool, 0)),
                   "spilled_out": 0, "spilled_in": 0} for pool in domain.POOLS}
    spill = policy.spill_over
    for pool in spill.order:
        unused = max(rows[pool]["quota"] - rows[pool]["ranked"], 0)
        rows[pool]["spilled_out"] = unused
        rows[spill.into]["spilled_in"] += unused
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("pool").reset_index()
    table["beds"] = table["quota"] - table["spilled_out"] + table["spilled_in"]
    return table
