"""A seeded generator of a realistic, entirely synthetic hall-admission cohort.

``generate_cohort`` draws the three input files of the contract (``applications.csv``,
``office_bearers.csv``, ``achievements.csv``; see ``shared/spec/io-contract.md``) for ``n``
made-up applicants, and ``write_cohort`` writes them as a records-system spreadsheet export
would: every cell a string, empty for "not given". No row describes a real person: ids,
addresses, estates, societies and every number are drawn at random.

Every row is valid under the contract, but the cohort deliberately holds the cases an
engine must get right: self-financed and part-time applicants (ineligible), disciplinary
decisions, floor areas per person and travel minutes exactly on band boundaries, prior
hall residence of exactly one semester and of half a semester, volunteer hours of exactly
50, paired days of exactly 140, achievements dated exactly two years before the reference
date, one-sided roommate requests next to mutual pairs, and a few freshmen with
office-bearer posts (which must score nothing). It also exercises the later columns and
readings: non-local senior-year entrants admitted in the intake year (the new intake, section
B.2.a), ``prior_uma_semesters`` above the hall semesters of some non-locals (B.2.b),
research students' ``normal_period_end`` (a few before the residential year starts: section A),
self-financed full-time applicants with exceptional needs (referred, section A),
``rscrc_approved`` CURI members on the readmission track (section E) and a few scheme flags
that cannot apply (for review), scholarships and awards beside competition prizes (section C
3b), and home addresses naming an area of the travel table in English or Chinese, or none.
These are drawn from a second generator seeded from ``seed`` after the first one's draws, so
the columns the first draws are as they were.

Who is a freshman, which track each applicant is on and who is eligible are decided by the
engine's own rules (:mod:`psm.eligibility`, policy sections A, C and 2) under the bundled policy
with the generator's intake year: freshmen hold no hall LLC role and rarely an office-bearer post,
every applicant whose record puts them on the readmission track has a GPA, and only eligible
undergraduates ask for a roommate. The halls they list are :data:`synthetic.halls.HALLS`.

Randomness comes only from ``numpy.random.Generator(numpy.random.PCG64(seed))``, passed
explicitly to every helper; the same seed and numpy version give byte-identical files.

Shares used (all approximate, rounded, and only meant to look plausible):

- Districts: 2021 Population Census, population by District Council district
  (Census and Statistics Department, "2021 Population Census: Main Tables"), in thousands.
- Housing type: 2021 Population Census, domestic households by type of housing: public
  rental plus subsidised sale flats about 46%, private permanent housing about 52%,
  temporary/improvised housing about 1.5%, the remainder (boat dwellers, squatters)
  about 0.5%.
- Household size: skewed to 3-5 people, as households with a university student are
  larger than the census mean of about 2.7.
- Student mix, year of study, hall history, GPA (mean 3.0, sd 0.45), office-bearer posts
  and achievements: this project's own guesses for a PolyU-sized undergraduate cohort.

``psm sample --n 6000 --seed 2025 --out data/sample`` writes the bundled sample.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from psm.domain import (
    ACHIEVEMENT_KINDS,
    ACHIEVEMENT_LEVELS,
    DISTRICTS,
    HOUSING_TYPES,
    POST_LEVELS,
    PRIZES,
    STUDENT_TYPES,
)
from psm.eligibility import freshmen, tracks
from psm.policy import Policy, load_policy
from synthetic.halls import HALL_NAMES, HALLS

__all__ = [
    "ACHIEVEMENT_COLUMNS",
    "APPLICATION_COLUMNS",
    "MAX_APPLICANTS",
    "OFFICE_BEARER_COLUMNS",
    "SyntheticCohort",
    "generate_cohort",
    "write_cohort",
]

APPLICATION_COLUMNS: tuple[str, ...] = (
    "applicant_id",
    "gender",
    "student_type",
    "funding",
    "study_mode",
    "admission_year",
    "year_of_study",
    "prior_hall_semesters",
    "prior_uma_semesters",
    "normal_period_end",
    "district",
    "home_address",
    "travel_minutes",
    "housing_type",
    "home_floor_area_sqm",
    "household_size",
    "llc_role",
    "volunteer_hours",
    "paired_days",
    "gpa",
    "disciplinary",
    "exceptional_needs",
    "srs_approved",
    "rscrc_approved",
    "accessibility_needs",
    "roommate_request",
    "hall_preferences",
    "room_type_preference",
    "college",
)
OFFICE_BEARER_COLUMNS: tuple[str, ...] = ("applicant_id", "body", "post_level")
ACHIEVEMENT_COLUMNS: tuple[str, ...] = (
    "applicant_id",
    "kind",
    "level",
    "prize",
    "award_date",
    "verified",
)

#: Largest cohort: the six digits after the year prefix are drawn without replacement.
MAX_APPLICANTS = 1_000_000

# --- shares ---------------------------------------------------------------------------

_STUDENT_TYPE_SHARES = {"local": 0.72, "non_local": 0.18, "exchange": 0.06, "research": 0.04}
_FEMALE_SHARE = 0.55
_SELF_FINANCED_SHARE = 0.016  # of non-exchange rows, about 1.5% of all rows
_PART_TIME_SHARE = 0.005

#: 2021 Population Census, population by district in thousands (approximate).
_DISTRICT_POPULATION_2021: dict[str, float] = {
    "Central and Western": 236,
    "Wan Chai": 167,
    "Eastern": 530,
    "Southern": 263,
    "Yau Tsim Mong": 311,
    "Sham Shui Po": 431,
    "Kowloon City": 411,
    "Wong Tai Sin": 407,
    "Kwun Tong": 673,
    "Kwai Tsing": 496,
    "Tsuen Wan": 320,
    "Tuen Mun": 507,
    "Yuen Long": 668,
    "North": 310,
    "Tai Po": 317,
    "Sha Tin": 693,
    "Sai Kung": 489,
    "Islands": 185,
}
_NONLOCAL_WITH_DISTRICT_SHARE = 0.05

_HOUSING_SHARES = {
    "boat_squatter": 0.005,
    "improvised": 0.015,
    "public": 0.46,
    "private_other": 0.52,
}
_HOUSEHOLD_SIZE_SHARES = {1: 0.01, 2: 0.08, 3: 0.28, 4: 0.33, 5: 0.18, 6: 0.08, 7: 0.03, 8: 0.01}
#: Floor area per person (m2) on which the default policy bands start.
_FLOOR_AREA_BOUNDARIES = (5.0, 7.0, 10.0, 15.0, 20.0)
_FLOOR_AREA_ON_BOUNDARY_SHARE = 0.06
_TRAVEL_OVERRIDE_SHARE = 0.03
_TRAVEL_BOUNDARIES = (15.0, 25.0, 35.0, 45.0, 55.0, 65.0, 75.0)

#: Year of study of local and non-local applicants; year 1 = freshmen.
_YEAR_OF_STUDY_SHARES = {1: 0.35, 2: 0.25, 3: 0.20, 4: 0.15, 5: 0.035, 6: 0.015}
_RESEARCH_YEAR_SHARES = {1: 0.35, 2: 0.30, 3: 0.25, 4: 0.10}
_DELAYED_SHARE = 0.04  # non-freshmen admitted a year earlier than their year suggests

_FRESHMAN_PRIOR_SEMESTERS = {0.0: 0.96, 0.5: 0.04}
_LOCAL_PRIOR_SEMESTERS = {
    0.0: 0.35, 0.5: 0.05, 1.0: 0.12, 1.5: 0.02, 2.0: 0.20, 3.0: 0.07, 4.0: 0.13, 6.0: 0.06,
}
_NONLOCAL_PRIOR_SEMESTERS = {0.0: 0.10, 0.5: 0.03, 1.0: 0.10, 2.0: 0.40, 4.0: 0.25, 6.0: 0.12}
_RESEARCH_PRIOR_SEMESTERS = {0.0: 0.70, 2.0: 0.20, 4.0: 0.10}

_LLC_SHARES = {"none": 0.84, "member": 0.12, "coordinator": 0.04}
_DISCIPLINARY_SHARES = {"none": 0.987, "lower_priority": 0.01, "disqualify": 0.003}
_EXCEPTIONAL_SHARE = 0.015
_SRS_SHARE_OF_READMISSION = 0.03
_ACCESSIBILITY_SHARE = 0.01
_GPA_MEAN, _GPA_SD, _GPA_MIN, _GPA_MAX = 3.0, 0.45, 1.5, 4.3
_GPA_OTHER_SHARE = 0.5

_MUTUAL_PAIR_SHARE = 0.08
_ONE_SIDED_SHARE = 0.02
_COLLEGE_SHARES = {"": 0.93, "CURI": 0.04, "STARS": 0.03}  # "": none; each college is a hall's ``college``
_ROOM_TYPE_SHARES = {"any": 0.50, "": 0.30, "double": 0.15, "triple": 0.05}
_PREFERENCE_COUNT_SHARES = {0: 0.15, 1: 0.15, 2: 0.20, 3: 0.20, 4: 0.30}

_OFFICE_BEARER_SHARE = 0.15
_FRESHMAN_OFFICE_BEARER_SHARE = 0.02
_POSTS_PER_HOLDER = {1: 0.70, 2: 0.22, 3: 0.08}
_POST_LEVEL_SHARES = {"chair": 0.10, "vice_chair": 0.15, "exco": 0.35, "representative": 0.40}
_ACHIEVER_SHARE = 0.12
_ACHIEVEMENTS_PER_ACHIEVER = {1: 0.55, 2: 0.25, 3: 0.12, 4: 0.08}
_ACHIEVEMENT_LEVEL_SHARES = {"international": 0.10, "regional": 0.35, "polyu": 0.55}
_PRIZE_SHARES = {1: 0.30, 2: 0.33, 3: 0.37}
_VERIFIED_SHARE = 0.85
_ACHIEVEMENT_WINDOW_DAYS = 4 * 365
_ON_TWO_YEAR_BOUNDARY_SHARE = 0.06

# The later columns (drawn from the second generator):
_SENIOR_ENTRANT_SHARE = 0.08  # of non-local non-freshmen: admitted in the intake year into year 2 or 3
_SENIOR_ENTRANT_YEARS = {2: 0.3, 3: 0.7}
_OFF_CAMPUS_SEMESTERS = {0.0: 0.55, 1.0: 0.20, 2.0: 0.20, 4.0: 0.05}  # UMA beyond the halls, non-locals
_UMA_BLANK_SHARE = 0.3  # of non-locals with no off-campus stay: the cell left empty (= hall semesters)
_BEYOND_PERIOD_SHARE = 0.05  # research students whose normal period ends before the residential year
_REFERRED_SHARE = 0.3  # of self-financed full-time undergraduates: exceptional needs (referred)
_RSCRC_SHARE_OF_MEMBERS = 0.4  # of CURI members on the readmission track
_FLAGS_FOR_REVIEW = 6  # SRS on the first-time track, RSCRC off it or without membership: listed for review
_ACHIEVEMENT_KIND_SHARES = {"competition": 0.65, "scholarship": 0.20, "award": 0.15}
_AREA_ADDRESS_SHARE = 0.5  # of homes in a district the area table refines: the address names an area
_CHINESE_ADDRESS_SHARE = 0.3  # of those: the address in Chinese
_UNREADABLE_ADDRESS_SHARE = 0.05  # of those: a misspelt area name (the table cannot read it)

_SOCIETIES = (
    "Engineering Society",
    "Business Students' Association",
    "Design Society",
    "Nursing Society",
    "Computing Society",
    "Hotel and Tourism Society",
    "Applied Biology Society",
    "Debating Society",
    "Photographic Society",
    "Dragon Boat Club",
    "Chinese Orchestra",
    "Mountaineering Club",
    "Student Union Council",
    "Hall Association",
    "Volunteer Service Team",
    "Badminton Club",
    "Drama Society",
    "Rehabilitation Sciences Society",
    "Fashion and Textiles Society",
    "Surveying Society",
)
_ESTATE_WORDS = (
    "Jade", "Lotus", "Harmony", "Bayview", "Cedar", "Golden", "Silver", "Maple", "Orchid",
    "Pine", "Crescent", "Sunrise", "Willow", "Azure", "Pearl", "Coral", "Laurel", "Summit",
)
_ESTATE_SUFFIXES = {
    "public": ("Estate", "Court", "House"),
    "private_other": ("Garden", "Villa", "Terrace", "Heights", "Mansion", "Place"),
    "improvised": ("Village",),
    "boat_squatter": ("Typhoon Shelter", "Squatter Area"),
}


@dataclass(frozen=True)
class SyntheticCohort:
    """The three input files of one synthetic cohort, every cell in its CSV form."""

    applications: pd.DataFrame
    office_bearers: pd.DataFrame
    achievements: pd.DataFrame


# --- small drawing helpers --------------------------------------------------------------


def _choice(rng: np.random.Generator, shares: dict, size: int) -> np.ndarray:
    """Draw ``size`` keys of ``shares`` with probabilities proportional to its values."""
    keys = list(shares)
    weights = np.array([shares[k] for k in keys], dtype=float)
    picks = rng.choice(len(keys), size=size, p=weights / weights.sum())
    return np.asarray(keys, dtype=object if isinstance(keys[0], str) else None)[picks]


def _bernoulli(rng: np.random.Generator, p: float, size: int) -> np.ndarray:
    """Draw ``size`` independent booleans, each true with probability ``p``."""
    return rng.random(size) < p


def _compact(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Format numbers with at most one decimal, dropping ``.0`` (``0``, ``0.5``, ``62.5``)."""
    out = np.full(len(values), "", dtype=object)
    out[present] = [f"{v:.1f}".removesuffix(".0") for v in np.round(values[present], 1)]
    return out


