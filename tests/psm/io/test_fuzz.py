"""Fuzzing the input readers: every outcome is a result or a clear error, and no row is lost.

- A clear error is a :class:`~psm.errors.PsmError` whose message names the file (and the row
  or line where the problem is in one place); any other exception fails the test.
- A result keeps every data row: each non-blank row of the file is either accepted (in the
  frame, under its spreadsheet row number) or rejected (in the rejects), never both, never
  neither, and the file's summary counts them so.

Inputs: random bytes, random cells (quotes, separators, line breaks of every kind, NUL, very
long text), wrong encodings, Excel workbooks with random values, merged cells, a repeated
header, a wrong stored size or a damaged sheet, empty and header-only files, duplicate
columns, and one file of 100,000 rows. Bugs found are kept as ``test_regression_...`` tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from builders import application
from psm.errors import PsmError
from psm.io import ApplicationRow, read_cohort, read_table

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample" / "applications.csv"
COLUMNS = list(application())  # the columns of a valid local applicant, in contract order
FREE_TEXT = ("home_address", "college")  # kept as written (trimmed), so they show what was read
FUZZ = settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])

# Characters that break naive readers: separators, quotes, every Unicode line break, NUL, BOM.
SPECIAL = [",", '"', "'", ";", "\n", "\r", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c",
           "\x1e", "\x00", "\ufeff", "\t", " ", "\xa0", "=", "-", "陳", "é", "😀"]
cell_text = st.text(st.one_of(st.sampled_from(SPECIAL), st.characters(codec="utf-8")), max_size=20)


# --- What every outcome must satisfy -------------------------------------------------------------------

def outcome(policy, path: Path):
    """The cohort read from ``path``, or the PsmError the read raised (any other exception escapes)."""
    try:
        return read_cohort(policy, path)
    except PsmError as error:
        return error


def assert_clear_error(error, path: Path, *places: str) -> None:
    """A PsmError naming the file and each of ``places`` (a row, a line, a column)."""
    assert isinstance(error, PsmError), f"expected a clear error, got {error!r}"
    message = str(error)
    assert str(path) in message, message
    for place in places:
        assert place in message, message


def assert_every_row_kept(cohort, rows=None) -> None:
    """Accepted + rejected = the file's rows, each row exactly once (``rows``: the expected numbers)."""
    summary = cohort.files[0]
    name = Path(summary.path).name
    accepted = list(cohort.applications["source_row"])
    rejected = {r.row for r in cohort.rejects}
    assert all(r.file == name and r.error and r.column for r in cohort.rejects)
    assert len(accepted) == len(set(accepted)) == summary.accepted
    assert len(rejected) == summary.rejected
    assert set(accepted).isdisjoint(rejected)
    assert summary.accepted + summary.rejected == summary.rows
    if rows is not None:
        assert sorted([*accepted, *rejected]) == sorted(rows)


def write_records(path: Path, records, encoding: str = "utf-8", bom: bool = False) -> Path:
    """Rows as Excel's 'CSV UTF-8' writes them: CRLF ends, cells with breaks or quotes quoted."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(records)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode(encoding))
    return path


def non_blank(records) -> list[int]:
    """Spreadsheet numbers of the data rows holding any non-space cell (the header is row 1)."""
    return [number for number, cells in enumerate(records[1:], 2) if any(cell.strip() for cell in cells)]


def save_workbook(path: Path, rows) -> Path:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(list(row))
    workbook.save(path)
    return path


def rewrite_sheet(source: Path, target: Path, change) -> Path:
    """A copy of a workbook whose first sheet's XML is ``change(xml)``; the archive stays valid."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            new.writestr(item, change(data) if item.filename == "xl/worksheets/sheet1.xml" else data)
    return target


def valid_rows(n: int) -> list[list[str]]:
    return [list(COLUMNS)] + [list(application(applicant_id=f"2400{i:04d}A").values()) for i in range(n)]


