"""Ranking (policy sections 1, 5, 6): pools, tiers, score, lottery; hand-worked and as properties."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import application, frame, score
from strategies import undergraduates_across_tracks
from psm.lottery import lottery_key
from psm.ranking import RANKING_COLUMNS, pool_beds, rank_cohort

SEED = "HAC-2025-26"


def ranking_of(policy, rows, seed=SEED):
    scores = score(rows, policy).reset_index(drop=True)
    return rank_cohort(frame(rows), scores, policy, seed)


def _tracks(policy, rows) -> dict[str, str]:
    """Each applicant's track, by id."""
    from psm.eligibility import tracks

    apps = frame(rows)
    return dict(zip(apps["applicant_id"], tracks(apps, policy)))


def applicant(applicant_id, **cells):
    return application(applicant_id=applicant_id, **cells)


def test_tier_beats_score_and_score_beats_lottery(policy):
    rows = [
        applicant("24000001A", prior_hall_semesters=2, gpa=4.0, travel_minutes=80),  # readmission, high score
        applicant("24000002B", travel_minutes=10),  # first_time, low score
        applicant("24000003C", travel_minutes=50),  # first_time, higher score
        applicant("24000004D", exceptional_needs="true", prior_hall_semesters=3, gpa=2.0),
        applicant("24000005E", disciplinary="lower_priority", travel_minutes=80),
    ]
    ranking = ranking_of(policy, rows).frame
    assert list(ranking["applicant_id"]) == ["24000004D", "24000003C", "24000002B", "24000001A", "24000005E"]
    assert list(ranking["tier"]) == ["exceptional_needs", "first_time", "first_time", "readmission", "lowered"]
    assert list(ranking["rank"]) == [1, 2, 3, 4, 5]
    assert list(ranking.columns) == list(RANKING_COLUMNS)


def test_exact_ties_are_broken_by_the_lowest_lottery_key(policy):
    ids = ["24000001A", "24000002B", "24000003C", "24000004D"]
    ranking = ranking_of(policy, [applicant(i) for i in ids]).frame
    assert ranking["score"].nunique() == 1
    assert list(ranking["applicant_id"]) == sorted(ids, key=lambda i: lottery_key(SEED, i))
    assert list(ranking["lottery_key"]) == sorted(lottery_key(SEED, i) for i in ids)


def test_pools_exchange_and_research_by_lottery_alone(policy):
    rows = [applicant(f"2500000{i}X", student_type="exchange") for i in range(5)] + [
        applicant(f"2500001{i}R", student_type="research") for i in range(3)
    ] + [applicant("24000009U")]
    ranking = ranking_of(policy, rows).frame
    for pool, size in (("exchange", 5), ("research", 3), ("undergraduate", 1)):
        members = ranking[ranking["pool"] == pool]
        assert list(members["rank"]) == list(range(1, size + 1))
        if pool != "undergraduate":
            assert list(members["lottery_key"]) == sorted(members["lottery_key"])
            assert members["score"].isna().all() and (members["tier"] == "").all()


def test_ineligible_and_disqualified_are_listed_with_reasons_never_ranked(policy):
    rows = [applicant("24000001A"), applicant("24000002B", funding="self_financed"),
            applicant("24000003C", disciplinary="disqualify", travel_minutes=90)]
    ranking = ranking_of(policy, rows).frame.set_index("applicant_id")
    assert ranking.loc["24000002B", "status"] == "ineligible"
    assert ranking.loc["24000002B", "reason"] == "funding self_financed is not eligible (section A: ugc only)"
    assert ranking.loc["24000003C", "status"] == "disqualified"
    assert ranking.loc["24000003C", "reason"] == "disqualified by a HAC disciplinary decision (section D)"
    assert ranking.loc[["24000002B", "24000003C"], "rank"].isna().all()
    assert ranking.loc["24000001A", ["status", "rank"]].tolist() == ["ranked", 1]


def test_unused_reserved_beds_spill_into_the_undergraduate_pool(policy):
    rows = [applicant(f"2500000{i}X", student_type="exchange") for i in range(3)] + [applicant("24000009U")]
    beds = pool_beds(policy, ranking_of(policy, rows)).set_index("pool")
    assert beds.loc["exchange", "spilled_out"] == policy.pools["exchange"].beds - 3
    assert "research" not in policy.spill_over.order  # research halls are for research students only
    assert beds.loc["research", "spilled_out"] == 0 and beds.loc["research", "beds"] == policy.pools["research"].beds
    assert beds.loc["undergraduate", "beds"] == policy.pools["undergraduate"].beds + beds.loc["exchange", "spilled_out"]
    assert beds["beds"].sum() == sum(p.beds for p in policy.pools.values())  # no bed made or lost


