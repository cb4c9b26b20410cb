"""Raw tables: the cells of a CSV or XLSX file as text, with the row numbers a person sees.

Row numbers are spreadsheet rows: the header is row 1, the first data row is row 2, and a row
keeps its number even when blank rows come before it. Cells are text with surrounding white
space removed; everything else about their content is judged later, by the row models.

Rules that keep every row a person sees (none is lost or invented):

- CSV records end only at ``\\n``, ``\\r`` or ``\\r\\n`` outside quotes, as in Excel; other
  Unicode line separators (U+2028, U+0085, ...) are characters of the cell they are in.
- An XLSX sheet is read to its last stored cell, whatever size the file says it has (some
  exporters store a wrong size, which would otherwise cut rows or columns off).
- An XLSX cell hidden by a merge (any cell of a merged range but its top-left one, when that
  one holds a value) reads as empty although the sheet shows a value there: the rows holding
  such cells are listed in :attr:`RawTable.merged` so that the reader can reject them; a merge
  in the header stops the read.
- Every row has at least as many cells as the header (short rows are padded with ``""``).
- An XLSX number is read as Excel shows it, to 15 significant digits, so a GPA stored as
  3.299999999999999 reads 3.3 as in the sheet and in its CSV export.
- An XLSX formula cell without a stored result (a file written by a program that does not
  calculate) stops the read, naming the cells: its value is unknown, not empty.
- The first sheet is read; a hidden or empty first sheet stops the read, naming the sheet that
  holds the data.

A table is held column by column (:class:`TextColumn`: each column's distinct texts and a code
per row), so that each distinct text is judged once. A CSV file is parsed by Apache Arrow's
reader wherever that gives exactly what Python's csv module gives (:func:`_csv_by_columns`),
and by the csv module otherwise: the CSV rules above are that module's.

A file that cannot be read at all raises :class:`~psm.errors.InputFileError` naming the file
and, where the problem is in one place, the line or row.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from psm.errors import InputFileError

__all__ = ["RawTable", "TextColumn", "read_table", "header_hint"]

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_ZIP_MAGIC = b"PK\x03\x04"
_MERGE_CELL = re.compile(
    rb"""<(?:[\w.-]+:)?mergeCell\b[^>]*?\bref\s*=\s*["']([A-Za-z]+[0-9]+:[A-Za-z]+[0-9]+)["']"""
)

Merge = tuple[int, int, int, int]
"""A merged range as (first column, first row, last column, last row), 1-based."""


@dataclass(frozen=True, eq=False)
class TextColumn:
    """One column of a table, its cells as codes into its distinct texts: cell ``i`` is
    ``texts[codes[i]]``. Each distinct text is held once, so a rule about a text is judged once."""

    texts: tuple[str, ...]
    codes: np.ndarray  # one int per data row

    @classmethod
    def of(cls, cells: Sequence[str]) -> TextColumn:
        """The column holding ``cells``."""
        distinct = dict.fromkeys(cells)
        if len(distinct) == len(cells):
            return cls(tuple(distinct), np.arange(len(cells), dtype=np.intp))
        index = dict(zip(distinct, range(len(distinct))))
        return cls(tuple(distinct), np.fromiter(map(index.__getitem__, cells), dtype=np.intp, count=len(cells)))

    def recoded(self, codes: np.ndarray) -> TextColumn:
        """The column whose row ``i`` holds this column's cell ``codes[i]``."""
        return TextColumn(self.texts, self.codes[codes])

    def cells(self) -> tuple[str, ...]:
        """Every row's cell."""
        return self.spread(self.texts)

    def spread(self, by_text: Sequence[Any]) -> tuple[Any, ...]:
        """Every row's value, given the value of each text (``by_text[k]`` for ``texts[k]``)."""
        return tuple(_object_array(by_text)[self.codes].tolist())

    def holds(self, text: str) -> np.ndarray:
        """Which rows' cell is ``text``."""
        return self.codes == self.texts.index(text) if text in self.texts else np.zeros(self.codes.size, dtype=bool)

    def rows_holding(self, texts: Collection[str]) -> np.ndarray:
        """Positions of the rows whose cell is one of ``texts``."""
        wanted = np.fromiter((text in texts for text in self.texts), dtype=bool, count=len(self.texts))
        return wanted[self.codes].nonzero()[0] if wanted.any() else np.zeros(0, dtype=np.intp)


