"""Raw tables: the cells of a CSV or XLSX file as text, with the row numbers a person sees.

Row numbers are spreadsheet rows: the header is row 1, the first data row is row 2, and a row
keeps its number even when blank rows come before it. Cells are text with surrounding white
space removed; everything else about their content is judged later, by the row models.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from psm.errors import InputFileError

__all__ = ["RawTable", "read_table"]


@dataclass(frozen=True)
class RawTable:
    """The header and the non-blank data rows of one file, each row with its number."""

    path: Path
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    blank_rows: int


def read_table(path: str | Path) -> RawTable:
    """Read a ``.csv`` (UTF-8, with or without BOM) or ``.xlsx`` (first sheet) into text cells."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        records = _xlsx_records(path)
    elif suffix in {".csv", ".txt"}:
        records = _csv_records(path)
    else:
        raise InputFileError(f"{path}: unsupported file type {suffix!r}; give a .csv or .xlsx file")
    return _to_table(path, records)


def _csv_records(path: Path) -> list[list[str]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as e:
        raise InputFileError(f"{path}: cannot read the file ({e.strerror})") from e
    except UnicodeDecodeError as e:
        line = text_line_of_offset(path.read_bytes(), e.start)
        raise InputFileError(
            f"{path}: line {line} is not UTF-8 (byte {e.start}); save the file as 'CSV UTF-8'"
        ) from e
    try:
        return list(csv.reader(text.splitlines(keepends=True), strict=True))
    except csv.Error as e:
        raise InputFileError(f"{path}: not a readable CSV ({e}); check the quotes on that line") from e


def text_line_of_offset(data: bytes, offset: int) -> int:
    """The 1-based line number holding byte ``offset``."""
    return data.count(b"\n", 0, offset) + 1


def _xlsx_records(path: Path) -> list[list[str]]:
    import openpyxl  # imported here: only XLSX inputs need it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a damaged or foreign file
        raise InputFileError(f"{path}: not a readable .xlsx workbook ({e}); re-save it from Excel") from e
    try:
        sheet = workbook.worksheets[0]
        return [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


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
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _to_table(path: Path, records: list[list[str]]) -> RawTable:
    numbered = [(number, tuple(cell.strip() for cell in cells)) for number, cells in enumerate(records, 1)]
    non_blank = [(number, cells) for number, cells in numbered if any(cells)]
    if not non_blank:
        raise InputFileError(f"{path}: the file is empty; it needs a header row and one row per record")
    (header_row, header), *rows = non_blank
    if header_row != 1:
        raise InputFileError(f"{path}: the header must be on row 1, but row 1 is blank; delete the blank rows")
    while header and header[-1] == "":  # trailing empty header cells from spreadsheet exports
        header = header[:-1]
    return RawTable(path=path, header=header, rows=tuple(rows), blank_rows=len(numbered) - len(non_blank))
