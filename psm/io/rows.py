"""Row models: one frozen pydantic model per input file, per ``shared/spec/io-contract.md``.

Each model checks its cells one by one (type, code, range); ``cross_check`` then applies the
rules that tie cells together (a local applicant needs housing data, a readmission-track
applicant needs a GPA). Messages say what is wrong and how to fix it; the reader adds the file,
row, column and value.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from psm import domain
from psm.eligibility import ineligible_reasons, tracks
from psm.policy import Policy

__all__ = ["ApplicationRow", "OfficeBearerRow", "AchievementRow", "Problem"]

Problem = tuple[str, str]
"""A cross-field problem: (column, message)."""


def _fail(kind: str, message: str) -> PydanticCustomError:
    """A validation error whose message is shown as written (no template expansion)."""
    return PydanticCustomError(kind, "{message}", {"message": message})


_SHOWN_CHARS = 60


def _shown(value: Any) -> str:
    """A cell as quoted in a message: a long one is cut to 60 characters (the reject keeps it whole)."""
    if isinstance(value, str) and len(value) > _SHOWN_CHARS:
        return f"{value[:_SHOWN_CHARS]!r}... ({len(value):,} characters)"
    return repr(value)


def _code(what: str, codes: tuple[str, ...]) -> Callable[[Any], str]:
    """A validator accepting exactly one of ``codes``, suggesting the nearest on a miss."""

    def check(value: Any) -> str:
        if value in codes:
            return value
        close = difflib.get_close_matches(str(value), codes, n=1, cutoff=0.6)
        close += [c for c in codes if c.lower() == str(value).lower()]
        hint = f" (did you mean {close[-1]!r}?)" if close else ""
        shown = ", ".join(repr(c) for c in codes) if len(codes) <= 6 else f"the {len(codes)} {what} names of the contract"
        raise _fail("unknown_code", f"unknown {what} {_shown(value)}{hint}; use one of {shown}")

    return check


def _boolean(value: Any) -> bool:
    """true/false/yes/no/1/0, in any case: the contract's booleans and nothing else."""
    text = str(value).lower()
    if text in {"true", "yes", "1"}:
        return True
    if text in {"false", "no", "0"}:
        return False
    raise _fail("not_boolean", f"{_shown(value)} is not a yes/no value; write true/false, yes/no or 1/0")


