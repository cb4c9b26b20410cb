"""The Point Scoring Mechanism (policy sections 3 and 4), vectorised over a cohort.

One implementation serves the 10,000-row batch and the one-row appeal: :func:`score_applicant`
is :func:`score_frames` on a one-row frame. Every part's points are emitted, so an applicant's
score card is their row. The rules, with the numbers taken from the policy file:

1. Living district: the band of the travel minutes (override, else the provider), in the
   policy's measure (``[travel] measure``: one way, or the round trip to and from PolyU).
2a. Housing type and 2b. floor area per person (home floor area / household size), by band.
    Non-local applicants get the maximum of parts 1 and 2 whatever they report.
3a. Leadership: the highest post held only. 3b. Achievements: verified competition prizes,
    scholarships and awards (points per kind and level) awarded within the window (two years up
    to the reference date, both ends included), summed, capped.
3c. LLC role. 3d. Volunteer hours band. 3e. Paired days band. Parts 3a, 3c and 3e give no
    points to freshmen (admitted in the intake year: not applicable), even when data is present.
4. Academic performance: the GPA band (readmission profile only).

The profile (which parts count) follows the applicant's track and the round (regular or
summer). Parts outside the profile are left empty, as are all points of exchange, research,
ineligible and referred applicants (not PSM-scored). ``review_note`` names a scheme flag that
cannot apply to the applicant (:func:`psm.eligibility.review_notes`), for the HAC to review.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from psm import domain
from psm.eligibility import assess
from psm.errors import PsmError
from psm.policy import Policy
from psm.travel import TravelProvider, TravelTimes, for_measure, resolve_travel

__all__ = ["SCORE_COLUMNS", "score_frames", "score_applicant", "achievement_window"]

POINT_COLUMNS = tuple(f"{part}_points" for part in domain.PARTS)
SCORE_COLUMNS = (
    "applicant_id",
    "track",
    *POINT_COLUMNS,
    "total_points",
    "ineligible_reason",
    "profile",
    "travel_minutes",
    "travel_source",
    "travel_note",
    "review_note",
    "policy_version",
    "policy_sha256",
)


def achievement_window(policy: Policy) -> tuple[dt.date, dt.date]:
    """First and last award dates that count: ``window_years`` back from the reference date."""
    end = policy.settings.reference_date
    years = policy.parts.achievement.window_years
    try:
        start = end.replace(year=end.year - years)
    except ValueError:  # 29 February with no leap day in the earlier year
        start = end.replace(year=end.year - years, day=28)
    return start, end


def score_frames(
    applications: pd.DataFrame,
    office_bearers: pd.DataFrame,
    achievements: pd.DataFrame,
    policy: Policy,
    travel: TravelTimes | TravelProvider,
    round_name: str = "regular",
) -> pd.DataFrame:
    """The score card of every applicant: one row each, in input order, columns ``SCORE_COLUMNS``."""
    apps = applications.reset_index(drop=True)
    status = assess(apps, policy)
    if not isinstance(travel, TravelTimes):  # look up scored applicants only: no address of an ineligible one leaves
        travel = resolve_travel(apps, for_measure(travel, policy.travel),
                                needed=status["track"].isin(domain.SCORED_TRACKS).to_numpy())
    _require_home_data(apps, status["track"].to_numpy(), travel)
    raw = _raw_points(apps, office_bearers, achievements, policy, travel, status["freshman"].to_numpy())

    profile_of_track = policy.round(round_name).model_dump()
    profile = status["track"].map(profile_of_track).fillna("").to_numpy(dtype=object)
    scores = pd.DataFrame({"applicant_id": apps["applicant_id"], "track": status["track"]})
    total = np.zeros(len(apps), dtype=np.int64)
    for part in domain.PARTS:
        counts = np.isin(profile, [name for name, p in policy.profiles.items() if part in p.parts])
        scores[f"{part}_points"] = _blank_unless(counts, raw[part])
        total += np.where(counts, raw[part], 0)
    scores["total_points"] = _blank_unless(profile != "", total)
    scores["ineligible_reason"] = status["ineligible_reason"]
    scores["profile"] = profile
    local = (apps["student_type"] == "local").to_numpy() & status["track"].isin(domain.SCORED_TRACKS).to_numpy()
    scores["travel_minutes"] = np.where(local, travel.minutes, np.nan)
    scores["travel_source"] = np.where(local, travel.source, "").astype(object)
    scores["travel_note"] = np.where(local, travel.note, "").astype(object)
    scores["review_note"] = status["review_note"]
    scores["policy_version"] = policy.version
    scores["policy_sha256"] = policy.sha256
    return scores[list(SCORE_COLUMNS)]


def score_applicant(
    application: dict | pd.Series,
    office_bearers: pd.DataFrame,
    achievements: pd.DataFrame,
    policy: Policy,
    travel: TravelTimes | TravelProvider,
    round_name: str = "regular",
) -> pd.Series:
    """One applicant's score card, computed by exactly the batch code on a one-row frame."""
    frame = pd.DataFrame([dict(application)])
    applicant_id = frame.at[0, "applicant_id"]
    mine = lambda table: table[table["applicant_id"] == applicant_id]  # noqa: E731
    return score_frames(frame, mine(office_bearers), mine(achievements), policy, travel, round_name).iloc[0]