# --- Random bytes -----------------------------------------------------------------------------------

@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes(tmp_path_factory, policy, data):
    path = tmp_path_factory.mktemp("bytes") / "applications.csv"
    path.write_bytes(data)
    result = outcome(policy, path)
    if isinstance(result, Exception):
        assert_clear_error(result, path)
    else:
        assert_every_row_kept(result)


@FUZZ
@given(tail=st.binary(max_size=300))
def test_random_bytes_after_valid_rows(tmp_path_factory, policy, tail):
    path = write_records(tmp_path_factory.mktemp("tail") / "applications.csv", valid_rows(2))
    path.write_bytes(path.read_bytes() + tail)
    result = outcome(policy, path)
    if isinstance(result, Exception):
        assert_clear_error(result, path)
    else:
        assert_every_row_kept(result)
        assert {2, 3} <= set(result.applications["source_row"])  # the valid rows stay valid


@settings(max_examples=15)
@given(data=st.binary(max_size=300))
def test_random_bytes_named_xlsx(tmp_path_factory, policy, data):
    path = tmp_path_factory.mktemp("xbytes") / "applications.xlsx"
    path.write_bytes(data)
    assert_clear_error(outcome(policy, path), path)


# --- Random cells ------------------------------------------------------------------------------------

row_changes = st.lists(
    st.one_of(
        st.just("blank"),
        st.dictionaries(st.sampled_from(COLUMNS + list(FREE_TEXT)), cell_text, max_size=3),
    ),
    max_size=12,
)


@FUZZ
@given(changes=row_changes)
def test_random_cells_keep_every_row(tmp_path_factory, policy, changes):
    records = [COLUMNS + list(FREE_TEXT)]
    for i, change in enumerate(changes):
        if change == "blank":
            records.append([""] * len(records[0]))
        else:
            row = application(applicant_id=f"2400{i:04d}A", home_address="", college="") | change
            records.append([row[c] for c in records[0]])
    path = write_records(tmp_path_factory.mktemp("cells") / "applications.csv", records)
    result = outcome(policy, path)
    if isinstance(result, Exception):  # only a header made unreadable by the change may stop the read
        assert_clear_error(result, path)
        return
    assert_every_row_kept(result, non_blank(records))
    for _, row in result.applications.iterrows():  # what is accepted is what was written
        written = records[row["source_row"] - 1]
        for column in FREE_TEXT:
            text = written[records[0].index(column)].strip()
            assert (None if pd.isna(row[column]) else row[column]) == (text or None)


@FUZZ
@given(changes=row_changes)
def test_a_utf8_bom_changes_nothing(tmp_path_factory, policy, changes):
    records = [COLUMNS] + [
        [(application(applicant_id=f"2400{i:04d}A") | (c if c != "blank" else {})).get(k, "")
         for k in COLUMNS]
        for i, c in enumerate(changes)
    ]
    folder = tmp_path_factory.mktemp("bom")
    plain = outcome(policy, write_records(folder / "plain.csv", records))
    with_bom = outcome(policy, write_records(folder / "bom.csv", records, bom=True))
    if isinstance(plain, Exception):
        assert type(with_bom) is type(plain)
        return
    assert with_bom.applications.equals(plain.applications)
    assert [(r.row, r.column, r.value, r.error) for r in with_bom.rejects] == [
        (r.row, r.column, r.value, r.error) for r in plain.rejects
    ]


# --- Wrong encodings ---------------------------------------------------------------------------------

def _encodable(codec: str):
    def check(char: str) -> bool:
        try:
            char.encode(codec)
        except UnicodeEncodeError:
            return False
        return True
    return check


big5_text = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5).filter(_encodable("big5")),
                    min_size=1, max_size=8)
cp1252_text = st.text(st.sampled_from("éèàçüößñÉ€“”‘’–—…•™£¥©®°±½"), min_size=1, max_size=8)


