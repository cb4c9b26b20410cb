"""The Google provider (googlemaps client, Geocoding + Distance Matrix) against HTTP mocked with `responses`."""

from __future__ import annotations

import datetime as dt
import logging
import math
import sqlite3
import traceback

import numpy as np
import pandas as pd
import pytest
import requests

from builders import application, frame
from psm.scoring import score_frames
from psm.travel import TravelConfigError, TravelInterrupted, TravelRequestDenied, resolve_travel
from psm.travel.cache import normalise_address


def cohort(n: int, start: int = 0, **cells) -> pd.DataFrame:
    return frame([
        application(applicant_id=f"24{i:06d}A", home_address=f"Flat {i}, Block {i % 7}, Sun Court, Sha Tin", **cells)
        for i in range(start, start + n)
    ])


def test_60_origins_make_3_matrix_requests_and_each_address_is_geocoded_once(google, make_google):
    apps = pd.concat([cohort(60), cohort(10)], ignore_index=True)  # 10 addresses appear twice
    provider = make_google()
    times = provider.travel_times(apps)
    assert google.calls == {"geocode": 60, "matrix": 3}
    assert [len(p["origins"].split("|")) for p in google.matrix_params] == [25, 25, 10]
    assert math.ceil(60 / 25) == provider.stats.matrix_requests == 3
    assert set(times.source) == {"google"} and not np.isnan(times.minutes).any()
    assert np.array_equal(times.minutes[:10], times.minutes[60:])  # the same address, the same minutes
    stats = provider.stats
    assert (stats.applicants, stats.unique_addresses, stats.fetched, stats.cache_hits) == (70, 60, 60, 0)
    assert stats.requests == 63 and stats.retries == 0


def test_requests_carry_the_policy_settings(google, make_google, travel_policy):
    make_google().travel_times(cohort(1))
    geo, matrix = google.geocode_params[0], google.matrix_params[0]
    assert geo["region"] == "hk" and geo["components"] == "country:HK" and geo["key"] == google.key
    assert geo["address"] == normalise_address("Flat 0, Block 0, Sun Court, Sha Tin")
    assert matrix["mode"] == "transit" and matrix["destinations"] == travel_policy.destination
    assert matrix["origins"] == f"place_id:{google.place_of(geo['address'])}"
    arrival = dt.datetime.fromtimestamp(int(matrix["arrival_time"]), dt.timezone.utc)
    assert arrival == dt.datetime(2026, 11, 9, 1, 0, tzinfo=dt.timezone.utc)  # Monday 09:00 in Hong Kong
    assert arrival.date() > google.run_day


def test_minutes_are_seconds_over_60_rounded_half_up_to_one_decimal(google, make_google):
    apps = cohort(3)
    for address, secs in zip(apps["home_address"], (1234, 1203, 1197)):
        google.seconds[google.place_of(normalise_address(address))] = secs
    times = make_google().travel_times(apps)
    assert list(times.minutes) == [20.6, 20.1, 20.0]  # 20.567, 20.05 (half up), 19.95


def test_a_rerun_makes_zero_requests_and_gives_the_same_minutes(google, make_google):
    apps = cohort(30)
    first = make_google().travel_times(apps)
    before = sum(google.calls.values())
    again = make_google()
    second = again.travel_times(apps)
    assert sum(google.calls.values()) == before  # not one request more
    assert again.stats.requests == 0 and again.stats.cache_hits == 30
    assert np.array_equal(first.minutes, second.minutes)
    assert set(second.source) == {"cache"}


def test_entries_older_than_the_ttl_are_fetched_again(google, make_google, clock):
    apps = cohort(5)
    make_google().travel_times(apps)
    clock.now += dt.timedelta(days=29, hours=23)
    make_google().travel_times(apps)
    assert google.calls == {"geocode": 5, "matrix": 1}  # still fresh
    clock.now += dt.timedelta(hours=2)  # now 30 days + 1 hour old
    refreshed = make_google()
    times = refreshed.travel_times(apps)
    assert google.calls == {"geocode": 10, "matrix": 2}
    assert set(times.source) == {"google"} and refreshed.stats.cache_hits == 0


def test_a_shorter_ttl_from_the_policy(google, make_google, travel_policy, clock):
    short = travel_policy.model_copy(update={"cache_ttl_days": 7})
    make_google(policy=short).travel_times(cohort(2))
    clock.now += dt.timedelta(days=8)
    make_google(policy=short).travel_times(cohort(2))
    assert google.calls["matrix"] == 2


