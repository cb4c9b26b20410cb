"""The exception tree: as drawn in ``psm.errors``, and third-party errors translated where they arise.

- The drawing in the docstring of :mod:`psm.errors` is the tree: every exception class of the
  engine appears in it, under its base class.
- A ``sqlite3.Error`` of the travel cache becomes a TravelError naming the file and the fix,
  raised from the original: a file that is not a cache (a folder, a damaged file), a write the
  disk has no room for (the look-ups stored before are kept).
- An unknown scoring round is a PolicyError naming the rounds the policy has.
- A bug of the engine is an InternalError asking for a report.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

import googlemaps.exceptions as gme
import pytest

import psm.errors
import psm.travel.errors
from psm.errors import InternalError, PolicyError, PsmError, TravelError
from psm.travel import TravelCache, TravelCacheError, TravelConfigError
from psm.travel.cache import CachedTravel
from psm.travel.google import DistanceMatrix, call_google

NOW = dt.datetime(2026, 11, 4, 2, 0, tzinfo=dt.timezone.utc)
TTL = dt.timedelta(days=30)


def drawn_tree() -> dict[str, str]:
    """Each class drawn in ``psm.errors``' docstring, with the class drawn above it (its base)."""
    parents: dict[str, str] = {}
    above: list[str] = []  # the names on the path to the current line, by depth
    for line in psm.errors.__doc__.splitlines():
        drawn = re.match(r"^ {4}((?:[│ ] {3})*(?:[├└]── )?)(\w+)\s", line)
        if not drawn:
            continue
        depth = len(drawn[1]) // 4
        del above[depth:]
        if above:
            parents[drawn[2]] = above[-1]
        above.append(drawn[2])
    return parents


def engine_exceptions() -> dict[str, type[Exception]]:
    modules = (psm.errors, psm.travel.errors)
    return {name: getattr(m, name) for m in modules for name in m.__all__ if issubclass(getattr(m, name), Exception)}


def test_the_drawing_is_the_tree():
    parents = drawn_tree()
    classes = engine_exceptions()
    assert set(parents) | {"PsmError"} == set(classes)
    for name, parent in parents.items():
        assert classes[name].__bases__ == (classes[parent],), name
    assert {"TravelError", "InternalError"} <= set(psm.errors.__all__)


def test_a_cache_path_that_is_a_folder_is_refused_naming_it(tmp_path):
    folder = tmp_path / "travel.sqlite"
    folder.mkdir()
    with pytest.raises(TravelConfigError) as raised:
        TravelCache(folder, TTL)
    assert isinstance(raised.value, TravelError)
    assert isinstance(raised.value.__cause__, sqlite3.Error)
    assert str(raised.value).startswith(f"travel cache {folder}: cannot open it as a SQLite file (")
    assert "pass --travel-cache with another path" in str(raised.value)


def test_a_damaged_cache_file_is_refused_naming_it(tmp_path):
    path = tmp_path / "travel.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    with pytest.raises(TravelConfigError) as raised:
        TravelCache(path, TTL)
    assert isinstance(raised.value.__cause__, sqlite3.DatabaseError)
    assert f"travel cache {path}: " in str(raised.value)


def test_a_full_disk_while_writing_keeps_what_was_stored(tmp_path):
    path = tmp_path / "travel.sqlite"
    stored = {"k0": CachedTravel("OK", 20.5, "ChIJ0", "google", NOW)}
    many = {f"k{i}": CachedTravel("OK", 20.5, f"ChIJ{i}" * 40, "google", NOW) for i in range(1, 2000)}
    with TravelCache(path, TTL) as cache:
        cache.put(stored, "s")
        pages = cache._db.execute("PRAGMA page_count").fetchone()[0]
        cache._db.execute(f"PRAGMA max_page_count = {pages + 1}")  # the disk is full after one more page
        with pytest.raises(TravelCacheError) as raised:
            cache.put(many, "s")
        assert str(raised.value) == (
            f"travel cache {path}: database or disk is full; free some disk space, or pass --travel-cache "
            "with a path on another disk; the look-ups stored before are kept, so the same command run again "
            "continues"
        )
        assert isinstance(raised.value.__cause__, sqlite3.OperationalError)
        assert cache.get(["k0", "k1"], "s", NOW) == stored  # the failed batch left nothing half-written


def test_a_cache_another_command_holds_says_so(tmp_path):
    path = tmp_path / "travel.sqlite"
    with TravelCache(path, TTL) as cache, sqlite3.connect(path, isolation_level=None) as other:
        other.execute("BEGIN IMMEDIATE")  # another psm command is writing
        cache._db.execute("PRAGMA busy_timeout = 0")  # do not wait for it in a test
        with pytest.raises(TravelCacheError, match=r"database is locked; another psm command is using the cache"):
            cache.put_places({"k": "ChIJ"}, NOW)
        other.execute("ROLLBACK")


def test_an_unknown_round_is_a_policy_error(policy):
    assert policy.round("regular") == policy.rounds["regular"]
    with pytest.raises(PolicyError) as raised:
        policy.round("winter")
    assert str(raised.value) == (
        f"round 'winter' is not in the policy {policy.path}; use one of {sorted(policy.rounds)}"
    )


def test_a_bug_is_an_internal_error_asking_for_a_report():
    error = InternalError("the arrival time must be timezone-aware")
    assert isinstance(error, PsmError)
    assert str(error) == (
        "the arrival time must be timezone-aware; this is a bug in the engine, not a problem of the input: "
        "please report it"
    )


def test_a_request_larger_than_google_allows_is_our_bug():
    def too_large():
        raise gme.ApiError("MAX_ELEMENTS_EXCEEDED", "too many elements")

    with pytest.raises(InternalError, match=r"MAX_ELEMENTS_EXCEEDED \(too many elements\); this is a bug"):
        call_google(too_large, "Distance Matrix", ("AIza-secret",))


def test_a_naive_arrival_time_is_our_bug(policy):
    matrix = DistanceMatrix(client=None, policy=policy.travel, key="AIza-secret")
    with pytest.raises(InternalError, match="timezone-aware"):
        matrix.durations(["ChIJ"], dt.datetime(2026, 11, 4, 9, 0))