@pytest.mark.parametrize(("codec", "text"), [("big5", big5_text), ("cp1252", cp1252_text)])
def test_other_encodings_name_the_file_and_line(tmp_path_factory, policy, codec, text):
    @settings(max_examples=30)
    @given(text=text, at=st.integers(0, 3))
    def check(text, at):
        records = valid_rows(4)
        records[at + 1][COLUMNS.index("district")] = text
        path = write_records(tmp_path_factory.mktemp(codec) / "applications.csv", records, encoding=codec)
        data = path.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            expected = (f"line {at + 2} is not UTF-8", "save the file as 'CSV UTF-8'")
            assert_clear_error(outcome(policy, path), path, *expected)
        else:  # these bytes happen to be valid UTF-8 too (mojibake): read like any text
            assert_every_row_kept(outcome(policy, path), [2, 3, 4, 5])

    check()


@pytest.mark.parametrize(
    ("codec", "text"), [("big5", "陳大文"), ("cp1252", "Café"), ("cp1252", "“quoted”")]
)
def test_typical_big5_and_cp1252_files(tmp_path, policy, codec, text):
    records = valid_rows(2)
    records[2][COLUMNS.index("district")] = text
    path = write_records(tmp_path / "applications.csv", records, encoding=codec)
    assert_clear_error(outcome(policy, path), path, "line 3 is not UTF-8")


def test_utf16_file_is_a_clear_error(tmp_path, policy):
    path = tmp_path / "applications.csv"
    path.write_bytes("applicant_id,gender\r\n24000001A,F\r\n".encode("utf-16"))
    assert_clear_error(outcome(policy, path), path, "UTF-16", "'CSV UTF-8'")


def test_workbook_named_csv_is_a_clear_error(tmp_path, policy):
    path = tmp_path / "applications.csv"
    save_workbook(path.with_suffix(".xlsx"), valid_rows(1)).rename(path)
    assert_clear_error(outcome(policy, path), path, "Excel workbook", ".xlsx")


# --- Excel workbooks ---------------------------------------------------------------------------------

excel_value = st.one_of(
    st.none(),
    st.integers(-10**6, 10**6),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.booleans(),
    st.dates(dt.date(1901, 1, 1), dt.date(2099, 12, 31)),
    st.text(max_size=15).map(lambda s: ILLEGAL_CHARACTERS_RE.sub("", s)),
)


def _blank_excel_row(values) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


@settings(max_examples=25)
@given(changes=st.lists(st.dictionaries(st.sampled_from(COLUMNS), excel_value, max_size=3), max_size=8))
def test_random_excel_values_keep_every_row(tmp_path_factory, policy, changes):
    rows = [COLUMNS]
    for i, change in enumerate(changes):
        row = application(applicant_id=f"2400{i:04d}A") | change
        rows.append([row[c] for c in COLUMNS])
    path = save_workbook(tmp_path_factory.mktemp("xlsx") / "applications.xlsx", rows)
    result = outcome(policy, path)
    expected = [n for n, values in enumerate(rows[1:], 2) if not _blank_excel_row(values)]
    assert_every_row_kept(result, expected)


@settings(max_examples=25)
@given(at=st.floats(0, 1, exclude_max=True), damage=st.binary(min_size=1, max_size=20))
def test_damaged_sheet_xml(tmp_path_factory, policy, at, damage):
    folder = tmp_path_factory.mktemp("damaged")
    source = save_workbook(folder / "source.xlsx", valid_rows(3))

    def change(xml: bytes) -> bytes:
        cut = int(at * len(xml))
        return xml[:cut] + damage + xml[cut + len(damage):]

    path = rewrite_sheet(source, folder / "applications.xlsx", change)
    result = outcome(policy, path)
    if isinstance(result, Exception):
        assert_clear_error(result, path)
    else:
        assert_every_row_kept(result)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_empty_files(tmp_path, policy, suffix):
    path = tmp_path / f"applications{suffix}"
    if suffix == ".csv":
        path.write_bytes(b"\xef\xbb\xbf\r\n \r\n,,,\r\n")
    else:
        save_workbook(path, [[None, "  "]])
    assert_clear_error(outcome(policy, path), path, "the file is empty")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_header_only_files(tmp_path, policy, suffix):
    path = tmp_path / f"applications{suffix}"
    if suffix == ".csv":
        write_records(path, [COLUMNS], bom=True)
    else:
        save_workbook(path, [COLUMNS])
    cohort = outcome(policy, path)
    assert_every_row_kept(cohort, [])
    assert cohort.rejects == () and cohort.applications.empty


