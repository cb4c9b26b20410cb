"""Travel time to PolyU for part 1 of the PSM, behind one small provider interface.

Providers (``--travel``): ``table`` (district table refined by areas, offline, default),
``google`` (Geocoding + Distance Matrix), ``google-routes`` (Geocoding + Routes API); the online
ones sit behind a SQLite cache and fall back to the table with a ``travel_note``. The HAC's
``travel_minutes`` override comes first (:func:`resolve_travel`). Build one with
:func:`make_provider`; the Google modules are imported only when chosen.
"""

from psm.errors import TravelError
from psm.travel.areas import AreaTable, TableProvider, default_area_path, for_measure
from psm.travel.base import TravelProvider, TravelTimes, resolve_travel
from psm.travel.cache import TravelCache, default_cache_path
from psm.travel.errors import TravelCacheError, TravelConfigError, TravelInterrupted, TravelRequestDenied
from psm.travel.factory import PROVIDERS, make_provider
from psm.travel.recorded import RecordedTravel
from psm.travel.settings import TravelPolicy, next_arrival, next_departure_home, settings_key
from psm.travel.stats import TravelStats
from psm.travel.table import DistrictTable, default_table_path

__all__ = [
    "AreaTable",
    "DistrictTable",
    "PROVIDERS",
    "RecordedTravel",
    "TableProvider",
    "TravelCache",
    "TravelCacheError",
    "TravelConfigError",
    "TravelError",
    "TravelInterrupted",
    "TravelPolicy",
    "TravelProvider",
    "TravelRequestDenied",
    "TravelStats",
    "TravelTimes",
    "default_area_path",
    "default_cache_path",
    "default_table_path",
    "for_measure",
    "make_provider",
    "next_arrival",
    "next_departure_home",
    "resolve_travel",
    "settings_key",
]
