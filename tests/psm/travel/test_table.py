"""The embedded district table and the override-first rule."""

from __future__ import annotations

import numpy as np
import pytest

from builders import application, frame
from psm import domain
from psm.errors import InputFileError
from psm.travel import DistrictTable, resolve_travel


def test_bundled_table_covers_the_18_districts(table):
    assert sorted(table.minutes_by_district) == sorted(domain.DISTRICTS)
    assert all(m > 0 for m in table.minutes_by_district.values())
    assert len(table.sha256) == 64


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda rows: rows[:-1], r"missing: \['Islands'\]"),
        (lambda rows: rows + ["Atlantis,10,boat"], r"unknown: \['Atlantis'\]"),
        (lambda rows: rows + [rows[1]], r"repeated: \['Central and Western'\]"),
        (lambda rows: [rows[0], "Central and Western,0,x", *rows[2:]], r"minutes not > 0: \['Central and Western=0'\]"),
    ],
)
def test_a_damaged_table_is_refused(tmp_path, table, edit, message):
    rows = open(table.path, encoding="utf-8").read().splitlines()
    path = tmp_path / "minutes.csv"
    path.write_text("\n".join(edit(rows)) + "\n")
    with pytest.raises(InputFileError, match=message):
        DistrictTable.load(path)


def test_override_first_then_table_and_nothing_for_non_locals(table):
    apps = frame([
        application(applicant_id="24000001A", district="Tuen Mun", travel_minutes=20),
        application(applicant_id="24000002B", district="Tuen Mun"),
        application(applicant_id="24000003C", student_type="non_local", admission_year=2025, year_of_study=1),
    ])
    times = resolve_travel(apps, table)
    assert np.array_equal(times.minutes[:2], [20.0, 65.0]) and np.isnan(times.minutes[2])
    assert list(times.source) == ["override", "table", ""]
    assert list(times.note) == ["", "", ""]