def _iso_date(value: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        message = f"{_shown(value)} is not a date; write it as YYYY-MM-DD, e.g. 2024-05-31"
        raise _fail("not_date", message) from None


def _whole_number(value: Any) -> Any:
    """Accept '3' and '3.0' (as spreadsheets write whole numbers), refuse '3.5' and words."""
    number = _number(value)
    if not number.is_integer():
        raise _fail("not_whole_number", f"{_shown(value)} is not a whole number; write digits only, e.g. 3")
    return int(number)


def _number(value: Any) -> Any:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _fail("not_number", f"{_shown(value)} is not a number; write digits, e.g. 12.5") from None
    if not math.isfinite(number):
        raise _fail("not_number", f"{_shown(value)} is not a finite number; write digits, e.g. 12.5")
    return number


def _halls(value: Any) -> tuple[str, ...]:
    names = tuple(name.strip() for name in str(value).split(";"))
    if any(not name for name in names):
        message = f"{_shown(value)} has an empty hall name; separate hall names with single ';'"
        raise _fail("bad_list", message)
    # Counter, not list.count per name: a long cell must not take quadratic time
    repeated = sorted(name for name, count in Counter(names).items() if count > 1)
    if repeated:
        shown = f"{repeated[:5]} and {len(repeated) - 5} more" if len(repeated) > 5 else f"{repeated}"
        raise _fail("bad_list", f"hall(s) {shown} listed more than once; list each hall once, in order")
    return names


StudentId = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{4,20}$")]
WholeNumber = BeforeValidator(_whole_number)
Number = BeforeValidator(_number)
Boolean = Annotated[bool, BeforeValidator(_boolean)]


def Code(what: str, codes: tuple[str, ...]) -> Any:  # noqa: N802 - reads as a type
    return Annotated[str, BeforeValidator(_code(what, codes))]


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def cross_check(self, policy: Policy) -> list[Problem]:
        """Rules that tie cells together; none by default."""
        return []

    @classmethod
    def cross_check_values(cls, values: Mapping[str, Any], policy: Policy) -> list[Problem]:
        """``cross_check`` on a row whose other cells failed: only rules whose inputs are valid."""
        return []


class ApplicationRow(_Row):
    """One row of ``applications.csv``."""

    applicant_id: StudentId
    gender: Code("gender", domain.GENDERS)
    student_type: Code("student type", domain.STUDENT_TYPES)
    funding: Code("funding", domain.FUNDINGS)
    study_mode: Code("study mode", domain.STUDY_MODES)
    admission_year: Annotated[int, WholeNumber, Field(ge=1990, le=2100)]
    year_of_study: Annotated[int, WholeNumber, Field(ge=1, le=6)]
    prior_hall_semesters: Annotated[float, Number, Field(ge=0, le=20)]
    district: Code("district", domain.DISTRICTS) | None = None
    home_address: str | None = None
    travel_minutes: Annotated[float, Number, Field(gt=0, le=600)] | None = None
    housing_type: Code("housing type", domain.HOUSING_TYPES) | None = None
    home_floor_area_sqm: Annotated[float, Number, Field(gt=0, le=10_000)] | None = None
    household_size: Annotated[int, WholeNumber, Field(ge=1, le=50)] | None = None
    llc_role: Code("LLC role", domain.LLC_ROLES) = "none"
    volunteer_hours: Annotated[float, Number, Field(ge=0, le=8784)] = 0.0
    paired_days: Annotated[float, Number, Field(ge=0, le=366)] = 0.0
    gpa: Annotated[float, Number, Field(ge=0, le=4.3)] | None = None
    disciplinary: Code("disciplinary decision", domain.DISCIPLINARY_DECISIONS) = "none"
    exceptional_needs: Boolean = False
    srs_approved: Boolean = False
    accessibility_needs: Boolean = False
    roommate_request: StudentId | None = None
    hall_preferences: Annotated[tuple[str, ...], BeforeValidator(_halls)] = ()
    room_type_preference: Code("room type preference", domain.ROOM_TYPE_PREFERENCES) = "any"
    college: str | None = None

    def cross_check(self, policy: Policy) -> list[Problem]:
        return self.cross_check_values(self.__dict__, policy)

    @classmethod
    def cross_check_values(cls, values: Mapping[str, Any], policy: Policy) -> list[Problem]:
        problems: list[Problem] = []
        year = values.get("admission_year")
        if year is not None and year > policy.settings.intake_year:
            problems.append(
                ("admission_year", f"admitted after the intake year {policy.settings.intake_year}; check the year")
            )
        if values.get("roommate_request") is not None and values.get("roommate_request") == values.get(
            "applicant_id"
        ):
            problems.append(("roommate_request", "an applicant cannot request themselves; leave it empty"))

        decisive = ("student_type", "funding", "study_mode", "admission_year", "year_of_study", "prior_hall_semesters")
        if any(values.get(name) is None for name in decisive) or problems:
            return problems  # eligibility and track cannot be told; the row is rejected anyway
        if ineligible_reasons(values, policy).item():
            return problems  # not scored: reported as ineligible, so nothing more is needed
        if values["student_type"] == "local":
            for column in ("district", "housing_type", "home_floor_area_sqm", "household_size"):
                if values.get(column) is None:
                    problems.append((column, "required for a local applicant, who is scored on it; fill it in"))
        if tracks(values, policy).item() == "readmission" and values.get("gpa") is None:
            problems.append(("gpa", "required on the readmission track (academic performance); fill it in"))
        return problems


class OfficeBearerRow(_Row):
    """One row of ``office_bearers.csv``: a post held in a recognised student body."""

    applicant_id: StudentId
    body: Annotated[str, Field(min_length=1)]
    post_level: Code("post level", domain.POST_LEVELS)


class AchievementRow(_Row):
    """One row of ``achievements.csv``: a 1st-3rd prize claimed by an applicant."""

    applicant_id: StudentId
    level: Code("achievement level", domain.ACHIEVEMENT_LEVELS)
    prize: Annotated[int, WholeNumber, Field(ge=1, le=3)]
    award_date: Annotated[dt.date, BeforeValidator(_iso_date)]
    verified: Boolean
