"""Google Maps back end on the ``googlemaps`` client: Geocoding, then the Distance Matrix (transit).

- Geocoding: ``home_address`` with ``region`` (``hk``) and ``components={"country": "HK"}``;
  the first result's place id. A result that is a country or a territory-wide area (types
  ``country`` or ``administrative_area_level_1``: what Google answers for an address it could
  not place) is *no* result: it would put the home at Google's centre of Hong Kong.
- Distance Matrix: origins ``place_id:<id>``, the policy's destination, ``mode=transit``,
  ``arrival_time`` (timezone-aware, sent as a Unix time), at most 25 origins a request (one
  destination: 25 elements, under the 100-element limit). The trip home (a round-trip policy):
  the policy's destination as the one origin, the places as destinations, ``departure_time``.
- The key is passed in (the factory reads ``GOOGLE_MAPS_API_KEY``); the base URL may point at a
  private proxy or a test server (``PSM_GOOGLE_MAPS_BASE_URL``).

Retries are ours, not the client's (so they are bounded, counted and testable): the client is
built with ``retry_over_query_limit=False`` and :class:`_SingleAttemptClient` turns its own 5xx
retry into :class:`~psm.travel.retry.Busy`. Errors are translated with the key redacted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TypeVar

import googlemaps
import googlemaps.exceptions as gme

from psm.errors import InternalError
from psm.travel.errors import TravelConfigError, TravelInterrupted, TravelRequestDenied
from psm.travel.lookup import MatrixAnswer
from psm.travel.redact import RedactedError, install_log_redaction, redact
from psm.travel.retry import Busy
from psm.travel.settings import TravelPolicy

__all__ = ["GoogleGeocoder", "DistanceMatrix", "make_client", "DEFAULT_BASE_URL", "DISTANCE_MATRIX_BATCH"]

DEFAULT_BASE_URL = "https://maps.googleapis.com"
#: Distance Matrix limits: 25 origins and 100 elements (origins x destinations) a request.
DISTANCE_MATRIX_BATCH = 25
_COARSE_TYPES = {"country", "administrative_area_level_1"}
_DENIED_HINT = {
    "REQUEST_DENIED": "check that GOOGLE_MAPS_API_KEY is right and that the Geocoding and Distance Matrix APIs "
    "are enabled for its project (new projects cannot enable the Distance Matrix API: use --travel google-routes)",
    "INVALID_REQUEST": "the request was malformed: check [travel] destination and arrival settings in the policy",
    "OVER_DAILY_LIMIT": "the key's project has no billing or reached its daily quota: check it in Google Cloud",
}
_TOO_LARGE = "MAX_ELEMENTS_EXCEEDED"  # our batches keep within the limit: a bug of ours if not
T = TypeVar("T")


class _SingleAttemptClient(googlemaps.Client):
    """The googlemaps client with its internal retry replaced by :class:`Busy` (we retry, bounded)."""

    def _request(self, url, params, first_request_time=None, retry_counter=0, *args, **kwargs):
        if retry_counter > 0:  # the client wants to repeat after HTTP 500/503/504
            raise Busy("HTTP 5xx")
        return super()._request(url, params, first_request_time, retry_counter, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<googlemaps client for {self.base_url}>"


def make_client(key: str, base_url: str | None = None, timeout: float = 30.0, queries_per_second: int = 50):
    """A googlemaps client with our retry rules; the key's problems are reported without the key."""
    install_log_redaction([key])
    try:
        return _SingleAttemptClient(
            key=key,
            base_url=(base_url or DEFAULT_BASE_URL).rstrip("/"),
            timeout=timeout,
            retry_timeout=max(timeout, 1),
            queries_per_second=queries_per_second,
            queries_per_minute=queries_per_second * 60,
            retry_over_query_limit=False,
        )
    except ValueError as e:
        cause = RedactedError.of(e, [key])
    raise TravelConfigError(  # outside the except block: the original is not even the context
        "GOOGLE_MAPS_API_KEY is not a usable Google Maps API key (keys start with 'AIza'); "
        "set it to the key of the committee's Google Cloud project, or use --travel table"
    ) from cause


