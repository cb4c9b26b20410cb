"""Read the committee's input files into validated frames, reporting every row not used.

A row is either used or reported: each problem of a rejected row becomes one
:class:`Reject` (file, row, applicant_id, column, value, error), and for each file
``accepted + rejected rows == input rows`` holds. Blank rows are not rows (they carry no data)
but are counted. A file that cannot be read at all (encoding, header, a missing required
column) raises :class:`~psm.errors.InputFileError` instead: nothing would be scored from it.

Cells are checked column by column: each distinct text of a column once, by the validator of
its field in the file's row model (the model's own rules, run over a list); the file's own rule
(duplicate or unknown applicant_id) and the rules that tie cells together
(``cross_check_valid``) then run once over all the rows, vectorised. Only a row with a problem
goes through its row model, one row at a time, and that model writes its messages, so the
messages are those of the model whichever way the row was found. A row's problems are reported
in this order: a merged cell, extra cells, the file's own rule, each invalid cell, then the
cross-cell rules whose cells are valid.

A row that repeats the header (two exports pasted together) is one reject saying so, not one
per cell. A workbook row holding a cell hidden by a merged range is rejected, naming the range:
the sheet shows the range's value in that cell, but the file holds none there.

Source: ``shared/spec/io-contract.md`` (Inputs).
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import TypeAdapter, ValidationError

from psm.errors import InputFileError, InternalError
from psm.io.rows import AchievementRow, ApplicationRow, Checked, OfficeBearerRow, Problem, _Row
from psm.io.tables import RawTable, TextColumn, header_hint, read_table
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
FileRule = Callable[[RawTable], dict[int, list[Problem]]]
"""A rule of a file's own (needing more than one row): the problems of the data rows that have any,
by position in the table's rows."""
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
    accepted = set(apps.frame["applicant_id"].tolist())
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
    return _validate(_open(path, ApplicationRow), ApplicationRow, policy, _duplicate_ids)


def _duplicate_ids(table: RawTable) -> dict[int, list[Problem]]:
    """Each row whose applicant_id (without regard to case) is on another row too, naming the others."""
    ids = table.column("applicant_id")
    keys = TextColumn.of([text.upper() for text in ids.texts]).recoded(ids.codes)
    repeated = (np.bincount(keys.codes, minlength=len(keys.texts)) > 1) & (np.array(keys.texts, dtype=object) != "")
    positions = repeated[keys.codes].nonzero()[0].tolist()
    rows_of: defaultdict[int, list[int]] = defaultdict(list)
    for at in positions:
        rows_of[keys.codes[at]].append(table.numbers[at])
    problems: dict[int, list[Problem]] = {}
    for at in positions:
        shown = ", ".join(str(n) for n in rows_of[keys.codes[at]] if n != table.numbers[at])
        problems[at] = [("applicant_id", f"duplicate applicant_id, also on row(s) {shown}; keep one row per applicant")]
    return problems


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
    def unknown_applicant(applicant_id: str) -> list[Problem]:
        applicant_id = applicant_id.upper()  # ids match without regard to case
        if not applicant_id or applicant_id in accepted:
            return []
        if applicant_id in rejected:
            return [("applicant_id", "this applicant's application row was rejected; fix that row first")]
        return [("applicant_id", "no application with this applicant_id; check the id or add the application")]

    def unknown_applicants(table: RawTable) -> dict[int, list[Problem]]:
        ids = table.column("applicant_id")
        problems_of = {text: problems for text in ids.texts if (problems := unknown_applicant(text))}
        return {at: list(problems_of[ids.texts[ids.codes[at]]]) for at in ids.rows_holding(problems_of).tolist()}

    return _validate(_open(path, model), model, policy, unknown_applicants)


def read_rows(path: str | Path, model: type[_Row], policy: Policy, row_rule: RowRule | None = None) -> ReadResult:
    """Read any contract file with its row model: the generic reader behind the others.

    ``row_rule(row_number, cells)`` (the non-empty cells by column) may add problems that need
    more than the row itself.
    """
    def rule(table: RawTable) -> dict[int, list[Problem]]:
        if row_rule is None:
            return {}
        return {at: problems for at, (number, cells) in enumerate(table.rows)
                if (problems := row_rule(number, _non_empty(table.header, cells)))}

    return _validate(_open(path, model), model, policy, rule)


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


