"""Row models: one frozen pydantic model per input file, per ``shared/spec/io-contract.md``.

Each model checks its cells one by one (type, code, range); the rules that tie cells together
(a local applicant needs housing data, a readmission-track applicant needs a GPA) apply to every
row of a file at once: ``cross_check_valid`` to valid rows given column by column (the reader's
fast path), ``cross_check_rows`` to rows some of whose cells may be invalid, and ``cross_check``
to one row. Messages say what is wrong and how to fix it; the reader adds the file, row, column
and value.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Annotated, Any

import pandas as pd
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from psm import domain
from psm.eligibility import tracks
from psm.policy import Policy

__all__ = ["ApplicationRow", "OfficeBearerRow", "AchievementRow", "Problem", "Checked"]

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
        shown = ", ".join(repr(c) for c in codes)  # every code, the 18 districts too: the fix is in the message
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


_EXCEL_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")
"""A spreadsheet's date as its serial number (days since 1899-12-30): 45321 is 2024-01-29."""


def _iso_date(value: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        message = f"{_shown(value)} is not a date; write it as YYYY-MM-DD, e.g. 2024-05-31"
        if _EXCEL_SERIAL.match(str(value).strip()):
            message = (f"{_shown(value)} is not a date but an Excel date serial number: format the column as text "
                       "or as a date YYYY-MM-DD, e.g. 2024-05-31")
        raise _fail("not_date", message) from None


def _capitals(value: str) -> str:
    """An id in capitals: ids are matched without regard to case in every file (io-contract)."""
    return value.upper()


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
    names = tuple(map(str.strip, str(value).split(";")))
    if "" in names:
        message = f"{_shown(value)} has an empty hall name; separate hall names with single ';'"
        raise _fail("bad_list", message)
    if len(set(names)) < len(names):
        # Counter, not list.count per name: a long cell must not take quadratic time
        repeated = sorted(name for name, count in Counter(names).items() if count > 1)
        shown = f"{repeated[:5]} and {len(repeated) - 5} more" if len(repeated) > 5 else f"{repeated}"
        raise _fail("bad_list", f"hall(s) {shown} listed more than once; list each hall once, in order")
    return names


StudentId = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{4,20}$"), AfterValidator(_capitals)]
"""A student number, read in capitals: ``23012345d`` and ``23012345D`` are one id."""
Date = Annotated[dt.date, BeforeValidator(_iso_date)]
WholeNumber = BeforeValidator(_whole_number)
Number = BeforeValidator(_number)
Boolean = Annotated[bool, BeforeValidator(_boolean)]


def Code(what: str, codes: tuple[str, ...]) -> Any:  # noqa: N802 - reads as a type
    return Annotated[str, BeforeValidator(_code(what, codes))]


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def cross_check(self, policy: Policy) -> list[Problem]:
        """Rules that tie this row's cells together; none by default."""
        return []

    @classmethod
    def cross_check_rows(cls, rows: Sequence[Checked], policy: Policy,
                         columns: Collection[str] | None = None) -> list[list[Problem]]:
        """The problems of each row under the rules that tie cells together, for a whole file at once.

        A row is either valid (the model) or, when some of its cells are not, the mapping of its
        valid cells: only the rules whose inputs are all valid apply to it. By default a valid
        row gets its ``cross_check`` and a row with invalid cells nothing. ``columns`` are the
        file's header: a rule on a column the file leaves out altogether may then not apply
        (an input file written before the column); None: the rules of a row on its own.
        """
        return [row.cross_check(policy) if isinstance(row, _Row) else [] for row in rows]

    @classmethod
    def cross_check_valid(cls, cells: Mapping[str, Sequence[Any]], policy: Policy,
                          columns: Collection[str] | None = None) -> dict[int, list[Problem]]:
        """``cross_check_rows`` of valid rows given column by column (``cells[field][i]`` is row i's
        value, the default where its cell is empty, as the model would hold it): the problems of
        the rows that have any, by position.

        By default each row's ``cross_check``, on a row built without validating again; a model
        without per-row rules builds none.
        """
        if cls.cross_check is _Row.cross_check:
            return {}
        names = list(cells)
        rows = (cls.model_construct(**dict(zip(names, values))) for values in zip(*cells.values()))
        return {at: problems for at, row in enumerate(rows) if (problems := row.cross_check(policy))}


Checked = _Row | Mapping[str, Any]
"""A row as the cross-cell rules see it: validated, or the valid cells of a row that is not."""


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
    prior_uma_semesters: Annotated[float, Number, Field(ge=0, le=20)] | None = None
    normal_period_end: Date | None = None
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
    rscrc_approved: Boolean = False
    accessibility_needs: Boolean = False
    roommate_request: StudentId | None = None
    hall_preferences: Annotated[tuple[str, ...], BeforeValidator(_halls)] = ()
    room_type_preference: Code("room type preference", domain.ROOM_TYPE_PREFERENCES) = "any"
    college: str | None = None

    def cross_check(self, policy: Policy) -> list[Problem]:
        return self.cross_check_rows([self], policy)[0]

    @classmethod
    def cross_check_rows(cls, rows: Sequence[Checked], policy: Policy,
                         columns: Collection[str] | None = None) -> list[list[Problem]]:
        """Per row, in this order: admitted after the intake year; a request for oneself as roommate.

        A row with either problem, or with an invalid cell deciding eligibility or track, gets no
        more (it is rejected anyway), nor does an ineligible or referred one (not scored, section
        A). Otherwise a local applicant needs district and home environment (section C parts
        1-2), an applicant on the readmission track a GPA (section D, academic achievement), and
        a research applicant ``normal_period_end`` (section A, "within normal study period"; only
        when the file has the column: files written before it are read as they were). On any
        row, ``prior_uma_semesters`` below ``prior_hall_semesters`` is refused: the University-
        managed accommodation includes the halls (section B.2).
        """
        found = cls._cross_check_cells(_cells_frame(rows), policy, columns)
        return [found.get(at, []) for at in range(len(rows))]

    @classmethod
    def cross_check_valid(cls, cells: Mapping[str, Sequence[Any]], policy: Policy,
                          columns: Collection[str] | None = None) -> dict[int, list[Problem]]:
        return cls._cross_check_cells(_cells_frame(cells), policy, columns)

    @classmethod
    def _cross_check_cells(cls, cells: pd.DataFrame, policy: Policy,
                           columns: Collection[str] | None) -> dict[int, list[Problem]]:
        """The rules of ``cross_check_rows`` over ``_cells_frame``'s frame: the problems of the rows
        that have any, by position."""
        late = cells["admission_year"] > policy.settings.intake_year
        requested = cells["roommate_request"]
        self_request = requested.notna() & (requested == cells["applicant_id"])
        decided = cells[list(_DECISIVE)].notna().all(axis=1) & ~late & ~self_request
        track = pd.Series("", index=cells.index, dtype=object)
        track[decided] = tracks(cells[decided], policy)  # "ineligible" / "referred" where section A fails
        scored_local = track.isin(["first_time", "readmission"]) & (cells["student_type"] == "local")
        short_stay = cells["prior_uma_semesters"] < cells["prior_hall_semesters"]  # False where either is missing
        needs_period = columns is None or "normal_period_end" in columns
        research_without_period = (track == "research") & cells["normal_period_end"].isna() & needs_period
        rules = [
            (late, "admission_year", f"admitted after the intake year {policy.settings.intake_year}; check the year"),
            (self_request, "roommate_request", "an applicant cannot request themselves; leave it empty"),
            *[(scored_local & cells[column].isna(), column,
               "required for a local applicant, who is scored on it; fill it in") for column in _LOCAL_DATA],
            ((track == "readmission") & cells["gpa"].isna(), "gpa",
             "required on the readmission track (academic performance); fill it in"),
            (research_without_period, "normal_period_end",
             "required for a research applicant (section A: research students within normal study period); "
             "give the last day of the normal study period as YYYY-MM-DD"),
        ]
        problems: defaultdict[int, list[Problem]] = defaultdict(list)
        for broken, column, message in rules:
            for at in broken.to_numpy().nonzero()[0].tolist():
                problems[at].append((column, message))
        for at in short_stay.to_numpy().nonzero()[0].tolist():
            problems[at].append(("prior_uma_semesters", (
                f"less than prior_hall_semesters ({cells.at[at, 'prior_hall_semesters']:g}), but University-managed "
                "accommodation includes the halls (section B.2); give at least that many semesters, or leave it "
                "empty to take prior_hall_semesters")))
        return dict(problems)


_DECISIVE = ("student_type", "funding", "study_mode", "admission_year", "year_of_study", "prior_hall_semesters")
"""The cells that decide eligibility and track (``psm.eligibility``)."""
_SECTION_A = ("normal_period_end", "exceptional_needs")
"""Cells that may move an applicant out of the eligible groups or refer them (section A)."""
_LOCAL_DATA = ("district", "housing_type", "home_floor_area_sqm", "household_size")
"""A local applicant's cells for living district and home environment (section C parts 1-2)."""
_NUMBERS = ("admission_year", "year_of_study", "prior_hall_semesters", "prior_uma_semesters")
"""The cells the rules compare as numbers; the others they test for presence or equality."""


def _cells_frame(rows: Sequence[Checked] | Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """The cells the rules read, one column each, one row per row: NaN or None where not valid.

    ``rows``: the rows, or valid rows given column by column (``cross_check_valid``).
    """
    records = rows if isinstance(rows, Mapping) else [row.__dict__ if isinstance(row, _Row) else row for row in rows]
    columns = [*_DECISIVE, *_SECTION_A, *_LOCAL_DATA, "applicant_id", "roommate_request", "gpa",
               "prior_uma_semesters"]
    cells = pd.DataFrame(records, columns=columns).astype(dict.fromkeys(_NUMBERS, float))
    return cells.assign(exceptional_needs=cells["exceptional_needs"].astype(object).fillna(False).astype(bool))


class OfficeBearerRow(_Row):
    """One row of ``office_bearers.csv``: a post held in a recognised student body."""

    applicant_id: StudentId
    body: Annotated[str, Field(min_length=1)]
    post_level: Code("post level", domain.POST_LEVELS)


_NOT_RECOGNISED = (
    "section C 3b recognises scholarships, open competitions (a 1st-3rd prize) and awards: use kind competition, "
    "scholarship or award. Not recognised: reaching a standard of a musical instrument/sport/skill, completion of "
    "a course, a certificate of participation or reaching a standard of assessment (e.g. first-aid, piano "
    "examination, IELTS, language tests); a certificate of participation/attendance/appreciation is not an award; "
    "voluntary work belongs in volunteer_hours of applications.csv (part 3d)"
)


def _achievement_kind(value: Any) -> str:
    """One of the kinds section C 3b counts; anything else is refused in the policy's words."""
    if value in domain.ACHIEVEMENT_KINDS:
        return value
    close = [k for k in domain.ACHIEVEMENT_KINDS if k == str(value).strip().lower()]
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise _fail("unknown_code", f"unknown achievement kind {_shown(value)}{hint}; {_NOT_RECOGNISED}")


class AchievementRow(_Row):
    """One row of ``achievements.csv``: a competition prize (1st-3rd), a scholarship or an award.

    ``kind`` may be left out (the column, or a cell): a competition, as files written before the
    column meant. A competition needs its ``prize``; a scholarship or an award has none.
    """

    applicant_id: StudentId
    kind: Annotated[str, BeforeValidator(_achievement_kind)] = "competition"
    level: Code("achievement level", domain.ACHIEVEMENT_LEVELS)
    prize: Annotated[int, WholeNumber, Field(ge=1, le=3)] | None = None
    award_date: Date
    verified: Boolean

    def cross_check(self, policy: Policy) -> list[Problem]:
        return _prize_problems(self.kind, self.prize)

    @classmethod
    def cross_check_valid(cls, cells: Mapping[str, Sequence[Any]], policy: Policy,
                          columns: Collection[str] | None = None) -> dict[int, list[Problem]]:
        return {at: problems for at, (kind, prize) in enumerate(zip(cells["kind"], cells["prize"]))
                if (problems := _prize_problems(kind, prize))}


def _prize_problems(kind: str, prize: int | None) -> list[Problem]:
    """A competition needs its prize; a scholarship or an award has none (section C 3b)."""
    if kind == "competition" and prize is None:
        return [("prize", "required for a competition (section C 3b: a 1st-3rd prize); give 1, 2 or 3")]
    if kind != "competition" and prize is not None:
        article = "an" if kind[0] in "aeiou" else "a"
        return [("prize", f"{article} {kind} has no prize (section C 3b counts 1st-3rd prizes of "
                          "competitions); leave it empty, or set kind to competition")]
    return []
