"""CSV files are read column by column (Apache Arrow's reader) where that gives exactly what the
csv module gives, and by the csv module otherwise: the two lanes must never disagree on a cell,
a row number, a blank row or an error."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psm.errors import InputFileError
from psm.io import read_table
from psm.io.tables import _csv_by_columns, _parse_csv, _quotes_read_strictly, _to_table

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample" / "applications.csv"

# The characters the two grammars treat specially, and a few that they must not.
ALPHABET = ["a", "b", " ", ",", '"', "\r", "\n", "\r\n", "\x00", "é", "\u2028", "\t"]


def by_csv_module(path: Path, text: str):
    """The table the csv module reads, or the error it raises."""
    try:
        return _to_table(path, _parse_csv(path, text))
    except InputFileError as error:
        return error


def same_table(fast, slow) -> None:
    assert fast.header == slow.header
    assert fast.rows == slow.rows
    assert fast.numbers == slow.numbers
    assert fast.blank_rows == slow.blank_rows
    assert fast.widths.tolist() == slow.widths.tolist()


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=40).map("".join))
def test_the_column_lane_reads_what_the_csv_module_reads(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("lanes") / "t.csv"
    slow = by_csv_module(path, text)
    fast = _csv_by_columns(path, text.encode(), text)
    if isinstance(slow, InputFileError):
        assert fast is None, f"the csv module refuses {text!r} ({slow}), the column lane read it"
    elif fast is not None:
        same_table(fast, slow)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["", "x", " y ", "a,b", 'say "hi"', "two\nlines", "é"]),
                         min_size=3, max_size=3), min_size=1, max_size=8))
def test_files_written_by_a_csv_writer_take_the_column_lane(tmp_path_factory, records):
    """Whatever a CSV writer quotes, the column lane reads, with the csv module's cells."""
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([["h1", "h2", "h3"], *records])
    text = buffer.getvalue()
    path = tmp_path_factory.mktemp("written") / "t.csv"
    fast = _csv_by_columns(path, text.encode(), text)
    assert fast is not None
    same_table(fast, by_csv_module(path, text))


@pytest.mark.parametrize(("text", "strict"), [
    ('a,b\n', True),
    ('"a",b\n', True),
    ('"a, b",c', True),  # a quoted cell closed by the end of the file
    ('"a""",b\n', True),  # a doubled quote, then the closing one
    ('a"b,c\n', True),  # a quote inside an unquoted cell is a character
    ('x,"two\nlines",y\n', True),
    ('"ab"cd,e\n', False),  # text after the closing quote: the csv module stops
    (',""x\n', False),
    ('"ab', False),  # never closed
    ('a,"b\n', False),
    ('"a"""b",c\n', False),  # a doubled quote, the closing one, then text
])
def test_quotes_read_strictly(text, strict):
    assert _quotes_read_strictly(text.encode()) is strict


def test_the_sample_takes_the_column_lane_and_reads_as_the_csv_module_does():
    data = SAMPLE.read_bytes()
    text = data.decode("utf-8")
    fast = _csv_by_columns(SAMPLE, data, text)
    assert fast is not None
    same_table(fast, by_csv_module(SAMPLE, text))
    same_table(read_table(SAMPLE), fast)


def test_a_utf8_bom_is_not_a_cell_in_the_column_lane(tmp_path):
    path = tmp_path / "t.csv"
    data = b"\xef\xbb\xbfapplicant_id,gpa\n24000001A,3.3\n"
    path.write_bytes(data)
    table = _csv_by_columns(path, data, data[3:].decode())
    assert table is not None
    assert table.header == ("applicant_id", "gpa")
    assert table.rows == ((2, ("24000001A", "3.3")),)
    same_table(read_table(path), table)
