"""A plain, per-row Python implementation of the PSM rules: the benchmark's baseline.

What it is
    The same rules as the engine (eligibility -> track -> freshman -> each PSM part -> profile
    -> total), written a second time, straight from ``shared/spec/policy.md``, as one ordinary
    Python loop over the applicants: ``itertuples()``, ``if`` statements, dictionary look-ups
    for the office bearers and achievements grouped by applicant, and a simple loop over each
    part's bands. Every number (bands, category points, settings, the parts of each profile,
    which parts non-local students get in full and freshmen do not get) is read from the
    loaded :class:`~psm.policy.Policy`, exactly as the engine does; only the rules are here.

Why it exists
    1. It is the baseline of the benchmark's ratio: "scoring 100,000 applicants in under 2 s
       on one core, printed with its ratio against a plain per-row Python loop of the same
       rules". The ratio says what the vectorised engine buys over the obvious code.
    2. It is an independent cross-check of the engine: it calls nothing from
       ``psm.scoring``, ``psm.eligibility`` or ``psm.travel.resolve_travel`` (only the
       district table's ``minutes_by_district`` dictionary), so two separate readings of the
       policy must agree on every applicant's points.

It is not part of the engine and is not meant to be fast.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections import defaultdict

import pandas as pd

from psm.domain import PARTS
from psm.policy import Policy

__all__ = ["plain_scores", "POINT_COLUMNS", "PART_NAMES"]

#: The PSM parts, in the order of the engine's ``*_points`` columns (the contract's vocabulary).
PART_NAMES = PARTS
POINT_COLUMNS = tuple(f"{part}_points" for part in PART_NAMES)


def _missing(value) -> bool:
    """True for an empty cell: None or NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _band(bands, value) -> int:
    """Points of the half-open band ``value`` falls in; a value on a boundary takes the higher band."""
    points = 0
    for band in bands:  # ascending by at_least, the first one at 0
        if value >= band.at_least:
            points = band.points
        else:
            break
    return points


def _window(policy: Policy) -> tuple[dt.date, dt.date]:
    """Award dates that count: ``window_years`` before the reference date up to it, both included."""
    end = policy.settings.reference_date
    year = end.year - policy.parts.achievement.window_years
    if end.month == 2 and end.day == 29 and not calendar.isleap(year):
        return dt.date(year, 2, 28), end  # no 29 February that year
    return dt.date(year, end.month, end.day), end


def _outside(row, policy: Policy) -> tuple[bool, bool]:
    """Section A: (outside the eligible groups, not full-time). Research students need a
    full-time research mode and a normal study period that has not ended before the residential
    year starts; others UGC funding and a full-time mode."""
    rules = policy.eligibility
    if row.student_type == "research":
        end = getattr(row, "normal_period_end", None)
        ended = isinstance(end, (str, dt.date)) and str(end).strip() != "" and \
            dt.date.fromisoformat(str(end)[:10]) < policy.settings.residential_year_start
        return ended, row.study_mode not in rules.research_study_mode
    return row.funding not in rules.funding, row.study_mode not in rules.study_mode


def _track(row, policy: Policy) -> str:
    """Section 2: referred, ineligible, exchange, research, first_time or readmission."""
    settings = policy.settings
    outside, not_full_time = _outside(row, policy)
    if outside and not not_full_time and getattr(row, "exceptional_needs", False) in (True, 1):
        return "referred"  # section A: a full-time student outside the groups with exceptional needs
    if outside or not_full_time:
        return "ineligible"
    if row.student_type == "exchange":
        return "exchange"
    if row.student_type == "research":
        return "research"
    if row.student_type == "local":
        if row.prior_hall_semesters < settings.semester_boundary:
            return "first_time"
        return "readmission"
    # non-local: the new intake (admitted in the intake year) is first-time whatever its year of study (B.2.a)
    if row.admission_year == settings.intake_year:
        return "first_time"
    if row.admission_year >= settings.nonlocal_cohort_boundary:
        first_years = settings.nonlocal_first_time_years_from_boundary
    else:
        first_years = settings.nonlocal_first_time_years_before_boundary
    if row.year_of_study <= first_years:
        return "first_time"
    return "readmission"


def _is_freshman(row, policy: Policy) -> bool:
    """Admitted in the exercise's intake year, whatever the year of study (section C)."""
    return row.admission_year == policy.settings.intake_year


