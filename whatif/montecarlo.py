"""Probability of a place, by Monte Carlo over lottery seeds: the admission step, vectorised.

A seed changes only the order among applicants of one pool with equal tier, track and score (in
a pool drawn by lottery alone, among all its applicants), and, where B.2.b applies, the order of
a readmission tier (below). So, from one real admission (:func:`allocation.admit.admit` under
the outcome's own seed, the *baseline*):

1. capacities: for each kind of bed (:class:`allocation.access.ApplicantKind`: pool, gender, accessible
   room needed, college), the number of that kind offered a place in the baseline;
2. for each seed, the real lottery keys (:mod:`whatif.keys`: SHA-256 of ``"{seed}|{id}"``, in
   the lottery's own order), each kind sorted by (tier in the policy's order, track, score
   highest first, key lowest first), as :func:`psm.ranking.rank_cohort` sorts a pool;
3. the first ``capacity`` of each kind are offered a place. Probability = offers / seeds.

**An approximation**, in two ways: the capacities per kind stay those of the baseline (in a real
draw, who is offered decides which suites each gender gets, so a kind's share can move), and the
joining of mutual roommate pairs is ignored (joining narrows where a pair may live, which can
cost a place to someone ranked below both). Only admission is repeated: no placement per seed.

**B.2.b.** Where a pool's readmission tier holds two or more non-locals, the places they hold
(once the tier is sorted by track, score and key) are refilled by the non-locals ordered by
length of stay (:func:`psm.ranking.order_pool`), which no single sort key states. Such a tier
is drawn as one block (:class:`LengthOfStay`): each of its kinds is one group, and, if a
capacity cuts through any of them, each seed orders the whole tier as ``order_pool`` does (two
sorts and the refill, in numpy) and offers each kind's first places in it. There a high score
is no longer sure of a place: a non-local's place can go to one with fewer semesters.

**Exact for the baseline seed**: there the offers equal the real admission's offers, applicant
by applicant. The admission walk never refuses anyone while offering someone ranked below them
of the same kind (:mod:`allocation.admit`), so each kind's offers are the first of that kind in
rank order, as many as the capacity; step 2 is the same order. The tests hold it to that.

Only ties decide: a group of one kind, tier, track and score (or a kind's part of a B.2.b block)
wholly inside a kind's capacity is offered under every seed, one wholly outside under none. Keys
are computed only for the groups a capacity cuts through and for the blocks drawn
(``contested_only``, the default; the same counts as hashing everyone, which the tests check):
a few hundred ids a seed, and a drawn block's whole tier (on the 10,000-applicant benchmark,
3,438 ids of the undergraduate readmission tier).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from psm.lottery import check_seed
from psm.progress import Progress
from whatif.keys import digests, encode_ids, key_words, order_by_key
from whatif.outcome import Outcome

__all__ = ["LotteryOdds", "LengthOfStay", "place_probability", "offer_counts", "mc_seeds"]


@dataclass(frozen=True)
class LotteryOdds:
    """Offers over ``seeds`` for every ranked applicant, and the capacities they were drawn against.

    ``frame``: ``applicant_id, pool, tier, score, gender, accessible, college, baseline_status,
    offers, probability`` (ranked applicants, in the baseline's rank order). ``capacities``: per
    kind, ``ranked`` applicants and ``capacity`` (the baseline's offers), and how many applicants
    and places the kind's contested tie group holds (0 when no group straddles the capacity; a
    kind's part of a B.2.b block counts whole, :class:`LengthOfStay`).
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
    kind = ranked["applicant_id"].map(outcome.kinds)
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
    stay = LengthOfStay.of_tiers(ranked["pool"].to_numpy(), (ranked["tier"] == "readmission").to_numpy() & by_tiers,
                                 non_local, ranked["applicant_id"].map(applicants["uma_semesters"]).to_numpy(float))
    counts = offer_counts(ranked["applicant_id"].tolist(), codes, tier, score, capacity, seeds, length_of_stay=stay,
                          contested_only=contested_only, progress=progress)
    frame = pd.DataFrame({
        "applicant_id": ranked["applicant_id"], "pool": ranked["pool"], "tier": ranked["tier"],
        "score": ranked["score"], "gender": [k.gender for k in kind],
        "accessible": [k.accessible for k in kind], "college": [k.college for k in kind],
        "baseline_status": ranked["status"],
        "offers": counts, "probability": counts / len(seeds),
    })
    return LotteryOdds(frame=frame, capacities=_capacities(uniques, codes, capacity, *stay.grouped(tier, score)),
                       seeds=seeds, baseline_seed=outcome.seed)


@dataclass(frozen=True)
class LengthOfStay:
    """B.2.b in the readmission tier of a pool ranked by tiers (:func:`psm.ranking.order_pool`):
    once the tier is sorted by (track, score, key), the places its non-locals hold are refilled
    by its non-locals in order of semesters in University-managed accommodation (fewer first),
    then score (highest first), then key.

    Per applicant: ``block``, the tier where this applies (a number per pool), -1 outside any;
    ``non_local``; ``stay``, the semesters (read only for non-locals in a block)."""

    block: np.ndarray
    non_local: np.ndarray
    stay: np.ndarray

    @classmethod
    def none(cls, n: int) -> LengthOfStay:
        """No block: every order is (tier, -score, key)."""
        return cls(block=np.full(n, -1), non_local=np.zeros(n, dtype=bool), stay=np.zeros(n))

    @classmethod
    def of_tiers(cls, pool: np.ndarray, readmission: np.ndarray, non_local: np.ndarray,
                 stay: np.ndarray) -> LengthOfStay:
        """Blocks of the pools whose ``readmission`` tier (applicants of a pool ranked by tiers)
        holds two or more non-locals, as ``order_pool`` refills only there."""
        codes, _ = pd.factorize(pool)
        refilled = np.bincount(codes[readmission & non_local], minlength=codes.max(initial=-1) + 1) >= 2
        block = np.where(readmission & refilled[codes], codes, -1)
        return cls(block=block, non_local=np.asarray(non_local, dtype=bool), stay=np.asarray(stay, dtype=float))

    def grouped(self, tier: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``tier`` and ``score`` with each block's members alike (its lowest tier, score 0): one
        tie group per kind in a block, at the block's place among the kind's tiers."""
        tier, score = np.array(tier, dtype=np.int64), np.array(score, dtype=np.int64)
        inside = self.block >= 0
        if inside.any():
            lowest = np.full(self.block.max() + 1, np.iinfo(np.int64).max)
            np.minimum.at(lowest, self.block[inside], tier[inside])
            tier[inside] = lowest[self.block[inside]]
            score[inside] = 0
        return tier, score


def offer_counts(applicant_ids: Sequence[str], kind: np.ndarray, tier: np.ndarray, score: np.ndarray,
                 capacity: np.ndarray, seeds: Sequence[str], *, length_of_stay: LengthOfStay | None = None,
                 contested_only: bool = True, progress: bool = False) -> np.ndarray:
    """How many of ``seeds`` offer each applicant a place: the vectorised core.

    ``kind`` (codes 0..K-1), ``tier`` (position in the order of tiers and tracks, as
    :func:`place_probability` numbers them) and ``score`` are per applicant (0 and 0 in a pool
    ranked by lottery alone); ``capacity[k]`` places go to kind ``k``, to the first in (tier,
    -score, lottery key) order, with B.2.b's refill in the blocks of ``length_of_stay``: there,
    the first of each kind in the block's order, as many as the places the kind has left when the
    block's tier is reached. A block must hold the whole tier of its pool, and each kind lie
    within one pool (as :class:`~allocation.access.ApplicantKind` does): a kind's members outside
    the block are then in other tiers, and never in its group.
    """
    ids = np.asarray(applicant_ids, dtype=object)
    kind, tier, score = (np.asarray(a, dtype=np.int64) for a in (kind, tier, score))
    capacity = np.asarray(capacity, dtype=np.int64)
    if not len(ids) == len(kind) == len(tier) == len(score):
        raise ValueError("applicant_ids, kind, tier and score must have one entry per applicant")
    if len(kind) and (kind.min() < 0 or kind.max() >= len(capacity)):
        raise ValueError(f"kind codes must lie in 0..{len(capacity) - 1}: one capacity per kind")
    stay = length_of_stay if length_of_stay is not None else LengthOfStay.none(len(ids))
    if not len(stay.block) == len(stay.non_local) == len(stay.stay) == len(ids):
        raise ValueError("length_of_stay must have one entry per applicant")
    groups = _tie_groups(kind, *stay.grouped(tier, score), capacity)
    group_block = np.full(len(groups.contested), -1)
    group_block[groups.group] = stay.block[groups.order]
    hashed = groups.contested if contested_only else np.ones_like(groups.contested)
    drawn = np.unique(group_block[hashed & (group_block >= 0)])  # a block is drawn whole, or not at all
    hashed = (hashed & (group_block < 0)) | np.isin(group_block, drawn)
    counts = np.zeros(len(ids), dtype=np.int64)
    counts[groups.order[groups.offered & ~hashed[groups.group]]] = len(seeds)  # decided without the lottery
    in_draw = hashed[groups.group] & (group_block[groups.group] < 0)
    members = groups.order[in_draw]  # applicants whose order the lottery decides, group by group
    member_group = groups.group[in_draw]
    seats = groups.offered[in_draw]  # positions offered: the same under every seed
    encoded = encode_ids(ids[members])
    blocks = [_BlockDraw.of(np.flatnonzero(stay.block == b), ids, tier, score, stay, groups) for b in drawn]
    bar = Progress(len(seeds), "Monte Carlo over lottery seeds", enabled=progress)
    for seed in seeds:
        check_seed(seed)
        if len(members):
            order = order_by_key(member_group, digests(seed, encoded))
            counts[members[order[seats]]] += 1
        for block in blocks:
            counts[block.offered(seed)] += 1
        bar.advance()
    bar.close()
    return counts


@dataclass(frozen=True)
class _BlockDraw:
    """A block of :class:`LengthOfStay`, ready to draw: all that does not depend on the seed."""

    members: np.ndarray  # the block's applicants (indices)
    encoded: list[bytes]  # their ids, for the keys
    by_track_and_score: np.ndarray  # per member: dense rank of (tier, -score), the first sort
    non_locals: np.ndarray  # the non-local members (positions in ``members``)
    by_stay_and_score: np.ndarray  # per non-local: dense rank of (stay, -score), the refill's sort
    group: np.ndarray  # per member: its tie group (one per kind)
    seats: np.ndarray  # per member sorted by group: within the places the group has?

    @classmethod
    def of(cls, members: np.ndarray, ids: np.ndarray, tier: np.ndarray, score: np.ndarray, stay: LengthOfStay,
           groups: _Groups) -> _BlockDraw:
        non_locals = np.flatnonzero(stay.non_local[members])
        semesters = np.nan_to_num(stay.stay[members[non_locals]], nan=np.inf)  # none given: last, as pandas sorts
        group_of = np.empty(len(ids), dtype=np.int64)
        group_of[groups.order] = groups.group
        group = group_of[members]
        places = np.bincount(groups.group, weights=groups.offered).astype(np.int64)
        by_group = np.sort(group)
        position = np.arange(len(group)) - np.searchsorted(by_group, by_group)  # within its group
        return cls(members=members, encoded=encode_ids(ids[members]),
                   by_track_and_score=_dense_ranks(tier[members], -score[members]), non_locals=non_locals,
                   by_stay_and_score=_dense_ranks(semesters, -score[members[non_locals]]), group=group,
                   seats=position < places[by_group])

    def offered(self, seed: str) -> np.ndarray:
        """The members offered a place under ``seed``: the block sorted by (track, score, key),
        its non-locals' places refilled by (stay, score, key), then each group's first places."""
        keys = key_words(digests(seed, self.encoded))
        order = order_by_key(self.by_track_and_score, keys)
        refill = self.non_locals[order_by_key(self.by_stay_and_score, keys[self.non_locals])]
        order[np.isin(order, self.non_locals, assume_unique=True)] = refill
        return self.members[order[np.argsort(self.group[order], kind="stable")[self.seats]]]


def _dense_ranks(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Dense ranks of the pairs (first, second), ascending."""
    if not len(first):
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.stack([first, second], axis=1), axis=0, return_inverse=True)[1].reshape(-1)


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
