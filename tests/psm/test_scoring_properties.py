"""Invariants of the PSM under random valid applicants (hypothesis).

- bounds: every part within 0..its maximum; the total is the sum of the counting parts and at
  most the profile's stated total;
- monotonicity: more travel minutes, less floor area per person, more volunteer hours never
  lower a score;
- one implementation: scoring a cohort and scoring each applicant alone give identical cards.
"""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from builders import application, frame, score
from psm import domain
from psm.io import AchievementRow, OfficeBearerRow
from psm.scoring import POINT_COLUMNS, score_applicant, score_frames

decimals = st.decimals(min_value=0, max_value=500, places=1, allow_nan=False).map(str)


@st.composite
def applicants(draw, applicant_id="24000001A"):
    """A valid applicant of any type, in the contract's cell form."""
    student_type = draw(st.sampled_from(domain.STUDENT_TYPES))
    cells = dict(
        applicant_id=applicant_id,
        gender=draw(st.sampled_from(domain.GENDERS)),
        student_type=student_type,
        funding=draw(st.sampled_from(["ugc"] * 5 + ["self_financed"])),
        study_mode=draw(st.sampled_from(["full_time"] * 5 + ["part_time"])),
        admission_year=draw(st.integers(2019, 2025)),
        year_of_study=draw(st.integers(1, 6)),
        prior_hall_semesters=draw(st.sampled_from([0, 0.5, 1, 1.5, 2, 4, 6])),
        district=draw(st.sampled_from(domain.DISTRICTS)),
        travel_minutes=draw(st.one_of(st.none(), st.integers(1, 150))),
        housing_type=draw(st.sampled_from(domain.HOUSING_TYPES)),
        home_floor_area_sqm=draw(st.decimals(min_value="0.5", max_value=400, places=1).map(str)),
        household_size=draw(st.integers(1, 12)),
        llc_role=draw(st.sampled_from(domain.LLC_ROLES)),
        volunteer_hours=draw(decimals),
        paired_days=draw(st.integers(0, 366)),
        gpa=draw(st.decimals(min_value=0, max_value="4.3", places=2).map(str)),
        disciplinary=draw(st.sampled_from(domain.DISCIPLINARY_DECISIONS)),
        exceptional_needs=draw(st.booleans()),
        srs_approved=draw(st.booleans()),
    )
    return application(**cells)


@st.composite
def posts_and_prizes(draw, applicant_id="24000001A"):
    posts = draw(st.lists(st.sampled_from(domain.POST_LEVELS), max_size=3))
    prizes = draw(
        st.lists(
            st.tuples(
                st.sampled_from(domain.ACHIEVEMENT_LEVELS),
                st.integers(1, 3),
                st.dates(min_value=pd.Timestamp("2021-01-01").date(), max_value=pd.Timestamp("2025-12-31").date()),
                st.booleans(),
            ),
            max_size=5,
        )
    )
    return (
        [{"applicant_id": applicant_id, "body": f"Society {i}", "post_level": level} for i, level in enumerate(posts)],
        [
            {"applicant_id": applicant_id, "level": lv, "prize": str(p), "award_date": d.isoformat(), "verified": str(v)}
            for lv, p, d, v in prizes
        ],
    )


@given(applicants(), posts_and_prizes(), st.sampled_from(["regular", "summer"]))
def test_parts_within_bounds_and_total_is_their_sum(policy, app, extras, round_name):
    result = score([app], policy, *extras, round_name=round_name).iloc[0]
    if result["profile"] == "":
        assert all(pd.isna(result[c]) for c in (*POINT_COLUMNS, "total_points"))
        return
    profile = policy.profiles[result["profile"]]
    for part in domain.PARTS:
        points = result[f"{part}_points"]
        if part in profile.parts:
            assert 0 <= points <= policy.part(part).max
        else:
            assert pd.isna(points)
    assert result["total_points"] == sum(result[f"{p}_points"] for p in profile.parts)
    assert 0 <= result["total_points"] <= profile.total


@given(applicants(), st.integers(1, 150), st.integers(0, 100))
def test_more_minutes_never_lower_the_score(policy, app, minutes, more):
    app = app | {"student_type": "local", "funding": "ugc", "study_mode": "full_time"}
    near, far = score([app | {"travel_minutes": str(minutes)}], policy), score(
        [app | {"travel_minutes": str(minutes + more)}], policy
    )
    assert far.iloc[0]["district_points"] >= near.iloc[0]["district_points"]
    assert far.iloc[0]["total_points"] >= near.iloc[0]["total_points"]


@given(applicants(), st.integers(0, 6), st.decimals(min_value=0, max_value=100, places=1))
def test_less_floor_area_per_person_never_lowers_the_score(policy, app, more_people, less_area):
    app = app | {"student_type": "local", "funding": "ugc", "study_mode": "full_time"}
    area, household = float(app["home_floor_area_sqm"]), int(app["household_size"])
    smaller = max(area - float(less_area), 0.1)
    roomy = score([app], policy).iloc[0]
    crowded = score([app | {"home_floor_area_sqm": f"{smaller:.1f}", "household_size": str(household + more_people)}], policy).iloc[0]
    assert crowded["floor_area_points"] >= roomy["floor_area_points"]
    assert crowded["total_points"] >= roomy["total_points"]


@given(applicants(), st.decimals(min_value=0, max_value=200, places=1))
def test_more_volunteer_hours_never_lower_the_score(policy, app, more):
    hours = float(app["volunteer_hours"])
    base = score([app], policy).iloc[0]
    more_hours = score([app | {"volunteer_hours": f"{hours + float(more):.1f}"}], policy).iloc[0]
    if base["profile"] in ("first_time", "readmission"):
        assert more_hours["volunteer_points"] >= base["volunteer_points"]
        assert more_hours["total_points"] >= base["total_points"]


@st.composite
def cohorts(draw):
    size = draw(st.integers(1, 8))
    ids = [f"2400{i:04d}X" for i in range(size)]
    apps, posts, prizes = [], [], []
    for applicant_id in ids:
        apps.append(draw(applicants(applicant_id)))
        more_posts, more_prizes = draw(posts_and_prizes(applicant_id))
        posts += more_posts
        prizes += more_prizes
    return apps, posts, prizes


@given(cohorts(), st.sampled_from(["regular", "summer"]))
def test_batch_and_single_applicant_give_identical_cards(policy, table, cohort, round_name):
    apps, posts, prizes = frame(cohort[0]), frame(cohort[1], OfficeBearerRow), frame(cohort[2], AchievementRow)
    batch = score_frames(apps, posts, prizes, policy, table, round_name)
    for i in range(len(apps)):
        single = score_applicant(apps.iloc[i], posts, prizes, policy, table, round_name)
        pd.testing.assert_series_equal(single, batch.iloc[i], check_names=False)