def call_google(call: Callable[[], T], what: str, secrets: Sequence[str]) -> T:
    """Run one googlemaps call; translate its errors (key and addresses redacted from every text)."""
    failure: Exception | None = None
    try:
        return call()
    except gme._OverQueryLimit:
        raise Busy("OVER_QUERY_LIMIT") from None
    except gme.ApiError as e:
        if e.status == "UNKNOWN_ERROR":
            raise Busy("UNKNOWN_ERROR") from None
        detail = f" ({redact(e.message, secrets)})" if e.message else ""
        if e.status == _TOO_LARGE:
            failure = InternalError(f"Google refused the {what} request as too large: {e.status}{detail}")
        else:
            hint = _DENIED_HINT.get(e.status, "see Google's documentation of this status")
            failure = TravelRequestDenied(f"Google refused the {what} request: {e.status}{detail}; {hint}")
        cause = RedactedError.of(e, secrets)
    except gme.HTTPError as e:
        if 500 <= e.status_code < 600:
            raise Busy(f"HTTP {e.status_code}") from None
        failure = TravelRequestDenied(
            f"Google answered the {what} request with HTTP {e.status_code}; check PSM_GOOGLE_MAPS_BASE_URL "
            "(if set) and the key's API restrictions"
        )
        cause = RedactedError.of(e, secrets)
    except (gme.Timeout, gme.TransportError) as e:
        failure = TravelInterrupted(
            f"network failure during a {what} request ({redact(str(e), secrets) or type(e).__name__})"
        )
        cause = RedactedError.of(e, secrets)
    # Raised outside the except blocks so the original exception (its text may hold the key)
    # is neither the cause nor the context of ours.
    raise failure from cause


class GoogleGeocoder:
    """Address -> place id with the Geocoding API (see the module docstring)."""

    def __init__(self, client: googlemaps.Client, policy: TravelPolicy, key: str) -> None:
        self._client, self._region, self._secrets = client, policy.region, (key,)

    def __repr__(self) -> str:
        return "GoogleGeocoder()"

    def geocode(self, address: str) -> str | None:
        results = call_google(
            lambda: self._client.geocode(
                address, components={"country": self._region.upper()}, region=self._region
            ),
            "geocode",
            self._secrets,
        )
        if not results:
            return None
        best = results[0]
        if _COARSE_TYPES & set(best.get("types", ())) or "place_id" not in best:
            return None
        return best["place_id"]


class DistanceMatrix:
    """Transit durations with the (legacy) Distance Matrix API, 25 origins a request."""

    name = "google"
    title = "Google Distance Matrix"
    batch_size = DISTANCE_MATRIX_BATCH

    def __init__(self, client: googlemaps.Client, policy: TravelPolicy, key: str) -> None:
        self._client, self._policy, self._secrets = client, policy, (key,)
        place = policy.destination_place_id
        self._destination = f"place_id:{place}" if place else policy.destination

    def __repr__(self) -> str:
        return "DistanceMatrix()"

    def durations(self, place_ids: Sequence[str], arrival: dt.datetime) -> list[MatrixAnswer]:
        if arrival.tzinfo is None:
            raise InternalError("the arrival time must be timezone-aware (see psm.travel.settings.next_arrival)")
        body = call_google(
            lambda: self._client.distance_matrix(
                origins=[f"place_id:{p}" for p in place_ids],
                destinations=[self._destination],
                mode="transit",
                arrival_time=arrival,
                region=self._policy.region,
            ),
            "Distance Matrix",
            self._secrets,
        )
        return [_answer((row.get("elements") or [{}])[0]) for row in body.get("rows", [])]

    def durations_home(self, place_ids: Sequence[str], departure: dt.datetime) -> list[MatrixAnswer]:
        if departure.tzinfo is None:
            raise InternalError("the departure time must be timezone-aware (see psm.travel.settings.next_departure_home)")
        body = call_google(
            lambda: self._client.distance_matrix(
                origins=[self._destination],
                destinations=[f"place_id:{p}" for p in place_ids],
                mode="transit",
                departure_time=departure,
                region=self._policy.region,
            ),
            "Distance Matrix",
            self._secrets,
        )
        rows = body.get("rows") or [{}]
        return [_answer(element) for element in rows[0].get("elements", [])]


def _answer(element: dict) -> MatrixAnswer:
    """One Distance Matrix element as an answer: ``OK`` with its seconds, or the status."""
    status = element.get("status", "UNKNOWN")
    seconds = (element.get("duration") or {}).get("value")
    return MatrixAnswer(status, int(seconds) if status == "OK" and seconds is not None else None)
