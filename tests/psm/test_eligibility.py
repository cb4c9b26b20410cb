"""Eligibility, tracks, freshmen and tiers: the tables of policy.md sections 1, 2 and 5."""

from __future__ import annotations

import pytest

from psm.eligibility import (
    DISQUALIFIED,
    REFERRED,
    assess,
    exclusion_reasons,
    freshmen,
    ineligible_reasons,
    new_intake,
    review_notes,
    tiers,
    tracks,
)


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


def test_freshman_is_admitted_in_the_intake_year_whatever_the_year_of_study(policy):
    """Section C, "* not applicable to freshmen applicants"; policy.md section 2: freshman =
    admitted in the intake year (new to PolyU), a senior-year entrant too."""
    assert freshmen(applicant(admission_year=2025, year_of_study=1), policy).item()
    assert freshmen(applicant(admission_year=2025, year_of_study=3), policy).item()  # senior-year entrant
    assert not freshmen(applicant(admission_year=2024, year_of_study=1), policy).item()  # repeating year 1


@pytest.mark.parametrize(
    ("values", "tier"),
    [
        (dict(), "first_time"),
        (dict(prior_hall_semesters=2.0), "readmission"),
        (dict(prior_hall_semesters=2.0, srs_approved=True), "special_readmission"),
        (dict(srs_approved=True), "first_time"),  # SRS is a readmission scheme
        (dict(prior_hall_semesters=2.0, rscrc_approved=True, college="CURI"), "special_readmission"),
        (dict(prior_hall_semesters=2.0, rscrc_approved=True, college="STARS"), "readmission"),  # not a member
        (dict(rscrc_approved=True, college="CURI"), "first_time"),  # RSCRC is a readmission scheme
        (dict(student_type="non_local", admission_year=2025, year_of_study=3), "nonlocal_new_intake"),
        (dict(student_type="non_local", admission_year=2024, year_of_study=1), "first_time"),  # not new intake
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


# --- Policy fidelity: the readings of policy.md sections 1, 2 and 5 -------------------------------


def test_a_nonlocal_senior_year_entrant_is_the_new_intake_on_the_first_time_track(policy):
    """Section B.2.a: "Top priority will be given to the new intake of students for their first
    year of study". A non-local admitted in 2025 into year 3 is in their first year at PolyU:
    first-time track, tier nonlocal_new_intake, a freshman (no GPA needed), whatever the year."""
    entrant = applicant(student_type="non_local", admission_year=2025, year_of_study=3, prior_hall_semesters=0.0)
    assert tracks(entrant, policy).item() == "first_time"
    assert tiers(entrant, policy).item() == "nonlocal_new_intake"
    assert new_intake(entrant, policy).item() and freshmen(entrant, policy).item()
    # admitted 2023 in year 3: not new intake, readmission (B.2.d) as before
    assert tracks(applicant(student_type="non_local", admission_year=2023, year_of_study=3), policy).item() == "readmission"


def test_the_new_intake_tier_holds_exactly_the_nonlocal_new_intake(policy):
    """Policy.md section 5 tier 2: "non-local, admitted in the intake year"; a non-local in year 1
    admitted earlier (repeating the year) is first-time (B.2.c) but not the new intake."""
    repeating = applicant(student_type="non_local", admission_year=2024, year_of_study=1)
    assert (tracks(repeating, policy).item(), tiers(repeating, policy).item()) == ("first_time", "first_time")
    local_entrant = applicant(admission_year=2025, year_of_study=3)  # new intake rule is for non-locals
    assert tiers(local_entrant, policy).item() == "first_time"


@pytest.mark.parametrize(("values", "track"), [
    (dict(funding="self_financed", exceptional_needs=True), "referred"),
    (dict(funding="self_financed", exceptional_needs=False), "ineligible"),
    (dict(study_mode="part_time", exceptional_needs=True), "ineligible"),  # not full-time: not section A's group
    (dict(funding="self_financed", study_mode="part_time", exceptional_needs=True), "ineligible"),
    (dict(student_type="research", normal_period_end="2025-05-31", exceptional_needs=True), "referred"),
    (dict(exceptional_needs=True), "first_time"),  # eligible: the exceptional_needs tier, not a referral
])
def test_other_full_time_students_with_exceptional_needs_are_referred(policy, values, track):
    """Section A: "For other full-time students with exceptional needs for accommodation, the
    University will attend to them and make special and appropriate arrangement": a full-time
    applicant outside the eligible groups with exceptional_needs is referred, not ineligible."""
    assert tracks(applicant(**values), policy).item() == track


def test_a_referral_keeps_why_the_applicant_is_outside_the_eligible_groups(policy):
    """Section A: the referral is recorded with why the applicant is outside the eligible groups."""
    import pandas as pd

    status = assess(pd.DataFrame([applicant(funding="self_financed", exceptional_needs=True)]), policy).iloc[0]
    assert status["track"] == "referred" and status["tier"] == ""
    assert status["excluded_reason"] == f"{REFERRED}: funding self_financed is not eligible (section A: ugc only)"


@pytest.mark.parametrize(("end", "track"), [
    ("2025-08-28", "ineligible"),  # ends the day before the residential year starts
    ("2025-08-29", "research"),  # ends on the first day: within the period when the year starts
    ("2027-06-30", "research"),
    (None, "research"),  # not given (files before the column): not checked
])
def test_research_students_within_normal_study_period(policy, end, track):
    """Section A: "Full-time Research Students within normal study period"; policy.md section 1:
    a normal_period_end before residential_year_start (2025-08-29) is beyond the normal period."""
    values = applicant(student_type="research", normal_period_end=end)
    assert tracks(values, policy).item() == track
    if track == "ineligible":
        assert "beyond the normal study period" in ineligible_reasons(values, policy).item()


@pytest.mark.parametrize(("values", "note"), [
    (dict(srs_approved=True), "srs_approved on the first_time track changes nothing"),
    (dict(rscrc_approved=True, college="CURI"), "rscrc_approved on the first_time track changes nothing"),
    (dict(prior_hall_semesters=2.0, rscrc_approved=True, college="STARS"),
     "rscrc_approved changes nothing: the applicant is not a member of CURI"),
    (dict(prior_hall_semesters=2.0, rscrc_approved=True), "rscrc_approved changes nothing"),  # no college
    (dict(student_type="exchange", srs_approved=True), "srs_approved on the exchange track changes nothing"),
    (dict(prior_hall_semesters=2.0, rscrc_approved=True, college="CURI"), ""),  # applies: no note
    (dict(prior_hall_semesters=2.0, srs_approved=True), ""),
    (dict(), ""),
])
def test_a_scheme_flag_that_cannot_apply_is_listed_for_review(policy, values, note):
    """Sections B.4 and E: SRS and RSCRC are readmission schemes, RSCRC for CURI's members; a flag
    that cannot apply changes nothing and is named (policy.md section 5), never dropped silently."""
    found = review_notes(applicant(**values), policy).item()
    assert found.startswith(note) if note else found == ""
    assert tiers(applicant(**values), policy).item() != "special_readmission" or not note