@dataclass(frozen=True, eq=False)
class RawTable:
    """The header and the non-blank data rows of one file, each row with its number.

    The rows are held column by column (``columns``, as many as the widest row, short rows
    padded with ``""``); ``widths`` is each row's number of cells, at least the header's.
    ``merged`` lists, for each row holding a cell hidden by a merged range (XLSX only), the
    row number, the 0-based column of the first hidden cell and the range (e.g. ``"B2:B3"``).
    """

    path: Path
    header: tuple[str, ...]
    numbers: tuple[int, ...]  # each data row's spreadsheet row number
    columns: tuple[TextColumn, ...]
    widths: np.ndarray
    blank_rows: int
    merged: tuple[tuple[int, int, str], ...] = ()
    sheet: str = ""  # the XLSX sheet read; "" for CSV

    @property
    def place(self) -> str:
        """The file (and sheet) for a message."""
        return f"{self.path} (sheet {self.sheet!r})" if self.sheet else str(self.path)

    def __len__(self) -> int:
        return len(self.numbers)

    def row(self, at: int) -> tuple[str, ...]:
        """The cells of the data row at position ``at``."""
        return tuple(column.texts[column.codes[at]] for column in self.columns[: self.widths[at]])

    def column(self, name: str) -> TextColumn:
        """The column named ``name`` in the header."""
        return self.columns[self.header.index(name)]

    @functools.cached_property
    def rows(self) -> tuple[tuple[int, tuple[str, ...]], ...]:
        """Each data row as (number, cells): built when asked for, since a table is held by column."""
        return tuple(zip(self.numbers, map(self.row, range(len(self)))))