@settings(max_examples=20)
@given(twice=st.sampled_from(COLUMNS), at=st.integers(0, len(COLUMNS)),
       suffix=st.sampled_from([".csv", ".xlsx"]))
def test_duplicate_columns_name_the_column(tmp_path_factory, policy, twice, at, suffix):
    header = COLUMNS[:at] + [twice] + COLUMNS[at:]
    rows = [header] + [[application()[c] for c in header]]
    path = tmp_path_factory.mktemp("dup") / f"applications{suffix}"
    write_records(path, rows) if suffix == ".csv" else save_workbook(path, rows)
    assert_clear_error(outcome(policy, path), path, f"['{twice}'] appear more than once")


@settings(max_examples=10)
@given(column=st.sampled_from(COLUMNS + list(FREE_TEXT)), length=st.integers(1_000, 100_000),
       fill=st.sampled_from(["x", "Red Hall;", "9", " ", "陳"]))
def test_very_long_cells(tmp_path_factory, policy, column, length, fill):
    records = [COLUMNS + list(FREE_TEXT)] + [list(application(applicant_id="24000001A", home_address="",
                                                               college="").values())]
    records[1][records[0].index(column)] = (fill * length)[:length]
    path = write_records(tmp_path_factory.mktemp("long") / "applications.csv", records)
    started = time.perf_counter()
    result = outcome(policy, path)
    assert time.perf_counter() - started < 5
    if isinstance(result, Exception):
        assert_clear_error(result, path)
        return
    assert_every_row_kept(result, non_blank(records))
    assert all(len(r.error) < 400 for r in result.rejects)  # the message quotes a long cell in part


def test_cell_longer_than_the_csv_limit_names_its_row(tmp_path, policy):
    records = valid_rows(2)
    records[2][COLUMNS.index("district")] = "x" * 200_000
    path = write_records(tmp_path / "applications.csv", records)
    assert_clear_error(outcome(policy, path), path, "row 3 (from line 3)", "check the quotes from line 3")


# --- One big file -------------------------------------------------------------------------------------

def test_100_000_rows(tmp_path, policy):
    """100,000 applicants (the sample repeated under new ids), some damaged, some blank lines between."""
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        header, *sample = list(csv.reader(handle))
    records, expected, damaged = [header], [], set()
    gender = header.index("gender")
    for i in range(100_000):
        row = list(sample[i % len(sample)])
        row[0] = f"{i // len(sample):02d}{row[0]}"
        if i % 997 == 0:
            row[gender] = "X"
        if i % 5_000 == 4_999:
            records.append([""] * len(header))
        records.append(row)
        expected.append(len(records))
        if i % 997 == 0:
            damaged.add(len(records))
    path = write_records(tmp_path / "applications.csv", records)
    cohort = outcome(policy, path)
    assert_every_row_kept(cohort, expected)
    assert cohort.files[0].rows == 100_000 and cohort.files[0].blank_rows == 20
    assert {r.row for r in cohort.rejects} == damaged


# --- Regressions found by fuzzing ---------------------------------------------------------------------

def test_regression_bom_file_error_names_the_bad_line(tmp_path, policy):
    """Found: in a file starting with a UTF-8 BOM, a non-UTF-8 byte was placed 3 bytes early (the
    decoder counts from after the BOM), so the error could name the line before the bad one."""
    path = tmp_path / "applications.csv"
    path.write_bytes(b"\xef\xbb\xbfapplicant_id\n\xe9\n")
    assert_clear_error(outcome(policy, path), path, "line 2 is not UTF-8 (byte 16)")


