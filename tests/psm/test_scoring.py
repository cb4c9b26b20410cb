"""Hand-worked score cards from the policy text (policy.md sections 3 and 4), boundary by boundary.

Every applicant below is a local first-timer in Sha Tin (30 min -> 12 points), public housing
(6), 40 m2 for 4 people (10 m2/person -> 4), unless the test says otherwise.
"""

from __future__ import annotations

import pandas as pd
import pytest

from builders import application, score


def card(policy, posts=(), prizes=(), round_name="regular", **cells):
    return score([application(**cells)], policy, posts, prizes, round_name).iloc[0]


def post(level, body="Student Union", applicant_id="24000001A"):
    return {"applicant_id": applicant_id, "body": body, "post_level": level}


def prize(level, award_date, verified="true", prize_no="1", applicant_id="24000001A", kind="competition"):
    return {"applicant_id": applicant_id, "kind": kind, "level": level, "prize": prize_no if kind == "competition" else "",
            "award_date": award_date, "verified": verified}


# --- Part 1: living district -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("minutes", "points"),
    [(1, 0), (14.9, 0), (15, 6), (24.9, 6), (25, 12), (34.9, 12), (35, 18), (45, 24), (55, 28), (64.9, 28),
     (65, 32), (74.9, 32), (75, 36), (180, 36)],
)
def test_district_bands_are_half_open(policy, minutes, points):
    result = card(policy, travel_minutes=minutes)
    assert result["district_points"] == points
    assert (result["travel_minutes"], result["travel_source"], result["travel_note"]) == (minutes, "override", "")


def test_district_table_when_no_override(policy, table):
    result = card(policy, district="Tuen Mun")
    assert result["travel_minutes"] == table.minutes_by_district["Tuen Mun"] == 65
    assert (result["district_points"], result["travel_source"]) == (32, "table")


# --- Part 2: home environment --------------------------------------------------------------------

@pytest.mark.parametrize(
    ("housing", "points"), [("boat_squatter", 14), ("improvised", 10), ("public", 6), ("private_other", 2)]
)
def test_housing_type_points(policy, housing, points):
    assert card(policy, housing_type=housing)["housing_type_points"] == points


@pytest.mark.parametrize(
    ("area", "household", "points"),
    [
        (14.9, 3, 10),  # 4.97 m2/person
        (15, 3, 8),  # exactly 5.0 m2: the higher band's lower bound
        (20.9, 3, 8),  # 6.97
        (35, 5, 6),  # exactly 7.0
        (30, 3, 4),  # exactly 10.0
        (45, 3, 2),  # exactly 15.0
        (39.9, 2, 2),  # 19.95
        (40, 2, 0),  # exactly 20.0
        (150, 1, 0),
    ],
)
def test_floor_area_per_person_bands(policy, area, household, points):
    assert card(policy, home_floor_area_sqm=area, household_size=household)["floor_area_points"] == points


def test_non_local_gets_full_marks_for_parts_1_and_2_whatever_they_report(policy):
    result = card(
        policy, student_type="non_local", admission_year=2022, year_of_study=2,
        district="Kowloon City", travel_minutes=5, housing_type="private_other",
        home_floor_area_sqm=300, household_size=1,
    )
    assert (result["district_points"], result["housing_type_points"], result["floor_area_points"]) == (36, 14, 10)
    assert result["travel_source"] == "" and pd.isna(result["travel_minutes"])  # no look-up for non-locals


def test_non_local_needs_no_district_or_housing_data(policy):
    result = card(policy, student_type="non_local", admission_year=2025, year_of_study=1,
                  district=None, housing_type=None, home_floor_area_sqm=None, household_size=None)
    assert result["total_points"] == 36 + 14 + 10


# --- Part 3: contribution to campus and hall life ---------------------------------------------------

def test_leadership_counts_the_highest_post_only(policy):
    posts = [post("exco", "Hall Association"), post("chair", "Engineering Society"), post("representative")]
    assert card(policy, posts)["leadership_points"] == 22
    assert card(policy, [post("representative"), post("exco")])["leadership_points"] == 14
    assert card(policy, [post("vice_chair")])["leadership_points"] == 18
    assert card(policy)["leadership_points"] == 0


def test_achievements_sum_and_cap_at_14(policy):
    assert card(policy, prizes=[prize("polyu", "2024-05-01")])["achievement_points"] == 3
    assert card(policy, prizes=[prize("regional", "2024-05-01"), prize("polyu", "2024-06-01")])["achievement_points"] == 9
    over_cap = [prize("international", "2024-05-01"), prize("regional", "2024-06-01")]  # 10 + 6 = 16
    assert card(policy, prizes=over_cap)["achievement_points"] == 14


@pytest.mark.parametrize(
    ("award_date", "points"),
    [
        ("2023-06-29", 0),  # a day more than two years before the deadline 2025-06-30
        ("2023-06-30", 10),  # exactly two years before: inside the window
        ("2025-06-30", 10),  # on the deadline
        ("2025-07-01", 0),  # after the deadline
    ],
)
def test_achievement_two_year_window(policy, award_date, points):
    assert card(policy, prizes=[prize("international", award_date)])["achievement_points"] == points


