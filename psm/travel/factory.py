"""One place that builds the travel provider the command line asks for.

``make_provider("table" | "google" | "google-routes", travel_policy, cache_path, table, progress)``:

- ``table``: the district table refined by the area table (offline, the default).
- ``google``: Geocoding + Distance Matrix on the googlemaps client, with the cache and the table.
- ``google-routes``: Geocoding + Routes API computeRouteMatrix (optional extra ``routes``).

The key comes only from the environment variable ``GOOGLE_MAPS_API_KEY`` (never a file, never
an argument, never printed); ``PSM_GOOGLE_MAPS_BASE_URL`` (optional) points both APIs at a
private proxy or a local test server. Every provider has ``stats`` (:class:`TravelStats`) and
``describe()`` for the summary.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

from psm.travel.areas import AreaTable, TableProvider, for_measure
from psm.travel.base import TravelProvider
from psm.travel.cache import TravelCache, default_cache_path
from psm.travel.errors import TravelConfigError
from psm.travel.retry import RetryPolicy
from psm.travel.settings import TravelPolicy
from psm.travel.stats import TravelStats
from psm.travel.table import DistrictTable

__all__ = ["PROVIDERS", "ProviderKind", "make_provider", "KEY_ENV", "BASE_URL_ENV"]

ProviderKind = Literal["table", "google", "google-routes"]
PROVIDERS: tuple[str, ...] = ("table", "google", "google-routes")
KEY_ENV = "GOOGLE_MAPS_API_KEY"
BASE_URL_ENV = "PSM_GOOGLE_MAPS_BASE_URL"


def make_provider(
    kind: ProviderKind,
    policy_travel: TravelPolicy | None,
    cache_path: str | Path | None = None,
    table: DistrictTable | TableProvider | None = None,
    progress: bool = True,
    *,
    env: Mapping[str, str] | None = None,
    retry: RetryPolicy | None = None,
    today: Callable[[], dt.date] | None = None,
    now: Callable[[], dt.datetime] | None = None,
    timeout: float = 30.0,
    queries_per_second: int = 50,
) -> TravelProvider:
    """The provider for ``--travel KIND`` (see the module docstring); raises TravelConfigError."""
    if table is None:
        table = TableProvider.load()
    elif isinstance(table, DistrictTable):
        table = TableProvider(table, AreaTable.load())
    table = for_measure(table, policy_travel)  # the table doubles its figure for a round-trip policy
    if kind == "table":
        return table
    if kind not in PROVIDERS:
        raise TravelConfigError(f"--travel {kind!r} is not a provider; use one of {list(PROVIDERS)}")
    if policy_travel is None:
        raise TravelConfigError(
            f"--travel {kind} needs the policy's [travel] settings (destination, arrival weekday and time); "
            "add a [travel] section to the policy file"
        )
    env = os.environ if env is None else env
    key = (env.get(KEY_ENV) or "").strip()
    if not key:
        raise TravelConfigError(
            f"--travel {kind} needs a Google Maps API key in the environment variable {KEY_ENV} "
            "(never in a file of the project); set it, or use --travel table"
        )
    base_url = (env.get(BASE_URL_ENV) or "").strip() or None

    from psm.travel.google import GoogleGeocoder, make_client
    from psm.travel.lookup import OnlineProvider

    if kind == "google-routes":  # fail early, before opening the cache, if the extra is missing
        from psm.travel.routes import RouteMatrix

        matrix = RouteMatrix(key, policy_travel, base_url, timeout)
    client = make_client(key, base_url, timeout, queries_per_second)
    if kind == "google":
        from psm.travel.google import DistanceMatrix

        matrix = DistanceMatrix(client, policy_travel, key)
    cache = TravelCache(cache_path or default_cache_path(), dt.timedelta(days=policy_travel.cache_ttl_days))
    return OnlineProvider(
        geocoder=GoogleGeocoder(client, policy_travel, key),
        matrix=matrix,
        cache=cache,
        policy=policy_travel,
        table=table,
        retry=retry,
        stats=TravelStats(provider=kind),
        progress=progress,
        today=today,
        now=now,
    )
