"""TOML text from policy data: tomllib reads back exactly what was written."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psm.policy import default_policy_path
from whatif.toml_text import dumps


def test_the_bundled_policy_reads_back_identical():
    data = tomllib.loads(default_policy_path().read_text(encoding="utf-8"))
    assert tomllib.loads(dumps(data)) == data


def test_bands_are_written_as_inline_tables_in_a_section():
    text = dumps({"parts": {"volunteer": {"max": 8, "bands": [{"at_least": 0, "points": 0},
                                                               {"at_least": 30.5, "points": 8}]}}})
    assert text == ("[parts.volunteer]\nmax = 8\n"
                    "bands = [{ at_least = 0, points = 0 }, { at_least = 30.5, points = 8 }]\n")


def test_a_value_toml_cannot_hold_names_its_key():
    with pytest.raises(TypeError, match=r"parts\.district\.bands\[2\]\.points = None"):
        dumps({"parts": {"district": {"bands": [{"points": 0}, {"points": None}]}}})


keys = st.text(min_size=1, max_size=8)
scalars = (st.integers(-10**12, 10**12) | st.floats(allow_nan=False, allow_infinity=True) | st.booleans()
           | st.text(max_size=12) | st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31))
           | st.times().map(lambda t: t.replace(tzinfo=None)))
values = st.recursive(scalars,
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
                      max_leaves=12)


@given(st.dictionaries(keys, values, max_size=5))
def test_any_table_reads_back_identical(table):
    assert tomllib.loads(dumps(table)) == table