def test_regression_line_separator_inside_a_cell_does_not_split_the_row(tmp_path, policy):
    """Found: CSV text was cut into lines with ``str.splitlines``, which also breaks at U+2028,
    U+0085, form feed and others: a row whose address held one became two rows, the first
    accepted with a cut-off address, the second rejected, and the rows after it renumbered."""
    records = valid_rows(3)
    for i, separator in enumerate(["\u2028", "\x85\x0c"], 1):
        records[i][COLUMNS.index("district")] = "Sha Tin"
        records[i].append(f"Flat A{separator}Block B")
    records[0].append("home_address")
    records[3].append("")
    cohort = outcome(policy, write_records(tmp_path / "applications.csv", records))
    assert_every_row_kept(cohort, [2, 3, 4])
    assert list(cohort.applications["home_address"][:2]) == ["Flat A\u2028Block B", "Flat A\x85\x0cBlock B"]


def test_regression_csv_quote_error_names_row_and_line(tmp_path, policy):
    """Found: a CSV quoting error stopped the read without saying where; it now names the row
    (counting records, as a spreadsheet does) and the line the record starts on."""
    path = tmp_path / "applications.csv"
    path.write_text('applicant_id,home_address\n24000001A,"Flat A\nBlock B"\n24000002B,"Flat "C"\n')
    assert_clear_error(outcome(policy, path), path, "row 3 (from line 4)", "check that line")


def test_regression_long_hall_list_is_checked_quickly(tmp_path, policy):
    """Found: repeated hall names were found with ``list.count`` per name, quadratic in the cell:
    a 100,000-character hall_preferences cell took minutes. Now linear; the message stays short."""
    halls = ";".join(f"Hall {i % 9000}" for i in range(12_000))
    records = valid_rows(1)
    records[0].append("hall_preferences")
    records[1].append(halls)
    started = time.perf_counter()
    cohort = outcome(policy, write_records(tmp_path / "applications.csv", records))
    assert time.perf_counter() - started < 2
    [reject] = cohort.rejects
    assert reject.column == "hall_preferences" and reject.value == halls
    first_five = "['Hall 0', 'Hall 1', 'Hall 10', 'Hall 100', 'Hall 1000']"
    assert reject.error.startswith(f"hall(s) {first_five} and 2995 more listed more than once")


def test_regression_long_value_is_shortened_in_the_message(tmp_path, policy):
    """Found: a bad cell was quoted whole in its error message (100,000 characters in rejects.csv
    twice); the message now quotes its first 60 characters and gives the length."""
    records = valid_rows(1)
    records[1][COLUMNS.index("gender")] = "F" * 100_000
    cohort = outcome(policy, write_records(tmp_path / "applications.csv", records))
    [reject] = cohort.rejects
    assert reject.value == "F" * 100_000
    assert reject.error == f"unknown gender {'F' * 60!r}... (100,000 characters); use one of 'F', 'M'"


