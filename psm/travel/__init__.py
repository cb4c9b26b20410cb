"""Travel time to PolyU for part 1 of the PSM, behind one small provider interface."""

from psm.travel.base import TravelProvider, TravelTimes, resolve_travel
from psm.travel.table import DistrictTable, default_table_path

__all__ = ["DistrictTable", "TravelProvider", "TravelTimes", "default_table_path", "resolve_travel"]
