"""The area table: finer minutes than the district where the address names a known area."""

from __future__ import annotations

import numpy as np
import pytest

from builders import application, frame
from psm import domain
from psm.errors import InputFileError
from psm.travel import AreaTable, TableProvider, resolve_travel


@pytest.fixture(scope="module")
def provider():
    return TableProvider.load()


def test_bundled_area_table_is_valid_and_within_districts():
    areas = AreaTable.load()
    assert {district for district, *_ in areas.areas} <= set(domain.DISTRICTS)
    assert len(areas.sha256) == 64 and all(minutes > 0 for *_, minutes in areas.areas)


def test_tung_chung_is_not_cheung_chau(provider):
    apps = frame([
        application(applicant_id="24000001A", district="Islands", home_address="Flat 3A, Block 2, Caribbean Coast, Tung Chung"),
        application(applicant_id="24000002B", district="Islands", home_address="12 Tung Wan Road, CHEUNG  CHAU"),
        application(applicant_id="24000003C", district="Islands", home_address="Flat 4, Golden Court, Islands"),
        application(applicant_id="24000004D", district="Islands"),
    ])
    times = resolve_travel(apps, provider)
    assert list(times.minutes) == [50.0, 80.0, 60.0, 60.0]
    assert list(times.source) == ["table"] * 4
    assert list(times.note) == ["area estimate: Tung Chung (Islands)", "area estimate: Cheung Chau (Islands)",
                                UNREAD.format("Islands"), ""]  # an address naming no area is flagged; none, not


def test_an_area_counts_only_in_its_own_district_and_as_whole_words(provider):
    apps = frame([
        application(applicant_id="24000001A", district="Kowloon City", home_address="5 Cheung Chau Street, Kowloon City"),
        application(applicant_id="24000002B", district="Sai Kung", home_address="Block 9, Bayview Mansion, Sai Kung"),
        application(applicant_id="24000003C", district="Sai Kung", home_address="8 Po Lamington Road, Sai Kung"),
        application(applicant_id="24000004D", district="Sai Kung", home_address="3 Hiram's Highway, Sai Kung Town"),
    ])
    times = provider.travel_times(apps)
    assert list(times.minutes) == [20.0, 40.0, 40.0, 65.0]
    # Kowloon City has no areas in the table: its figure is the table's answer, no note
    assert list(times.note) == ["", UNREAD.format("Sai Kung"), UNREAD.format("Sai Kung"),
                                "area estimate: Sai Kung Town (Sai Kung)"]


def test_an_address_naming_two_areas_keeps_the_district_figure_with_a_note(provider):
    apps = frame([application(district="Islands", home_address="Lamma ferry pier, near Mui Wo")])
    times = provider.travel_times(apps)
    assert times.minutes[0] == 60.0
    assert times.note[0] == "address names several areas (Mui Wo, Lamma Island); district figure used"


def test_the_table_counts_area_estimates_for_the_summary():
    provider = TableProvider.load()
    provider.travel_times(frame([application(district="Islands", home_address="Mui Wo")]))
    assert provider.stats.area_estimates == 1 and provider.stats.applicants == 1
    assert provider.stats.summary_lines() == [
        "travel minutes (table): 1 applicants from the district table",
        "  area estimates (data/travel/area_minutes.csv): 1 applicants",
    ]
    assert provider.describe().startswith("district table district_minutes.csv (sha256 ")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Atlantis,Reef,Reef,10,boat", r"unknown district 'Atlantis'"),
        ("Islands,Tung Chung again,Tung Chung,50,x", r"place name 'Tung Chung' is also on row 2"),
        ("Sai Kung,Whole district,Sai Kung,40,x", r"place name 'Sai Kung' is a district's name"),
        ("Islands,Nowhere,Nowhere,0,x", r"minutes '0' is not a number > 0"),
        ("Islands,,,,x", r"give an area and at least one place name"),
    ],
)
def test_a_damaged_area_table_is_refused(tmp_path, row, message):
    rows = open(AreaTable.load().path, encoding="utf-8").read().splitlines()
    path = tmp_path / "areas.csv"
    path.write_text("\n".join([*rows, row]) + "\n")
    with pytest.raises(InputFileError, match=message):
        AreaTable.load(path)


def test_no_district_means_no_minutes_and_the_fallback_says_so(provider):
    apps = frame([application(district=None, home_address="Somewhere")])
    times = provider.fallback(apps, ["no home address given"])
    assert np.isnan(times.minutes[0]) and times.note[0] == "no home address given; no district either, so no minutes"


UNREAD = "address names no area the table knows ({}); district figure used"


@pytest.mark.parametrize(("address", "minutes", "note"), [
    ("長洲東灣路12號", 80.0, "area estimate: Cheung Chau (Islands)"),  # Chinese: no spaces between words
    ("香港大嶼山東涌逸東邨", 50.0, "area estimate: Tung Chung (Islands)"),
    ("12 Tung Wan Road, Cheung Chow", 60.0, UNREAD.format("Islands")),  # a typo: flagged, never silent
    ("某處12號", 60.0, UNREAD.format("Islands")),  # Chinese the table cannot read
])
def test_the_area_table_reads_chinese_names_and_flags_what_it_cannot_read(provider, address, minutes, note):
    """Section C 1 (the address in the hall application); policy.md section 3: an address the area
    table cannot read takes the district figure with a note saying so; the table knows its areas'
    Chinese names."""
    times = provider.travel_times(frame([application(district="Islands", home_address=address)]))
    assert (times.minutes[0], times.note[0]) == (minutes, note)


def test_the_round_trip_table_doubles_and_says_so(provider):
    """Section C 1, "time required for travelling to and from PolyU", read as the round trip
    (policy.md section 3): the table has one-way estimates, so it doubles them, with a note."""
    from dataclasses import replace

    round_trip = replace(provider, measure="round_trip")
    times = round_trip.travel_times(frame([application(district="Islands", home_address="長洲東灣路12號"),
                                           application(applicant_id="24000002B", district="Sha Tin")]))
    assert list(times.minutes) == [160.0, 60.0]
    assert list(times.note) == ["area estimate: Cheung Chau (Islands); round trip: twice the one-way table figure",
                                "round trip: twice the one-way table figure"]
