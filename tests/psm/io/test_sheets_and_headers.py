"""Spreadsheets read as Excel shows them, and header problems explained in the officer's terms.

Regressions: a GPA Excel shows as 3.3 but stores as 3.299999999999999 scored 20 from the .xlsx
and 25 from its CSV export; a formula without a stored result read as an empty cell; a hidden or
empty first sheet, a title row above the header and a file separated by semicolons only listed
missing columns; a read-only --out was told to free disk space.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import openpyxl
import pytest

from builders import application, write_rows
from psm.errors import InputFileError, PsmError
from psm.io import read_table
from psm.io.readers import read_applications
from psm.io.writers import write_csv, write_fix
from psm.policy import load_policy

POLICY = load_policy()


def workbook_of(rows: list[dict[str, str]], path, *, first_sheet: str | None = None, hidden: bool = False,
                title_row: str | None = None):
    """An .xlsx of ``rows`` (numbers as numbers); optionally behind another first sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Applications"
    if title_row is not None:
        sheet.append([title_row])
    columns = list(rows[0])
    sheet.append(columns)
    for row in rows:
        sheet.append([float(v) if v.replace(".", "", 1).isdigit() and c in ("gpa",) else v for c, v in row.items()])
    if first_sheet is not None:
        front = book.create_sheet(first_sheet, 0)
        if hidden:
            front.sheet_state = "hidden"
            front.append(["notes"])
    book.save(path)
    return path


def test_an_excel_number_reads_as_excel_shows_it(tmp_path):
    """3.299999999999999 is what Excel stores for 3.3 typed after a sum; it shows 3.3."""
    book = openpyxl.Workbook()
    book.active.append(["applicant_id", "gpa"])
    book.active.append(["24000001A", 3.299999999999999])
    book.active.append(["24000002A", 2.0])
    book.save(tmp_path / "gpa.xlsx")
    table = read_table(tmp_path / "gpa.xlsx")
    assert [cells for _, cells in table.rows] == [("24000001A", "3.3"), ("24000002A", "2")]


def test_the_xlsx_and_its_csv_export_read_the_same(tmp_path):
    rows = [application(applicant_id="24000001A", admission_year="2023", year_of_study="3",
                        prior_hall_semesters="2", gpa="3.3")]
    csv_path = write_rows(tmp_path / "applications.csv", rows)
    book = openpyxl.Workbook()
    book.active.append(list(rows[0]))
    book.active.append([3.299999999999999 if column == "gpa" else value for column, value in rows[0].items()])
    book.save(tmp_path / "applications.xlsx")
    from_csv = read_applications(csv_path, POLICY).frame
    from_xlsx = read_applications(tmp_path / "applications.xlsx", POLICY).frame
    assert from_xlsx["gpa"].tolist() == from_csv["gpa"].tolist() == [3.3]


def test_a_formula_without_a_stored_result_is_refused_naming_the_cell(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["applicant_id", "volunteer_hours"])
    book.active.append(["24000001A", "=20+20"])  # openpyxl stores no result: as a script-made file would
    book.save(tmp_path / "f.xlsx")
    with pytest.raises(InputFileError, match=r"cell\(s\) B2 of sheet 'Sheet' hold a formula without a stored result"
                                             r".*Paste Special > Values"):
        read_table(tmp_path / "f.xlsx")


def test_a_hidden_first_sheet_is_named_with_the_sheet_holding_the_data(tmp_path):
    path = workbook_of([application()], tmp_path / "a.xlsx", first_sheet="Hidden notes", hidden=True)
    with pytest.raises(InputFileError, match=r"the first sheet, 'Hidden notes', is hidden.*sheet 'Applications'"):
        read_table(path)


def test_an_empty_first_sheet_is_named_with_the_sheet_holding_the_data(tmp_path):
    path = workbook_of([application()], tmp_path / "a.xlsx", first_sheet="Sheet1")
    with pytest.raises(InputFileError, match=r"the first sheet, 'Sheet1', is empty.*sheet 'Applications'"):
        read_table(path)


def test_a_title_row_above_the_header_is_explained(tmp_path):
    path = workbook_of([application()], tmp_path / "a.xlsx", title_row="HAC applications 2025/26")
    with pytest.raises(InputFileError) as raised:
        read_applications(path, POLICY)
    message = str(raised.value)
    assert "row 1 of" in message and "sheet 'Applications'" in message and "'HAC applications 2025/26'" in message
    assert "the header is on row 2: delete the rows above it" in message


@pytest.mark.parametrize(("separator", "named"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_file_separated_by_another_character_is_explained(tmp_path, separator, named):
    row = application()
    text = separator.join(row) + "\n" + separator.join(row.values()) + "\n"
    path = tmp_path / "applications.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError, match=rf"separated by {named}, not commas: save it as 'CSV UTF-8"):
        read_applications(path, POLICY)


def test_a_read_only_output_is_not_told_to_free_disk_space(tmp_path, monkeypatch):
    import pandas as pd

    def read_only(self, *args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(Path, "write_bytes", read_only)
    with pytest.raises(PsmError) as raised:
        write_csv(pd.DataFrame({"a": [1]}), tmp_path / "out.csv")
    assert "free" not in str(raised.value) and "read-only" in str(raised.value)
    assert "free some disk space" in write_fix(OSError(errno.ENOSPC, "full"))