def test_commitment_covers_exactly_the_ranked_ids(policy):
    from psm.lottery import commitment

    rows = [applicant("24000001A"), applicant("24000002B", funding="self_financed"), applicant("24000003C")]
    assert ranking_of(policy, rows).commitment == commitment(["24000001A", "24000003C"])


# --- Properties ------------------------------------------------------------------------------

@st.composite
def cohorts(draw):
    """Up to 40 valid undergraduates, exchange and research students, with many exact score ties."""
    size = draw(st.integers(1, 40))
    rows = []
    for i in range(size):
        rows.append(applicant(
            f"{draw(st.sampled_from(['22', '23', '24', '25']))}{i:06d}{draw(st.sampled_from('ABCXYZ'))}",
            student_type=draw(st.sampled_from(["local"] * 6 + ["non_local", "exchange", "research"])),
            admission_year=draw(st.integers(2021, 2025)),
            year_of_study=draw(st.integers(1, 4)),
            prior_hall_semesters=draw(st.sampled_from([0, 1, 2])),
            gpa=draw(st.sampled_from(["2.5", "3.5"])),
            travel_minutes=draw(st.sampled_from([10, 30, 60, 90])),
            exceptional_needs=draw(st.sampled_from(["false"] * 9 + ["true"])),
            srs_approved=draw(st.sampled_from(["false"] * 5 + ["true"])),
            disciplinary=draw(st.sampled_from(["none"] * 12 + ["lower_priority", "disqualify"])),
            funding=draw(st.sampled_from(["ugc"] * 12 + ["self_financed"])),
        ))
    return rows


def _positions(ranking) -> dict[str, tuple[str, int]]:
    ranked = ranking.ranked
    return dict(zip(ranked["applicant_id"], zip(ranked["pool"], ranked["rank"].astype(int))))


@settings(max_examples=50)
@given(cohorts(), st.text(min_size=1, max_size=12).filter(lambda t: t.strip() == t != ""))
def test_order_is_total_tier_beats_score_and_lottery_only_breaks_exact_ties(policy, rows, seed):
    ranking = ranking_of(policy, rows, seed)
    tier_index = {t: i for i, t in enumerate(policy.tiers.order)}
    track_of = _tracks(policy, rows)
    non_local = {r["applicant_id"] for r in rows if r["student_type"] == "non_local"}
    for pool, members in ranking.ranked.groupby("pool"):
        assert list(members["rank"]) == list(range(1, len(members) + 1))  # total: 1..n, no ties, no gaps
        by_tiers = policy.pools[pool].order == "tiers"
        for (_, a), (_, b) in zip(members.iterrows(), members.iloc[1:].iterrows()):
            if by_tiers:
                assert tier_index[a["tier"]] <= tier_index[b["tier"]]  # tier always beats score
                same_track = track_of[a["applicant_id"]] == track_of[b["applicant_id"]]
                # B.2.b reorders the readmission tier's non-locals by length of stay (tested below)
                stay_order = a["tier"] == "readmission" and {a["applicant_id"], b["applicant_id"]} & non_local
                if a["tier"] == b["tier"] and same_track and not stay_order:
                    assert a["score"] >= b["score"]  # a higher score never ranks lower within a tier and track
                    if a["score"] == b["score"]:
                        assert a["lottery_key"] < b["lottery_key"]  # the lottery decides exact ties only
            else:
                assert a["lottery_key"] < b["lottery_key"]


@settings(max_examples=50)
@given(cohorts(), st.data())
def test_adding_or_removing_one_applicant_keeps_everyone_elses_relative_order(policy, rows, data):
    whole = _positions(ranking_of(policy, rows))
    dropped = data.draw(st.integers(0, len(rows) - 1))
    fewer_rows = rows[:dropped] + rows[dropped + 1:]
    if not fewer_rows:
        return
    fewer = _positions(ranking_of(policy, fewer_rows))
    for a in fewer:
        for b in fewer:
            if fewer[a][0] == fewer[b][0]:  # same pool
                assert (fewer[a][1] < fewer[b][1]) == (whole[a][1] < whole[b][1])


@settings(max_examples=50)
@given(cohorts(), st.randoms(use_true_random=False))
def test_input_order_does_not_matter(policy, rows, rng):
    shuffled = rows[:]
    rng.shuffle(shuffled)
    pd.testing.assert_frame_equal(ranking_of(policy, rows).frame, ranking_of(policy, shuffled).frame)


# --- Statistics: the lottery position is independent of input order and of the id's prefix ---------