def header_hint(table: RawTable, expected: Sequence[str]) -> str:
    """What row 1 holds, for a message about missing columns, with the likely cause: another
    separator than the comma, or a title row above the header."""
    shown = ", ".join(repr(cell) for cell in table.header[:6]) + (", ..." if len(table.header) > 6 else "")
    hint = f"row 1 of {table.place} holds: {shown or '(nothing)'}"
    joined = "".join(table.header)
    for separator, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
        if len(table.header) <= 2 and joined.count(separator) >= 2:
            return (f"{hint}; the file is separated by {name}, not commas: save it as 'CSV UTF-8 (Comma "
                    "delimited)' from Excel")
    for at in range(min(5, len(table))):
        number, cells = table.numbers[at], table.row(at)
        named = [cell for cell in cells if cell]
        if sum(cell in expected for cell in named) >= max(2, len(named) // 2 + 1):
            return (f"{hint}; the header is on row {number}: delete the rows above it, so that the column "
                    "names are on row 1")
    return hint


def read_table(path: str | Path) -> RawTable:
    """Read a ``.csv`` (UTF-8, with or without BOM) or ``.xlsx`` (first sheet) into text cells."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _to_table(path, *_xlsx_records(path))
    if suffix in {".csv", ".txt"}:
        data = _read_bytes(path)
        text = _decode(path, data)
        table = _csv_by_columns(path, data, text)
        return table if table is not None else _to_table(path, _parse_csv(path, text))
    raise InputFileError(f"{path}: unsupported file type {suffix!r}; give a .csv or .xlsx file")


# --- CSV ------------------------------------------------------------------------------------------


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise InputFileError(
            f"{path}: cannot read the file ({e.strerror}); check the path and its permissions"
        ) from e


def _decode(path: Path, data: bytes) -> str:
    """The file's text: UTF-8, a leading BOM dropped; any other encoding is refused by line."""
    if data.startswith(_ZIP_MAGIC):
        raise InputFileError(
            f"{path}: this is an Excel workbook, not CSV text; name it .xlsx or save it as 'CSV UTF-8'"
        )
    if data.startswith(_UTF16_BOMS):
        raise InputFileError(f"{path}: the file is UTF-16 text ('Unicode Text'); save it as 'CSV UTF-8'")
    skipped = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    try:
        return data[skipped:].decode("utf-8")
    except UnicodeDecodeError as e:
        offset = skipped + e.start  # counted from the file's first byte, not from after the BOM
        raise InputFileError(
            f"{path}: line {text_line_of_offset(data, offset)} is not UTF-8 (byte {offset}), "
            f"so the file is in another encoding (such as Big5 or Windows-1252, "
            f"which Excel's plain 'CSV' uses); "
            f"save the file as 'CSV UTF-8'"
        ) from e


def text_line_of_offset(data: bytes, offset: int) -> int:
    """The 1-based line number holding byte ``offset``."""
    return data.count(b"\n", 0, offset) + 1


def _parse_csv(path: Path, text: str) -> list[tuple[str, ...]]:
    """CSV records, their cells stripped; a record that breaks the quoting rules stops the read,
    naming its row and line (found by reading the file again, record by record).

    Each record becomes a tuple at once: a long-lived list per record would cost the garbage
    collector a scan of every cell, again and again, while the file is read.
    """
    try:
        return [tuple(map(str.strip, record)) for record in csv.reader(io.StringIO(text, newline=""), strict=True)]
    except csv.Error:
        _refuse_csv(path, text)
        raise


def _csv_by_columns(path: Path, data: bytes, text: str) -> RawTable | None:
    """The table of a CSV file parsed column by column (Apache Arrow's reader), or None where that
    reader could read the file otherwise than the csv module (``_parse_csv``), which then reads it.

    The two agree on every file the csv module reads without error whose records all have as
    many cells as the first, and whose first record is not blank: Arrow's reader follows the
    same grammar (a quote opens a quoted cell only at the start of a cell, ``""`` inside one is
    a quote, records end at ``\\n``, ``\\r`` or ``\\r\\n`` outside quotes) except that it reads on
    where the csv module stops, which ``_quotes_read_strictly`` finds first. A record of
    another length, or a blank line where Arrow cannot tell the width, makes Arrow stop.
    The cells are then stripped as ``_parse_csv`` strips them, each distinct text once.
    """
    import pyarrow as pa  # imported here: only CSV reading needs it
    from pyarrow import csv as arrow_csv

    body = data[len(_UTF8_BOM):] if data.startswith(_UTF8_BOM) else data
    if not _quotes_read_strictly(body):
        return None
    try:
        first = next(csv.reader(io.StringIO(text, newline=""), strict=True))
    except (StopIteration, csv.Error):
        return None
    if not any(cell.strip() for cell in first):  # a blank first row: the slow reader says why it is refused
        return None
    names = [f"c{at}" for at in range(len(first))]
    try:
        parsed = arrow_csv.read_csv(
            pa.py_buffer(body),
            read_options=arrow_csv.ReadOptions(column_names=names),
            parse_options=arrow_csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=arrow_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
        )
    except pa.ArrowException:  # records of another width, a blank line Arrow cannot place, a record over a block
        return None
    records = [_stripped(column.combine_chunks()) for column in parsed.columns]
    if any(column is None for column in records):
        return None
    blank = np.ones(parsed.num_rows, dtype=bool)
    for column in records:
        blank &= column.holds("")
    kept = (~blank[1:]).nonzero()[0] + 1  # the data rows: every non-blank record after the header
    header = _trimmed(tuple(column.texts[column.codes[0]] for column in records))
    return RawTable(
        path=path,
        header=header,
        numbers=tuple((kept + 1).tolist()),
        columns=tuple(_kept(column, kept) for column in records),
        widths=np.full(len(kept), len(records), dtype=np.intp),
        blank_rows=int(blank.sum()),
    )


def _quotes_read_strictly(data: bytes) -> bool:
    """Whether the csv module (strict) reads every quote of ``data`` without error: each quoted
    cell is closed, and followed by a comma, a line end or the end of the file.

    Only the quotes are visited. Outside a quoted cell, a quote opens one at the start of a cell
    (after a comma, a line end, or at the start) and is a plain character elsewhere; inside, a
    doubled quote is a quote and a single one closes the cell.
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    quotes = (raw == ord('"')).nonzero()[0]
    if not quotes.size:
        return True
    before = np.where(quotes > 0, raw[quotes - 1], ord(","))
    opens = np.isin(before, _CELL_ENDS).tolist()
    after = raw[np.minimum(quotes + 1, raw.size - 1)]
    closes = (np.isin(after, _CELL_ENDS) | (quotes == raw.size - 1)).tolist()  # the end of the file ends a cell
    at, count, inside = 0, len(opens), False
    positions = quotes.tolist()
    while at < count:
        if not inside:
            inside = opens[at]
        elif at + 1 < count and positions[at + 1] == positions[at] + 1:
            at += 1  # a doubled quote: one quote in the cell
        elif closes[at]:
            inside = False
        else:
            return False  # text after a quoted cell's closing quote
        at += 1
    return not inside


_CELL_ENDS = np.array([ord(","), ord("\r"), ord("\n")], dtype=np.uint8)


def _stripped(strings: Any) -> TextColumn | None:
    """An Arrow string column as a :class:`TextColumn` of cells stripped of surrounding white space;
    None where a cell is too long for the csv module (which then reads the file, and says so)."""
    import pyarrow.compute as arrow_compute

    encoded = arrow_compute.dictionary_encode(strings)
    raw = encoded.dictionary.to_pylist()
    if raw and max(map(len, raw)) >= csv.field_size_limit():
        return None
    codes = encoded.indices.to_numpy()
    texts = list(map(str.strip, raw))
    if len(set(texts)) == len(texts):  # stripping made no two texts equal
        return TextColumn(tuple(texts), codes)
    return TextColumn.of(texts).recoded(codes)


def _kept(column: TextColumn, positions: np.ndarray) -> TextColumn:
    """The column of the rows at ``positions``, holding only the texts they use."""
    codes = column.codes[positions]
    used = np.bincount(codes, minlength=len(column.texts)) > 0
    if used.all():
        return TextColumn(column.texts, codes)
    recode = np.cumsum(used) - 1
    return TextColumn(tuple(_object_array(column.texts)[used].tolist()), recode[codes])


def _object_array(values: Sequence[Any]) -> np.ndarray:
    """``values`` as a one-dimensional array of objects (a tuple among them stays one element)."""
    return np.fromiter(values, dtype=object, count=len(values))


def _refuse_csv(path: Path, text: str) -> None:
    """Raise the error of the first record of ``text`` that breaks the quoting rules, naming its row and line."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    row = 1
    while True:
        first_line = reader.line_num + 1
        try:
            next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise InputFileError(_csv_problem(path, row, first_line, e)) from e
        row += 1


def _csv_problem(path: Path, row: int, line: int, error: csv.Error) -> str:
    where = f"{path}: row {row} (from line {line}) is not readable CSV ({error})"
    if "field larger than field limit" in str(error):
        return (f"{where}: a cell that long usually means a quote (\") was opened and never closed, so the "
                f"cell runs on through the following lines; check the quotes from line {line}")
    return f"{where}; a cell with quotes must be wholly quoted, inner quotes doubled (\"\"); check that line"


# --- XLSX -----------------------------------------------------------------------------------------


def _xlsx_records(path: Path) -> tuple[list[tuple[str, ...]], list[Merge], str]:
    import openpyxl  # imported here: only XLSX inputs need it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a damaged or foreign file
        raise InputFileError(f"{path}: not a readable .xlsx workbook ({e}); re-save it from Excel") from e
    try:
        sheet = workbook.worksheets[0]
        _check_first_sheet(path, workbook, sheet)
        sheet.reset_dimensions()  # the size stored in the file may be wrong: read every stored cell
        rows = list(sheet.iter_rows(values_only=True))
        records = [tuple(_cell_text(value).strip() for value in row) for row in rows]
        merges = _merged_ranges(sheet)
    except InputFileError:
        raise
    except Exception as e:  # a damaged sheet inside a readable workbook shows only while it is read
        raise InputFileError(
            f"{path}: the first sheet cannot be read ({e}); re-save the workbook from Excel"
        ) from e
    finally:
        workbook.close()
    if any(value is None for row in rows for value in row):
        _refuse_formulas_without_results(path, rows)
    return records, merges, sheet.title


def _check_first_sheet(path: Path, workbook: Any, sheet: Any) -> None:
    """The first sheet is the one read: refuse it when Excel hides it or it holds nothing while
    another sheet holds the data, naming both."""
    others = [s.title for s in workbook.worksheets[1:] if s.max_row and s.max_row > 1]
    elsewhere = f"; the data seems to be on sheet {others[0]!r}: move that sheet to the front" if others else ""
    if getattr(sheet, "sheet_state", "visible") != "visible":
        raise InputFileError(f"{path}: the first sheet, {sheet.title!r}, is hidden in Excel, and the engine reads "
                             f"the first sheet{elsewhere or '; unhide it, or move the sheet with the data to the front'}")
    if not (sheet.max_row and sheet.max_row > 1) and next(sheet.iter_rows(values_only=True), None) is None and others:
        raise InputFileError(f"{path}: the first sheet, {sheet.title!r}, is empty, and the engine reads the first "
                             f"sheet{elsewhere}")


def _refuse_formulas_without_results(path: Path, values: list[tuple]) -> None:
    """A formula whose result the file does not store reads as an empty cell: refuse the file,
    naming the cells, rather than read a value that is unknown as missing."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        cells = [f"{get_column_letter(c)}{r}"
                 for r, row in enumerate(sheet.iter_rows(values_only=True), 1)
                 for c, formula in enumerate(row, 1)
                 if isinstance(formula, str) and formula.startswith("=")
                 and (r > len(values) or c > len(values[r - 1]) or values[r - 1][c - 1] is None)]
    finally:
        workbook.close()
    if cells:
        listed = ", ".join(cells[:8]) + (f" and {len(cells) - 8} more" if len(cells) > 8 else "")
        raise InputFileError(f"{path}: cell(s) {listed} of sheet {sheet.title!r} hold a formula without a stored "
                             "result (the file was not saved by a program that calculates), so their values are "
                             "unknown; open the file in Excel and save it, or replace the formulas by their values "
                             "(Copy, then Paste Special > Values)")


def _merged_ranges(sheet: Any) -> list[Merge]:
    """The sheet's merged ranges, from its XML (a read-only openpyxl sheet does not expose them)."""
    from openpyxl.utils.cell import range_boundaries

    with sheet._get_source() as source:  # the sheet's XML stream in the workbook archive
        xml = source.read()
    return [range_boundaries(ref.decode("ascii")) for ref in _MERGE_CELL.findall(xml)]


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV export of it would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.15g}"  # as Excel shows it: 15 digits
    return str(value)