def test_over_query_limit_is_retried_with_backoff(google, make_google, clock):
    google.geocode_script = ["OVER_QUERY_LIMIT", "OVER_QUERY_LIMIT"]
    google.matrix_script = ["OVER_QUERY_LIMIT"]
    provider = make_google()
    times = provider.travel_times(cohort(2))
    assert set(times.source) == {"google"}
    assert google.calls == {"geocode": 4, "matrix": 2}
    assert clock.sleeps == [0.5, 1.0, 0.5]  # exponential, per call, no real waiting
    assert provider.stats.retries == 3 and provider.stats.requests == google.calls.total()


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried(google, make_google, clock, status):
    google.matrix_script = [(status,)]
    provider = make_google()
    assert set(provider.travel_times(cohort(1)).source) == {"google"}
    assert google.calls["matrix"] == 2 and provider.stats.retries == 1


def test_retries_stop_within_the_budget_and_keep_what_was_fetched(google, make_google, clock):
    apps = cohort(30)
    google.matrix_busy_from = 2  # the first batch is answered, then Google stays over the limit
    with pytest.raises(TravelInterrupted) as raised:
        make_google(budget=10.0).travel_times(apps)
    message = str(raised.value)
    assert "OVER_QUERY_LIMIT after 5 attempts" in message and "25 of 30" in message
    assert "run the same command again" in message
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0] and sum(clock.sleeps) <= 10.0  # bounded, never really slept
    # the cache holds the first batch and every place id: a re-run asks only for the 5 others
    google.matrix_busy_from = None
    before = google.calls.copy()
    times = make_google().travel_times(apps)
    assert google.calls["geocode"] == before["geocode"] == 30
    assert google.calls["matrix"] == before["matrix"] + 1
    assert list(times.source).count("cache") == 25 and list(times.source).count("google") == 5


def test_an_origin_not_found_falls_back_to_the_table_flagged(google, make_google):
    apps = frame([
        application(applicant_id="24000001A", district="Tuen Mun", home_address="1 Nowhere Lane, Tuen Mun"),
        application(applicant_id="24000002B", district="Tuen Mun", home_address="2 Somewhere Road, Tuen Mun"),
    ])
    google.element_status[google.place_of(normalise_address("1 Nowhere Lane, Tuen Mun"))] = "NOT_FOUND"
    provider = make_google()
    times = provider.travel_times(apps)
    assert times.minutes[0] == 65.0 and times.source[0] == "table"
    assert times.note[0] == "Google found no transit route (NOT_FOUND); table used"
    assert times.source[1] == "google" and times.note[1] == ""
    assert provider.stats.fallbacks == {"no transit route": 1}
    assert "district table stood in for 1 applicants" in "\n".join(provider.stats.summary_lines())
    # the negative answer is cached too: the re-run is silent and gives the same note
    again = make_google().travel_times(apps)
    assert google.calls == {"geocode": 2, "matrix": 1}
    assert again.note[0] == times.note[0] and again.minutes[0] == 65.0


def test_zero_results_and_no_geocode_fall_back_with_the_area_when_known(google, make_google):
    apps = frame([
        application(applicant_id="24000001A", district="Islands", home_address="House 3, Tung Wan, Cheung Chau"),
        application(applicant_id="24000002B", district="Islands", home_address="Somewhere Vague"),
        application(applicant_id="24000003C", district="Islands", home_address="Hong Kong"),
    ])
    google.element_status[google.place_of(normalise_address("House 3, Tung Wan, Cheung Chau"))] = "ZERO_RESULTS"
    google.no_place.add(normalise_address("Somewhere Vague"))
    google.coarse.add(normalise_address("Hong Kong"))
    times = make_google().travel_times(apps)
    assert list(times.source) == ["table", "table", "table"]
    assert list(times.minutes) == [80.0, 60.0, 60.0]
    assert times.note[0] == "Google found no transit route (ZERO_RESULTS); table used (area estimate: Cheung Chau (Islands))"
    assert times.note[1] == times.note[2] == ("Google found no place for the home address; table used (address names "
                                              "no area the table knows (Islands); district figure used)")
    assert google.calls["matrix"] == 1  # only the geocoded address went to the matrix


def test_no_home_address_falls_back_flagged_without_any_request(google, make_google):
    apps = frame([application(applicant_id="24000001A", district="North")])
    provider = make_google()
    times = provider.travel_times(apps)
    assert (times.minutes[0], times.source[0], times.note[0]) == (50.0, "table", "no home address given; table used")
    assert google.calls.total() == 0 and provider.stats.fallbacks == {"no home address": 1}


