"""Read the committee's input files into validated frames, reporting every row not used.

A row is either used or reported: each problem of a rejected row becomes one
:class:`Reject` (file, row, applicant_id, column, value, error), and for each file
``accepted + rejected rows == input rows`` holds. Blank rows are not rows (they carry no data)
but are counted. A file that cannot be read at all (encoding, header, a missing required
column) raises :class:`~psm.errors.InputFileError` instead: nothing would be scored from it.

Cells are checked row by row (the file's row model); the rules that tie cells together then run
once over all the rows (``cross_check_rows``, vectorised). A row's problems are reported in
this order: a merged cell, extra cells, the file's own rule (duplicate or unknown applicant_id),
each invalid cell, then the cross-cell rules whose cells are valid.

A row that repeats the header (two exports pasted together) is one reject saying so, not one
per cell. A workbook row holding a cell hidden by a merged range is rejected, naming the range:
the sheet shows the range's value in that cell, but the file holds none there.

Source: ``shared/spec/io-contract.md`` (Inputs).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from pydantic import TypeAdapter, ValidationError

from psm.errors import InputFileError
from psm.io.rows import AchievementRow, ApplicationRow, Checked, OfficeBearerRow, Problem, _Row
from psm.io.tables import RawTable, header_hint, read_table
from psm.policy import Policy

__all__ = [
    "Reject",
    "FileSummary",
    "Cohort",
    "read_cohort",
    "read_applications",
    "read_office_bearers",
    "read_achievements",
    "REJECT_COLUMNS",
    "ReadResult",
    "describe_problem",
    "read_rows",
    "rows_to_frame",
]

RowRule = Callable[[int, Mapping[str, str]], list[Problem]]
REJECT_COLUMNS = ("row", "applicant_id", "column", "value", "error", "file")


@dataclass(frozen=True)
class Reject:
    """One problem of one input row: where it is, what the cell held, and how to fix it."""

    row: int
    applicant_id: str
    column: str
    value: str
    error: str
    file: str


@dataclass(frozen=True)
class FileSummary:
    """What became of one input file's rows."""

    path: str
    sha256: str
    rows: int
    accepted: int
    rejected: int
    blank_rows: int
    unknown_columns: tuple[str, ...]


@dataclass(frozen=True)
class ReadResult:
    """One file read: the accepted rows as a frame, every reject, and the file's summary."""

    frame: pd.DataFrame
    rejects: tuple[Reject, ...]
    summary: FileSummary


@dataclass(frozen=True)
class Cohort:
    """Everything read for one exercise: validated frames, every reject, and per-file summaries."""

    applications: pd.DataFrame
    office_bearers: pd.DataFrame
    achievements: pd.DataFrame
    rejects: tuple[Reject, ...]
    files: tuple[FileSummary, ...]

    @property
    def rejected_rows(self) -> int:
        return sum(f.rejected for f in self.files)


def read_cohort(
    policy: Policy,
    applications: str | Path,
    office_bearers: str | Path | None = None,
    achievements: str | Path | None = None,
) -> Cohort:
    """Read the applications and the optional office-bearer and achievement lists."""
    apps = read_applications(applications, policy)
    accepted = set(apps.frame["applicant_id"])
    rejected = {r.applicant_id.upper() for r in apps.rejects} - accepted
    posts = _read_linked(office_bearers, OfficeBearerRow, policy, accepted, rejected) if office_bearers else None
    prizes = _read_linked(achievements, AchievementRow, policy, accepted, rejected) if achievements else None
    reads = [read for read in (apps, posts, prizes) if read is not None]
    return Cohort(
        applications=apps.frame,
        office_bearers=posts.frame if posts else _empty_frame(OfficeBearerRow),
        achievements=prizes.frame if prizes else _empty_frame(AchievementRow),
        rejects=tuple(r for read in reads for r in read.rejects),
        files=tuple(read.summary for read in reads),
    )


def read_applications(path: str | Path, policy: Policy) -> ReadResult:
    """Validate ``applications.csv``; duplicate applicant ids reject every row that holds them.

    Ids are compared without regard to case (``19381469q`` is ``19381469Q``), as every file reads them.
    """
    table = _open(path, ApplicationRow)
    at = table.header.index("applicant_id")
    rows_of: defaultdict[str, list[int]] = defaultdict(list)
    for number, cells in table.rows:
        if at < len(cells) and cells[at]:
            rows_of[cells[at].upper()].append(number)

    def duplicates(number: int, values: Mapping[str, str]) -> list[tuple[str, str]]:
        others = [n for n in rows_of.get(values.get("applicant_id", "").upper(), []) if n != number]
        if others:
            shown = ", ".join(str(n) for n in others)
            return [("applicant_id", f"duplicate applicant_id, also on row(s) {shown}; keep one row per applicant")]
        return []

    return _validate(table, ApplicationRow, policy, duplicates)