def _validate(table: RawTable, model: type[_Row], policy: Policy, file_rule: FileRule) -> ReadResult:
    """Every column at once, then the rules over every row at once; the rows with a problem one by one.

    The rows whose cells are all valid, which break neither the file's rule nor its shape, are
    checked by the cross-cell rules at once (``cross_check_valid``); any other row is checked
    again by its row model (``_check_cells``) for its messages, as every row used to be. No rule
    is written twice: the cells' rules are the row model's own validators, run over each
    column's distinct texts to find the rows with a problem (``_check_columns``) and through the
    model only for those rows, to word their problems; a row so set aside that its model finds
    no fault in is a bug.
    """
    header = table.header
    rule_problems = file_rule(table)
    values, refused = _check_columns(table, model)
    merged = _merged_problems(table)
    troubled = sorted(refused | rule_problems.keys() | _misshapen(table, merged))
    clean = _without(range(len(table)), set(troubled))
    crosses = model.cross_check_valid({name: _pick(column, clean) for name, column in values.items()},
                                      policy, columns=header)
    problems_of = {clean[at]: cross for at, cross in crosses.items()}

    checks = [_check_cells(model, rule_problems.get(at, []), header, table.numbers[at], table.row(at))
              for at in troubled]
    cross_checked = [check for check in checks if check.checked is not None]
    crosses = model.cross_check_rows([c.checked for c in cross_checked], policy, columns=header)
    for check, cross in zip(cross_checked, crosses):
        check.problems += [(column, message) for column, message in cross if column not in check.failed]
    for at, check in zip(troubled, checks):
        problems_of[at] = merged.get(check.number, []) + check.problems
        if not problems_of[at]:
            raise InternalError(f"{table.path}: row {check.number} was set aside by the column checks, but its row "
                                f"model finds no problem in it")

    rejects: list[Reject] = []
    for at in sorted(problems_of):
        number, cells_of = table.numbers[at], _non_empty(header, table.row(at))
        applicant_id = cells_of.get("applicant_id", "")
        rejects += [Reject(number, applicant_id, column, cells_of.get(column, ""), error, table.path.name)
                    for column, error in problems_of[at]]
    accepted = _without(clean, problems_of)
    frame = columns_to_frame(model, {name: _pick(column, accepted) for name, column in values.items()},
                             [table.numbers[at] for at in accepted])
    summary = FileSummary(
        path=str(table.path),
        sha256=hashlib.sha256(table.path.read_bytes()).hexdigest(),
        rows=len(table),
        accepted=len(accepted),
        rejected=len(problems_of),
        blank_rows=table.blank_rows,
        unknown_columns=tuple(name for name in header if name not in model.model_fields),
    )
    return ReadResult(frame, tuple(rejects), summary)


def _misshapen(table: RawTable, merged: Mapping[int, list[Problem]]) -> set[int]:
    """Positions of the rows holding a merged cell, extra cells, or a copy of the header."""
    found = {at for at, number in enumerate(table.numbers) if number in merged} if merged else set()
    for column in table.columns[len(table.header):]:  # a cell beyond the header's columns
        found.update((~column.holds("")).nonzero()[0].tolist())
    repeats = np.ones(len(table), dtype=bool)
    for name, column in zip(table.header, table.columns):
        repeats &= column.holds(name)
    return found | set(repeats.nonzero()[0].tolist())