def test_request_denied_stops_with_a_clear_message(google, make_google):
    google.geocode_script = ["REQUEST_DENIED"]
    with pytest.raises(TravelRequestDenied) as raised:
        make_google().travel_times(cohort(3))
    message = str(raised.value)
    assert message.startswith("Google refused the geocode request: REQUEST_DENIED (scripted REQUEST_DENIED)")
    assert "GOOGLE_MAPS_API_KEY" in message and "--travel google-routes" in message
    assert google.calls.total() == 1  # not retried


def test_invalid_request_stops_and_names_the_policy_settings(google, make_google):
    google.matrix_script = ["INVALID_REQUEST"]
    with pytest.raises(TravelRequestDenied, match=r"INVALID_REQUEST .*\[travel\] destination"):
        make_google().travel_times(cohort(1))


def test_a_network_failure_mid_run_keeps_the_cache_consistent(google, make_google, tmp_path):
    apps = cohort(60)
    google.matrix_plan[2] = requests.exceptions.ConnectionError(
        "HTTPSConnectionPool(host='maps.test'): Max retries exceeded with url: "
        f"/maps/api/distancematrix/json?origins=place_id%3AX&key={google.key}"
    )
    with pytest.raises(TravelInterrupted) as raised:
        make_google().travel_times(apps)
    text = "".join(traceback.format_exception(raised.value))
    assert google.key not in text and "key=***" in text
    assert "network failure during a Distance Matrix request" in str(raised.value)
    assert "25 of 60 uncached addresses were fetched and stored" in str(raised.value)
    db = sqlite3.connect(tmp_path / "cache" / "travel.sqlite")
    assert db.execute("SELECT count(*), count(minutes) FROM travel").fetchone() == (25, 25)
    assert db.execute("SELECT count(*) FROM places").fetchone() == (60,)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()
    times = make_google().travel_times(apps)
    assert list(times.source).count("cache") == 25 and list(times.source).count("google") == 35
    assert google.calls == {"geocode": 60, "matrix": 4}  # nothing geocoded twice; 2 batches left


def test_the_key_never_reaches_logs_outputs_or_the_cache(google, make_google, tmp_path, caplog, policy, capsys):
    caplog.set_level(logging.DEBUG)
    apps = cohort(3)
    google.element_status[google.place_of(normalise_address(apps["home_address"][0]))] = "NOT_FOUND"
    provider = make_google()
    scores = score_frames(apps, pd.DataFrame(columns=["applicant_id", "body", "post_level"]),
                          pd.DataFrame(columns=["applicant_id", "level", "prize", "award_date", "verified"]),
                          policy, provider)
    csv_text = scores.to_csv(index=False)
    summary = "\n".join(provider.stats.summary_lines()) + provider.describe() + repr(provider)
    cache_bytes = (tmp_path / "cache" / "travel.sqlite").read_bytes()
    out = capsys.readouterr()
    for text in (csv_text, summary, caplog.text, out.out, out.err):
        assert google.key not in text
        assert "Sun Court" not in text.replace(str(tmp_path), "")  # nor an address
    assert google.key.encode() not in cache_bytes and b"sun court" not in cache_bytes.lower()
    assert list(scores["travel_source"]) == ["table", "google", "google"]
    assert scores["travel_note"][0].startswith("Google found no transit route (NOT_FOUND)")


def test_the_key_is_redacted_from_googlemaps_error_texts(google, make_google):
    google.geocode_script = [requests.exceptions.ConnectionError(f"boom /maps/api/geocode/json?address=x&key={google.key}")]
    with pytest.raises(TravelInterrupted) as raised:
        make_google().travel_times(cohort(1))
    chain = [raised.value, raised.value.__cause__, raised.value.__context__]
    for error in chain:
        assert error is None or google.key not in str(error)
    assert google.key not in "".join(traceback.format_exception(raised.value))


def test_without_a_key_google_is_refused_before_any_request(google, make_google):
    with pytest.raises(TravelConfigError, match="GOOGLE_MAPS_API_KEY"):
        make_google(env={"GOOGLE_MAPS_API_KEY": ""})
    with pytest.raises(TravelConfigError, match="start with 'AIza'") as raised:
        make_google(env={"GOOGLE_MAPS_API_KEY": "not-a-key-secret"})
    chain = (raised.value, raised.value.__cause__, raised.value.__context__)
    assert all("not-a-key-secret" not in str(e) for e in chain) and raised.value.__context__ is None


def test_resolve_travel_puts_the_override_first_and_looks_up_the_rest(google, make_google):
    apps = frame([
        application(applicant_id="24000001A", home_address="1 A Road, Sha Tin", travel_minutes=12),
        application(applicant_id="24000002B", home_address="2 B Road, Sha Tin"),
        application(applicant_id="24000003C", student_type="non_local", admission_year=2025, year_of_study=1,
                    home_address="3 C Road"),
    ])
    times = resolve_travel(apps, make_google())
    assert list(times.source) == ["override", "google", ""]
    assert google.calls == {"geocode": 1, "matrix": 1}
    only = resolve_travel(apps, make_google(), needed=np.array([True, False, True]))
    assert list(only.source) == ["override", "", ""]


