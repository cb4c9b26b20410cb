"""The vocabulary of the file contract (``shared/spec/io-contract.md``).

These are the codes a cell may hold. They are facts of the contract, not policy numbers:
the points attached to them live in ``config/policy/*.toml``.
"""

from __future__ import annotations

from typing import Final

GENDERS: Final = ("F", "M")
STUDENT_TYPES: Final = ("local", "non_local", "exchange", "research")
FUNDINGS: Final = ("ugc", "self_financed")
STUDY_MODES: Final = ("full_time", "part_time")
HOUSING_TYPES: Final = ("boat_squatter", "improvised", "public", "private_other")
LLC_ROLES: Final = ("none", "member", "coordinator")
DISCIPLINARY_DECISIONS: Final = ("none", "lower_priority", "disqualify")
ROOM_TYPE_PREFERENCES: Final = ("double", "triple", "any")
POST_LEVELS: Final = ("chair", "vice_chair", "exco", "representative")
ACHIEVEMENT_LEVELS: Final = ("international", "regional", "polyu")
#: What an achievement is (section C 3b: "scholarships, open competitions, or ... awards"); only a
#: ``competition`` has a prize (1st-3rd).
ACHIEVEMENT_KINDS: Final = ("competition", "scholarship", "award")
PRIZES: Final = (1, 2, 3)

#: The 18 District Council districts of Hong Kong, as the contract spells them.
DISTRICTS: Final = (
    "Central and Western",
    "Wan Chai",
    "Eastern",
    "Southern",
    "Yau Tsim Mong",
    "Sham Shui Po",
    "Kowloon City",
    "Wong Tai Sin",
    "Kwun Tong",
    "Kwai Tsing",
    "Tsuen Wan",
    "Tuen Mun",
    "Yuen Long",
    "North",
    "Tai Po",
    "Sha Tin",
    "Sai Kung",
    "Islands",
)

#: Tracks an applicant is put on (policy section 2); ``ineligible`` is written for rows
#: that fail section 1, ``referred`` for a full-time applicant outside the eligible groups with
#: exceptional needs (section A's last group: the University's special arrangement).
TRACKS: Final = ("first_time", "readmission", "exchange", "research", "ineligible", "referred")

#: The PSM-scored tracks, in the order a tier holding both ranks them (section D: readmission
#: has "lower priority" than first-time admission); the order used is policy data.
SCORED_TRACKS: Final = ("first_time", "readmission")

#: Priority tiers of the regular round (policy section 5); their order is policy data.
TIERS: Final = (
    "exceptional_needs",
    "nonlocal_new_intake",
    "first_time",
    "special_readmission",
    "readmission",
    "lowered",
)

#: Scored parts of the PSM, by the stem of their ``*_points`` column in ``scores.csv``.
PARTS: Final = (
    "district",
    "housing_type",
    "floor_area",
    "leadership",
    "achievement",
    "llc",
    "volunteer",
    "pairing",
    "academic",
)

#: Pools an applicant competes in (policy sections 1 and 5): undergraduates by tiers and
#: score, inbound exchange and research students by lottery, each with their own beds.
POOLS: Final = ("undergraduate", "exchange", "research")

#: What ranking.csv says of each applicant; allocation decides ``offered`` / ``waitlisted``.
RANKING_STATUSES: Final = ("ranked", "offered", "waitlisted", "ineligible", "disqualified", "referred")

#: Statuses of applicants listed in ranking.csv but never ranked: not eligible (section A),
#: disqualified by the HAC (section D), referred to the University's special arrangement (section A).
UNRANKED_STATUSES: Final = ("ineligible", "disqualified", "referred")

#: Where a local applicant's travel minutes came from (``travel_source`` in scores.csv).
TRAVEL_SOURCES: Final = ("override", "google", "cache", "table")

#: Columns holding personal data beyond the id (io-contract: rejects.csv withholds their values):
#: where a student lives, their household, health needs and disciplinary record. Their values are
#: never written to rejects.csv, appeals.jsonl, logs or reports.
PERSONAL_COLUMNS: Final = ("home_address", "district", "housing_type", "home_floor_area_sqm", "household_size",
                           "disciplinary", "exceptional_needs", "accessibility_needs")
WITHHELD: Final = "(personal data)"