def _raw_points(
    apps: pd.DataFrame,
    office_bearers: pd.DataFrame,
    achievements: pd.DataFrame,
    policy: Policy,
    travel: TravelTimes,
    freshman: np.ndarray,
) -> dict[str, np.ndarray]:
    """Each part's points for every applicant, before the profile decides which parts count."""
    parts = policy.parts
    n = len(apps)
    minutes = np.nan_to_num(travel.minutes, nan=0.0)
    area = apps["home_floor_area_sqm"].to_numpy(dtype=float, na_value=np.nan)
    household = apps["household_size"].to_numpy(dtype=float, na_value=np.nan)
    per_person = np.nan_to_num(area / household, nan=0.0)
    raw = {
        "district": parts.district.points_for(minutes),
        "housing_type": _category(apps["housing_type"], parts.housing_type.points),
        "floor_area": parts.floor_area.points_for(per_person),
        "leadership": _best_post(apps, office_bearers, parts.leadership.points),
        "achievement": _achievements(apps, achievements, policy),
        "llc": _category(apps["llc_role"], parts.llc.points),
        "volunteer": parts.volunteer.points_for(apps["volunteer_hours"].to_numpy(dtype=float)),
        "pairing": parts.pairing.points_for(apps["paired_days"].to_numpy(dtype=float)),
        "academic": parts.academic.points_for(
            apps["gpa"].to_numpy(dtype=float, na_value=np.nan).clip(min=0) if n else np.zeros(0)
        ),
    }
    non_local = (apps["student_type"] == "non_local").to_numpy()
    for part in policy.rules.nonlocal_full_marks:
        raw[part] = np.where(non_local, policy.part(part).max, raw[part])
    for part in policy.rules.freshman_not_applicable:
        raw[part] = np.where(freshman, 0, raw[part])
    return {part: np.asarray(points, dtype=np.int64) for part, points in raw.items()}


def _require_home_data(apps: pd.DataFrame, track: np.ndarray, travel: TravelTimes) -> None:
    """Scored local applicants must have minutes and home data; never score a gap as a band."""
    scored_local = (apps["student_type"] == "local").to_numpy() & np.isin(track, ["first_time", "readmission"])
    gaps = np.isnan(travel.minutes) | apps[["housing_type", "home_floor_area_sqm", "household_size"]].isna().any(
        axis=1
    ).to_numpy()
    missing = apps.loc[scored_local & gaps, "applicant_id"].tolist()
    if missing:
        raise PsmError(
            f"{len(missing)} local applicant(s) lack travel minutes or home data needed for parts 1-2 "
            f"(first: {missing[:5]}); give district, housing_type, home_floor_area_sqm and household_size"
        )


def _blank_unless(counts: np.ndarray, points: np.ndarray) -> pd.Series:
    """Whole-number points where the part counts, empty (NA) where it does not."""
    return pd.Series(points, dtype="Int64").mask(~counts)


def _category(codes: pd.Series, points: dict[str, int]) -> np.ndarray:
    return codes.map(points).fillna(0).to_numpy(dtype=np.int64)


def _best_post(apps: pd.DataFrame, office_bearers: pd.DataFrame, points: dict[str, int]) -> np.ndarray:
    """Only the post with the highest points counts (section C.3a)."""
    if office_bearers.empty:
        return np.zeros(len(apps), dtype=np.int64)
    best = office_bearers["post_level"].map(points).groupby(office_bearers["applicant_id"]).max()
    return apps["applicant_id"].map(best).fillna(0).to_numpy(dtype=np.int64)


def _achievements(apps: pd.DataFrame, achievements: pd.DataFrame, policy: Policy) -> np.ndarray:
    """Verified competition prizes, scholarships and awards in the window, each paid by its kind
    and level, summed and capped (section C.3b). A row without a kind is a competition prize."""
    part = policy.parts.achievement
    if achievements.empty:
        return np.zeros(len(apps), dtype=np.int64)
    start, end = achievement_window(policy)
    dates = achievements["award_date"]
    counted = achievements["verified"].astype(bool) & (dates >= start) & (dates <= end)
    kind = achievements["kind"].fillna("competition") if "kind" in achievements else "competition"
    kind = pd.Series(kind, index=achievements.index)
    points = {(k, level): p for k in domain.ACHIEVEMENT_KINDS for level, p in part.points_of(k).items()}
    keys = pd.MultiIndex.from_arrays([kind[counted], achievements.loc[counted, "level"]])
    per_item = pd.Series(pd.Series(points).reindex(keys).to_numpy(dtype=np.int64), index=achievements.index[counted])
    summed = per_item.groupby(achievements.loc[counted, "applicant_id"]).sum()
    return np.minimum(apps["applicant_id"].map(summed).fillna(0).to_numpy(dtype=np.int64), part.max)
