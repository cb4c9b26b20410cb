"""The persistent travel cache (SQLite): one row per (address, travel settings).

Keyed by the SHA-256 of the *normalised* home address (:func:`address_key`; the address itself
is never stored) and the settings key (:func:`psm.travel.settings.settings_key`: destination,
mode, weekday, time, timezone, region). A row keeps the result of one look-up:

=============  ==========================================================================
status         ``OK`` (minutes found) or why not: ``NO_GEOCODE`` (no place for the address),
               ``NOT_FOUND`` / ``ZERO_RESULTS`` / ... (Google found no transit route)
minutes        one-way minutes, one decimal (NULL unless ``OK``)
place_id       Google's place id of the geocoded address (NULL for ``NO_GEOCODE``)
source         the API that answered: ``google`` (Distance Matrix) or ``google-routes``
fetched_at     when it was fetched, UTC ISO 8601
=============  ==========================================================================

A second table, ``places``, keeps geocoding results (address key -> place id), so an
interrupted run does not geocode again what it already had. Rows older than the TTL are
treated as absent (fetched again and replaced); negative results are cached too, so a re-run
makes no request at all. Writes happen in transactions, one per look-up batch: after a crash
or a network failure the file holds every finished batch and nothing half-written.

A file that cannot be opened as this cache raises :class:`TravelConfigError`; a read or write
that SQLite refuses later (disk full, file locked) raises :class:`TravelCacheError`. Both name
the file and the fix, and are raised from the ``sqlite3.Error``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from psm.travel.errors import TravelCacheError, TravelConfigError

__all__ = ["CachedTravel", "TravelCache", "address_key", "normalise_address", "default_cache_path"]

SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS travel (
    address_key  TEXT NOT NULL,
    settings_key TEXT NOT NULL,
    status       TEXT NOT NULL,
    minutes      REAL,
    place_id     TEXT,
    source       TEXT NOT NULL,
    fetched_at   TEXT NOT NULL,
    PRIMARY KEY (address_key, settings_key)
);
CREATE TABLE IF NOT EXISTS places (
    address_key  TEXT PRIMARY KEY,
    place_id     TEXT,
    fetched_at   TEXT NOT NULL
);
"""


def default_cache_path() -> Path:
    """``data/cache/travel.sqlite`` at the project's root (``data/cache/`` is git-ignored)."""
    return Path(__file__).resolve().parents[2] / "data" / "cache" / "travel.sqlite"


def normalise_address(address: str) -> str:
    """The form an address is looked up and keyed by: NFKC, case-folded, single spaces, ", " commas.

    Two spellings that differ only in case, spacing or comma spacing are one look-up.
    """
    text = unicodedata.normalize("NFKC", address).casefold()
    text = re.sub(r"\s*,\s*", ", ", " ".join(text.split()))
    return text.strip(" ,.;")


def address_key(address: str) -> str:
    """SHA-256 of the normalised address: the cache key (the address is not stored)."""
    return hashlib.sha256(normalise_address(address).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CachedTravel:
    """One cached look-up result (see the table in the module docstring)."""

    status: str
    minutes: float | None
    place_id: str | None
    source: str
    fetched_at: dt.datetime


class TravelCache:
    """The SQLite cache file. ``ttl`` decides freshness against ``now`` passed to each read."""

    def __init__(self, path: str | Path, ttl: dt.timedelta) -> None:
        self.path = Path(path)
        self.ttl = ttl
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            new = not self.path.exists()
            self._db = sqlite3.connect(self.path, isolation_level=None)  # explicit transactions below
            if new:
                os.chmod(self.path, 0o600)  # place ids locate homes: owner-only
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
            version = self._db.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()[0]
        except (OSError, sqlite3.Error) as e:
            raise TravelConfigError(f"travel cache {self.path}: cannot open it as a SQLite file ({e}); {_fix(e)}") from e
        if version != SCHEMA_VERSION:
            raise TravelConfigError(
                f"travel cache {self.path}: schema version {version}, this engine writes {SCHEMA_VERSION}; "
                "delete the file (it is only a cache) or pass --travel-cache with another path"
            )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> TravelCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _fresh(self, fetched_at: str, now: dt.datetime) -> bool:
        return now - dt.datetime.fromisoformat(fetched_at) < self.ttl

    def get(self, keys: Iterable[str], settings: str, now: dt.datetime) -> dict[str, CachedTravel]:
        """Fresh results for the given address keys (stale and absent ones are left out)."""
        found = {}
        with self._sqlite_errors():
            for key in dict.fromkeys(keys):
                row = self._db.execute(
                    "SELECT status, minutes, place_id, source, fetched_at FROM travel "
                    "WHERE address_key = ? AND settings_key = ?",
                    (key, settings),
                ).fetchone()
                if row and self._fresh(row[4], now):
                    found[key] = CachedTravel(row[0], row[1], row[2], row[3], dt.datetime.fromisoformat(row[4]))
        return found

    def put(self, results: dict[str, CachedTravel], settings: str) -> None:
        """Store results (address key -> result) in one transaction: all or nothing."""
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO travel VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (key, settings, r.status, r.minutes, r.place_id, r.source, r.fetched_at.isoformat())
                    for key, r in results.items()
                ],
            )

    def get_place(self, key: str, now: dt.datetime) -> tuple[str | None] | None:
        """``(place_id,)`` (``(None,)`` when geocoding found nothing) if fresh, else None."""
        with self._sqlite_errors():
            row = self._db.execute("SELECT place_id, fetched_at FROM places WHERE address_key = ?", (key,)).fetchone()
        return (row[0],) if row and self._fresh(row[1], now) else None

    def put_places(self, places: dict[str, str | None], now: dt.datetime) -> None:
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO places VALUES (?, ?, ?)",
                [(key, place, now.isoformat()) for key, place in places.items()],
            )

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction: committed if the block ends normally, else rolled back (all or nothing)."""
        with self._sqlite_errors():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                if self._db.in_transaction:  # SQLite may have rolled back already (disk full)
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextlib.contextmanager
    def _sqlite_errors(self) -> Iterator[None]:
        """A ``sqlite3.Error`` of the block becomes a :class:`TravelCacheError` naming the file and the fix."""
        try:
            yield
        except sqlite3.Error as e:
            raise TravelCacheError(
                f"travel cache {self.path}: {e}; {_fix(e)}; "
                "the look-ups stored before are kept, so the same command run again continues"
            ) from e


def _fix(error: Exception) -> str:
    """What to do about a cache file SQLite (or the system) refused, by the reason it gave."""
    reason = str(error).lower()
    if "full" in reason:
        return "free some disk space, or pass --travel-cache with a path on another disk"
    if "locked" in reason or "busy" in reason:
        return "another psm command is using the cache: let it finish, or pass --travel-cache with another path"
    return "pass --travel-cache with another path, or delete the file (it is only a cache)"
