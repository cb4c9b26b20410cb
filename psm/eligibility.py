"""Eligibility, tracks and priority tiers (policy sections 1, 2 and 5).

Each rule is written once, over array-likes: pass DataFrame columns for a cohort, or a dict of
plain values for one applicant (you get 0-d arrays back). The rules:

- Eligible (section A): student type research needs a research study mode (full-time) and a
  normal study period not over when the residential year starts (``normal_period_end`` before
  the policy's ``residential_year_start``: "beyond the normal study period"; not checked where
  the date is not given); everyone else needs an eligible funding (UGC) and study mode
  (full-time). Otherwise the reason is given.
- Referred (section A, "other full-time students with exceptional needs for accommodation, the
  University will attend to them and make special and appropriate arrangement"): a full-time
  applicant outside the eligible groups whose ``exceptional_needs`` is true is not ineligible
  but ``referred``: not scored, not ranked, listed for the University's special arrangement.
- Track (section 2): exchange and research students keep their own track (not PSM-scored). A
  local applicant with fewer prior hall semesters than the boundary (1.0) is ``first_time``,
  else ``readmission``. A non-local applicant admitted in the intake year is the new intake,
  ``first_time`` whatever their year of study (B.2.a: "top priority ... to the new intake of
  students for their first year of study", their first year at PolyU: senior-year entrants
  too); otherwise ``first_time`` in years of study 1-2 if admitted before the cohort boundary
  (2023), in year 1 if admitted from it (B.2.c, B.2.d); else ``readmission``.
- Freshman: admitted in the exercise's intake year, whatever the year of study (section C, "*
  not applicable to freshmen applicants": new to PolyU, so no hall or campus record yet).
- Tier (section 5), for the first_time and readmission tracks: ``disqualify`` removes the
  applicant from ranking; ``lower_priority`` puts them last (``lowered``); then HAC-approved
  exceptional needs; the non-local new intake (exactly the new intake); other first-time;
  special readmission (section E: approved under the Special Readmission Scheme, or under the
  Readmission Scheme for CURI Residential College and a member of the policy's
  ``rscrc_college``); readmission. The order of tiers is policy data.
- Review (section 5): a scheme flag that cannot apply to the applicant (``srs_approved`` or
  ``rscrc_approved`` off the readmission track, ``rscrc_approved`` without membership of the
  college) changes nothing and is named in ``review_note``, never dropped without a word.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from psm.policy import Policy

__all__ = [
    "ineligible_reasons",
    "tracks",
    "new_intake",
    "freshmen",
    "tiers",
    "review_notes",
    "exclusion_reasons",
    "assess",
    "DISQUALIFIED",
    "REFERRED",
]

Columns = Mapping[str, Any]
"""A DataFrame, or a dict of one applicant's values."""

DISQUALIFIED = "disqualified by a HAC disciplinary decision (section D)"
REFERRED = ("referred to the University for a special arrangement (section A: other full-time students "
            "with exceptional needs for accommodation)")


def _text(columns: Columns, name: str, default: str = "") -> np.ndarray:
    return np.asarray(columns[name] if name in columns else default, dtype=object)


def _number(columns: Columns, name: str, dtype: type = float) -> np.ndarray:
    return np.asarray(columns[name], dtype=dtype)


def _flag(columns: Columns, name: str) -> np.ndarray:
    return np.asarray(columns[name] if name in columns else False, dtype=bool)


def _date_before(columns: Columns, name: str, limit: dt.date | None) -> np.ndarray:
    """Whether each ``name`` date (absent, empty: not given) falls before ``limit`` (None: never)."""
    shape = np.shape(_text(columns, "student_type"))
    if limit is None or name not in columns:
        return np.zeros(shape, dtype=bool)
    values = np.atleast_1d(np.asarray(columns[name], dtype=object))
    before_of = {value: (day := _as_date(value)) is not None and day < limit for value in dict.fromkeys(values)}
    return np.asarray([before_of[value] for value in values], dtype=bool).reshape(shape)


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip():
        return dt.date.fromisoformat(value.strip())
    return None