def read_office_bearers(
    path: str | Path, policy: Policy, accepted: set[str], rejected: set[str] = frozenset()
) -> ReadResult:
    """Validate ``office_bearers.csv``; every applicant_id must have a valid application."""
    return _read_linked(path, OfficeBearerRow, policy, accepted, rejected)


def read_achievements(
    path: str | Path, policy: Policy, accepted: set[str], rejected: set[str] = frozenset()
) -> ReadResult:
    """Validate ``achievements.csv``; every applicant_id must have a valid application."""
    return _read_linked(path, AchievementRow, policy, accepted, rejected)


def _read_linked(
    path: str | Path, model: type[_Row], policy: Policy, accepted: set[str], rejected: set[str]
) -> ReadResult:
    def unknown_applicant(number: int, values: Mapping[str, str]) -> list[tuple[str, str]]:
        applicant_id = values.get("applicant_id", "").upper()  # ids match without regard to case
        if not applicant_id or applicant_id in accepted:
            return []
        if applicant_id in rejected:
            return [("applicant_id", "this applicant's application row was rejected; fix that row first")]
        return [("applicant_id", "no application with this applicant_id; check the id or add the application")]

    return _validate(_open(path, model), model, policy, unknown_applicant)


def read_rows(path: str | Path, model: type[_Row], policy: Policy, row_rule: RowRule | None = None) -> ReadResult:
    """Read any contract file with its row model: the generic reader behind the others.

    ``row_rule(row_number, cells)`` may add problems that need more than the row itself.
    """
    return _validate(_open(path, model), model, policy, row_rule or (lambda number, values: []))


def _open(path: str | Path, model: type[_Row]) -> RawTable:
    table = read_table(path)
    header = table.header
    if any(name == "" for name in header):
        position = header.index("") + 1
        raise InputFileError(f"{table.path}: column {position} of the header has no name; name it or delete it")
    repeated = sorted(name for name, count in Counter(header).items() if count > 1)
    if repeated:
        raise InputFileError(f"{table.path}: column(s) {repeated} appear more than once in the header; keep one")
    required = [name for name, field in model.model_fields.items() if field.is_required()]
    missing = [name for name in required if name not in header]
    if missing:
        raise InputFileError(
            f"{table.path}: required column(s) {missing} are missing from the header; "
            f"the header needs {list(model.model_fields)} (optional ones may be left out); "
            f"{header_hint(table, list(model.model_fields))}"
        )
    return table


@dataclass
class _RowCheck:
    """One data row on its way through validation: its cells, what became of them, its problems."""

    number: int
    values: dict[str, str]  # the non-empty cells, by column
    row: _Row | None  # the validated row; None when a cell is invalid
    problems: list[Problem]
    checked: Checked | None = None  # what the cross-cell rules see; None for a copy of the header
    failed: frozenset[str] = frozenset()  # the columns whose cells are invalid


def _validate(table: RawTable, model: type[_Row], policy: Policy, row_rule: RowRule) -> ReadResult:
    """Each row's cells one by one, then the cross-cell rules once over every row (vectorised)."""
    header = table.header
    checks = [_check_cells(model, row_rule, header, number, cells) for number, cells in table.rows]
    cross_checked = [check for check in checks if check.checked is not None]
    crosses = model.cross_check_rows([c.checked for c in cross_checked], policy, columns=header)
    for check, cross in zip(cross_checked, crosses):
        check.problems += [(column, message) for column, message in cross if column not in check.failed]
    merged = _merged_problems(table)
    accepted: list[tuple[int, _Row]] = []
    rejects: list[Reject] = []
    for check in checks:
        problems = merged.get(check.number, []) + check.problems
        if problems:
            applicant_id = check.values.get("applicant_id", "")
            rejects += [
                Reject(check.number, applicant_id, column, check.values.get(column, ""), error, table.path.name)
                for column, error in problems
            ]
        else:
            accepted.append((check.number, check.row))
    frame = rows_to_frame(model, [row for _, row in accepted], [number for number, _ in accepted])
    rejected_rows = len({r.row for r in rejects})
    summary = FileSummary(
        path=str(table.path),
        sha256=hashlib.sha256(table.path.read_bytes()).hexdigest(),
        rows=len(table.rows),
        accepted=len(accepted),
        rejected=rejected_rows,
        blank_rows=table.blank_rows,
        unknown_columns=tuple(name for name in header if name not in model.model_fields),
    )
    return ReadResult(frame, tuple(rejects), summary)