def test_regression_xlsx_wrong_stored_size_keeps_every_row_and_column(tmp_path, policy):
    """Found: a workbook whose stored size (``<dimension>``) is too small, as some exporters write
    it, was read only within that size: later rows and columns were silently dropped."""
    source = save_workbook(tmp_path / "source.xlsx", valid_rows(5))
    path = rewrite_sheet(source, tmp_path / "applications.xlsx",
                         lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:C2"', xml))
    cohort = outcome(policy, path)
    assert_every_row_kept(cohort, [2, 3, 4, 5, 6])
    assert cohort.rejects == ()


def test_regression_damaged_sheet_is_a_clear_error(tmp_path, policy):
    """Found: a workbook whose archive opens but whose sheet XML is damaged raised a raw
    ``xml.etree.ElementTree.ParseError`` (openpyxl parses the sheet only while it is read)."""
    source = save_workbook(tmp_path / "source.xlsx", valid_rows(3))
    path = rewrite_sheet(source, tmp_path / "applications.xlsx", lambda xml: xml[: len(xml) // 2])
    assert_clear_error(outcome(policy, path), path, "the first sheet cannot be read", "re-save the workbook")


def test_regression_merged_cells_reject_the_rows_they_hide(tmp_path, policy):
    """Found: a merged range shows its value in every cell but stores it only in the top-left
    one, so the rows below read as empty there: a merged optional cell (hall_preferences) was
    silently dropped and a merged required one gave a puzzling 'required but empty'. Every row
    holding a hidden cell is now rejected, naming the range; a merge of empty cells hides nothing."""
    rows = valid_rows(4)
    rows[0].append("hall_preferences")
    for row in rows[1:]:
        row.append(None)
    rows[1][-1] = "Red Hall"
    path = tmp_path / "applications.xlsx"
    save_workbook(path, rows)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    hall = openpyxl.utils.get_column_letter(len(rows[0]))
    sheet.merge_cells(f"{hall}2:{hall}3")  # Red Hall shown for rows 2 and 3
    sheet.merge_cells("B4:C4")  # gender over student_type in row 4
    sheet.merge_cells(f"{hall}5:{hall}6")  # empty cells merged: nothing hidden
    workbook.save(path)
    cohort = outcome(policy, path)
    assert_every_row_kept(cohort, [2, 3, 4, 5])
    assert list(cohort.applications["source_row"]) == [2, 5]
    assert [(r.row, r.column) for r in cohort.rejects if "merged" in r.error] == [
        (3, "hall_preferences"), (4, "student_type")
    ]
    assert cohort.rejects[0].error == (
        f"this cell is inside the merged cells {hall}2:{hall}3, so it holds no value of its own; "
        "unmerge the cells and fill in this row's value"
    )


def test_regression_merged_header_cells_are_a_clear_error(tmp_path, policy):
    """Found: merged header cells read as a header with an unnamed column; the error now says
    which cells are merged."""
    path = save_workbook(tmp_path / "applications.xlsx", valid_rows(1))
    workbook = openpyxl.load_workbook(path)
    workbook.active.merge_cells("A1:B1")
    workbook.save(path)
    assert_clear_error(outcome(policy, path), path, "header cells A1:B1 are merged")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_regression_repeated_header_row_is_one_clear_reject(tmp_path, policy, suffix):
    """Found: a second header row (two exports pasted together) was rejected with one puzzling
    message per cell ('not a student number', 'unknown gender 'gender'', ...); it is now one
    reject saying what the row is."""
    rows = valid_rows(2)
    rows.insert(2, list(COLUMNS))
    path = tmp_path / f"applications{suffix}"
    write_records(path, rows) if suffix == ".csv" else save_workbook(path, rows)
    cohort = outcome(policy, path)
    assert_every_row_kept(cohort, [2, 3, 4])
    assert [(r.row, r.column, r.error) for r in cohort.rejects] == [
        (3, "(row)", "this row repeats the header row (two exports pasted together?); delete it")
    ]


def test_regression_short_rows_carry_every_header_cell(tmp_path):
    """Found: a row with fewer cells than the header kept its short length, so code that looks a
    cell up by its column's position (``cells[at]``, as the command line does) could fail with
    an IndexError. Every row now has at least the header's width."""
    path = tmp_path / "responses.csv"
    path.write_text("applicant_id,response\n24000001A\n\n24000002B,accepted,extra\n")
    table = read_table(path)
    assert table.rows == ((2, ("24000001A", "")), (4, ("24000002B", "accepted", "extra")))


def test_rows_of_the_contract_model_cover_the_fuzzed_columns():
    """The fuzzed columns are contract columns (so a reject names a real column)."""
    assert set(COLUMNS + list(FREE_TEXT)) <= set(ApplicationRow.model_fields)
