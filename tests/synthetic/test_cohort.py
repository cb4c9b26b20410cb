"""Tests of the synthetic cohort generator (synthetic.cohort)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from psm.domain import (
    ACHIEVEMENT_LEVELS,
    DISTRICTS,
    HOUSING_TYPES,
    LLC_ROLES,
    POST_LEVELS,
    ROOM_TYPE_PREFERENCES,
)
from psm.eligibility import freshmen, tracks
from psm.policy import load_policy
from synthetic import HALL_NAMES, SyntheticCohort, generate_cohort, write_cohort

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
N = 2000
INTAKE = 2025
REFERENCE = date(2025, 6, 30)

APPLICATION_COLUMNS = [
    "applicant_id", "gender", "student_type", "funding", "study_mode", "admission_year",
    "year_of_study", "prior_hall_semesters", "prior_uma_semesters", "normal_period_end", "district",
    "home_address", "travel_minutes", "housing_type", "home_floor_area_sqm", "household_size", "llc_role",
    "volunteer_hours", "paired_days", "gpa", "disciplinary", "exceptional_needs", "srs_approved",
    "rscrc_approved", "accessibility_needs", "roommate_request", "hall_preferences", "room_type_preference",
    "college",
]  # fmt: skip
OFFICE_BEARER_COLUMNS = ["applicant_id", "body", "post_level"]
ACHIEVEMENT_COLUMNS = ["applicant_id", "kind", "level", "prize", "award_date", "verified"]


@pytest.fixture(scope="module")
def cohort() -> SyntheticCohort:
    return generate_cohort(n=N, seed=7)


@pytest.fixture(scope="module")
def apps(cohort: SyntheticCohort) -> pd.DataFrame:
    return cohort.applications


def _numbers(series: pd.Series) -> pd.Series:
    """Non-empty cells as floats."""
    return series[series != ""].astype(float)


def _is_readmission_track(apps: pd.DataFrame) -> pd.Series:
    """The readmission-track rule of policy.md section 2 (2023 cohort, 1.0 semester)."""
    admission = apps["admission_year"].astype(int)
    year = apps["year_of_study"].astype(int)
    prior = apps["prior_hall_semesters"].astype(float)
    local = (apps["student_type"] == "local") & (prior >= 1.0)
    non_local = (apps["student_type"] == "non_local") & (admission < INTAKE) & (  # the new intake is first-time
        ((admission < 2023) & (year >= 3)) | ((admission >= 2023) & (year >= 2))
    )
    return local | non_local


# --- files --------------------------------------------------------------------------------


def test_same_seed_writes_byte_identical_files(tmp_path: Path) -> None:
    first = write_cohort(generate_cohort(n=N, seed=11), tmp_path / "a")
    second = write_cohort(generate_cohort(n=N, seed=11), tmp_path / "b")
    assert [p.name for p in first] == ["applications.csv", "office_bearers.csv", "achievements.csv"]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes()


def test_different_seed_gives_different_files(tmp_path: Path) -> None:
    first = write_cohort(generate_cohort(n=N, seed=11), tmp_path / "a")
    second = write_cohort(generate_cohort(n=N, seed=12), tmp_path / "b")
    for a, b in zip(first, second):
        assert a.read_bytes() != b.read_bytes()


def test_files_are_plain_utf8_with_lf_and_round_trip(
    cohort: SyntheticCohort, tmp_path: Path
) -> None:
    paths = write_cohort(cohort, tmp_path)
    frames = (cohort.applications, cohort.office_bearers, cohort.achievements)
    for path, frame in zip(paths, frames):
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        assert b"\r" not in raw
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
        assert rows[0] == list(frame.columns)
        assert rows[1:] == frame.to_numpy().tolist()


def test_addresses_with_commas_are_quoted(cohort: SyntheticCohort, tmp_path: Path) -> None:
    path = write_cohort(cohort, tmp_path)[0]
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert (back["home_address"].str.contains(",")).any()
    assert back.to_numpy().tolist() == cohort.applications.to_numpy().tolist()


# --- shape and identity ---------------------------------------------------------------------


def test_columns_are_the_contract_in_order(cohort: SyntheticCohort) -> None:
    assert list(cohort.applications.columns) == APPLICATION_COLUMNS
    assert list(cohort.office_bearers.columns) == OFFICE_BEARER_COLUMNS
    assert list(cohort.achievements.columns) == ACHIEVEMENT_COLUMNS


def test_every_cell_is_a_string(cohort: SyntheticCohort) -> None:
    for frame in (cohort.applications, cohort.office_bearers, cohort.achievements):
        assert all(isinstance(v, str) for v in frame.to_numpy().ravel())


def test_ids_are_unique_student_numbers_matching_admission_year(apps: pd.DataFrame) -> None:
    assert len(apps) == N
    assert apps["applicant_id"].is_unique
    assert apps["applicant_id"].str.fullmatch(r"\d{8}[A-Z]").all()
    year_suffix = apps["admission_year"].astype(int).mod(100).map("{:02d}".format)
    assert (apps["applicant_id"].str[:2] == year_suffix).all()


def test_companion_files_name_existing_applicants(cohort: SyntheticCohort) -> None:
    ids = set(cohort.applications["applicant_id"])
    assert len(cohort.office_bearers) > 0 and len(cohort.achievements) > 0
    assert set(cohort.office_bearers["applicant_id"]) <= ids
    assert set(cohort.achievements["applicant_id"]) <= ids


def test_empty_and_tiny_cohorts() -> None:
    empty = generate_cohort(n=0)
    assert list(empty.applications.columns) == APPLICATION_COLUMNS and len(empty.applications) == 0
    assert len(generate_cohort(n=3).applications) == 3


# --- value rules ------------------------------------------------------------------------------


def test_codes_are_in_the_vocabulary(apps: pd.DataFrame) -> None:
    assert set(apps["gender"]) <= {"F", "M"}
    assert set(apps["funding"]) <= {"ugc", "self_financed"}
    assert set(apps["study_mode"]) <= {"full_time", "part_time"}
    assert set(apps["llc_role"]) <= set(LLC_ROLES) | {""}
    assert set(apps["disciplinary"]) <= {"none", "lower_priority", "disqualify", ""}
    assert set(apps["room_type_preference"]) <= set(ROOM_TYPE_PREFERENCES) | {""}
    assert set(apps["college"]) <= {"", "CURI", "STARS"}
    for column in ("exceptional_needs", "srs_approved", "accessibility_needs"):
        assert set(apps[column]) <= {"true", "false"}


def test_years_are_in_range_and_consistent(apps: pd.DataFrame) -> None:
    admission = apps["admission_year"].astype(int)
    year = apps["year_of_study"].astype(int)
    assert admission.between(INTAKE - 6, INTAKE).all()
    assert year.between(1, 6).all()
    undergrad = apps["student_type"].isin(["local", "non_local"])
    expected = (INTAKE - admission + 1).clip(1, 6)
    senior_entrants = (apps["student_type"] == "non_local") & (admission == INTAKE) & (year > 1)  # section B.2.a
    assert ((year == expected) | (year == expected - 1) | senior_entrants)[undergrad].all()
    assert (year == expected)[undergrad].mean() > 0.9


def test_local_rows_carry_home_data_and_others_do_not(apps: pd.DataFrame) -> None:
    local = apps[apps["student_type"] == "local"]
    other = apps[apps["student_type"] != "local"]
    assert local["district"].isin(DISTRICTS).all()
    assert local["housing_type"].isin(HOUSING_TYPES).all()
    assert (local["home_floor_area_sqm"].astype(float) > 0).all()
    assert local["household_size"].astype(int).between(1, 8).all()
    assert (local["home_address"] != "").all()
    for column in ("housing_type", "home_floor_area_sqm", "household_size", "travel_minutes"):
        assert (other[column] == "").all(), column
    assert set(other["district"]) <= set(DISTRICTS) | {""}
    assert (apps.loc[apps["student_type"].isin(["exchange", "research"]), "district"] == "").all()


def test_floor_area_hits_band_boundaries(apps: pd.DataFrame) -> None:
    local = apps[apps["student_type"] == "local"]
    area = local["home_floor_area_sqm"]
    assert area.str.fullmatch(r"\d+\.\d").all()
    per_person = area.astype(float) / local["household_size"].astype(int)
    assert per_person.isin([5.0, 7.0]).any()
    assert per_person.isin([10.0, 15.0, 20.0]).any()
    assert (per_person < 5.0).any() and (per_person >= 20.0).any()


def test_readmission_track_rows_have_a_gpa(apps: pd.DataFrame) -> None:
    readmission = _is_readmission_track(apps)
    assert readmission.sum() > 0.2 * N
    assert (apps.loc[readmission, "gpa"] != "").all()
    others = apps["student_type"].isin(["local", "non_local"]) & ~readmission
    assert 0.35 < (apps.loc[others, "gpa"] != "").mean() < 0.65
    assert (apps.loc[apps["student_type"].isin(["exchange", "research"]), "gpa"] == "").all()


def test_numbers_parse_and_lie_in_range(apps: pd.DataFrame) -> None:
    gpa = apps.loc[apps["gpa"] != "", "gpa"]
    assert gpa.str.fullmatch(r"\d\.\d\d").all()
    assert gpa.astype(float).between(0.0, 4.3).all()
    assert 2.85 < gpa.astype(float).mean() < 3.15
    prior = apps["prior_hall_semesters"].astype(float)
    assert (prior >= 0).all()
    assert {0.0, 0.5, 1.0, 2.0} <= set(prior)
    assert _numbers(apps["travel_minutes"]).between(5, 120).all()
    volunteer = _numbers(apps["volunteer_hours"])
    assert (volunteer >= 0).all() and (volunteer == 50).any() and volunteer.max() <= 200
    paired = apps.loc[apps["paired_days"] != "", "paired_days"]
    assert paired.str.fullmatch(r"\d+").all()
    assert paired.astype(int).between(0, 366).all() and (paired == "140").any()


def test_student_type_and_gender_shares(apps: pd.DataFrame) -> None:
    shares = apps["student_type"].value_counts(normalize=True)
    expected = {"local": 0.72, "non_local": 0.18, "exchange": 0.06, "research": 0.04}
    for kind, share in expected.items():
        assert abs(shares[kind] - share) < 0.03, kind
    assert 0.50 < (apps["gender"] == "F").mean() < 0.60
    assert 0.003 < (apps["funding"] == "self_financed").mean() < 0.04
    assert (apps["study_mode"] == "part_time").any()


def test_about_a_third_of_undergraduates_are_freshmen(apps: pd.DataFrame) -> None:
    undergrad = apps[apps["student_type"].isin(["local", "non_local"])]
    freshman = (undergrad["year_of_study"] == "1") & (undergrad["admission_year"] == str(INTAKE))
    assert 0.30 < freshman.mean() < 0.40


def test_the_engines_eligibility_rules_shape_the_cohort(apps: pd.DataFrame) -> None:
    """Under psm.eligibility: only eligible undergraduates ask for a roommate, every one on the
    readmission track has a GPA, and freshmen (section C) hold no hall LLC role."""
    policy = load_policy()
    record = apps.astype({"admission_year": int, "year_of_study": int, "prior_hall_semesters": float})
    track = tracks(record, policy)
    assert (track == "ineligible").any()
    requests = (apps["roommate_request"] != "").to_numpy()
    assert np.isin(track[requests], ["first_time", "readmission"]).all()
    assert (apps.loc[track == "readmission", "gpa"] != "").all()
    freshman = freshmen(record, policy) & apps["student_type"].isin(["local", "non_local"]).to_numpy()
    assert freshman.any() and apps.loc[freshman, "llc_role"].isin(["none", ""]).all()


# --- roommates and halls --------------------------------------------------------------------


def test_roommate_requests_name_others_and_mutual_pairs_match(apps: pd.DataFrame) -> None:
    by_id = apps.set_index("applicant_id")
    requests = by_id.loc[by_id["roommate_request"] != "", "roommate_request"]
    assert requests.isin(by_id.index).all()
    assert (requests != requests.index).all()
    mutual = [a for a, b in requests.items() if by_id.at[b, "roommate_request"] == a]
    assert len(mutual) > 0.05 * N
    assert len(mutual) < len(requests)  # some one-sided requests too
    for a in mutual:
        b = by_id.at[a, "roommate_request"]
        assert by_id.at[a, "gender"] == by_id.at[b, "gender"]
        assert by_id.at[a, "student_type"] in ("local", "non_local")
        assert by_id.at[b, "student_type"] in ("local", "non_local")


def test_hall_preferences_are_distinct_known_and_allowed(apps: pd.DataFrame) -> None:
    assert "Xuemin Hall" in HALL_NAMES and "Boyan Hall" in HALL_NAMES
    lists = apps["hall_preferences"].map(lambda s: s.split(";") if s else [])
    assert lists.map(len).max() == 4 and (lists.map(len) == 0).any()
    for halls, gender, kind in zip(lists, apps["gender"], apps["student_type"]):
        assert len(set(halls)) == len(halls)
        assert set(halls) <= set(HALL_NAMES)
        if gender != "F":
            assert "Xuemin Hall" not in halls
        if kind != "research":
            assert "Boyan Hall" not in halls


# --- companion files --------------------------------------------------------------------------


def test_office_bearers_values(cohort: SyntheticCohort) -> None:
    posts = cohort.office_bearers
    assert set(posts["post_level"]) <= set(POST_LEVELS)
    assert (posts["body"] != "").all()
    assert not posts.duplicated(["applicant_id", "body"]).any()
    assert posts.groupby("applicant_id").size().between(1, 3).all()
    holders = cohort.applications["applicant_id"].isin(posts["applicant_id"])
    assert 0.05 < holders.mean() < 0.20


def test_achievements_values(cohort: SyntheticCohort) -> None:
    prizes = cohort.achievements
    assert set(prizes["level"]) <= set(ACHIEVEMENT_LEVELS)
    assert set(prizes["kind"]) == {"competition", "scholarship", "award", ""}  # empty: a competition
    competition = prizes["kind"].isin(["competition", ""])
    assert set(prizes.loc[competition, "prize"]) <= {"1", "2", "3"}
    assert (prizes.loc[~competition, "prize"] == "").all()  # scholarships and awards have no prize
    assert set(prizes["verified"]) <= {"true", "false"}
    assert (prizes["verified"] == "false").any()
    dates = pd.to_datetime(prizes["award_date"], format="%Y-%m-%d").dt.date
    assert (dates <= REFERENCE).all()
    assert (dates >= date(2021, 6, 30)).all()
    assert (dates < date(2023, 6, 30)).any()
    assert (prizes["award_date"] == "2023-06-30").any()


def test_the_bundled_sample_is_seed_2025_byte_for_byte(tmp_path: Path) -> None:
    """data/sample/ is exactly ``psm sample --n 6000 --seed 2025`` (its README says so)."""
    written = write_cohort(generate_cohort(n=6000, seed=2025), tmp_path)
    for path in written:
        assert path.read_bytes() == (SAMPLE / path.name).read_bytes(), path.name


def test_the_later_columns_are_exercised(apps: pd.DataFrame) -> None:
    """The new intake of any year (B.2.a), UMA stay (B.2.b), research periods (A), referrals (A),
    RSCRC (E) and flags for review, area names in English and Chinese (part 1)."""
    policy = load_policy()
    non_local = apps["student_type"] == "non_local"
    entrants = non_local & (apps["admission_year"] == str(INTAKE)) & (apps["year_of_study"] != "1")
    assert entrants.any() and (apps.loc[entrants, "prior_hall_semesters"] == "0").all()
    uma = apps["prior_uma_semesters"]
    assert (uma[~non_local] == "").all()
    given = uma != ""
    assert (uma[given].astype(float) >= apps.loc[given, "prior_hall_semesters"].astype(float)).all()
    assert (uma[given].astype(float) > apps.loc[given, "prior_hall_semesters"].astype(float)).any()
    research = apps["student_type"] == "research"
    assert (apps.loc[research, "normal_period_end"] != "").all() and (apps.loc[~research, "normal_period_end"] == "").all()
    assert (apps.loc[research, "normal_period_end"] < "2025-08-29").any()
    record = {c: apps[c] for c in ("student_type", "funding", "study_mode", "exceptional_needs", "normal_period_end")}
    record |= {"admission_year": apps["admission_year"].astype(int), "year_of_study": apps["year_of_study"].astype(int),
               "prior_hall_semesters": apps["prior_hall_semesters"].astype(float)}
    record["exceptional_needs"] = apps["exceptional_needs"] == "true"
    track = tracks(record, policy)
    assert (track == "referred").any()
    rscrc = apps["rscrc_approved"] == "true"
    assert (rscrc & (track == "readmission") & (apps["college"] == "CURI")).any()
    assert (rscrc & (track == "first_time")).any() and ((apps["srs_approved"] == "true") & (track == "first_time")).any()
    addresses = apps["home_address"]
    assert addresses.str.contains("[\u4e00-\u9fff]", regex=True).any()
