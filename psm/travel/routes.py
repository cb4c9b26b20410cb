"""Routes API back end (``google-maps-routing``): computeRouteMatrix in TRANSIT mode.

Since October 2026 new Google Cloud projects cannot enable the legacy Distance Matrix API; the
Routes API replaces it. This back end measures the same thing behind the same interface:
origins are the place ids from geocoding (:class:`psm.travel.google.GoogleGeocoder`; the
Geocoding API is not legacy), the destination and arrival time come from the policy.

- Batches: TRANSIT allows 100 elements a request, and a request may name at most 50 waypoints
  by place id or address (origins + destinations), so with one destination 49 origins a request.
- Transport: REST (``transport="rest"``), so a private proxy or a test server can stand in
  (``PSM_GOOGLE_MAPS_BASE_URL``, scheme and host); the key goes in the ``X-Goog-Api-Key``
  header, never in a URL. The field mask asks only for index, status, condition and duration.
- Retries are ours (``retry=None`` on the call): 429 and 5xx raise :class:`Busy`; other 4xx
  stop with :class:`TravelRequestDenied`; connection failures with :class:`TravelInterrupted`.
- Optional: ``pip install 'hall-admission-engine[routes]'``. Without it, choosing
  ``--travel google-routes`` stops with a message saying so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from urllib.parse import urlsplit

from psm.travel.errors import TravelConfigError, TravelInterrupted, TravelRequestDenied
from psm.travel.lookup import MatrixAnswer
from psm.travel.redact import RedactedError, install_log_redaction, redact
from psm.travel.retry import Busy
from psm.travel.settings import TravelPolicy

__all__ = ["RouteMatrix", "ROUTES_BATCH", "DEFAULT_ROUTES_URL", "routes_available"]

DEFAULT_ROUTES_URL = "https://routes.googleapis.com"
#: 100 TRANSIT elements a request, but at most 50 place-id waypoints: 49 origins + 1 destination.
ROUTES_BATCH = 49
_FIELD_MASK = "originIndex,destinationIndex,status,condition,duration"


def _timestamp(moment: dt.datetime):
    """A timezone-aware moment as the protobuf Timestamp the Routes API takes."""
    from google.protobuf import timestamp_pb2

    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment.astimezone(dt.timezone.utc).replace(tzinfo=None))
    return stamp
_MISSING = (
    "--travel google-routes needs the optional extra 'routes' (the google-maps-routing client): "
    "pip install 'hall-admission-engine[routes]', or use --travel google or --travel table"
)


def routes_available() -> bool:
    try:
        import google.maps.routing_v2  # noqa: F401
    except ImportError:
        return False
    return True


class RouteMatrix:
    """Transit durations with the Routes API's computeRouteMatrix (see the module docstring)."""

    name = "google-routes"
    title = "Google Routes API (computeRouteMatrix)"
    batch_size = ROUTES_BATCH

    def __init__(self, key: str, policy: TravelPolicy, base_url: str | None = None, timeout: float = 30.0) -> None:
        try:
            from google.auth import api_key
            from google.maps import routing_v2
            from google.maps.routing_v2.services.routes.transports.rest import RoutesRestTransport
        except ImportError as e:
            raise TravelConfigError(_MISSING) from e
        install_log_redaction([key])
        url = urlsplit(base_url or DEFAULT_ROUTES_URL)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise TravelConfigError(
                f"PSM_GOOGLE_MAPS_BASE_URL must look like https://host[:port] (got scheme {url.scheme!r}); fix or unset it"
            )
        transport = RoutesRestTransport(
            host=url.netloc + url.path.rstrip("/"), credentials=api_key.Credentials(key), url_scheme=url.scheme
        )
        self._routing = routing_v2
        self._client = routing_v2.RoutesClient(transport=transport)
        self._policy, self._timeout, self._secrets = policy, timeout, (key,)
        place = policy.destination_place_id
        campus = routing_v2.Waypoint(place_id=place) if place else routing_v2.Waypoint(address=policy.destination)
        self._destination = routing_v2.RouteMatrixDestination(waypoint=campus)
        self._campus_origin = routing_v2.RouteMatrixOrigin(waypoint=campus)

    def __repr__(self) -> str:
        return "RouteMatrix()"

    def durations(self, place_ids: Sequence[str], arrival: dt.datetime) -> list[MatrixAnswer]:
        r = self._routing
        request = r.ComputeRouteMatrixRequest(
            origins=[r.RouteMatrixOrigin(waypoint=r.Waypoint(place_id=p)) for p in place_ids],
            destinations=[self._destination],
            travel_mode=r.RouteTravelMode.TRANSIT,
            arrival_time=_timestamp(arrival),
            region_code=self._policy.region.upper(),
        )
        return self._matrix(request, len(place_ids), "origin_index")

    def durations_home(self, place_ids: Sequence[str], departure: dt.datetime) -> list[MatrixAnswer]:
        """The trip home (a round-trip policy): PolyU as the one origin, the places as destinations."""
        r = self._routing
        request = r.ComputeRouteMatrixRequest(
            origins=[self._campus_origin],
            destinations=[r.RouteMatrixDestination(waypoint=r.Waypoint(place_id=p)) for p in place_ids],
            travel_mode=r.RouteTravelMode.TRANSIT,
            departure_time=_timestamp(departure),
            region_code=self._policy.region.upper(),
        )
        return self._matrix(request, len(place_ids), "destination_index")

    def _matrix(self, request, count: int, index_field: str) -> list[MatrixAnswer]:
        """Send one computeRouteMatrix request; the answers in the order of the places (``index_field``)."""
        from google.api_core import exceptions as gax
        from google.rpc import code_pb2
        from requests import RequestException

        r = self._routing
        failure = None
        try:
            elements = list(
                self._client.compute_route_matrix(
                    request=request, metadata=[("x-goog-fieldmask", _FIELD_MASK)], retry=None, timeout=self._timeout
                )
            )
        except (gax.TooManyRequests, gax.ResourceExhausted, gax.ServerError) as e:
            raise Busy(f"HTTP {e.code}" if e.code else type(e).__name__) from None
        except gax.GoogleAPICallError as e:
            failure = TravelRequestDenied(
                f"Google refused the Route Matrix request: {e.code} {redact(e.message or '', self._secrets)}; "
                "check that GOOGLE_MAPS_API_KEY is right and the Routes API is enabled for its project"
            )
            cause = RedactedError.of(e, self._secrets)
        except RequestException as e:
            failure = TravelInterrupted(f"network failure during a Route Matrix request ({type(e).__name__})")
            cause = RedactedError.of(e, self._secrets)
        if failure is not None:
            raise failure from cause

        answers = [MatrixAnswer("MISSING")] * count
        for element in elements:
            index = getattr(element, index_field)
            if not 0 <= index < count:
                continue
            if element.status.code != 0:
                answers[index] = MatrixAnswer(code_pb2.Code.Name(element.status.code))
            elif element.condition == r.RouteMatrixElementCondition.ROUTE_EXISTS and "duration" in element:
                answers[index] = MatrixAnswer("OK", int(element.duration.total_seconds()))
            else:
                answers[index] = MatrixAnswer(r.RouteMatrixElementCondition(element.condition).name)
        return answers
