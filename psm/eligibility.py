"""Eligibility, tracks and priority tiers (policy sections 1, 2 and 5).

Each rule is written once, over array-likes: pass DataFrame columns for a cohort, or a dict of
plain values for one applicant (you get 0-d arrays back). The rules:

- Eligible (section A): student type research needs a research study mode (full-time); everyone
  else needs an eligible funding (UGC) and study mode (full-time). Otherwise the reason is given.
- Track (section 2): exchange and research students keep their own track (not PSM-scored). A
  local applicant with fewer prior hall semesters than the boundary (1.0) is ``first_time``,
  else ``readmission``. A non-local applicant is ``first_time`` in years of study 1-2 if
  admitted before the cohort boundary (2023), in year 1 if admitted from it; else ``readmission``.
- Freshman: year of study 1 and admitted in the exercise's intake year (section C, "*").
- Tier (section 5), for the first_time and readmission tracks: ``disqualify`` removes the
  applicant from ranking; ``lower_priority`` puts them last (``lowered``); then HAC-approved
  exceptional needs; the non-local new intake (admitted from the boundary, year 1); other
  first-time; SRS-approved readmission; readmission. The order of tiers is policy data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from psm.policy import Policy

__all__ = [
    "ineligible_reasons",
    "tracks",
    "freshmen",
    "tiers",
    "exclusion_reasons",
    "assess",
    "DISQUALIFIED",
]

Columns = Mapping[str, Any]
"""A DataFrame, or a dict of one applicant's values."""

DISQUALIFIED = "disqualified by a HAC disciplinary decision (section D)"


def _col(columns: Columns, name: str, default: Any = None) -> np.ndarray:
    value = columns[name] if name in columns else default
    return np.asarray(value)


def ineligible_reasons(columns: Columns, policy: Policy) -> np.ndarray:
    """Why each applicant is not eligible for hall residence (section A); '' when eligible."""
    student_type = _col(columns, "student_type").astype(str)
    funding = _col(columns, "funding").astype(str)
    mode = _col(columns, "study_mode").astype(str)
    rules = policy.eligibility
    research = student_type == "research"
    bad_funding = ~research & ~np.isin(funding, rules.funding)
    bad_mode = np.where(
        research, ~np.isin(mode, rules.research_study_mode), ~np.isin(mode, rules.study_mode)
    )
    funding_reason = np.where(
        bad_funding, "funding " + funding + " is not eligible (section A: " + "/".join(rules.funding) + " only)", ""
    )
    mode_reason = np.where(
        bad_mode, "study mode " + mode + " is not eligible (section A: full-time students only)", ""
    )
    both = bad_funding & bad_mode
    return np.where(both, funding_reason + "; " + mode_reason, funding_reason + mode_reason).astype(object)


def tracks(columns: Columns, policy: Policy) -> np.ndarray:
    """The track of each applicant (section 2); ``ineligible`` where section A fails."""
    settings = policy.settings
    student_type = _col(columns, "student_type").astype(str)
    admission_year = _col(columns, "admission_year").astype(int)
    year = _col(columns, "year_of_study").astype(int)
    semesters = _col(columns, "prior_hall_semesters").astype(float)
    eligible = ineligible_reasons(columns, policy) == ""

    new_scheme = admission_year >= settings.nonlocal_cohort_boundary
    nonlocal_first_years = np.where(
        new_scheme,
        settings.nonlocal_first_time_years_from_boundary,
        settings.nonlocal_first_time_years_before_boundary,
    )
    first_time = np.where(
        student_type == "local", semesters < settings.semester_boundary, year <= nonlocal_first_years
    )
    return np.select(
        [~eligible, student_type == "exchange", student_type == "research", first_time],
        ["ineligible", "exchange", "research", "first_time"],
        "readmission",
    ).astype(object)


def freshmen(columns: Columns, policy: Policy) -> np.ndarray:
    """Year of study 1 and admitted in the intake year: 3a, 3c and 3e do not apply (section C)."""
    year = _col(columns, "year_of_study").astype(int)
    admission_year = _col(columns, "admission_year").astype(int)
    return (year == 1) & (admission_year == policy.settings.intake_year)


def tiers(columns: Columns, policy: Policy, track: np.ndarray | None = None) -> np.ndarray:
    """The priority tier of each ranked applicant (section 5); '' for those not ranked by tier."""
    track = tracks(columns, policy) if track is None else np.asarray(track)
    disciplinary = _col(columns, "disciplinary", "none").astype(str)
    exceptional = _col(columns, "exceptional_needs", False).astype(bool)
    srs = _col(columns, "srs_approved", False).astype(bool)
    student_type = _col(columns, "student_type").astype(str)
    new_intake = (
        (student_type == "non_local")
        & (_col(columns, "admission_year").astype(int) >= policy.settings.nonlocal_cohort_boundary)
        & (_col(columns, "year_of_study").astype(int) == 1)
    )
    ranked = (track == "first_time") | (track == "readmission")
    return np.select(
        [
            ~ranked | (disciplinary == "disqualify"),
            disciplinary == "lower_priority",
            exceptional,
            new_intake & (track == "first_time"),
            track == "first_time",
            srs,
        ],
        ["", "lowered", "exceptional_needs", "nonlocal_new_intake", "first_time", "special_readmission"],
        "readmission",
    ).astype(object)


def exclusion_reasons(columns: Columns) -> np.ndarray:
    """Why an eligible applicant is kept out of ranking; '' when not excluded."""
    disciplinary = _col(columns, "disciplinary", "none").astype(str)
    return np.where(disciplinary == "disqualify", DISQUALIFIED, "").astype(object)


def assess(frame: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Track, ineligibility reason, freshman flag, tier and exclusion reason of every applicant."""
    track = tracks(frame, policy)
    return pd.DataFrame(
        {
            "track": track,
            "ineligible_reason": ineligible_reasons(frame, policy),
            "freshman": freshmen(frame, policy),
            "tier": tiers(frame, policy, track),
            "excluded_reason": np.where(track == "ineligible", "", exclusion_reasons(frame)).astype(object),
        },
        index=frame.index,
    )
