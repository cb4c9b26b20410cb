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


def _text(columns: Columns, name: str, default: str = "") -> np.ndarray:
    return np.asarray(columns[name] if name in columns else default, dtype=object)


def _number(columns: Columns, name: str, dtype: type = float) -> np.ndarray:
    return np.asarray(columns[name], dtype=dtype)


def _flag(columns: Columns, name: str) -> np.ndarray:
    return np.asarray(columns[name] if name in columns else False, dtype=bool)


def _ineligible(columns: Columns, policy: Policy) -> tuple[np.ndarray, np.ndarray]:
    """Masks: (funding not eligible, study mode not eligible), per section A."""
    rules = policy.eligibility
    research = np.equal(_text(columns, "student_type"), "research")
    mode = _text(columns, "study_mode")
    bad_funding = ~research & ~np.isin(_text(columns, "funding"), rules.funding)
    bad_mode = np.where(research, ~np.isin(mode, rules.research_study_mode), ~np.isin(mode, rules.study_mode))
    return bad_funding, bad_mode


def ineligible_reasons(columns: Columns, policy: Policy) -> np.ndarray:
    """Why each applicant is not eligible for hall residence (section A); '' when eligible."""
    shape = np.shape(_text(columns, "funding"))  # () for one applicant given as plain values
    bad_funding, bad_mode = np.atleast_1d(*_ineligible(columns, policy))
    funding, mode = np.atleast_1d(_text(columns, "funding"), _text(columns, "study_mode"))
    eligible_funding = "/".join(policy.eligibility.funding)
    reasons = np.full(bad_funding.shape, "", dtype=object)
    for i in np.flatnonzero(bad_funding | bad_mode):  # text only for the few who fail
        parts = []
        if bad_funding[i]:
            parts.append(f"funding {funding[i]} is not eligible (section A: {eligible_funding} only)")
        if bad_mode[i]:
            parts.append(f"study mode {mode[i]} is not eligible (section A: full-time students only)")
        reasons[i] = "; ".join(parts)
    return reasons.reshape(shape)


def tracks(columns: Columns, policy: Policy) -> np.ndarray:
    """The track of each applicant (section 2); ``ineligible`` where section A fails."""
    settings = policy.settings
    student_type = _text(columns, "student_type")
    year = _number(columns, "year_of_study", int)
    bad_funding, bad_mode = _ineligible(columns, policy)

    new_scheme = _number(columns, "admission_year", int) >= settings.nonlocal_cohort_boundary
    nonlocal_first_years = np.where(
        new_scheme,
        settings.nonlocal_first_time_years_from_boundary,
        settings.nonlocal_first_time_years_before_boundary,
    )
    first_time = np.where(
        np.equal(student_type, "local"),
        _number(columns, "prior_hall_semesters") < settings.semester_boundary,
        year <= nonlocal_first_years,
    )
    return np.select(
        [bad_funding | bad_mode, np.equal(student_type, "exchange"), np.equal(student_type, "research"), first_time],
        ["ineligible", "exchange", "research", "first_time"],
        "readmission",
    ).astype(object)


def freshmen(columns: Columns, policy: Policy) -> np.ndarray:
    """Year of study 1 and admitted in the intake year: 3a, 3c and 3e do not apply (section C)."""
    year = _number(columns, "year_of_study", int)
    return (year == 1) & (_number(columns, "admission_year", int) == policy.settings.intake_year)


def tiers(columns: Columns, policy: Policy, track: np.ndarray | None = None) -> np.ndarray:
    """The priority tier of each ranked applicant (section 5); '' for those not ranked by tier."""
    track = tracks(columns, policy) if track is None else np.asarray(track)
    disciplinary = _text(columns, "disciplinary", "none")
    new_intake = (
        np.equal(_text(columns, "student_type"), "non_local")
        & (_number(columns, "admission_year", int) >= policy.settings.nonlocal_cohort_boundary)
        & (_number(columns, "year_of_study", int) == 1)
    )
    first_time = np.equal(track, "first_time")
    ranked = first_time | np.equal(track, "readmission")
    return np.select(
        [
            ~ranked | np.equal(disciplinary, "disqualify"),
            np.equal(disciplinary, "lower_priority"),
            _flag(columns, "exceptional_needs"),
            new_intake & first_time,
            first_time,
            _flag(columns, "srs_approved"),
        ],
        ["", "lowered", "exceptional_needs", "nonlocal_new_intake", "first_time", "special_readmission"],
        "readmission",
    ).astype(object)


def exclusion_reasons(columns: Columns) -> np.ndarray:
    """Why an eligible applicant is kept out of ranking; '' when not excluded."""
    return np.where(np.equal(_text(columns, "disciplinary", "none"), "disqualify"), DISQUALIFIED, "").astype(object)


def assess(frame: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Track, ineligibility reason, freshman flag, tier and exclusion reason of every applicant."""
    track = tracks(frame, policy)
    return pd.DataFrame(
        {
            "track": track,
            "ineligible_reason": ineligible_reasons(frame, policy),
            "freshman": freshmen(frame, policy),
            "tier": tiers(frame, policy, track),
            "excluded_reason": np.where(np.equal(track, "ineligible"), "", exclusion_reasons(frame)).astype(object),
        },
        index=frame.index,
    )
