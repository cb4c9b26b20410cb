"""Exceptions of travel-time look-ups and the travel cache: the :class:`~psm.errors.TravelError`
branch of the tree drawn in :mod:`psm.errors` (all are PsmErrors, so the CLI prints them).

Messages never contain the API key or a home address (see :mod:`psm.travel.redact`).
"""

from __future__ import annotations

from psm.errors import TravelError

__all__ = ["TravelConfigError", "TravelCacheError", "TravelRequestDenied", "TravelInterrupted"]


class TravelConfigError(TravelError):
    """The travel provider cannot be set up (API key, optional extra, a cache file that is not a cache)."""


class TravelCacheError(TravelError):
    """The travel cache file cannot be read or written (disk full, locked, damaged); what it held stays."""


class TravelRequestDenied(TravelError):
    """Google refused a request in a way that retrying cannot fix."""


class TravelInterrupted(TravelError):
    """Look-ups stopped part-way (network failure, retries exhausted); the cache keeps what was fetched."""