def test_unverified_claims_count_zero(policy):
    prizes = [prize("international", "2024-05-01", verified="false"), prize("polyu", "2024-05-01", verified="no")]
    assert card(policy, prizes=prizes)["achievement_points"] == 0


@pytest.mark.parametrize(("role", "points"), [("none", 0), ("member", 5), ("coordinator", 8)])
def test_llc_points(policy, role, points):
    assert card(policy, llc_role=role)["llc_points"] == points


@pytest.mark.parametrize(("hours", "points"), [(0, 0), (49.5, 0), (50, 8), (300, 8)])
def test_volunteer_hours_threshold_50(policy, hours, points):
    assert card(policy, volunteer_hours=hours)["volunteer_points"] == points


@pytest.mark.parametrize(("days", "points"), [(0, 0), (139, 0), (140, 8), (366, 8)])
def test_pairing_days_threshold_140(policy, days, points):
    assert card(policy, paired_days=days)["pairing_points"] == points


def test_freshmen_get_nothing_for_leadership_llc_and_pairing_even_with_data(policy):
    freshman = dict(admission_year=2025, year_of_study=1, llc_role="coordinator", paired_days=200, volunteer_hours=60)
    result = card(policy, [post("chair")], [prize("polyu", "2025-01-10")], **freshman)
    assert (result["leadership_points"], result["llc_points"], result["pairing_points"]) == (0, 0, 0)
    assert (result["volunteer_points"], result["achievement_points"]) == (8, 3)  # these still count
    senior_entrant = card(policy, [post("chair")], [prize("polyu", "2025-01-10")], **(freshman | {"year_of_study": 3}))
    assert (senior_entrant["leadership_points"], senior_entrant["llc_points"]) == (0, 0)  # admitted 2025: a freshman
    same_data_year_2 = card(policy, [post("chair")], [prize("polyu", "2025-01-10")],
                            **(freshman | {"year_of_study": 2, "admission_year": 2024}))
    assert (same_data_year_2["leadership_points"], same_data_year_2["llc_points"], same_data_year_2["pairing_points"]) == (
        22, 8, 8,
    )


# --- Whole cards: first-time (120), readmission (150), summer ------------------------------------------

def test_first_time_card_adds_up_and_leaves_academic_empty(policy):
    result = card(policy, travel_minutes=50, housing_type="improvised", home_floor_area_sqm=18, household_size=4,
                  llc_role="member", volunteer_hours=55, paired_days=10, gpa=4.0)
    # 24 + 10 + 10 (4.5 m2/person) + 0 + 0 + 5 + 8 + 0 = 57; GPA does not count for first-timers
    assert result["track"] == "first_time" and result["profile"] == "first_time"
    assert result["total_points"] == 57
    assert pd.isna(result["academic_points"])


@pytest.mark.parametrize(
    ("gpa", "points"),
    [(4.3, 30), (3.7, 30), (3.69, 25), (3.3, 25), (3.0, 20), (2.7, 15), (2.3, 10), (2.0, 5), (1.99, 0), (0, 0)],
)
def test_readmission_gpa_bands(policy, gpa, points):
    assert card(policy, prior_hall_semesters=2, gpa=gpa)["academic_points"] == points


def test_worked_readmission_card_out_of_150(policy):
    result = card(
        policy,
        [post("exco", "Engineering Society"), post("chair", "Student Union")],
        [prize("international", "2023-06-30"), prize("regional", "2025-06-30", prize_no="2"),
         prize("polyu", "2023-06-29", prize_no="3"), prize("polyu", "2024-01-01", verified="false")],
        prior_hall_semesters=1.0, travel_minutes=25, housing_type="private_other",
        home_floor_area_sqm=35, household_size=7, llc_role="coordinator", volunteer_hours=50,
        paired_days=140, gpa=3.7,
    )
    expected = dict(district_points=12, housing_type_points=2, floor_area_points=8, leadership_points=22,
                    achievement_points=14, llc_points=8, volunteer_points=8, pairing_points=8, academic_points=30)
    assert {k: result[k] for k in expected} == expected
    assert (result["track"], result["profile"], result["total_points"]) == ("readmission", "readmission", 112)


def test_summer_round_scores_parts_1_and_2_only(policy):
    result = card(policy, round_name="summer", travel_minutes=80, housing_type="public",
                  home_floor_area_sqm=12, household_size=3, llc_role="coordinator", volunteer_hours=90)
    assert result["profile"] == "summer"
    assert (result["district_points"], result["housing_type_points"], result["floor_area_points"]) == (36, 6, 10)
    assert result["total_points"] == 52
    assert all(pd.isna(result[c]) for c in ("leadership_points", "llc_points", "volunteer_points", "academic_points"))