def _ineligible(columns: Columns, policy: Policy) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks: (funding not eligible, study mode not eligible, research beyond the normal period), per section A."""
    rules = policy.eligibility
    research = np.equal(_text(columns, "student_type"), "research")
    mode = _text(columns, "study_mode")
    bad_funding = ~research & ~np.isin(_text(columns, "funding"), rules.funding)
    bad_mode = np.where(research, ~np.isin(mode, rules.research_study_mode), ~np.isin(mode, rules.study_mode))
    beyond_period = research & _date_before(columns, "normal_period_end", policy.settings.residential_year_start)
    return bad_funding, bad_mode, beyond_period


def _referred(columns: Columns, policy: Policy) -> np.ndarray:
    """Full-time (the study mode section A asks for) but outside the eligible groups, with exceptional needs."""
    bad_funding, bad_mode, beyond_period = _ineligible(columns, policy)
    return (bad_funding | beyond_period) & ~bad_mode & _flag(columns, "exceptional_needs")


def ineligible_reasons(columns: Columns, policy: Policy) -> np.ndarray:
    """Why each applicant is outside section A's eligible groups; '' when eligible.

    A referred applicant (see the module rules) keeps the reason: why they are outside the groups.
    """
    shape = np.shape(_text(columns, "funding"))  # () for one applicant given as plain values
    bad_funding, bad_mode, beyond_period = np.atleast_1d(*_ineligible(columns, policy))
    funding, mode = np.atleast_1d(_text(columns, "funding"), _text(columns, "study_mode"))
    eligible_funding = "/".join(policy.eligibility.funding)
    start = policy.settings.residential_year_start
    reasons = np.full(bad_funding.shape, "", dtype=object)
    for i in np.flatnonzero(bad_funding | bad_mode | beyond_period):  # text only for the few who fail
        parts = []
        if bad_funding[i]:
            parts.append(f"funding {funding[i]} is not eligible (section A: {eligible_funding} only)")
        if bad_mode[i]:
            parts.append(f"study mode {mode[i]} is not eligible (section A: full-time students only)")
        if beyond_period[i]:
            parts.append(f"beyond the normal study period: it ends before the residential year starts on {start} "
                         "(section A: research students within normal study period)")
        reasons[i] = "; ".join(parts)
    return reasons.reshape(shape)


def tracks(columns: Columns, policy: Policy) -> np.ndarray:
    """The track of each applicant (section 2); ``ineligible`` where section A fails, ``referred``
    for a full-time applicant outside the eligible groups with exceptional needs."""
    settings = policy.settings
    student_type = _text(columns, "student_type")
    year = _number(columns, "year_of_study", int)
    bad_funding, bad_mode, beyond_period = _ineligible(columns, policy)

    new_scheme = _number(columns, "admission_year", int) >= settings.nonlocal_cohort_boundary
    nonlocal_first_years = np.where(
        new_scheme,
        settings.nonlocal_first_time_years_from_boundary,
        settings.nonlocal_first_time_years_before_boundary,
    )
    first_time = np.where(
        np.equal(student_type, "local"),
        _number(columns, "prior_hall_semesters") < settings.semester_boundary,
        new_intake(columns, policy) | (year <= nonlocal_first_years),
    )
    referred = _referred(columns, policy)
    return np.select(
        [referred, bad_funding | bad_mode | beyond_period, np.equal(student_type, "exchange"),
         np.equal(student_type, "research"), first_time],
        ["referred", "ineligible", "exchange", "research", "first_time"],
        "readmission",
    ).astype(object)


def new_intake(columns: Columns, policy: Policy) -> np.ndarray:
    """Non-local and admitted in the intake year: the new intake of B.2.a, whatever the year of study."""
    return np.equal(_text(columns, "student_type"), "non_local") & (
        _number(columns, "admission_year", int) == policy.settings.intake_year
    )


def freshmen(columns: Columns, policy: Policy) -> np.ndarray:
    """Admitted in the intake year, whatever the year of study: 3a, 3c and 3e do not apply (section C)."""
    return _number(columns, "admission_year", int) == policy.settings.intake_year


def _rscrc_member(columns: Columns, policy: Policy) -> np.ndarray:
    """Whether each applicant is a member of the college of the RSCRC (section E)."""
    college = policy.settings.rscrc_college
    return np.equal(_text(columns, "college", ""), college) if college else np.zeros(
        np.shape(_text(columns, "student_type")), dtype=bool)


def tiers(columns: Columns, policy: Policy, track: np.ndarray | None = None) -> np.ndarray:
    """The priority tier of each ranked applicant (section 5); '' for those not ranked by tier."""
    track = tracks(columns, policy) if track is None else np.asarray(track)
    disciplinary = _text(columns, "disciplinary", "none")
    first_time = np.equal(track, "first_time")
    readmission = np.equal(track, "readmission")
    special = readmission & (
        _flag(columns, "srs_approved") | (_flag(columns, "rscrc_approved") & _rscrc_member(columns, policy))
    )
    return np.select(
        [
            ~(first_time | readmission) | np.equal(disciplinary, "disqualify"),
            np.equal(disciplinary, "lower_priority"),
            _flag(columns, "exceptional_needs"),
            new_intake(columns, policy) & first_time,
            first_time,
            special,
        ],
        ["", "lowered", "exceptional_needs", "nonlocal_new_intake", "first_time", "special_readmission"],
        "readmission",
    ).astype(object)


def review_notes(columns: Columns, policy: Policy, track: np.ndarray | None = None) -> np.ndarray:
    """Scheme flags that cannot apply to the applicant and so change nothing (section 5); '' for none.

    ``srs_approved`` (section B.4) or ``rscrc_approved`` (section E) on a track other than
    readmission, and ``rscrc_approved`` of a readmission applicant who is not a member of the
    policy's ``rscrc_college``: each is named, for the HAC to review the flag.
    """
    track = tracks(columns, policy) if track is None else np.asarray(track)
    shape = np.shape(track)
    track = np.atleast_1d(track)
    srs, rscrc = np.atleast_1d(_flag(columns, "srs_approved"), _flag(columns, "rscrc_approved"))
    srs, rscrc = np.broadcast_to(srs, track.shape), np.broadcast_to(rscrc, track.shape)
    member = np.broadcast_to(np.atleast_1d(_rscrc_member(columns, policy)), track.shape)
    readmission = np.equal(track, "readmission")
    college = policy.settings.rscrc_college or "(no college set in the policy)"
    notes = np.full(track.shape, "", dtype=object)
    for i in np.flatnonzero((srs | rscrc) & ~readmission | rscrc & readmission & ~member):  # the few flagged
        parts = []
        if srs[i] and not readmission[i]:
            parts.append(f"srs_approved on the {track[i]} track changes nothing: the Special Readmission Scheme "
                         "is a readmission scheme (sections B.4, E); review the flag")
        if rscrc[i] and not readmission[i]:
            parts.append(f"rscrc_approved on the {track[i]} track changes nothing: the Readmission Scheme for "
                         "CURI Residential College is a readmission scheme (section E); review the flag")
        elif rscrc[i]:
            parts.append(f"rscrc_approved changes nothing: the applicant is not a member of {college}, whose "
                         "members the Readmission Scheme for CURI Residential College serves (section E); "
                         "review the flag or the college")
        notes[i] = "; ".join(parts)
    return notes.reshape(shape)


def exclusion_reasons(columns: Columns) -> np.ndarray:
    """Why an eligible applicant is kept out of ranking; '' when not excluded."""
    return np.where(np.equal(_text(columns, "disciplinary", "none"), "disqualify"), DISQUALIFIED, "").astype(object)


def assess(frame: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Track, ineligibility reason, freshman flag, tier, exclusion reason (disqualified or
    referred, with why) and review note of every applicant."""
    track = tracks(frame, policy)
    reason = ineligible_reasons(frame, policy)
    referred = np.equal(track, "referred")
    referral = np.array([f"{REFERRED}: {r}" for r in reason], dtype=object)
    excluded = np.where(referred, referral, exclusion_reasons(frame))
    return pd.DataFrame(
        {
            "track": track,
            "ineligible_reason": reason,
            "freshman": freshmen(frame, policy),
            "tier": tiers(frame, policy, track),
            "excluded_reason": np.where(np.equal(track, "ineligible"), "", excluded).astype(object),
            "review_note": review_notes(frame, policy, track),
        },
        index=frame.index,
    )