def _check_cells(
    model: type[_Row], row_rule: RowRule, header: tuple[str, ...], number: int, cells: tuple[str, ...]
) -> _RowCheck:
    """The row's cells checked one by one, with the problems found so far (cross-cell rules come later).

    Problems in order: extra cells, the file's ``row_rule``, then each invalid cell. A copy of
    the header row is one problem, not one per cell.
    """
    values = {name: cell for name, cell in zip(header, cells) if cell != ""}
    if cells[: len(header)] == header and not any(cells[len(header):]):
        return _RowCheck(number, values, None, [("(row)", _REPEATED_HEADER)])
    problems = _overflow(cells, len(header)) + row_rule(number, values)
    try:
        row = model.model_validate(values)
    except ValidationError as error:
        invalid = [describe_problem(problem) for problem in error.errors()]
        failed = frozenset(column for column, _ in invalid)
        return _RowCheck(number, values, None, problems + invalid, _valid_cells(model, values, failed), failed)
    return _RowCheck(number, values, row, problems, row)


_REPEATED_HEADER = "this row repeats the header row (two exports pasted together?); delete it"


def _merged_problems(table: RawTable) -> dict[int, list[tuple[str, str]]]:
    """A row holding a cell hidden by a merge (XLSX): the sheet shows a value the file does not hold."""
    problems: defaultdict[int, list[tuple[str, str]]] = defaultdict(list)
    for number, column, ref in table.merged:
        name = table.header[column] if column < len(table.header) else "(row)"
        problems[number].append(
            (name, f"this cell is inside the merged cells {ref}, so it holds no value of its own; "
                   f"unmerge the cells and fill in this row's value")
        )
    return problems


def _overflow(cells: tuple[str, ...], width: int) -> list[tuple[str, str]]:
    extra = [cell for cell in cells[width:] if cell != ""]
    if extra:
        return [("(row)", f"row has {len(cells)} cells but the header names {width} columns; "
                          f"remove the extra cells or name their columns")]
    return []


def _valid_cells(model: type[_Row], values: dict[str, str], failed: frozenset[str]) -> dict[str, Any]:
    valid: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if name in failed:
            continue
        if name in values:
            valid[name] = _adapter(model, name).validate_python(values[name])
        elif not field.is_required():
            valid[name] = field.default
    return valid


_ADAPTERS: dict[tuple[type, str], TypeAdapter] = {}


def _adapter(model: type[_Row], name: str) -> TypeAdapter:
    key = (model, name)
    if key not in _ADAPTERS:
        field = model.model_fields[name]
        annotation = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
        _ADAPTERS[key] = TypeAdapter(annotation)
    return _ADAPTERS[key]


_MESSAGES = {
    "missing": "required but empty; fill it in",
    "extra_forbidden": "column is not in the file contract; rename it to a contract column or remove it",
    "string_too_short": "required but empty; fill it in",
    "string_pattern_mismatch": "not a student number: 4-20 letters and digits, e.g. 23012345D",
    "greater_than_equal": "out of range: must be at least {ge}",
    "greater_than": "out of range: must be more than {gt}",
    "less_than_equal": "out of range: must be at most {le}",
    "less_than": "out of range: must be less than {lt}",
}


def describe_problem(problem: Mapping[str, Any]) -> tuple[str, str]:
    """A pydantic error as (column, message in the contract's words, with the fix)."""
    column = str(problem["loc"][0]) if problem["loc"] else "(row)"
    template = _MESSAGES.get(problem["type"])
    message = template.format(**problem.get("ctx", {})) if template else problem["msg"]
    return column, message


def rows_to_frame(model: type[_Row], rows: list[_Row], source_rows: list[int] | None = None) -> pd.DataFrame:
    """Validated rows as the frame the rest of the engine reads (one column per field)."""
    if not rows:
        return _empty_frame(model)
    frame = pd.DataFrame([row.__dict__ for row in rows], columns=list(model.model_fields))
    frame.insert(0, "source_row", source_rows if source_rows is not None else range(2, len(rows) + 2))
    return frame


def _empty_frame(model: type[_Row]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in ["source_row", *model.model_fields]})