def _check_columns(table: RawTable, model: type[_Row]) -> tuple[dict[str, tuple[Any, ...]], set[int]]:
    """Each field's values, row by row, and the positions of the rows holding a cell the model refuses.

    Each distinct text of a column is validated once, by the field's own validator; an empty
    cell is the field's default, or refused for a required field; a cell in a column outside
    the contract is refused unless empty. Where a row's cell is refused, its value is left as
    None: the row is not used, and its row model says what is wrong. A column whose values are
    its texts (codes, ids already in capitals) keeps its texts. Columns are tuples, not lists:
    the garbage collector stops scanning a tuple of plain values once it has seen it.
    """
    count = len(table)
    values: dict[str, tuple[Any, ...]] = {}
    refused: set[int] = set()
    for name, field in model.model_fields.items():
        if name not in table.header:  # an optional column left out of the file
            values[name] = (field.default,) * count
            continue
        column = table.column(name)
        value_of, bad = _check_distinct(model, name, [text for text in column.texts if text != ""])
        if field.is_required():
            bad |= {""} & set(column.texts)
        else:
            value_of[""] = field.default
        if bad:
            refused.update(column.rows_holding(bad).tolist())
        as_written = not bad and all(type(value_of[text]) is str and value_of[text] == text for text in column.texts)
        by_text = column.texts if as_written else list(map(value_of.get, column.texts))  # equal values
        values[name] = column.spread(by_text)
    for name, column in zip(table.header, table.columns):
        if name not in model.model_fields:
            refused.update((~column.holds("")).nonzero()[0].tolist())
    return values, refused


def _check_distinct(model: type[_Row], name: str, texts: list[str]) -> tuple[dict[str, Any], set[str]]:
    """The valid ``texts`` of field ``name`` with their values, and the invalid ones."""
    adapter = _list_adapter(model, name)
    try:
        return dict(zip(texts, adapter.validate_python(texts))), set()
    except ValidationError as error:
        bad = {texts[problem["loc"][0]] for problem in error.errors()}
    valid = [text for text in texts if text not in bad]
    return dict(zip(valid, adapter.validate_python(valid))), bad


def _pick(column: tuple[Any, ...], positions: list[int]) -> tuple[Any, ...]:
    return column if len(positions) == len(column) else tuple(map(column.__getitem__, positions))


def _without(positions: Iterable[int], left_out: Collection[int]) -> list[int]:
    return [at for at in positions if at not in left_out]


def _non_empty(header: tuple[str, ...], cells: tuple[str, ...]) -> dict[str, str]:
    """A row's non-empty cells by column (what its row model validates)."""
    return {name: cell for name, cell in zip(header, cells) if cell != ""}


def _repeats_header(cells: tuple[str, ...], header: tuple[str, ...]) -> bool:
    return cells[: len(header)] == header and not any(cells[len(header):])


def _check_cells(
    model: type[_Row], rule_problems: list[Problem], header: tuple[str, ...], number: int, cells: tuple[str, ...]
) -> _RowCheck:
    """The row's cells checked one by one, with the problems found so far (cross-cell rules come later).

    Problems in order: extra cells, the file's rule (``rule_problems``), then each invalid cell.
    A copy of the header row is one problem, not one per cell.
    """
    values = _non_empty(header, cells)
    if _repeats_header(cells, header):
        return _RowCheck(number, values, None, [("(row)", _REPEATED_HEADER)])
    problems = _overflow(cells, len(header)) + rule_problems
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


@functools.cache
def _adapter(model: type[_Row], name: str) -> TypeAdapter:
    """The validator of one field of ``model``, on its own."""
    return TypeAdapter(_annotation(model, name))


@functools.cache
def _list_adapter(model: type[_Row], name: str) -> TypeAdapter:
    """The validator of one field of ``model``, over a list of cells."""
    return TypeAdapter(list[_annotation(model, name)])


def _annotation(model: type[_Row], name: str) -> Any:
    field = model.model_fields[name]
    return Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation


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
    values = {name: [row.__dict__[name] for row in rows] for name in model.model_fields}
    return columns_to_frame(model, values, source_rows if source_rows is not None else list(range(2, len(rows) + 2)))


def columns_to_frame(model: type[_Row], values: Mapping[str, Sequence[Any]], source_rows: list[int]) -> pd.DataFrame:
    """Valid rows given column by column (``values[field][i]``) as the frame the rest of the engine reads."""
    if not source_rows:
        return _empty_frame(model)
    return pd.DataFrame({"source_row": source_rows, **{name: list(values[name]) for name in model.model_fields}})


def _empty_frame(model: type[_Row]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in ["source_row", *model.model_fields]})