# --- Both -----------------------------------------------------------------------------------------


def _to_table(
    path: Path, cells_of: list[tuple[str, ...]], merges: Sequence[Merge] = (), sheet: str = ""
) -> RawTable:
    """The table of a file's records (each a tuple of cells stripped of surrounding white space)."""
    hidden = _hidden_cells(cells_of, merges)
    if any(row == 1 for row, _, _ in hidden):
        ref = next(ref for row, _, ref in hidden if row == 1)
        raise InputFileError(
            f"{path}: header cells {ref} are merged; unmerge them so that every column has its own name"
        )
    covered = {row for row, _, _ in hidden}
    cells_of += [()] * (max(covered, default=0) - len(cells_of))  # a merge may reach below the last row
    non_blank = [(number, cells) for number, cells in enumerate(cells_of, 1) if any(cells) or number in covered]
    if not non_blank:
        raise InputFileError(f"{path}: the file is empty; it needs a header row and one row per record")
    header_row, header = non_blank[0]
    if header_row != 1:
        raise InputFileError(f"{path}: the header must be on row 1, but row 1 is blank; delete the blank rows")
    header = _trimmed(header)
    rows = [cells for _, cells in non_blank[1:]]
    widths = np.fromiter((max(len(header), len(cells)) for cells in rows), dtype=np.intp, count=len(rows))
    padding = ("",) * int(widths.max(initial=len(header)))
    columns = zip(*(cells + padding[len(cells):] for cells in rows)) if rows else [()] * len(padding)
    return RawTable(
        path=path,
        header=header,
        numbers=tuple(number for number, _ in non_blank[1:]),
        columns=tuple(map(TextColumn.of, columns)),
        widths=widths,
        blank_rows=len(cells_of) - len(non_blank),
        merged=hidden,
        sheet=sheet,
    )


def _trimmed(header: tuple[str, ...]) -> tuple[str, ...]:
    """The header without the trailing empty cells that spreadsheet exports leave."""
    while header and header[-1] == "":
        header = header[:-1]
    return header


def _hidden_cells(
    cells_of: list[tuple[str, ...]], merges: Sequence[Merge]
) -> tuple[tuple[int, int, str], ...]:
    """(row, 0-based column of the first hidden cell, range) for each row a merge with a value covers.

    A merged range shows its top-left value over all its cells, but stores it only in the
    top-left one; a merge of empty cells hides nothing.
    """
    if not merges:
        return ()
    from openpyxl.utils import get_column_letter

    hidden = set()
    for first_col, first_row, last_col, last_row in merges:
        anchor = cells_of[first_row - 1] if first_row <= len(cells_of) else ()
        if first_col > len(anchor) or anchor[first_col - 1] == "":
            continue
        ref = f"{get_column_letter(first_col)}{first_row}:{get_column_letter(last_col)}{last_row}"
        for row in range(first_row, last_row + 1):
            column = first_col + 1 if row == first_row else first_col
            if column <= last_col:
                hidden.add((row, column - 1, ref))
    return tuple(sorted(hidden))