def _fixed(values: np.ndarray, decimals: int, present: np.ndarray) -> np.ndarray:
    """Format numbers with exactly ``decimals`` decimals; empty where not ``present``."""
    out = np.full(len(values), "", dtype=object)
    out[present] = [f"{v:.{decimals}f}" for v in values[present]]
    return out


def _integers(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Format integers; empty where not ``present``."""
    out = np.full(len(values), "", dtype=object)
    out[present] = [str(int(v)) for v in values[present]]
    return out


def _booleans(values: np.ndarray) -> np.ndarray:
    """Format booleans as ``true`` / ``false``."""
    return np.where(values, "true", "false").astype(object)


def _blank_some(rng: np.random.Generator, codes: np.ndarray, code: str, p: float) -> np.ndarray:
    """Write ``code`` (a default value) as an empty cell with probability ``p``."""
    out = codes.copy()
    out[(codes == code) & _bernoulli(rng, p, len(codes))] = ""
    return out


# --- who the applicants are -------------------------------------------------------------


def _draw_student_types(rng: np.random.Generator, n: int) -> np.ndarray:
    """Student type of each applicant."""
    assert tuple(_STUDENT_TYPE_SHARES) == STUDENT_TYPES
    return _choice(rng, _STUDENT_TYPE_SHARES, n)


def _draw_genders(rng: np.random.Generator, n: int) -> np.ndarray:
    """Gender of each applicant, about 55% F."""
    return np.where(_bernoulli(rng, _FEMALE_SHARE, n), "F", "M").astype(object)


def _draw_funding(rng: np.random.Generator, types: np.ndarray) -> np.ndarray:
    """Funding; a few non-exchange applicants are self-financed (ineligible)."""
    self_financed = _bernoulli(rng, _SELF_FINANCED_SHARE, len(types)) & (types != "exchange")
    return np.where(self_financed, "self_financed", "ugc").astype(object)


def _draw_study_mode(rng: np.random.Generator, n: int) -> np.ndarray:
    """Study mode; about 0.5% part-time (ineligible)."""
    return np.where(_bernoulli(rng, _PART_TIME_SHARE, n), "part_time", "full_time").astype(object)


def _draw_years(
    rng: np.random.Generator, types: np.ndarray, intake_year: int
) -> tuple[np.ndarray, np.ndarray]:
    """Admission year and year of study of each applicant.

    Undergraduates mostly have ``year_of_study = intake_year - admission_year + 1``; a few
    non-freshmen were admitted a year earlier (a repeated or deferred year). Exchange
    students are in their first (and only) year at PolyU.
    """
    n = len(types)
    year = np.ones(n, dtype=np.int64)
    undergrad = (types == "local") | (types == "non_local")
    research = types == "research"
    year[undergrad] = _choice(rng, _YEAR_OF_STUDY_SHARES, int(undergrad.sum()))
    year[research] = _choice(rng, _RESEARCH_YEAR_SHARES, int(research.sum()))
    admission = intake_year - year + 1
    delayed = undergrad & (year >= 2) & _bernoulli(rng, _DELAYED_SHARE, n)
    admission[delayed] -= 1
    return np.maximum(admission, intake_year - 6), year


def _draw_prior_semesters(
    rng: np.random.Generator, types: np.ndarray, year: np.ndarray, freshman: np.ndarray
) -> np.ndarray:
    """Semesters of earlier hall residence, capped by the semesters the applicant has had."""
    n = len(types)
    prior = np.zeros(n)
    groups = (
        (freshman, _FRESHMAN_PRIOR_SEMESTERS),
        ((types == "local") & ~freshman, _LOCAL_PRIOR_SEMESTERS),
        ((types == "non_local") & ~freshman, _NONLOCAL_PRIOR_SEMESTERS),
        ((types == "research") & (year >= 2), _RESEARCH_PRIOR_SEMESTERS),
    )
    for mask, shares in groups:
        prior[mask] = _choice(rng, shares, int(mask.sum()))
    cap = np.maximum(2.0 * (year - 1), 0.5)
    return np.minimum(prior, cap)


def _draw_applicant_ids(rng: np.random.Generator, admission: np.ndarray) -> np.ndarray:
    """Unique student numbers: two-digit admission year, six unique digits, a letter."""
    n = len(admission)
    serials = rng.choice(MAX_APPLICANTS, size=n, replace=False)
    letters = rng.integers(0, 26, size=n)
    return np.array(
        [f"{a % 100:02d}{s:06d}{chr(65 + c)}" for a, s, c in zip(admission, serials, letters)],
        dtype=object,
    )


# --- home -------------------------------------------------------------------------------


def _draw_districts(rng: np.random.Generator, types: np.ndarray) -> np.ndarray:
    """District: every local, and a few non-locals renting in Hong Kong."""
    n = len(types)
    assert set(_DISTRICT_POPULATION_2021) == set(DISTRICTS)
    has = (types == "local") | (
        (types == "non_local") & _bernoulli(rng, _NONLOCAL_WITH_DISTRICT_SHARE, n)
    )
    out = np.full(n, "", dtype=object)
    out[has] = _choice(rng, _DISTRICT_POPULATION_2021, int(has.sum()))
    return out


def _draw_housing(
    rng: np.random.Generator, local: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Housing type, household size and floor area (m2, one decimal) of local homes.

    Area grows with household size and depends on the housing type; a share of homes is
    put exactly on a per-person band boundary (e.g. 15.0 m2 for 3 people = 5.0 m2/person).
    Non-local rows get NaN and an empty type.
    """
    n = len(local)
    m = int(local.sum())
    assert set(_HOUSING_SHARES) == set(HOUSING_TYPES)
    kinds = _choice(rng, _HOUSING_SHARES, m)
    size = _choice(rng, _HOUSEHOLD_SIZE_SHARES, m).astype(np.int64)
    noise = rng.normal(0.0, 1.0, m)
    area = np.select(
        [kinds == "public", kinds == "private_other", kinds == "improvised"],
        [
            18.0 + 7.0 * size + 6.0 * noise,
            (30.0 + 8.0 * size) * np.exp(0.35 * noise),
            8.0 + 3.0 * size + 4.0 * noise,
        ],
        default=6.0 + 2.5 * size + 3.0 * noise,
    )
    area = np.clip(np.round(area, 1), 5.0, 200.0)
    area = _put_on_boundaries(rng, area, size)
    housing_type = np.full(n, "", dtype=object)
    housing_type[local] = kinds
    full_size = np.zeros(n, dtype=np.int64)
    full_size[local] = size
    full_area = np.full(n, np.nan)
    full_area[local] = area
    return housing_type, full_area, full_size


def _put_on_boundaries(rng: np.random.Generator, area: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Move a share of homes to household size x the band boundary nearest their own m2/person."""
    on = _bernoulli(rng, _FLOOR_AREA_ON_BOUNDARY_SHARE, len(area))
    boundaries = np.asarray(_FLOOR_AREA_BOUNDARIES)
    nearest = np.abs((area / size)[:, None] - boundaries[None, :]).argmin(axis=1)
    return np.where(on, size * boundaries[nearest], area)


def _draw_addresses(
    rng: np.random.Generator, districts: np.ndarray, housing_type: np.ndarray
) -> np.ndarray:
    """Made-up home addresses (with commas) for rows that have a district."""
    n = len(districts)
    words = rng.integers(0, len(_ESTATE_WORDS), size=n)
    suffix = rng.integers(0, 6, size=n)
    block = rng.integers(1, 12, size=n)
    floor = rng.integers(1, 41, size=n)
    flat = rng.integers(0, 8, size=n)
    out = np.full(n, "", dtype=object)
    for i in np.flatnonzero(districts != ""):
        kind = housing_type[i] or "private_other"
        suffixes = _ESTATE_SUFFIXES[kind]
        estate = f"{_ESTATE_WORDS[words[i]]} {suffixes[suffix[i] % len(suffixes)]}"
        if kind in ("improvised", "boat_squatter"):
            out[i] = f"Hut {floor[i]}, {estate}, {districts[i]}"
        else:
            unit = f"Flat {floor[i]}{'ABCDEFGH'[flat[i]]}"
            out[i] = f"{unit}, {floor[i]}/F, Block {block[i]}, {estate}, {districts[i]}"
    return out


def _draw_travel_minutes(rng: np.random.Generator, local: np.ndarray) -> np.ndarray:
    """HAC-verified one-way minutes for a few locals (5-120, halves; some on band edges)."""
    n = len(local)
    has = local & _bernoulli(rng, _TRAVEL_OVERRIDE_SHARE, n)
    minutes = np.round(rng.uniform(5.0, 120.0, n) * 2.0) / 2.0
    on_edge = _bernoulli(rng, 0.3, n)
    edges = np.asarray(_TRAVEL_BOUNDARIES)[rng.integers(0, len(_TRAVEL_BOUNDARIES), n)]
    minutes = np.where(on_edge, edges, minutes)
    return _compact(minutes, has)


# --- campus life and record -------------------------------------------------------------


def _draw_llc_roles(
    rng: np.random.Generator, undergrad: np.ndarray, freshman: np.ndarray
) -> np.ndarray:
    """Hall LLC role: returning undergraduates mostly none; freshmen mostly empty."""
    n = len(undergrad)
    roles = _choice(rng, _LLC_SHARES, n)
    roles[freshman] = np.where(_bernoulli(rng, 0.2, n)[freshman], "none", "")
    roles[~undergrad] = ""
    return _blank_some(rng, roles, "none", 0.4)


def _draw_volunteer_hours(rng: np.random.Generator, undergrad: np.ndarray) -> np.ndarray:
    """Volunteer hours in the last 12 months: many empty or 0, a spread to 200, some 50."""
    n = len(undergrad)
    kind = rng.random(n)
    hours = np.minimum(np.round(rng.gamma(2.0, 25.0, n) * 2.0) / 2.0, 200.0)
    hours = np.where(kind < 0.25, 0.0, hours)
    hours = np.where((kind >= 0.25) & (kind < 0.29), 50.0, hours)
    present = undergrad & (kind < 0.60)
    return _compact(hours, present)


def _draw_paired_days(rng: np.random.Generator, prior: np.ndarray) -> np.ndarray:
    """Days with a local/non-local roommate last year; only former residents have any."""
    n = len(prior)
    resident = prior >= 1.0
    kind = rng.random(n)
    days = rng.integers(1, 367, size=n)
    days = np.where(kind < 0.10, 140, days)
    days = np.where(kind >= 0.35, 0, days)
    days[~resident] = 0
    present = (resident & (kind < 0.65)) | (~resident & (kind < 0.30))
    return _integers(days, present)


def _draw_gpa(
    rng: np.random.Generator, undergrad: np.ndarray, readmission: np.ndarray
) -> np.ndarray:
    """GPA (two decimals): always on the readmission track, half the other undergraduates."""
    n = len(undergrad)
    gpa = np.clip(np.round(rng.normal(_GPA_MEAN, _GPA_SD, n), 2), _GPA_MIN, _GPA_MAX)
    present = readmission | (undergrad & _bernoulli(rng, _GPA_OTHER_SHARE, n))
    return _fixed(gpa, 2, present)


def _draw_disciplinary(rng: np.random.Generator, undergrad: np.ndarray) -> np.ndarray:
    """Disciplinary decision: mostly none (often left empty), a few lower or disqualify."""
    codes = _choice(rng, _DISCIPLINARY_SHARES, len(undergrad))
    codes[~undergrad] = ""
    return _blank_some(rng, codes, "none", 0.4)


def _draw_flags(
    rng: np.random.Generator, undergrad: np.ndarray, readmission: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """exceptional_needs, srs_approved and accessibility_needs as ``true`` / ``false``."""
    n = len(undergrad)
    exceptional = undergrad & _bernoulli(rng, _EXCEPTIONAL_SHARE, n)
    srs = readmission & _bernoulli(rng, _SRS_SHARE_OF_READMISSION, n)
    accessibility = _bernoulli(rng, _ACCESSIBILITY_SHARE, n)
    return _booleans(exceptional), _booleans(srs), _booleans(accessibility)


def _draw_roommate_requests(
    rng: np.random.Generator, ids: np.ndarray, genders: np.ndarray, candidate: np.ndarray
) -> np.ndarray:
    """Mutual same-gender pairs among candidates, plus one-sided requests.

    Per gender, candidates are shuffled: the first ones pair off (each names the other),
    the next ones name someone of the same gender who does not request them back (possibly
    a member of a mutual pair, so the request can never become mutual).
    """
    out = np.full(len(ids), "", dtype=object)
    for gender in ("F", "M"):
        pool = rng.permutation(np.flatnonzero(candidate & (genders == gender)))
        pairs = 2 * round(len(pool) * _MUTUAL_PAIR_SHARE / 2)
        first, second = pool[0:pairs:2], pool[1:pairs:2]
        out[first], out[second] = ids[second], ids[first]
        askers = pool[pairs : pairs + round(len(pool) * _ONE_SIDED_SHARE)]
        targets = np.setdiff1d(np.flatnonzero(candidate & (genders == gender)), askers)
        if len(askers) and len(targets):
            out[askers] = ids[targets[rng.integers(0, len(targets), size=len(askers))]]
    return out


def _draw_colleges(rng: np.random.Generator, undergrad: np.ndarray) -> np.ndarray:
    """Residential college membership of a few undergraduates."""
    colleges = _choice(rng, _COLLEGE_SHARES, len(undergrad))
    colleges[~undergrad] = ""
    return colleges


def _draw_hall_preferences(
    rng: np.random.Generator, types: np.ndarray, genders: np.ndarray, colleges: np.ndarray
) -> np.ndarray:
    """0-4 distinct halls of :data:`HALLS` in order, weighted by popularity (Gumbel top-k).

    Only women list female-only halls and only research students research-only halls;
    research students put their research hall first, college members their college's hall.
    """
    n = len(types)
    weights = np.asarray([hall.popularity for hall in HALLS])
    keys = np.log(weights) - np.log(-np.log(rng.random((n, len(HALLS)))))
    for column, hall in enumerate(HALLS):
        if hall.female_only:
            keys[genders != "F", column] = -np.inf
        if hall.research_only:
            keys[:, column] = np.where(types == "research", np.inf, -np.inf)
        if hall.college:
            keys[colleges == hall.college, column] = np.inf
    order = np.argsort(-keys, axis=1, kind="stable")[:, :4]
    counts = _choice(rng, _PREFERENCE_COUNT_SHARES, n).astype(np.int64)
    names = np.asarray(HALL_NAMES, dtype=object)
    return np.array(
        [";".join(names[row[:k]]) for row, k in zip(order, counts)], dtype=object
    )


# --- companion files ------------------------------------------------------------------------


def _repeat_holders(
    rng: np.random.Generator, holders: np.ndarray, per_holder: dict[int, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices repeated by a drawn count each, and each repeat's position (0, 1, ...)."""
    counts = _choice(rng, per_holder, len(holders)).astype(np.int64)
    rows = np.repeat(holders, counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return rows, np.arange(len(rows)) - starts


def _draw_office_bearers(
    rng: np.random.Generator, ids: np.ndarray, undergrad: np.ndarray, freshman: np.ndarray
) -> pd.DataFrame:
    """Posts in student bodies: ~15% of returning undergraduates, 1-3 distinct bodies each."""
    n = len(ids)
    share = np.where(freshman, _FRESHMAN_OFFICE_BEARER_SHARE, _OFFICE_BEARER_SHARE)
    holders = np.flatnonzero(undergrad & (rng.random(n) < share))
    rows, position = _repeat_holders(rng, holders, _POSTS_PER_HOLDER)
    m = len(rows)
    first_body = rng.integers(0, len(_SOCIETIES), size=n)[rows]
    step = rng.integers(1, len(_SOCIETIES) // 2, size=n)[rows]
    bodies = np.asarray(_SOCIETIES, dtype=object)[(first_body + position * step) % len(_SOCIETIES)]
    assert tuple(_POST_LEVEL_SHARES) == POST_LEVELS
    frame = pd.DataFrame(
        {
            "applicant_id": ids[rows],
            "body": bodies,
            "post_level": _choice(rng, _POST_LEVEL_SHARES, m),
        },
        columns=list(OFFICE_BEARER_COLUMNS),
    )
    return _sort_by_id(frame)


def _two_years_before(reference_date: date) -> date:
    """The same calendar day two years earlier (29 February becomes 28 February)."""
    try:
        return reference_date.replace(year=reference_date.year - 2)
    except ValueError:
        return reference_date.replace(year=reference_date.year - 2, day=28)


def _draw_award_dates(rng: np.random.Generator, m: int, reference_date: date) -> np.ndarray:
    """Award dates within four years before the reference date; some exactly two years."""
    offsets = rng.integers(0, _ACHIEVEMENT_WINDOW_DAYS + 1, size=m)
    boundary = (reference_date - _two_years_before(reference_date)).days
    offsets = np.where(_bernoulli(rng, _ON_TWO_YEAR_BOUNDARY_SHARE, m), boundary, offsets)
    dates = np.datetime64(reference_date, "D") - offsets.astype("timedelta64[D]")
    return np.datetime_as_string(dates, unit="D").astype(object)


def _draw_achievements(
    rng: np.random.Generator, ids: np.ndarray, undergrad: np.ndarray, reference_date: date
) -> pd.DataFrame:
    """Achievements of ~12% of undergraduates, 1-4 each, mostly verified."""
    holders = np.flatnonzero(undergrad & _bernoulli(rng, _ACHIEVER_SHARE, len(ids)))
    rows, _ = _repeat_holders(rng, holders, _ACHIEVEMENTS_PER_ACHIEVER)
    m = len(rows)
    assert tuple(_ACHIEVEMENT_LEVEL_SHARES) == ACHIEVEMENT_LEVELS
    assert tuple(_PRIZE_SHARES) == PRIZES
    frame = pd.DataFrame(
        {
            "applicant_id": ids[rows],
            "kind": "competition",
            "level": _choice(rng, _ACHIEVEMENT_LEVEL_SHARES, m),
            "prize": _integers(_choice(rng, _PRIZE_SHARES, m), np.ones(m, dtype=bool)),
            "award_date": _draw_award_dates(rng, m, reference_date),
            "verified": _booleans(_bernoulli(rng, _VERIFIED_SHARE, m)),
        },
        columns=list(ACHIEVEMENT_COLUMNS),
    )
    return _sort_by_id(frame)


def _draw_achievement_kinds(extra: np.random.Generator, achievements: pd.DataFrame) -> pd.DataFrame:
    """Scholarships and awards (no prize) beside competition prizes (section C 3b); a third of the
    competitions leave ``kind`` empty (a competition, as files before the column)."""
    m = len(achievements)
    assert set(_ACHIEVEMENT_KIND_SHARES) == set(ACHIEVEMENT_KINDS)
    kinds = _choice(extra, _ACHIEVEMENT_KIND_SHARES, m) if m else np.array([], dtype=object)
    competition = kinds == "competition"
    return achievements.assign(kind=_blank_some(extra, kinds, "competition", 0.3),
                               prize=np.where(competition, achievements["prize"], "").astype(object))


# --- the later columns (second generator) -----------------------------------------------------


def _draw_senior_entrants(
    extra: np.random.Generator, types: np.ndarray, admission: np.ndarray, year: np.ndarray,
    prior: np.ndarray, intake_year: int,
) -> np.ndarray:
    """Non-local senior-year entrants: admitted in the intake year into year 2 or 3, no hall
    history (section B.2.a's new intake). Changes ``admission``, ``year`` and ``prior`` in place."""
    n = len(types)
    entrant = (types == "non_local") & (year >= 2) & _bernoulli(extra, _SENIOR_ENTRANT_SHARE, n)
    year[entrant] = _choice(extra, _SENIOR_ENTRANT_YEARS, n)[entrant]
    admission[entrant] = intake_year
    prior[entrant] = 0.0
    return entrant


def _draw_uma_semesters(extra: np.random.Generator, types: np.ndarray, prior: np.ndarray,
                        freshman: np.ndarray) -> np.ndarray:
    """Non-locals' semesters in University-managed accommodation: the hall semesters plus some
    off-campus housing (section B.2); often left empty where there is none (= hall semesters)."""
    n = len(types)
    nonlocal_returning = (types == "non_local") & ~freshman
    off_campus = _choice(extra, _OFF_CAMPUS_SEMESTERS, n)
    blank = (off_campus == 0) & _bernoulli(extra, _UMA_BLANK_SHARE, n)
    return _compact(prior + off_campus, nonlocal_returning & ~blank)


def _draw_normal_period_ends(extra: np.random.Generator, types: np.ndarray, residential_start: date) -> np.ndarray:
    """Research students' last day of the normal study period: mostly in the next four years,
    a few before the residential year starts (beyond the normal study period, section A)."""
    n = len(types)
    research = types == "research"
    ahead = extra.integers(30, 4 * 365, size=n)
    behind = extra.integers(1, 365, size=n)
    beyond = _bernoulli(extra, _BEYOND_PERIOD_SHARE, n)
    offsets = np.where(beyond, -behind, ahead)
    dates = np.datetime64(residential_start, "D") + offsets.astype("timedelta64[D]")
    out = np.full(n, "", dtype=object)
    out[research] = np.datetime_as_string(dates, unit="D").astype(object)[research]
    return out


def _draw_referrals(extra: np.random.Generator, undergrad: np.ndarray, funding: np.ndarray, study_mode: np.ndarray,
                    exceptional: np.ndarray) -> np.ndarray:
    """exceptional_needs of some self-financed full-time undergraduates: referred (section A)."""
    referred = undergrad & (funding == "self_financed") & (study_mode == "full_time")
    referred &= _bernoulli(extra, _REFERRED_SHARE, len(undergrad))
    return np.where(referred, "true", exceptional).astype(object)


def _draw_scheme_flags(extra: np.random.Generator, track: np.ndarray, colleges: np.ndarray,
                       srs: np.ndarray, rscrc_college: str | None) -> tuple[np.ndarray, np.ndarray]:
    """``rscrc_approved`` for some CURI members on the readmission track (section E), and a few
    flags that cannot apply (SRS or RSCRC on the first-time track, RSCRC of a non-member), which
    the engine lists for review. Returns (srs_approved, rscrc_approved) as text."""
    n = len(track)
    rscrc = (track == "readmission") & (colleges == rscrc_college) & _bernoulli(extra, _RSCRC_SHARE_OF_MEMBERS, n)
    srs = srs == "true"
    for mask, flags in (((track == "first_time"), srs), ((track == "first_time"), rscrc),
                        ((track == "readmission") & (colleges != rscrc_college), rscrc)):
        candidates = np.flatnonzero(mask & ~flags)
        if len(candidates):
            flags[extra.choice(candidates, size=min(_FLAGS_FOR_REVIEW // 3, len(candidates)), replace=False)] = True
    return _booleans(srs), _booleans(rscrc)


def _draw_area_addresses(extra: np.random.Generator, districts: np.ndarray, addresses: np.ndarray) -> np.ndarray:
    """Half the homes in a district the area table refines name an area (part 1's finer figure):
    in English, in Chinese, or misspelt (the table cannot read it, and says so)."""
    from psm.travel import AreaTable

    areas = AreaTable.load()
    out = addresses.copy()
    n = len(districts)
    named = _bernoulli(extra, _AREA_ADDRESS_SHARE, n)
    chinese = _bernoulli(extra, _CHINESE_ADDRESS_SHARE, n)
    misspelt = _bernoulli(extra, _UNREADABLE_ADDRESS_SHARE, n)
    pick = extra.integers(0, 1 << 30, size=n)
    number = extra.integers(1, 200, size=n)
    for i in np.flatnonzero(named & (districts != "")):
        known = [row for row in areas.areas if row[0] == districts[i]]
        if not known:
            continue
        _, area, names, _ = known[pick[i] % len(known)]
        english = [name for name in names if name.isascii()]
        zh = [name for name in names if not name.isascii()]
        if chinese[i] and zh:
            out[i] = f"{zh[pick[i] % len(zh)]}{number[i]}號"
        elif misspelt[i]:
            out[i] = f"{number[i]} {english[0][:-1]}h Road, {districts[i]}"
        else:
            out[i] = f"{number[i]} Main Street, {english[pick[i] % len(english)]}, {districts[i]}"
    return out


def _sort_by_id(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in applicant_id order (stable), with a fresh 0..n-1 index."""
    return frame.sort_values("applicant_id", kind="stable").reset_index(drop=True)


# --- the cohort -------------------------------------------------------------------------


def _policy_for(intake_year: int) -> Policy:
    """The bundled policy, with ``intake_year`` as the year freshmen are admitted (section C)."""
    policy = load_policy()
    settings = policy.settings.model_copy(update={"intake_year": intake_year})
    return policy.model_copy(update={"settings": settings})


def _tracks_by_record(record: Mapping[str, np.ndarray], policy: Policy) -> np.ndarray:
    """Each applicant's track (section 2) from their study record alone, as if section A were met.

    The records system holds a GPA for everyone whose record puts them on the readmission track,
    whether or not their funding and study mode make them eligible for a hall.
    """
    rules = policy.eligibility
    return tracks({**record, "funding": rules.funding[0], "study_mode": rules.study_mode[0]}, policy)


def generate_cohort(
    n: int = 6000,
    seed: int = 2025,
    intake_year: int = 2025,
    reference_date: datetime.date = date(2025, 6, 30),
) -> SyntheticCohort:
    """Draw a synthetic cohort of ``n`` applicants from ``seed``.

    ``intake_year`` is the first year of the residential year applied for (freshmen were
    admitted then); ``reference_date`` is the application deadline that achievement dates
    are counted back from. Every cell is a string in its CSV form. Freshmen, tracks and
    eligibility follow :mod:`psm.eligibility` under the bundled policy with this intake year.
    """
    if not 0 <= n <= MAX_APPLICANTS:
        raise ValueError(f"n must be between 0 and {MAX_APPLICANTS}, got {n}")
    rng = np.random.Generator(np.random.PCG64(seed))
    policy = _policy_for(intake_year)

    types = _draw_student_types(rng, n)
    genders = _draw_genders(rng, n)
    funding = _draw_funding(rng, types)
    study_mode = _draw_study_mode(rng, n)
    admission, year = _draw_years(rng, types, intake_year)
    undergrad = (types == "local") | (types == "non_local")
    local = types == "local"
    freshman = undergrad & freshmen({"admission_year": admission, "year_of_study": year}, policy)
    prior = _draw_prior_semesters(rng, types, year, freshman)
    # The second generator: the later columns, without moving the first generator's draws.
    extra = np.random.Generator(np.random.PCG64([seed, 2]))
    _draw_senior_entrants(extra, types, admission, year, prior, intake_year)
    freshman = undergrad & freshmen({"admission_year": admission, "year_of_study": year}, policy)
    ids = _draw_applicant_ids(rng, admission)

    districts = _draw_districts(rng, types)
    housing_type, area, household = _draw_housing(rng, local)
    addresses = _draw_addresses(rng, districts, housing_type)
    travel = _draw_travel_minutes(rng, local)

    record = {"student_type": types, "funding": funding, "study_mode": study_mode,
              "admission_year": admission, "year_of_study": year, "prior_hall_semesters": prior}
    readmission = _tracks_by_record(record, policy) == "readmission"
    eligible_undergrad = np.isin(tracks(record, policy), ("first_time", "readmission"))
    exceptional, srs, accessibility = _draw_flags(rng, undergrad, readmission)
    colleges = _draw_colleges(rng, undergrad)
    srs, rscrc = _draw_scheme_flags(extra, tracks(record, policy), colleges, srs, policy.settings.rscrc_college)

    applications = pd.DataFrame(
        {
            "applicant_id": ids,
            "gender": genders,
            "student_type": types,
            "funding": funding,
            "study_mode": study_mode,
            "admission_year": _integers(admission, np.ones(n, dtype=bool)),
            "year_of_study": _integers(year, np.ones(n, dtype=bool)),
            "prior_hall_semesters": _compact(prior, np.ones(n, dtype=bool)),
            "prior_uma_semesters": _draw_uma_semesters(extra, types, prior, freshman),
            "normal_period_end": _draw_normal_period_ends(extra, types, policy.settings.residential_year_start),
            "district": districts,
            "home_address": _draw_area_addresses(extra, districts, addresses),
            "travel_minutes": travel,
            "housing_type": housing_type,
            "home_floor_area_sqm": _fixed(area, 1, local),
            "household_size": _integers(household, local),
            "llc_role": _draw_llc_roles(rng, undergrad, freshman),
            "volunteer_hours": _draw_volunteer_hours(rng, undergrad),
            "paired_days": _draw_paired_days(rng, np.where(undergrad, prior, 0.0)),
            "gpa": _draw_gpa(rng, undergrad, readmission),
            "disciplinary": _draw_disciplinary(rng, undergrad),
            "exceptional_needs": _draw_referrals(extra, undergrad, funding, study_mode, exceptional),
            "srs_approved": srs,
            "rscrc_approved": rscrc,
            "accessibility_needs": accessibility,
            "roommate_request": _draw_roommate_requests(rng, ids, genders, eligible_undergrad),
            "hall_preferences": _draw_hall_preferences(rng, types, genders, colleges),
            "room_type_preference": _choice(rng, _ROOM_TYPE_SHARES, n),
            "college": colleges,
        },
        columns=list(APPLICATION_COLUMNS),
    )
    return SyntheticCohort(
        applications=_sort_by_id(applications),
        office_bearers=_draw_office_bearers(rng, ids, undergrad, freshman),
        achievements=_draw_achievement_kinds(extra, _draw_achievements(rng, ids, undergrad, reference_date)),
    )


def write_cohort(cohort: SyntheticCohort, out_dir: Path) -> list[Path]:
    """Write the cohort's three CSV files into ``out_dir`` (created if missing).

    UTF-8 without BOM, ``\\n`` line endings, a header row, no index, contract column order,
    minimal quoting. Returns the paths written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = (
        ("applications.csv", cohort.applications, APPLICATION_COLUMNS),
        ("office_bearers.csv", cohort.office_bearers, OFFICE_BEARER_COLUMNS),
        ("achievements.csv", cohort.achievements, ACHIEVEMENT_COLUMNS),
    )
    written = []
    for name, frame, columns in files:
        path = out_dir / name
        frame.to_csv(
            path, columns=list(columns), index=False, encoding="utf-8", lineterminator="\n"
        )
        written.append(path)
    return written