def test_scores_csv_carries_the_travel_columns_for_local_applicants(google, make_google, policy, tmp_path):
    from psm.io import write_csv

    apps = frame([
        application(applicant_id="24000001A", home_address="1 A Road, Sha Tin"),
        application(applicant_id="24000002B", district="North"),
        application(applicant_id="24000003C", home_address="3 C Road", travel_minutes=70),
        application(applicant_id="24000004D", student_type="non_local", admission_year=2025, year_of_study=1),
    ])
    google.seconds[google.place_of(normalise_address("1 A Road, Sha Tin"))] = 2700
    no_posts = pd.DataFrame(columns=["applicant_id", "body", "post_level"])
    no_prizes = pd.DataFrame(columns=["applicant_id", "level", "prize", "award_date", "verified"])
    write_csv(score_frames(apps, no_posts, no_prizes, policy, make_google()), tmp_path / "scores.csv")
    scores = pd.read_csv(tmp_path / "scores.csv", dtype=str, keep_default_na=False)
    assert scores[["travel_minutes", "travel_source", "travel_note", "district_points"]].values.tolist() == [
        ["45.0", "google", "", "24"],
        ["50.0", "table", "no home address given; table used", "24"],
        ["70.0", "override", "", "32"],
        ["", "", "", "36"],
    ]


# --- Part 1 as the round trip (policy.md section 3: "[travel] measure") ------------------------------


def _round_trip(travel_policy):
    return travel_policy.model_copy(update={"measure": "round_trip", "return_departure_time": dt.time(18, 0)})


@pytest.mark.parametrize("kind", ["google", "google-routes"])
def test_round_trip_adds_the_trip_home_from_the_same_provider(google, make_google, travel_policy, kind):
    """Section C 1, "time required for travelling to and from PolyU" read literally: the trip to
    PolyU arriving at arrival_time plus the trip home leaving at return_departure_time, two
    look-ups per batch (one each way), each direction cached on its own."""
    if kind == "google-routes":
        pytest.importorskip("google.maps.routing_v2")
    address = "Flat 1, Block 2, Sha Tin"
    place = google.place_of(normalise_address(address))
    google.seconds[place], google.home_seconds[place] = 1800, 2460  # 30.0 there, 41.0 home
    provider = make_google(kind, policy=_round_trip(travel_policy))
    apps = frame([application(home_address=address)])
    times = resolve_travel(apps, provider)
    assert (times.minutes[0], times.source[0], times.note[0]) == (71.0, "google", "")
    there, home = ("matrix", "matrix_home") if kind == "google" else ("routes", "routes_home")
    assert google.calls[there] == 2 and google.calls[home] == 1  # one request each way
    if kind == "google":
        assert google.matrix_params[1]["departure_time"]  # the trip home leaves at a time
    again = resolve_travel(apps, make_google(kind, policy=_round_trip(travel_policy)))
    assert (again.minutes[0], again.source[0]) == (71.0, "cache")
    assert google.calls[there] == 2  # both directions came from the cache


def test_the_one_way_cache_serves_the_trip_there_of_a_round_trip(google, make_google, travel_policy):
    """Each direction is cached under its own settings: the trip to PolyU is the one-way trip, so a
    round-trip run after a one-way run asks only for the trip home."""
    apps = frame([application(home_address="Flat 1, Block 2, Sha Tin")])
    resolve_travel(apps, make_google())
    assert google.calls["matrix"] == 1
    times = resolve_travel(apps, make_google(policy=_round_trip(travel_policy)))
    assert google.calls["matrix"] == 2 and google.calls["matrix_home"] == 1
    assert times.source[0] == "google"


def test_no_route_home_falls_back_to_the_round_trip_table_with_the_direction_named(google, make_google,
                                                                                  travel_policy, table):
    """An address one direction has no answer for takes the table's round-trip figure, with a note."""
    address = "Flat 1, Block 2, Sha Tin"
    google.home_status[google.place_of(normalise_address(address))] = "ZERO_RESULTS"
    times = resolve_travel(frame([application(home_address=address)]), make_google(policy=_round_trip(travel_policy)))
    assert times.minutes[0] == 2 * table.minutes_by_district["Sha Tin"]
    assert times.note[0] == ("Google found no transit route (ZERO_RESULTS) for the trip home; table used "
                             "(round trip: twice the one-way table figure)")
