"""Probability of a place, by Monte Carlo over lottery seeds: the admission step, vectorised.

A seed changes only the order among applicants of one pool with equal tier and score (in a pool
drawn by lottery alone, among all its applicants). So, from one real admission
(:func:`allocation.admit.admit` under the outcome's own seed, the *baseline*):

1. capacities: for each kind of bed (:class:`allocation.access.ApplicantKind`: pool, gender, accessible
   room needed, college), the number of that kind offered a place in the baseline;
2. for each seed, the real lottery keys (:mod:`whatif.keys`: SHA-256 of ``"{seed}|{id}"``, in
   the lottery's own order), each kind sorted by (tier in the policy's order, score highest
   first, key lowest first), as :func:`psm.ranking.rank_cohort` sorts a pool;
3. the first ``capacity`` of each kind are offered a place. Probability = offers / seeds.

**An approximation**, in two ways: the capacities per kind stay those of the baseline (in a real
draw, who is offered decides which suites each gender gets, so a kind's share can move), and the
joining of mutual roommate pairs is ignored (joining narrows where a pair may live, which can
cost a place to someone ranked below both). Only admission is repeated: no placement per seed.

**Two orders.** Where a pool's order is (tier, track, score, key) (:func:`psm.ranking.order_pool`),
a seed reorders only tie groups, and step 2 sorts tie groups alone: the fast path. Where B.2.b
applies (two or more non-locals in a readmission tier), the places non-locals hold are refilled
by length of stay, which no single sort key states; then each seed ranks the pools again with
:func:`psm.ranking.order_pool` itself and the first ``capacity`` of each kind are offered: the
exact path, slower (a full ranking per seed).

**Exact for the baseline seed**: there the offers equal the real admission's offers, applicant
by applicant. The admission walk never refuses anyone while offering someone ranked below them
of the same kind (:mod:`allocation.admit`), so each kind's offers are the first of that kind in
rank order, as many as the capacity; step 2 is the same order. The tests hold it to that.

Only ties decide: a group of one kind, tier and score wholly inside a kind's capacity is offered
under every seed, one wholly outside under none. Keys are computed only for the groups a
capacity cuts through (``contested_only``, the default; the same counts as hashing everyone,
which the tests check), so most seeds hash a few hundred ids, not the whole cohort.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocation.admit import kinds_of
from psm.lottery import check_seed, lottery_keys
from psm.progress import Progress
from psm.ranking import order_pool
from whatif.keys import digests, encode_ids, order_by_key
from whatif.outcome import Outcome

__all__ = ["LotteryOdds", "place_probability", "offer_counts", "mc_seeds"]


@dataclass(frozen=True)
class LotteryOdds:
    """Offers over ``seeds`` for every ranked applicant, and the capacities they were drawn against.

    ``frame``: ``applicant_id, pool, tier, score, gender, accessible, college, baseline_status,
    offers, probability`` (ranked applicants, in the baseline's rank order). ``capacities``: per
    kind, ``ranked`` applicants and ``capacity`` (the baseline's offers), and how many applicants
    and places the kind's contested tie group holds (0 when no group straddles the capacity).
    """

    frame: pd.DataFrame
    capacities: pd.DataFrame
    seeds: tuple[str, ...]
    baseline_seed: str

    def by_band(self, width: int = 10, pool: str = "undergraduate") -> pd.DataFrame:
        """Mean probability by tier and score band (``width`` points) in a pool ranked by tiers."""
        ranked = self.frame[(self.frame["pool"] == pool) & self.frame["score"].notna()]
        band = (ranked["score"].astype("int64") // width) * width
        table = (ranked.assign(band_from=band).groupby(["tier", "band_from"], sort=False)
                 .agg(applicants=("probability", "size"), mean_probability=("probability", "mean"),
                      lowest=("probability", "min"), highest=("probability", "max")).reset_index())
        tiers = list(dict.fromkeys(ranked["tier"]))  # in rank order
        table["band_to"] = table["band_from"] + width - 1
        table = table.assign(order=table["tier"].map(tiers.index)).sort_values(["order", "band_from"])
        columns = ["tier", "band_from", "band_to", "applicants", "mean_probability", "lowest", "highest"]
        return table[columns].reset_index(drop=True)


def mc_seeds(baseline_seed: str, n: int) -> tuple[str, ...]:
    """``n`` lottery seeds derived from the baseline's: ``"{baseline}/mc/0"``, ``"{baseline}/mc/1"``, ..."""
    return tuple(f"{baseline_seed}/mc/{i}" for i in range(n))


def place_probability(outcome: Outcome, seeds: int | Sequence[str] = 1000, *, progress: bool = True,
                      contested_only: bool = True) -> LotteryOdds:
    """Each ranked applicant's probability of a place over ``seeds`` (a number of seeds derived
    from the outcome's seed by :func:`mc_seeds`, or the seeds themselves), with the capacities of
    the outcome's own admission. A progress line goes to stderr only if it is a terminal."""
    seeds = mc_seeds(outcome.seed, seeds) if isinstance(seeds, (int, np.integer)) else tuple(seeds)
    if not seeds:
        raise ValueError("give at least one seed")
    ranking = outcome.ranking
    ranked = ranking[ranking["status"].isin(["offered", "waitlisted"])].reset_index(drop=True)
    policy = outcome.policy
    applicants = outcome.applicants
    released = dict(zip(applicants["applicant_id"], applicants["released_to"]))
    kinds = kinds_of(applicants, ranking.set_index("applicant_id")["pool"], {a: c for a, c in released.items() if c})
    kind = ranked["applicant_id"].map(kinds)
    codes, uniques = pd.factorize(kind, sort=True)
    offered = (ranked["status"] == "offered").to_numpy()
    capacity = np.bincount(codes, weights=offered, minlength=len(uniques)).astype(np.int64)
    by_tiers = ranked["pool"].map(lambda p: policy.pools[p].order == "tiers").to_numpy(dtype=bool)
    tracks = policy.tiers.track_order
    track = ranked["applicant_id"].map(outcome.scores.set_index("applicant_id")["track"])
    tier_index = {tier: i for i, tier in enumerate(policy.tiers.order)}
    tier_and_track = (ranked["tier"].map(tier_index).fillna(0).to_numpy(dtype=np.int64) * (len(tracks) + 1)
                      + track.map({t: i for i, t in enumerate(tracks)}).fillna(len(tracks)).to_numpy(dtype=np.int64))
    tier = np.where(by_tiers, tier_and_track, 0)
    score = np.where(by_tiers, ranked["score"].fillna(0).to_numpy(dtype=np.int64), 0)
    applicants = outcome.applicants.set_index("applicant_id")
    non_local = ranked["applicant_id"].map(applicants["student_type"]).eq("non_local").to_numpy()
    if ((ranked["tier"] == "readmission").to_numpy() & non_local & by_tiers).sum() >= 2:
        frame = ranked.assign(track=track.to_numpy(), non_local=non_local,
                              uma_semesters=ranked["applicant_id"].map(applicants["uma_semesters"]).to_numpy())
        counts = _ranked_again_counts(frame, codes, capacity, seeds, policy, progress)
    else:
        counts = offer_counts(ranked["applicant_id"].tolist(), codes, tier, score, capacity, seeds,
                              contested_only=contested_only, progress=progress)
    frame = pd.DataFrame({
        "applicant_id": ranked["applicant_id"], "pool": ranked["pool"], "tier": ranked["tier"],
        "score": ranked["score"], "gender": [k.gender for k in kind],
        "accessible": [k.accessible for k in kind], "college": [k.college for k in kind],
        "baseline_status": ranked["status"],
        "offers": counts, "probability": counts / len(seeds),
    })
    return LotteryOdds(frame=frame, capacities=_capacities(uniques, codes, capacity, tier, score),
                       seeds=seeds, baseline_seed=outcome.seed)


def offer_counts(applicant_ids: Sequence[str], kind: np.ndarray, tier: np.ndarray, score: np.ndarray,
                 capacity: np.ndarray, seeds: Sequence[str], *, contested_only: bool = True,
                 progress: bool = False) -> np.ndarray:
    """How many of ``seeds`` offer each applicant a place: the vectorised core.

    ``kind`` (codes 0..K-1), ``tier`` (position in the tier order) and ``score`` are per applicant
    (0 and 0 in a pool ranked by lottery alone); ``capacity[k]`` places go to kind ``k``, to the
    first in (tier, -score, lottery key) order.
    """
    ids = np.asarray(applicant_ids, dtype=object)
    kind, tier, score = (np.asarray(a, dtype=np.int64) for a in (kind, tier, score))
    capacity = np.asarray(capacity, dtype=np.int64)
    if not len(ids) == len(kind) == len(tier) == len(score):
        raise ValueError("applicant_ids, kind, tier and score must have one entry per applicant")
    if len(kind) and (kind.min() < 0 or kind.max() >= len(capacity)):
        raise ValueError(f"kind codes must lie in 0..{len(capacity) - 1}: one capacity per kind")
    groups = _tie_groups(kind, tier, score, capacity)
    counts = np.zeros(len(ids), dtype=np.int64)
    hashed = groups.contested if contested_only else np.ones_like(groups.contested)
    counts[groups.order[groups.offered & ~hashed[groups.group]]] = len(seeds)  # decided without the lottery
    in_draw = hashed[groups.group]
    members = groups.order[in_draw]  # applicants whose order the lottery decides, group by group
    member_group = groups.group[in_draw]
    seats = groups.offered[in_draw]  # positions offered: the same under every seed
    encoded = encode_ids(ids[members])
    bar = Progress(len(seeds), "Monte Carlo over lottery seeds", enabled=progress)
    for seed in seeds:
        check_seed(seed)
        if len(members):
            order = order_by_key(member_group, digests(seed, encoded))
            counts[members[order[seats]]] += 1
        bar.advance()
    bar.close()
    return counts


def _ranked_again_counts(ranked: pd.DataFrame, kind: np.ndarray, capacity: np.ndarray, seeds: Sequence[str],
                         policy, progress: bool) -> np.ndarray:
    """The exact path: under each seed, the pools ranked again by :func:`psm.ranking.order_pool`
    with that seed's keys, and the first ``capacity[k]`` of each kind ``k`` offered a place."""
    frame = ranked.assign(kind=kind, position=np.arange(len(ranked)))
    counts = np.zeros(len(ranked), dtype=np.int64)
    bar = Progress(len(seeds), "Monte Carlo over lottery seeds (ranking each seed)", enabled=progress)
    for seed in seeds:
        keyed = frame.assign(lottery_key=lottery_keys(seed, frame["applicant_id"]))
        ordered = pd.concat([order_pool(keyed[keyed["pool"] == pool], policy, pool) for pool in
                             dict.fromkeys(keyed["pool"])])
        within_kind = ordered.groupby("kind", sort=False).cumcount().to_numpy()
        offered = ordered["position"].to_numpy()[within_kind < capacity[ordered["kind"].to_numpy()]]
        counts[offered] += 1
        bar.advance()
    bar.close()
    return counts


@dataclass(frozen=True)
class _Groups:
    order: np.ndarray  # applicants sorted by (kind, tier, -score)
    group: np.ndarray  # tie group of each sorted position (kind, tier, score), ascending
    offered: np.ndarray  # is the sorted position within its kind's capacity?
    contested: np.ndarray  # per group: does the capacity cut through it?


def _tie_groups(kind: np.ndarray, tier: np.ndarray, score: np.ndarray, capacity: np.ndarray) -> _Groups:
    """Sort once by (kind, tier, -score): kinds and tie groups sit at the same positions under
    every seed, and so do the offered positions (the first ``capacity`` of each kind)."""
    order = np.lexsort((-score, tier, kind))
    k, t, s = kind[order], tier[order], score[order]
    n = len(order)
    step = np.ones(n, dtype=bool)
    step[1:] = (k[1:] != k[:-1]) | (t[1:] != t[:-1]) | (s[1:] != s[:-1])
    group = np.cumsum(step) - 1
    new_kind = np.ones(n, dtype=bool)
    new_kind[1:] = k[1:] != k[:-1]
    positions = np.arange(n)
    kind_start = np.maximum.accumulate(np.where(new_kind, positions, 0)) if n else positions
    offered = (positions - kind_start) < capacity[k] if n else np.zeros(0, dtype=bool)
    size = np.bincount(group, minlength=group[-1] + 1 if n else 0)
    seats = np.bincount(group, weights=offered, minlength=len(size)).astype(np.int64)
    return _Groups(order=order, group=group, offered=offered, contested=(seats > 0) & (seats < size))


def _capacities(kinds: Sequence, codes: np.ndarray, capacity: np.ndarray, tier: np.ndarray,
                score: np.ndarray) -> pd.DataFrame:
    groups = _tie_groups(codes, tier, score, capacity)
    contested = groups.contested[groups.group]
    kind_sorted = codes[groups.order]
    rows = []
    for code, k in enumerate(kinds):
        mine = kind_sorted == code
        rows.append(dict(pool=k.pool, gender=k.gender, accessible=k.accessible, college=k.college,
                         ranked=int(mine.sum()), capacity=int(capacity[code]),
                         contested_applicants=int((mine & contested).sum()),
                         contested_places=int((mine & contested & groups.offered).sum())))
    return pd.DataFrame(rows, columns=["pool", "gender", "accessible", "college", "ranked", "capacity",
                                       "contested_applicants", "contested_places"])
