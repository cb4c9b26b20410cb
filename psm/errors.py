"""Exceptions of the engine.

Every message names the file, the place in it (row, column or key), the value, and the fix::

    PsmError                      anything the engine refuses, with a message for a person
    ├── PolicyError               a policy TOML that cannot be used (file, key, expected value),
    │                             or a name the policy does not hold (a scoring round)
    ├── InputFileError            an input file that cannot be read at all (file, row, fix);
    │                             a bad *row* is not an exception: it goes to rejects.csv
    ├── TravelError               travel minutes cannot be had (psm.travel)
    │   ├── TravelConfigError     set-up is wrong: no API key, a missing extra, a cache file
    │   │                         that is not a cache
    │   ├── TravelCacheError      the cache file cannot be read or written (disk full, locked);
    │   │                         the look-ups stored before are kept, a re-run continues
    │   ├── TravelRequestDenied   Google refused the request (REQUEST_DENIED, INVALID_REQUEST,
    │   │                         OVER_DAILY_LIMIT, HTTP 4xx): retrying cannot help
    │   └── TravelInterrupted     the network failed or Google stayed busy beyond the retry
    │                             budget; what was fetched is in the cache, a re-run continues
    ├── BundleChangedError        a run bundle's files no longer match its manifest: nothing is
    │                             built on it (exit status 4), each file that differs is named
    └── InternalError             the engine broke one of its own rules: a bug, not a problem
                                  of the input; the message asks for a report

The travel subclasses live in :mod:`psm.travel.errors`. Third-party errors (SQLite, Google's
client, the file system) are raised ``from`` the original, once, where they arise.
"""

from __future__ import annotations

__all__ = ["PsmError", "PolicyError", "InputFileError", "TravelError", "BundleChangedError", "InternalError"]


class PsmError(Exception):
    """Base class: the engine cannot go on, and says why in words a committee member can act on."""


class PolicyError(PsmError):
    """The policy file is missing, malformed, or inconsistent, or lacks what was asked of it."""


class InputFileError(PsmError):
    """An input file as a whole cannot be read (encoding, header, missing required columns)."""


class TravelError(PsmError):
    """Travel minutes cannot be had: a look-up or the travel cache failed; the message says what to do."""


class BundleChangedError(PsmError):
    """A run bundle whose files no longer match its manifest: an edit would be laundered into the next round."""


class InternalError(PsmError):
    """A bug: the engine found one of its own rules broken. The message states the rule and asks for a report."""

    def __init__(self, broken: str) -> None:
        super().__init__(f"{broken}; this is a bug in the engine, not a problem of the input: please report it")
