"""The console's cache of cards and run pages (console.cards.CardCache): made once per bundle
stamp, whoever asks first; made again after the bundle changes; warmed in the background."""

from __future__ import annotations

import threading
import time

import pytest

from console import cards as cache_module
from console.cards import CardCache

pytestmark = pytest.mark.xdist_group("console")


@pytest.fixture
def counted(monkeypatch):
    """MAKERS replaced by a slow maker that counts its calls."""
    calls = []

    def make(run_dir):
        calls.append(run_dir)
        time.sleep(0.2)
        return {"made": len(calls)}

    monkeypatch.setitem(cache_module.MAKERS, "report", make)
    return calls


def test_requests_arriving_together_wait_for_one_making(runs, counted):
    cache, results = CardCache(), []
    threads = [threading.Thread(target=lambda: results.append(cache.report(runs / "round1"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(counted) == 1 and results == [{"made": 1}] * 4


def test_a_changed_bundle_is_made_again(runs, counted):
    cache = CardCache()
    assert cache.report(runs / "round1") == {"made": 1}
    assert cache.report(runs / "round1") == {"made": 1}
    (runs / "round1" / "appeals.jsonl").write_text("{}\n")  # a recorded appeal changes the stamp
    assert cache.report(runs / "round1") == {"made": 2}


def test_warming_makes_it_in_the_background(runs, counted):
    cache = CardCache()
    cache.warm(runs / "round1", "report")
    deadline = time.monotonic() + 10
    while not counted and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.report(runs / "round1") == {"made": 1} and len(counted) == 1
    cache.close()


def test_a_failure_reaches_every_waiting_request_and_is_tried_again(runs, monkeypatch):
    calls = []

    def broken(run_dir):
        calls.append(run_dir)
        raise ValueError("unreadable")

    monkeypatch.setitem(cache_module.MAKERS, "report", broken)
    cache = CardCache()
    for _ in range(2):
        with pytest.raises(ValueError, match="unreadable"):
            cache.report(runs / "round1")
    assert len(calls) == 2
