"""What the look-ups cost and how they went: requests, retries, cache hits, fallbacks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

__all__ = ["TravelStats"]


@dataclass
class TravelStats:
    """Counters of one run (mutable: the provider adds to them as it goes)."""

    provider: str = "table"
    applicants: int = 0           # rows the provider was asked for
    unique_addresses: int = 0     # distinct normalised home addresses among them
    cache_hits: int = 0           # distinct addresses answered by the cache
    geocode_requests: int = 0     # Geocoding API calls (one per uncached address)
    matrix_requests: int = 0      # Distance Matrix / Route Matrix calls (ceil(origins / batch))
    retries: int = 0              # extra attempts after OVER_QUERY_LIMIT / 5xx
    fetched: int = 0              # distinct addresses answered by Google this run
    area_estimates: int = 0       # applicants given an area's minutes instead of their district's
    fallbacks: Counter = field(default_factory=Counter)  # reason -> applicants served by the table

    @property
    def requests(self) -> int:
        """Every HTTP request sent, retries included."""
        return self.geocode_requests + self.matrix_requests + self.retries

    def summary_lines(self) -> list[str]:
        """Counts only (no address, no key), for the CLI's summary."""
        if self.provider in ("table", "recorded"):
            where = "the district table" if self.provider == "table" else "the recorded scores"
            lines = [f"travel minutes ({self.provider}): {self.applicants:,} applicants from {where}"]
        else:
            lines = [
                f"travel look-ups ({self.provider}): {self.applicants:,} applicants, {self.unique_addresses:,} "
                f"distinct addresses, {self.cache_hits:,} from cache, {self.fetched:,} fetched",
                f"  requests: {self.requests:,} ({self.geocode_requests:,} geocode, "
                f"{self.matrix_requests:,} matrix, {self.retries:,} retries)",
            ]
        if self.area_estimates:
            lines.append(f"  area estimates (data/travel/area_minutes.csv): {self.area_estimates:,} applicants")
        if self.fallbacks:
            total = sum(self.fallbacks.values())
            detail = " · ".join(f"{reason} {n:,}" for reason, n in sorted(self.fallbacks.items()))
            lines.append(f"  district table stood in for {total:,} applicants (see travel_note): {detail}")
        return lines
