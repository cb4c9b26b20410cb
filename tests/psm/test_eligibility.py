"""Eligibility, tracks, freshmen and tiers: the tables of policy.md sections 1, 2 and 5."""

from __future__ import annotations

import pytest

from psm.eligibility import DISQUALIFIED, exclusion_reasons, freshmen, ineligible_reasons, tiers, tracks


def applicant(**values):
    base = dict(
        student_type="local", funding="ugc", study_mode="full_time",
        admission_year=2024, year_of_study=2, prior_hall_semesters=0.0,
    )
    return base | values


@pytest.mark.parametrize(
    ("values", "track"),
    [
        # local: prior hall residence < 1 semester -> first_time; >= 1 -> readmission
        (dict(prior_hall_semesters=0.0), "first_time"),
        (dict(prior_hall_semesters=0.5), "first_time"),
        (dict(prior_hall_semesters=0.99), "first_time"),
        (dict(prior_hall_semesters=1.0), "readmission"),  # exactly one semester: the policy's silence, read as readmission
        (dict(prior_hall_semesters=3.0), "readmission"),
        # non-local admitted 2022/23 or before: years 1-2 first_time, 3+ readmission
        (dict(student_type="non_local", admission_year=2022, year_of_study=2, prior_hall_semesters=2.0), "first_time"),
        (dict(student_type="non_local", admission_year=2022, year_of_study=3), "readmission"),
        # non-local admitted 2023/24 or after: year 1 first_time (new intake), 2+ readmission
        (dict(student_type="non_local", admission_year=2023, year_of_study=1), "first_time"),
        (dict(student_type="non_local", admission_year=2023, year_of_study=2, prior_hall_semesters=0.0), "readmission"),
        (dict(student_type="exchange"), "exchange"),
        (dict(student_type="research", funding="self_financed"), "research"),
        (dict(funding="self_financed"), "ineligible"),
        (dict(study_mode="part_time"), "ineligible"),
        (dict(student_type="research", study_mode="part_time"), "ineligible"),
    ],
)
def test_track_table_of_section_2(policy, values, track):
    assert tracks(applicant(**values), policy).item() == track


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        (dict(), ""),
        (dict(funding="self_financed"), "funding self_financed is not eligible (section A: ugc only)"),
        (dict(study_mode="part_time"), "study mode part_time is not eligible (section A: full-time students only)"),
        (
            dict(funding="self_financed", study_mode="part_time"),
            "funding self_financed is not eligible (section A: ugc only); "
            "study mode part_time is not eligible (section A: full-time students only)",
        ),
        (dict(student_type="research", funding="self_financed"), ""),  # research students: full-time is what counts
    ],
)
def test_ineligibility_reasons(policy, values, reason):
    assert ineligible_reasons(applicant(**values), policy).item() == reason


def test_freshman_is_year_one_of_the_intake_year(policy):
    assert freshmen(applicant(admission_year=2025, year_of_study=1), policy).item()
    assert not freshmen(applicant(admission_year=2024, year_of_study=1), policy).item()  # repeating year 1
    assert not freshmen(applicant(admission_year=2025, year_of_study=2), policy).item()


@pytest.mark.parametrize(
    ("values", "tier"),
    [
        (dict(), "first_time"),
        (dict(prior_hall_semesters=2.0), "readmission"),
        (dict(prior_hall_semesters=2.0, srs_approved=True), "special_readmission"),
        (dict(srs_approved=True), "first_time"),  # SRS is a readmission scheme
        (dict(exceptional_needs=True, prior_hall_semesters=4.0), "exceptional_needs"),
        (dict(student_type="non_local", admission_year=2025, year_of_study=1), "nonlocal_new_intake"),
        (dict(student_type="non_local", admission_year=2022, year_of_study=1), "first_time"),
        (dict(disciplinary="lower_priority", exceptional_needs=True), "lowered"),  # last tier, whatever else
        (dict(disciplinary="disqualify"), ""),
        (dict(student_type="exchange"), ""),
        (dict(funding="self_financed"), ""),
    ],
)
def test_tiers_of_section_5(policy, values, tier):
    assert tiers(applicant(**values), policy).item() == tier


def test_disqualify_is_recorded_as_the_exclusion_reason():
    assert exclusion_reasons(applicant(disciplinary="disqualify")).item() == DISQUALIFIED
    assert exclusion_reasons(applicant(disciplinary="lower_priority")).item() == ""


def test_boundaries_are_policy_settings(policy):
    stricter = policy.model_copy(
        update={"settings": policy.settings.model_copy(update={"semester_boundary": 2.0, "nonlocal_cohort_boundary": 2022})}
    )
    assert tracks(applicant(prior_hall_semesters=1.0), stricter).item() == "first_time"
    nonlocal_2022_year_2 = applicant(student_type="non_local", admission_year=2022, year_of_study=2)
    assert tracks(nonlocal_2022_year_2, policy).item() == "first_time"
    assert tracks(nonlocal_2022_year_2, stricter).item() == "readmission"
