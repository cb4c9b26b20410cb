"""Result files: formula injection neutralised, numbers untouched, the same bytes every time."""

from __future__ import annotations

import csv
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psm.errors import PsmError
from psm.io import neutralise_formula, write_csv
from psm.io.writers import safe_text


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("@HYPERLINK(\"x\")", "'@HYPERLINK(\"x\")"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-3", "-3"),
        ("+4.5", "+4.5"),
        ("-1e3", "-1e3"),
        ("Sha Tin", "Sha Tin"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralise_formula(text, written):
    assert neutralise_formula(text) == written


def test_write_csv_neutralises_text_and_keeps_numbers(tmp_path):
    frame = pd.DataFrame({"name": ["=HYPERLINK(1)", "ok"], "points": [-3, 4], "minutes": [-2.5, 30.0]})
    path = write_csv(frame, tmp_path / "out" / "x.csv")
    assert path.read_text() == "name,points,minutes\n'=HYPERLINK(1),-3,-2.5\nok,4,30.0\n"


def test_write_csv_is_byte_identical(tmp_path):
    frame = pd.DataFrame({"a": ["x", None], "b": pd.array([1, None], dtype="Int64")})
    first, second = write_csv(frame, tmp_path / "1.csv"), write_csv(frame, tmp_path / "2.csv")
    assert first.read_bytes() == second.read_bytes() == b"a,b\nx,1\n,\n"


def test_unwritable_output_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(PsmError, match=r"cannot write the output .*check the path, or choose another --out"):
        write_csv(pd.DataFrame({"a": [1]}), blocker / "scores.csv")


# --- Each formula start, numbers kept, line breaks (results a person opens in Excel: io-contract.md) -----

FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")  # what a spreadsheet reads as a number


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_each_formula_start_is_neutralised(start):
    for text in (start, start + "cmd|' /C calc'!A0", start + "1+2", start + "SUM(A1:A9)"):
        assert neutralise_formula(text) == "'" + text


@pytest.mark.parametrize("number", ["-3", "-2.5", "+3", "-0.5", "-.5", "-2.5e-3", "+1E3", "3", "2.5", "0"])
def test_numbers_written_as_text_stay_numbers(number):
    assert neutralise_formula(number) == number


def test_write_csv_keeps_negative_numbers_whatever_the_column_type(tmp_path):
    frame = pd.DataFrame({
        "text": ["-3", "-2.5", "=1"],
        "mixed": [-3, -2.5, "@x"],
        "whole": [-3, 0, 3],
        "decimal": [-2.5, 0.0, 1.5],
        "nullable": pd.array([-3, None, 3], dtype="Int64"),
    })
    path = write_csv(frame, tmp_path / "x.csv")
    assert path.read_text() == (
        "text,mixed,whole,decimal,nullable\n"
        "-3,-3,-3,-2.5,-3\n"
        "-2.5,-2.5,0,0.0,\n"
        "'=1,'@x,3,1.5,3\n"
    )


def test_write_csv_neutralises_each_formula_start(tmp_path):
    frame = pd.DataFrame({"cell": [start + "1+2" for start in FORMULA_STARTS]})
    rows = list(csv.reader(write_csv(frame, tmp_path / "x.csv").open(newline="")))
    assert [row[0] for row in rows[1:]] == ["'=1+2", "'+1+2", "'-1+2", "'@1+2", "'\t1+2", "'\n1+2"]


@settings(max_examples=200)
@given(st.lists(st.text(st.one_of(st.sampled_from(FORMULA_STARTS + ["\n", '"', ",", "1", " "]),
                                  st.characters(codec="utf-8")), max_size=12), min_size=1, max_size=8))
def test_written_cells_never_start_a_formula_or_a_row(tmp_path_factory, texts):
    frame = pd.DataFrame({"cell": texts, "n": range(len(texts)), "typed": pd.array(texts, dtype="string")})
    path = write_csv(frame, tmp_path_factory.mktemp("w") / "x.csv")
    with path.open(newline="", encoding="utf-8") as handle:  # newline="": CR and LF both end a row here
        rows = list(csv.reader(handle))
    assert len(rows) == len(texts) + 1  # a line break inside a cell never starts a row
    for number, ((cell, n, typed), text) in enumerate(zip(rows[1:], texts)):
        assert n == str(number)
        assert cell == typed == safe_text(text)
        assert not cell.startswith(tuple(FORMULA_STARTS)) or NUMBER.fullmatch(cell)


def test_regression_carriage_return_inside_a_cell_cannot_start_a_row(tmp_path):
    """Found: Python's CSV writer does not quote a bare carriage return when lines end in ``\\n``,
    so a text cell 'ok\\r=1+2' was written unquoted; a spreadsheet starts a new row at the CR and
    runs '=1+2' there, getting past the neutralisation. Line breaks are now written as a quoted
    ``\\n``."""
    path = write_csv(pd.DataFrame({"note": ["ok\r=1+2", "a\r\nb"], "n": [1, 2]}), tmp_path / "x.csv")
    assert path.read_bytes() == b'note,n\n"ok\n=1+2",1\n"a\nb",2\n'
    with path.open(newline="") as handle:
        assert list(csv.reader(handle)) == [["note", "n"], ["ok\n=1+2", "1"], ["a\nb", "2"]]


# --- The joined writer writes what pandas writes ---------------------------------------------------

_TEXT = st.text(st.sampled_from(["a", ",", '"', "\n", "\r", " ", "é", "'", "="]), max_size=6)
_FLOATS = st.one_of(st.sampled_from([0.0, -0.0, float("nan"), float("inf"), -float("inf"), 1e-5, 1e16, 0.1 + 0.2,
                                     123456789.123456789, 35.0]), st.floats(allow_nan=True, allow_infinity=True))


def _column(kind: str, n: int):
    """A strategy for one column of ``n`` cells of a dtype the result files hold."""
    if kind == "str":
        return st.lists(st.one_of(st.none(), _TEXT), min_size=n, max_size=n).map(lambda v: pd.array(v, dtype="str"))
    if kind == "object":
        return st.lists(_TEXT, min_size=n, max_size=n).map(lambda v: pd.Series(v, dtype=object))
    if kind == "Int64":
        return st.lists(st.one_of(st.none(), st.integers(-10**12, 10**12)), min_size=n, max_size=n).map(
            lambda v: pd.array(v, dtype="Int64"))
    if kind == "int64":
        return st.lists(st.integers(-2**63, 2**63 - 1), min_size=n, max_size=n).map(lambda v: pd.Series(v, dtype="int64"))
    if kind == "bool":
        return st.lists(st.booleans(), min_size=n, max_size=n).map(lambda v: pd.Series(v, dtype=bool))
    if kind == "float64":
        return st.lists(_FLOATS, min_size=n, max_size=n).map(lambda v: pd.Series(v, dtype="float64"))
    return st.lists(st.one_of(st.none(), st.integers(), _TEXT), min_size=n, max_size=n).map(  # mixed objects
        lambda v: pd.Series(v, dtype=object))


@st.composite
def _frames(draw):
    n = draw(st.integers(0, 6))
    names = draw(st.lists(_TEXT, min_size=1, max_size=3, unique=True))
    kinds = [draw(st.sampled_from(["str", "object", "Int64", "int64", "bool", "float64", "mixed"])) for _ in names]
    return pd.DataFrame({name: pd.Series(draw(_column(kind, n))).reset_index(drop=True)
                         for name, kind in zip(names, kinds)}), kinds


@settings(max_examples=300, deadline=None)
@given(_frames())
def test_the_joined_text_is_what_pandas_writes(drawn):
    """``write_csv`` joins the cells itself where it knows the dtypes: byte for byte what
    ``to_csv`` writes, or nothing (pandas then writes), never other bytes."""
    from psm.io.writers import _csv_text

    frame, kinds = drawn
    joined = _csv_text(frame)
    if "mixed" not in kinds:
        assert joined is not None
    if joined is not None:
        assert joined == frame.to_csv(index=False, lineterminator="\n")
