"""Exceptions of travel-time look-ups (all are :class:`psm.errors.PsmError`, so the CLI prints them).

::

    PsmError
    └── TravelError                 a travel look-up cannot go on
        ├── TravelConfigError       set-up is wrong: no API key, a missing extra, a bad cache file
        ├── TravelRequestDenied     Google refused the request (REQUEST_DENIED, INVALID_REQUEST,
        │                           OVER_DAILY_LIMIT, HTTP 4xx): retrying cannot help
        └── TravelInterrupted       the network failed or Google stayed busy beyond the retry
                                    budget; what was fetched is in the cache, a re-run continues

Messages never contain the API key or a home address (see :mod:`psm.travel.redact`).
"""

from __future__ import annotations

from psm.errors import PsmError

__all__ = ["TravelError", "TravelConfigError", "TravelRequestDenied", "TravelInterrupted"]


class TravelError(PsmError):
    """A travel-time look-up cannot go on; the message says why and what to do."""


class TravelConfigError(TravelError):
    """The travel provider cannot be set up (API key, optional extra, cache file)."""


class TravelRequestDenied(TravelError):
    """Google refused a request in a way that retrying cannot fix."""


class TravelInterrupted(TravelError):
    """Look-ups stopped part-way (network failure, retries exhausted); the cache keeps what was fetched."""
