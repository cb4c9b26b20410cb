"""Result files: formula injection neutralised, numbers untouched, the same bytes every time."""

from __future__ import annotations

import pandas as pd
import pytest

from psm.errors import PsmError
from psm.io import neutralise_formula, write_csv


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
    with pytest.raises(PsmError, match=r"cannot write the output .*choose a writable --out path"):
        write_csv(pd.DataFrame({"a": [1]}), blocker / "scores.csv")
