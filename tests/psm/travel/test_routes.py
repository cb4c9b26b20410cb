"""The Routes API provider (google-maps-routing over REST) against HTTP mocked with `responses`."""

from __future__ import annotations

import builtins
import json
import math

import numpy as np
import pytest

from builders import application, frame
from psm.travel import TravelConfigError, TravelRequestDenied
from psm.travel.cache import normalise_address
from psm.travel.routes import ROUTES_BATCH

pytest.importorskip("google.maps.routing_v2")


def cohort(n: int):
    return frame([
        application(applicant_id=f"24{i:06d}A", home_address=f"Flat {i}, Moon Court, Tai Po", district="Tai Po")
        for i in range(n)
    ])


def test_60_origins_make_2_route_matrix_requests(google, make_google):
    provider = make_google("google-routes")
    times = provider.travel_times(cohort(60))
    assert google.calls == {"geocode": 60, "routes": math.ceil(60 / ROUTES_BATCH)} and ROUTES_BATCH == 49
    sizes = [len(json.loads(r.body)["origins"]) for r in google.routes_requests]
    assert sizes == [49, 11]
    assert set(times.source) == {"google"} and np.all(times.minutes == 30.0)
    assert provider.stats.matrix_requests == 2


def test_the_request_asks_for_transit_arriving_at_the_policy_time_with_a_field_mask(google, make_google):
    make_google("google-routes").travel_times(cohort(1))
    request = google.routes_requests[0]
    body = json.loads(request.body)
    assert body["arrivalTime"] == "2026-11-09T01:00:00Z"  # Monday 09:00 Hong Kong time
    assert body["regionCode"] == "HK" and "routingPreference" not in body
    assert body["destinations"][0]["waypoint"]["address"].startswith("The Hong Kong Polytechnic University")
    assert request.headers["x-goog-fieldmask"] == "originIndex,destinationIndex,status,condition,duration"
    assert request.headers["x-goog-api-key"] == google.key and google.key not in request.url


def test_a_destination_given_as_place_id(google, make_google, travel_policy):
    policy = travel_policy.model_copy(update={"destination": "place_id:ChIJpolyu"})
    make_google("google-routes", policy=policy).travel_times(cohort(1))
    assert json.loads(google.routes_requests[0].body)["destinations"][0]["waypoint"] == {"placeId": "ChIJpolyu"}


def test_no_route_falls_back_to_the_table_flagged(google, make_google):
    apps = cohort(2)
    first, second = (normalise_address(a) for a in apps["home_address"])
    google.element_status[google.place_of(first)] = "ROUTE_NOT_FOUND"
    google.element_status[google.place_of(second)] = "NOT_FOUND"
    times = make_google("google-routes").travel_times(apps)
    assert list(times.source) == ["table", "table"] and list(times.minutes) == [40.0, 40.0]
    assert list(times.note) == [
        "Google found no transit route (ROUTE_NOT_FOUND); table used",
        "Google found no transit route (NOT_FOUND); table used",
    ]


@pytest.mark.parametrize("status", [429, 503])
def test_rate_limit_and_server_errors_are_retried(google, make_google, clock, status):
    google.matrix_plan[1] = status
    provider = make_google("google-routes")
    assert set(provider.travel_times(cohort(3)).source) == {"google"}
    assert google.calls["routes"] == 2 and provider.stats.retries == 1 and clock.sleeps == [0.5]


def test_permission_denied_stops_with_a_clear_message(google, make_google):
    google.matrix_plan[1] = 403
    with pytest.raises(TravelRequestDenied, match=r"Route Matrix request: 403 .*Routes API is enabled"):
        make_google("google-routes").travel_times(cohort(1))
    assert google.calls["routes"] == 1


def test_a_rerun_makes_zero_requests(google, make_google):
    make_google("google-routes").travel_times(cohort(5))
    again = make_google("google-routes")
    assert set(again.travel_times(cohort(5)).source) == {"cache"}
    assert google.calls == {"geocode": 5, "routes": 1} and again.stats.requests == 0


def test_without_the_extra_the_provider_says_how_to_install_it(make_google, monkeypatch):
    real_import = builtins.__import__

    def no_routing(name, *args, **kwargs):
        if name.startswith("google.maps"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_routing)
    with pytest.raises(TravelConfigError, match=r"pip install 'hall-admission-engine\[routes\]'"):
        make_google("google-routes")
