"""Comparing two outcomes: hand-worked gains, losses, cut-off shifts and breakdowns."""

from __future__ import annotations

import pandas as pd
import pytest

from whatif import Outcome, compare, run_cohort

SEED = "demo-2025-26"
IDS = ["A1", "A2", "A3", "A4", "A5", "A6"]


def outcome(policy, label, scores, statuses):
    """Six undergraduates of one tier, ranked by score; three F (A1-A3), three M (A4-A6)."""
    ranking = pd.DataFrame({
        "applicant_id": IDS, "pool": "undergraduate", "tier": "first_time",
        "rank": pd.array([1, 2, 3, 4, 5, 6], dtype="Int64"), "score": pd.array(scores, dtype="Int64"),
        "lottery_key": "0" * 64, "status": statuses, "reason": "",
    })
    applicants = pd.DataFrame({
        "applicant_id": IDS, "gender": ["F", "F", "F", "M", "M", "M"],
        "student_type": ["local", "local", "non_local", "local", "local", "non_local"],
        "district": ["Sha Tin", "Tuen Mun", None, "Sha Tin", "Tuen Mun", None],
        "housing_type": ["public", "public", None, "private_other", "public", None],
        "accessibility_needs": False, "college": None, "pool": "undergraduate", "tier": "first_time",
    })
    scores_frame = pd.DataFrame({"applicant_id": IDS, "total_points": pd.array(scores, dtype="Int64")})
    return Outcome(label=label, policy=policy, seed=SEED, round_name="regular", scores=scores_frame,
                   ranking=ranking, applicants=applicants, beds=pd.DataFrame())


@pytest.fixture
def pair(policy):
    before = outcome(policy, "before", [90, 80, 70, 60, 50, 40],
                     ["offered", "offered", "waitlisted", "offered", "waitlisted", "waitlisted"])
    after = outcome(policy, "after", [90, 60, 75, 60, 55, 40],
                    ["offered", "waitlisted", "offered", "offered", "offered", "waitlisted"])
    return compare(before, after)


def test_who_gains_and_who_loses(pair):
    assert pair.gains["applicant_id"].tolist() == ["A3", "A5"]
    assert pair.losses["applicant_id"].tolist() == ["A2"]
    assert pair.summary().to_dict() == {"gains": 2, "loses": 1, "keeps": 2, "still_out": 1}
    a2 = pair.changes.set_index("applicant_id").loc["A2"]
    assert (a2["score_before"], a2["score_after"], a2["status_before"], a2["status_after"]) == \
        (80, 60, "offered", "waitlisted")


def test_cut_off_shifts_per_pool_tier_gender(pair):
    table = pair.cutoffs.set_index("gender")
    # F: offered 90, 80 -> 90, 75 (lowest 80 -> 75, shift -5); best waitlisted 70 -> 60
    assert table.loc["F", ["lowest_offered_before", "lowest_offered_after", "shift"]].tolist() == [80, 75, -5]
    assert table.loc["F", ["best_waitlisted_before", "best_waitlisted_after"]].tolist() == [70, 60]
    # M: offered 60 -> 60, 55 (shift -5); waitlisted 50, 40 -> 40
    m = table.loc["M", ["offered_before", "offered_after", "shift", "best_waitlisted_after"]]
    assert m.tolist() == [1, 2, -5, 40]


def test_breakdowns(pair):
    district = pair.breakdown("district").set_index("district")
    assert district.index.tolist() == ["(none)", "Sha Tin", "Tuen Mun"]
    counts = ["applicants", "offered_before", "offered_after", "gains", "losses", "net"]
    assert district.loc["Tuen Mun", counts].tolist() == [2, 1, 1, 1, 1, 0]
    assert district.loc["(none)", ["gains", "net", "mean_score_before", "mean_score_after"]].tolist() == \
        [1, 1, 55.0, 57.5]
    residency = pair.breakdown("student_type").set_index("student_type")
    assert residency.loc["local", "net"] == 0 and residency.loc["non_local", "net"] == 1
    gender = pair.breakdown("gender").set_index("gender")
    assert gender["net"].to_dict() == {"F": 0, "M": 1}
    housing = pair.breakdown("housing_type").set_index("housing_type")
    assert housing.loc["public", counts[1:5]].tolist() == [2, 2, 1, 1]
    with pytest.raises(KeyError, match="no breakdown by 'home_address'"):
        pair.breakdown("home_address")


def test_an_outcome_against_itself_changes_nothing(small_outcome):
    same = compare(small_outcome, small_outcome)
    assert same.gains.empty and same.losses.empty
    assert (same.cutoffs["shift"].dropna() == 0).all()
    assert (same.breakdown("gender")["net"] == 0).all()


def test_raising_the_volunteer_threshold_on_a_real_cohort(small_folder, small_outcome, small_quotas):
    strict = run_cohort(small_folder, seed=small_outcome.seed, label="strict", overrides={
        **small_quotas,
        "parts.volunteer.bands": [{"at_least": 0, "points": 0}, {"at_least": 1000, "points": 8}]})
    result = compare(small_outcome, strict)
    changes = result.changes
    assert result.summary()["gains"] == result.summary()["loses"]  # the same beds, other people
    scored = changes["score_before"].notna()
    # nobody gains points
    assert (changes.loc[scored, "score_after"] <= changes.loc[scored, "score_before"]).all()
    lost = changes[changes["change"] == "loses"]
    assert (lost["score_after"] < lost["score_before"]).all()  # who loses a place lost points
    total = result.breakdown("gender")
    assert total["applicants"].sum() == len(changes) and total["net"].sum() == 0