def _z_mann_whitney(a: np.ndarray, b: np.ndarray) -> float:
    """Normal approximation of the Mann-Whitney U statistic (no ties: positions are distinct)."""
    ranks = pd.Series(np.concatenate([a, b])).rank().to_numpy()
    u = ranks[: len(a)].sum() - len(a) * (len(a) + 1) / 2
    mean, sd = len(a) * len(b) / 2, np.sqrt(len(a) * len(b) * (len(a) + len(b) + 1) / 12)
    return (u - mean) / sd


@pytest.mark.parametrize("seed", [f"HAC-draw-{i}" for i in range(10)])
def test_lottery_position_is_independent_of_id_prefix_and_input_order(seed):
    # 4,000 applicants with identical scores: the lottery alone orders them.
    rng = random.Random(7)
    ids = [f"{prefix}{rng.randrange(10**6):06d}{rng.choice('ABCDEFGH')}" for prefix in ("23", "25") for _ in range(2000)]
    ids = list(dict.fromkeys(ids))
    keys = np.array([lottery_key(seed, i) for i in ids])
    position = np.empty(len(ids))
    position[np.argsort(keys)] = np.arange(len(ids))
    is_23 = np.array([i.startswith("23") for i in ids])
    # |z| < 4: a false alarm has probability below 1 in 15,000 per seed, and the seeds are fixed.
    assert abs(_z_mann_whitney(position[is_23], position[~is_23])) < 4
    input_index = np.arange(len(ids))
    rho = np.corrcoef(input_index, position)[0, 1]  # Spearman: both are already ranks
    assert abs(rho * np.sqrt(len(ids) - 1)) < 4
    # and every decile of the draw holds about a tenth of each prefix group
    deciles = (position * 10 // len(ids)).astype(int)
    counts = np.bincount(deciles[is_23], minlength=10)
    expected = is_23.sum() / 10
    assert ((counts - expected) ** 2 / expected).sum() < 33.7  # chi-square, 9 d.f., p = 0.0001


# --- Policy fidelity: mixed-track tiers, B.2.b length of stay, referrals ---------------------------


def test_a_mixed_tier_puts_first_timers_before_readmission_whatever_the_points(policy):
    """Policy.md section 5: a tier holding both tracks (exceptional_needs, lowered) orders by track
    first: a 150-point and a 120-point total are not on one scale, and section D gives normal
    readmission "lower priority" than first-time admission."""
    rows = [
        applicant("24000001A", exceptional_needs="true", prior_hall_semesters=3, gpa=4.0, travel_minutes=80),
        applicant("24000002B", exceptional_needs="true", travel_minutes=10),  # first-timer, few points
        applicant("24000003C", disciplinary="lower_priority", prior_hall_semesters=2, gpa=4.0, travel_minutes=80),
        applicant("24000004D", disciplinary="lower_priority", travel_minutes=10),
    ]
    ranking = ranking_of(policy, rows).frame
    assert list(ranking["applicant_id"]) == ["24000002B", "24000001A", "24000004D", "24000003C"]
    assert list(ranking["tier"]) == ["exceptional_needs", "exceptional_needs", "lowered", "lowered"]
    assert ranking["score"].iloc[1] > ranking["score"].iloc[0]  # the readmission applicant had more points
    reversed_tracks = policy.model_copy(update={"tiers": policy.tiers.model_copy(
        update={"track_order": ("readmission", "first_time")})})
    assert list(ranking_of(reversed_tracks, rows).frame["applicant_id"]) == [
        "24000001A", "24000002B", "24000003C", "24000004D"]  # the order of tracks is policy data


def _readmission(applicant_id, **cells):
    return applicant(applicant_id, prior_hall_semesters=2, **cells)


def _nonlocal_readmission(applicant_id, **cells):
    return applicant(applicant_id, student_type="non_local", admission_year=2023, year_of_study=2,
                     prior_hall_semesters=2, **cells)


def test_length_of_stay_refills_the_nonlocal_places_of_the_readmission_tier(policy):
    """Section B.2.b: "Priority will decrease with the length of stay in University-managed
    accommodations". Score order: L1 92, N1 90, L2 84, N2 80 (locals: 36 + 6 + 4 + GPA 30 + 8
    volunteer (+ 8 LLC for L1); non-locals: 36 + 24 full marks + GPA 30 or 20). The non-locals'
    places (2nd and 4th) go to N2 (2 semesters in UMA) then N1 (4: halls 2 + off-campus 2);
    the locals keep theirs."""
    rows = [
        _readmission("24000001A", travel_minutes=80, gpa=3.7, volunteer_hours=60, llc_role="coordinator"),  # L1
        _nonlocal_readmission("23000002B", gpa=3.7, prior_uma_semesters=4),  # N1
        _readmission("24000003C", travel_minutes=80, gpa=3.7, volunteer_hours=60),  # L2
        _nonlocal_readmission("23000004D", gpa=3.0),  # N2: UMA empty = hall semesters, 2
    ]
    ranking = ranking_of(policy, rows).frame
    assert list(ranking["score"]) == [92, 80, 84, 90]
    assert list(ranking["applicant_id"]) == ["24000001A", "23000004D", "24000003C", "23000002B"]
    assert set(ranking["tier"]) == {"readmission"}


def test_length_of_stay_ties_go_to_score_then_the_lottery(policy):
    """Section B.2.b, then B.2.d's "principles of Part D" (score), then the lots (section 6)."""
    rows = [_nonlocal_readmission("23000001A", gpa=3.0, prior_uma_semesters=3),
            _nonlocal_readmission("23000002B", gpa=3.7, prior_uma_semesters=3),
            _nonlocal_readmission("23000003C", gpa=3.7, prior_uma_semesters=3)]
    ranking = ranking_of(policy, rows).frame
    tied = sorted(["23000002B", "23000003C"], key=lambda i: lottery_key(SEED, i))
    assert list(ranking["applicant_id"]) == [*tied, "23000001A"]


def test_length_of_stay_does_not_reach_other_tiers(policy):
    """B.2.b refines the readmission tier only: special readmission keeps the score order."""
    rows = [_nonlocal_readmission("23000001A", gpa=3.7, prior_uma_semesters=6, srs_approved="true"),
            _nonlocal_readmission("23000002B", gpa=3.0, srs_approved="true")]
    assert list(ranking_of(policy, rows).frame["applicant_id"]) == ["23000001A", "23000002B"]


def test_referred_applicants_are_listed_with_their_reason_never_ranked(policy):
    """Section A: "other full-time students with exceptional needs": status referred, not ranked."""
    rows = [applicant("24000001A"), applicant("24000002B", funding="self_financed", exceptional_needs="true")]
    ranking = ranking_of(policy, rows).frame.set_index("applicant_id")
    assert ranking.loc["24000002B", "status"] == "referred"
    assert ranking.loc["24000002B", "reason"].startswith("referred to the University for a special arrangement")
    assert pd.isna(ranking.loc["24000002B", "rank"]) and ranking.loc["24000002B", "tier"] == ""
    assert ranking_of(policy, rows).commitment == __import__("psm.lottery").lottery.commitment(["24000001A"])


@settings(max_examples=60)
@given(undergraduates_across_tracks())
def test_a_mixed_tier_never_puts_readmission_above_a_first_timer(policy, rows):
    """Policy.md section 5: within one tier, every first-time applicant ranks above every
    readmission applicant (the policy's track order)."""
    ranked = ranking_of(policy, rows).ranked
    tracks = _tracks(policy, rows)
    for _, members in ranked.groupby("tier"):
        order = [tracks[i] for i in members.sort_values("rank")["applicant_id"]]
        assert order == sorted(order, key=policy.tiers.track_order.index)


@settings(max_examples=60)
@given(undergraduates_across_tracks())
def test_length_of_stay_reorders_nonlocals_only(policy, rows):
    """Section B.2.b: against the score order (tier, track, score, lottery), the readmission tier's
    locals keep their exact places, the non-locals take the same places among themselves, ordered
    by semesters in UMA (fewer first), then score, then lottery key; every other tier is untouched."""
    ranked = ranking_of(policy, rows).ranked.reset_index(drop=True)
    apps = {r["applicant_id"]: r for r in rows}
    tier_index = {t: i for i, t in enumerate(policy.tiers.order)}
    tracks = _tracks(policy, rows)
    by_score = ranked.assign(t=ranked["tier"].map(tier_index), k=ranked["applicant_id"].map(
        lambda i: policy.tiers.track_order.index(tracks[i])), s=-ranked["score"].astype(int)).sort_values(
        ["t", "k", "s", "lottery_key"]).reset_index(drop=True)
    moved = (ranked["tier"] == "readmission") & ranked["applicant_id"].map(
        lambda i: apps[i]["student_type"] == "non_local")
    assert (ranked.loc[~moved, "applicant_id"] == by_score.loc[~moved, "applicant_id"]).all()
    assert set(ranked.loc[moved, "applicant_id"]) == set(by_score.loc[moved, "applicant_id"])

    def stay(i):
        uma = apps[i].get("prior_uma_semesters") or apps[i]["prior_hall_semesters"]
        return float(uma)
    nonlocals = ranked.loc[moved]
    keys = [(stay(i), -s, k) for i, s, k in zip(nonlocals["applicant_id"], nonlocals["score"], nonlocals["lottery_key"])]
    assert keys == sorted(keys)
