"""Fixtures for travel tests: policy settings, a fake Google behind `responses`, a fake clock.

No test reaches the internet: `responses` intercepts every request of the real googlemaps and
google-maps-routing clients (an unmatched request fails the test), and the loopback tests use a
server on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from psm.travel import TravelPolicy, make_provider
from psm.travel.retry import RetryPolicy

KEY = "AIzaSyTEST-not-a-real-key-0123456789abc"
BASE = "https://maps.test"
RUN_DAY = dt.date(2026, 11, 4)  # a Wednesday


@pytest.fixture
def travel_policy() -> TravelPolicy:
    return TravelPolicy(
        destination="The Hong Kong Polytechnic University, 11 Yuk Choi Road, Hung Hom, Kowloon, Hong Kong",
        arrival_weekday="monday",
        arrival_time=dt.time(9, 0),
        timezone="Asia/Hong_Kong",
        cache_ttl_days=30,
    )


class FakeClock:
    """UTC 'now' and a monotonic clock that only sleep() advances; records the sleeps."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 4, 2, 0, tzinfo=dt.timezone.utc)
        self.mono = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.mono += seconds

    def retry(self, budget: float = 60.0) -> RetryPolicy:
        return RetryPolicy(budget=budget, first_delay=0.5, factor=2.0, max_delay=8.0, sleep=self.sleep,
                           clock=lambda: self.mono)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def place_of(address: str) -> str:
    return "ChIJ" + hashlib.sha256(address.encode()).hexdigest()[:12]