def plain_scores(
    applications: pd.DataFrame,
    office_bearers: pd.DataFrame,
    achievements: pd.DataFrame,
    policy: Policy,
    minutes_by_district: dict[str, float],
    round_name: str = "regular",
) -> pd.DataFrame:
    """Every applicant's points, one row each in input order.

    Columns: ``applicant_id``, ``track``, the nine ``*_points`` and ``total_points``; a part that
    does not count in the applicant's profile is None, and so is every point of an exchange,
    research or ineligible applicant. ``minutes_by_district`` is the district table
    (``DistrictTable.load().minutes_by_district``); a local applicant's HAC-verified
    ``travel_minutes`` takes precedence over it.

    Inputs are the validated frames of ``psm.io.read_cohort``. A missing value that a part
    needs (possible only where validation does not require it) scores 0 for that part.
    """
    parts = policy.parts

    # 3a. Highest post per applicant.
    best_post: dict[str, int] = {}
    for row in office_bearers.itertuples(index=False):
        points = parts.leadership.points.get(row.post_level, 0)
        if points > best_post.get(row.applicant_id, 0):
            best_post[row.applicant_id] = points

    # 3b. Verified prizes in the window, summed per applicant (capped below).
    start, end = _window(policy)
    prize_sum: defaultdict[str, int] = defaultdict(int)
    for row in achievements.itertuples(index=False):
        if row.verified and start <= row.award_date <= end:
            prize_sum[row.applicant_id] += parts.achievement.points_per_prize.get(row.level, 0)

    profile_parts = {name: set(profile.parts) for name, profile in policy.profiles.items()}
    profile_of_track = {
        "first_time": policy.rounds[round_name].first_time,
        "readmission": policy.rounds[round_name].readmission,
    }
    full_marks = set(policy.rules.nonlocal_full_marks)
    not_for_freshmen = set(policy.rules.freshman_not_applicable)

    out = []
    for row in applications.itertuples(index=False):
        track = _track(row, policy)
        record = {"applicant_id": row.applicant_id, "track": track}
        profile = profile_of_track.get(track)
        if profile is None:  # exchange, research, ineligible: not PSM-scored
            for column in POINT_COLUMNS:
                record[column] = None
            record["total_points"] = None
            out.append(record)
            continue

        # 1. Living district: the HAC override first, else the district table.
        if not _missing(row.travel_minutes):
            minutes = row.travel_minutes
        else:
            minutes = minutes_by_district.get(row.district)
        district = 0 if _missing(minutes) else _band(parts.district.bands, minutes)

        # 2a. Housing type; 2b. floor area per person.
        housing = parts.housing_type.points.get(row.housing_type, 0)
        if _missing(row.home_floor_area_sqm) or _missing(row.household_size):
            floor = 0
        else:
            floor = _band(parts.floor_area.bands, row.home_floor_area_sqm / row.household_size)

        # 3a-3e.
        leadership = best_post.get(row.applicant_id, 0)
        achievement = min(prize_sum.get(row.applicant_id, 0), parts.achievement.max)
        llc = parts.llc.points.get(row.llc_role, 0)
        volunteer = _band(parts.volunteer.bands, row.volunteer_hours)
        pairing = _band(parts.pairing.bands, row.paired_days)

        # 4. Academic performance.
        academic = 0 if _missing(row.gpa) else _band(parts.academic.bands, row.gpa)

        points = {
            "district": district,
            "housing_type": housing,
            "floor_area": floor,
            "leadership": leadership,
            "achievement": achievement,
            "llc": llc,
            "volunteer": volunteer,
            "pairing": pairing,
            "academic": academic,
        }
        # Non-local: the maximum of parts 1 and 2, whatever they report.
        if row.student_type == "non_local":
            for part in full_marks:
                points[part] = getattr(parts, part).max
        # Freshmen: 3a, 3c and 3e are not applicable.
        if _is_freshman(row, policy):
            for part in not_for_freshmen:
                points[part] = 0

        total = 0
        for part in PART_NAMES:
            if part in profile_parts[profile]:
                record[f"{part}_points"] = points[part]
                total += points[part]
            else:
                record[f"{part}_points"] = None
        record["total_points"] = total
        out.append(record)

    return pd.DataFrame(out, columns=["applicant_id", "track", *POINT_COLUMNS, "total_points"])
