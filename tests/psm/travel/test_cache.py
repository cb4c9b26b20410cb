"""The SQLite cache: keys, freshness, atomic batches, and no address or key in the file."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat

import pytest

from psm.travel import TravelCache, TravelCacheError, TravelConfigError
from psm.travel.cache import CachedTravel, address_key, normalise_address

NOW = dt.datetime(2026, 11, 4, 2, 0, tzinfo=dt.timezone.utc)


def entry(minutes=20.6, when=NOW):
    return CachedTravel("OK", minutes, "ChIJabc", "google", when)


def test_normalisation_merges_spellings_that_differ_in_case_and_spacing():
    assert normalise_address("  Flat 3A ,Block 2,  Caribbean  Coast, TUNG CHUNG. ") == "flat 3a, block 2, caribbean coast, tung chung"
    assert address_key("Flat 3A, Block 2") == address_key("flat 3a ,  block 2")
    assert address_key("Flat 3A, Block 2") != address_key("Flat 3B, Block 2")


def test_round_trip_and_ttl(tmp_path):
    with TravelCache(tmp_path / "c.sqlite", dt.timedelta(days=30)) as cache:
        cache.put({"k1": entry(), "k2": CachedTravel("NOT_FOUND", None, "ChIJx", "google", NOW)}, "s")
        assert cache.get(["k1", "k2", "k3"], "s", NOW) == {
            "k1": entry(), "k2": CachedTravel("NOT_FOUND", None, "ChIJx", "google", NOW),
        }
        assert cache.get(["k1"], "other settings", NOW) == {}
        assert cache.get(["k1"], "s", NOW + dt.timedelta(days=29, hours=23)) != {}
        assert cache.get(["k1"], "s", NOW + dt.timedelta(days=30)) == {}


def test_a_failed_batch_leaves_nothing_half_written(tmp_path):
    with TravelCache(tmp_path / "c.sqlite", dt.timedelta(days=30)) as cache:
        bad = {"k1": entry(), "k2": CachedTravel("OK", 1.0, "p", None, NOW)}  # source NULL violates the schema
        with pytest.raises(TravelCacheError) as raised:
            cache.put(bad, "s")
        assert isinstance(raised.value.__cause__, sqlite3.IntegrityError)
        assert cache.get(["k1", "k2"], "s", NOW) == {}


def test_the_file_is_private_and_holds_no_address(tmp_path):
    path = tmp_path / "c.sqlite"
    with TravelCache(path, dt.timedelta(days=30)) as cache:
        cache.put({address_key("12 Secret Road, Tai Po"): entry()}, "s")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert b"secret road" not in path.read_bytes().lower()


def test_a_file_that_is_not_a_cache_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("not a database at all, just text " * 100)
    with pytest.raises(TravelConfigError, match=r"cannot open it as a SQLite file .*--travel-cache"):
        TravelCache(path, dt.timedelta(days=30))
    db = tmp_path / "old.sqlite"
    with TravelCache(db, dt.timedelta(days=30)):
        pass
    sqlite3.connect(db).execute("UPDATE meta SET value = '0'").connection.commit()
    with pytest.raises(TravelConfigError, match="schema version 0"):
        TravelCache(db, dt.timedelta(days=30))