@dataclass
class FakeGoogle:
    """Geocoding + Distance Matrix answers, scripted per address / place id; counts requests."""

    no_place: set[str] = field(default_factory=set)           # normalised addresses: ZERO_RESULTS
    coarse: set[str] = field(default_factory=set)             # answered with the country only
    element_status: dict[str, str] = field(default_factory=dict)  # place id -> e.g. NOT_FOUND
    seconds: dict[str, int] = field(default_factory=dict)     # place id -> duration
    home_seconds: dict[str, int] = field(default_factory=dict)  # place id -> duration of the trip home
    home_status: dict[str, str] = field(default_factory=dict)  # place id -> status of the trip home
    geocode_script: list = field(default_factory=list)        # first answers: status, (http_code,) or exception
    matrix_script: list = field(default_factory=list)
    matrix_plan: dict = field(default_factory=dict)           # matrix call number (1-based) -> answer as above
    matrix_busy_from: int | None = None                       # from this call on: OVER_QUERY_LIMIT
    calls: Counter = field(default_factory=Counter)
    matrix_params: list[dict] = field(default_factory=list)
    geocode_params: list[dict] = field(default_factory=list)
    routes_requests: list = field(default_factory=list)

    def register(self, mock: responses.RequestsMock) -> None:
        mock.add_callback(responses.GET, re.compile(re.escape(BASE) + r"/maps/api/geocode/json.*"), self._geocode)
        mock.add_callback(responses.GET, re.compile(re.escape(BASE) + r"/maps/api/distancematrix/json.*"), self._matrix)
        mock.add_callback(
            responses.POST, re.compile(re.escape(BASE) + r"/distanceMatrix/v2:computeRouteMatrix.*"), self._routes
        )

    def _routes(self, request):
        """The Routes API's REST stream: a JSON array of elements, one per origin."""
        self.calls["routes"] += 1
        self.routes_requests.append(request)
        planned = self.matrix_plan.get(self.calls["routes"])
        if isinstance(planned, int):
            return (planned, {}, json.dumps({"error": {"code": planned, "message": f"scripted {planned}",
                                                        "status": "PERMISSION_DENIED" if planned == 403 else "X"}}))
        if isinstance(planned, Exception):
            raise planned
        body = json.loads(request.body)
        assert len(body["origins"]) * len(body["destinations"]) <= 100 and body["travelMode"] == 7  # TRANSIT
        if "placeId" not in body["origins"][0]["waypoint"]:  # the trip home: PolyU to each place
            self.calls["routes_home"] += 1
            elements = [{"originIndex": 0, "destinationIndex": index, "status": {}, "condition": "ROUTE_EXISTS",
                         "duration": f"{self.home_seconds.get(d['waypoint']['placeId'], 2400)}s"}
                        for index, d in enumerate(body["destinations"])]
            return (200, {}, json.dumps(elements[::-1]))
        elements = []
        for index, origin in enumerate(body["origins"]):
            place = origin["waypoint"]["placeId"]
            status = self.element_status.get(place, "OK")
            element = {"originIndex": index, "destinationIndex": 0, "status": {}}
            if status == "OK":
                element |= {"condition": "ROUTE_EXISTS", "duration": f"{self.seconds.get(place, 1800)}s"}
            elif status == "ROUTE_NOT_FOUND":
                element |= {"condition": "ROUTE_NOT_FOUND"}
            else:
                element |= {"status": {"code": 5, "message": "origin not found"}}
            elements.append(element)
        return (200, {}, json.dumps(elements[::-1]))  # order is not guaranteed: originIndex says which

    key = KEY
    run_day = RUN_DAY

    @staticmethod
    def place_of(address: str) -> str:
        """The place id the fake gives an address (as sent: normalised)."""
        return place_of(address)

    @staticmethod
    def _scripted(script: list, step=None):
        if step is None:
            if not script:
                return None
            step = script.pop(0)
        if isinstance(step, tuple):
            return (step[0], {}, "server trouble")
        if isinstance(step, Exception):
            raise step
        return (200, {}, json.dumps({"status": step, "error_message": f"scripted {step}"}))

    def _geocode(self, request):
        self.calls["geocode"] += 1
        params = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        self.geocode_params.append(params)
        scripted = self._scripted(self.geocode_script)
        if scripted:
            return scripted
        address = params["address"]
        if address in self.no_place:
            return (200, {}, json.dumps({"status": "ZERO_RESULTS", "results": []}))
        if address in self.coarse:
            result = {"place_id": "ChIJcountry", "types": ["country", "political"], "partial_match": True}
        else:
            result = {"place_id": place_of(address), "types": ["premise"]}
        return (200, {}, json.dumps({"status": "OK", "results": [result]}))

    def _matrix(self, request):
        self.calls["matrix"] += 1
        params = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        self.matrix_params.append(params)
        n = self.calls["matrix"]
        planned = self.matrix_plan.get(n)
        if planned is None and self.matrix_busy_from is not None and n >= self.matrix_busy_from:
            planned = "OVER_QUERY_LIMIT"
        scripted = self._scripted(self.matrix_script, planned) if planned is not None else self._scripted(self.matrix_script)
        if scripted:
            return scripted
        origins = params["origins"].split("|")
        assert len(origins) <= 25 and len(origins) * len(params["destinations"].split("|")) <= 100
        if not origins[0].startswith("place_id:"):  # the trip home: PolyU to each place, leaving at a time
            self.calls["matrix_home"] += 1
            assert "departure_time" in params and "arrival_time" not in params
            elements = []
            for destination in params["destinations"].split("|"):
                place = destination.removeprefix("place_id:")
                status = self.home_status.get(place, "OK")
                element = {"status": status}
                if status == "OK":
                    element["duration"] = {"value": self.home_seconds.get(place, 2400), "text": "40 mins"}
                elements.append(element)
            return (200, {}, json.dumps({"status": "OK", "rows": [{"elements": elements}]}))
        rows = []
        for origin in origins:
            place = origin.removeprefix("place_id:")
            status = self.element_status.get(place, "OK")
            element = {"status": status}
            if status == "OK":
                secs = self.seconds.get(place, 1800 + int(place[-4:], 16) % 3000)
                element["duration"] = {"value": secs, "text": f"{secs // 60} mins"}
            rows.append({"elements": [element]})
        return (200, {}, json.dumps({"status": "OK", "rows": rows, "origin_addresses": [], "destination_addresses": []}))


@pytest.fixture
def google():
    fake = FakeGoogle()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake.register(mock)
        fake.mock = mock
        yield fake


@pytest.fixture
def make_google(tmp_path, travel_policy, clock, table):
    """Build the google provider against the fake, with the fake clock (call again for a re-run)."""

    def build(kind: str = "google", cache=None, **kwargs):
        env = {"GOOGLE_MAPS_API_KEY": KEY, "PSM_GOOGLE_MAPS_BASE_URL": BASE} | kwargs.pop("env", {})
        return make_provider(
            kind, kwargs.pop("policy", travel_policy), cache or tmp_path / "cache" / "travel.sqlite", table,
            progress=False, env=env, retry=clock.retry(kwargs.pop("budget", 60.0)),
            today=lambda: RUN_DAY, now=lambda: clock.now, queries_per_second=kwargs.pop("qps", 10_000), **kwargs,
        )

    return build