@pytest.mark.parametrize(
    ("cells", "track", "reason"),
    [
        (dict(student_type="exchange"), "exchange", ""),
        (dict(student_type="research"), "research", ""),
        (dict(funding="self_financed"), "ineligible", "funding self_financed is not eligible (section A: ugc only)"),
    ],
)
def test_exchange_research_and_ineligible_have_no_points(policy, cells, track, reason):
    result = card(policy, **cells)
    assert (result["track"], result["ineligible_reason"], result["profile"]) == (track, reason, "")
    point_columns = [c for c in result.index if c.endswith("_points")]
    assert all(pd.isna(result[c]) for c in point_columns)
    assert result["travel_source"] == ""


def test_every_card_names_the_policy(policy):
    result = card(policy)
    assert (result["policy_version"], result["policy_sha256"]) == (policy.version, policy.sha256)


def test_a_scored_local_without_home_data_is_refused_not_guessed(policy, table):
    from builders import frame
    from psm.errors import PsmError
    from psm.io import AchievementRow, OfficeBearerRow
    from psm.scoring import score_frames

    apps = frame([application()])
    apps.loc[0, "household_size"] = None  # past validation, e.g. an edited frame in a notebook
    with pytest.raises(PsmError, match=r"1 local applicant\(s\) lack travel minutes or home data.*24000001A"):
        score_frames(apps, frame([], OfficeBearerRow), frame([], AchievementRow), policy, table)


# --- Policy fidelity: scholarships and awards (3b), referrals, review notes, the travel measure ------


def test_scholarships_and_awards_count_like_prizes_of_their_level(policy):
    """Section C 3b: "Maximum 14 points will be given to students who have won scholarships, open
    competitions, or have been given awards for their achievements in the past two years"."""
    scholarship = card(policy, prizes=[prize("regional", "2024-09-01", kind="scholarship")])
    award = card(policy, prizes=[prize("polyu", "2024-09-01", kind="award")])
    assert (scholarship["achievement_points"], award["achievement_points"]) == (6, 3)
    mixed = card(policy, prizes=[prize("international", "2024-09-01", kind="scholarship"),
                                 prize("regional", "2024-01-01", kind="award"),
                                 prize("polyu", "2023-12-01")])
    assert mixed["achievement_points"] == 14  # 10 + 6 + 3 = 19, capped at 14
    old_award = card(policy, prizes=[prize("international", "2023-06-29", kind="award")])
    assert old_award["achievement_points"] == 0  # outside the past two years, whatever the kind


def test_points_per_kind_are_policy_data(policy):
    """Policy.md section 3: "the points per kind and level are policy data"."""
    part = policy.parts.achievement.model_copy(update={"points_per_scholarship": {"international": 14, "regional": 7,
                                                                                   "polyu": 1}})
    changed = policy.model_copy(update={"parts": policy.parts.model_copy(update={"achievement": part})})
    assert card(changed, prizes=[prize("regional", "2024-09-01", kind="scholarship")])["achievement_points"] == 7
    assert card(changed, prizes=[prize("regional", "2024-09-01")])["achievement_points"] == 6  # competitions as before


def test_a_referred_applicant_gets_no_points(policy):
    """Section A's last group: referred to the University, not PSM-scored (policy.md section 1)."""
    result = card(policy, funding="self_financed", exceptional_needs="true", travel_minutes=80)
    assert result["track"] == "referred" and result["profile"] == ""
    assert pd.isna(result["total_points"]) and pd.isna(result["district_points"])


def test_a_flag_that_cannot_apply_is_named_in_review_note(policy):
    """Sections B.4, E; policy.md section 5: SRS on the first-time track changes nothing and is
    listed for review (scores.csv's review_note)."""
    flagged = card(policy, srs_approved="true")
    plain = card(policy)
    assert flagged["review_note"].startswith("srs_approved on the first_time track changes nothing")
    assert flagged["total_points"] == plain["total_points"] and plain["review_note"] == ""


def test_round_trip_measure_doubles_the_table_and_uses_round_trip_bands(policy, table):
    """Section C 1: "time required for travelling to and from PolyU"; policy.md section 3: with
    [travel] measure = "round_trip" the district table doubles its one-way estimate (and says so),
    and part 1's bands are in round-trip minutes; an override is in the policy's measure."""
    travel = policy.travel.model_copy(update={"measure": "round_trip"})
    bands = [{"at_least": b.at_least * 2, "points": b.points} for b in policy.parts.district.bands]
    district = policy.parts.district.model_validate(policy.parts.district.model_dump() | {"bands": bands})
    round_trip = policy.model_copy(update={"travel": travel,
                                           "parts": policy.parts.model_copy(update={"district": district})})
    result = card(round_trip, district="Tuen Mun")
    assert result["travel_minutes"] == 2 * table.minutes_by_district["Tuen Mun"] == 130
    assert result["district_points"] == 32  # 130 round-trip minutes: the band of 65 one-way minutes doubled
    assert result["travel_note"] == "round trip: twice the one-way table figure"
    override = card(round_trip, travel_minutes=100)  # HAC-verified, already a round trip
    assert (override["travel_minutes"], override["district_points"], override["travel_note"]) == (100, 24, "")
    assert card(policy, district="Tuen Mun")["travel_note"] == ""  # one way: no note
