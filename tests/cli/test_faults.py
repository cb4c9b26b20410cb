"""Faults: a killed run, a full disk, an output path that cannot be written, a failing travel cache.

- ``psm run --travel google`` (a subprocess talking to a fake Google on 127.0.0.1) killed with
  SIGKILL part-way through the travel look-ups leaves no bundle, and the same command run
  again asks Google only for the addresses the cache does not hold yet.
- A full disk (ENOSPC, simulated where each kind of file is written), an ``--out`` below a
  regular file, or a travel cache that cannot be written: one line on stderr naming the path,
  the reason and the fix, exit status 1, no traceback, nothing that looks like a result.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

import hac.bundle
from cli.exits import EXIT_ERROR, EXIT_OK
from cli.main import main
from synthetic import generate_cohort, write_cohort
from psm.travel.cache import TravelCache

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "AIzaSyFaultTestKeyNotReal0123456789ab"
BATCH = 25          # origins per Distance Matrix request
HANG_AT = 3         # the matrix request that never gets an answer: two batches are stored by then


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("faults")
    write_cohort(generate_cohort(n=150, seed=17), folder)
    return folder


def inputs(cohort: Path) -> list[str]:
    return ["--applications", str(cohort / "applications.csv"), "--office-bearers", str(cohort / "office_bearers.csv"),
            "--achievements", str(cohort / "achievements.csv")]


def run_args(cohort: Path, out: Path, *extra: str) -> list[str]:
    return ["run", *inputs(cohort), "--seed", "faults", "--out", str(out), *extra]


# -- a fake Google on 127.0.0.1 ---------------------------------------------------------------


class _Google(BaseHTTPRequestHandler):
    """Geocoding: a place id per address; Distance Matrix: 30 minutes for every origin.

    Matrix request number ``server.hang_at`` is held until ``server.release`` is set.
    """

    def do_GET(self):  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        server = self.server
        with server.lock:
            server.calls[url.path] = server.calls.get(url.path, 0) + 1
            number = server.calls[url.path]
        if url.path == "/maps/api/geocode/json":
            place = "ChIJ" + hashlib.sha256(query["address"].encode()).hexdigest()[:12]
            body = {"status": "OK", "results": [{"place_id": place, "types": ["premise"]}]}
        elif url.path == "/maps/api/distancematrix/json":
            origins = query["origins"].split("|")
            with server.lock:
                server.origins.append(len(origins))
            if number == server.hang_at:
                server.release.wait(60)
                return
            body = {"status": "OK", "rows": [{"elements": [{"status": "OK", "duration": {"value": 1800}}]}
                                             for _ in origins]}
        else:
            self.send_error(404)
            return
        data = json.dumps(body).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client was killed
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def google():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Google)
    server.daemon_threads = True
    server.calls, server.origins, server.lock = {}, [], threading.Lock()
    server.hang_at, server.release = None, threading.Event()
    server.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def cached(cache: Path) -> tuple[int, int]:
    """(travel rows, geocoded places) in the cache file."""
    with sqlite3.connect(cache) as db:
        return (db.execute("SELECT COUNT(*) FROM travel").fetchone()[0],
                db.execute("SELECT COUNT(*) FROM places").fetchone()[0])


def test_a_killed_run_leaves_no_bundle_and_the_rerun_asks_only_for_what_the_cache_lacks(
        cohort, google, tmp_path, monkeypatch):
    out, cache = tmp_path / "run", tmp_path / "cache" / "travel.sqlite"
    args = run_args(cohort, out, "--travel", "google", "--travel-cache", str(cache))
    env = {**os.environ, "GOOGLE_MAPS_API_KEY": API_KEY, "PSM_GOOGLE_MAPS_BASE_URL": google.base}
    google.hang_at = HANG_AT
    with (tmp_path / "stdout").open("w") as stdout, (tmp_path / "stderr").open("w") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "cli.main", *args], cwd=ROOT, env=env,
                                   stdout=stdout, stderr=stderr)
        deadline = time.monotonic() + 120
        while len(google.origins) < HANG_AT and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process.poll() is None, (tmp_path / "stderr").read_text()
        assert len(google.origins) == HANG_AT, "the run did not reach the third matrix request in time"
        process.kill()  # SIGKILL: no clean-up runs
        process.wait(30)
    google.release.set()

    assert not out.exists()
    leftovers = [p for p in tmp_path.iterdir() if p.name not in ("cache", "stdout", "stderr")]
    assert all(p.name.startswith(f".{out.name}.partial-") for p in leftovers)  # hidden, never a bundle
    for partial in leftovers:
        assert not (partial / "manifest.json").exists()
        assert (partial / "inputs").stat().st_mode & 0o077 == 0  # its personal data: owner only
    geocoded = google.calls["/maps/api/geocode/json"]
    stored, places = cached(cache)
    assert stored == (HANG_AT - 1) * BATCH and places == geocoded > stored

    google.calls.clear()
    google.origins.clear()
    google.hang_at = None
    monkeypatch.setenv("GOOGLE_MAPS_API_KEY", API_KEY)
    monkeypatch.setenv("PSM_GOOGLE_MAPS_BASE_URL", google.base)
    assert main(args) == EXIT_OK
    assert "/maps/api/geocode/json" not in google.calls  # every place was kept by the killed run
    assert sum(google.origins) == geocoded - stored      # only the addresses with no stored minutes
    assert (out / "manifest.json").exists()
    sources = pd.read_csv(out / "scores.csv", dtype=str, keep_default_na=False)["travel_source"]
    assert (sources == "cache").sum() >= stored and (sources == "google").sum() >= geocoded - stored
    assert cached(cache)[0] == geocoded


def test_a_travel_cache_that_cannot_be_written_is_one_clear_line(cohort, google, tmp_path, monkeypatch, capsys):
    opened = TravelCache.__init__

    def nearly_full(self, *args, **kwargs):  # the disk fills after one more page
        opened(self, *args, **kwargs)
        pages = self._db.execute("PRAGMA page_count").fetchone()[0]
        self._db.execute(f"PRAGMA max_page_count = {pages + 1}")

    monkeypatch.setattr(TravelCache, "__init__", nearly_full)
    monkeypatch.setenv("GOOGLE_MAPS_API_KEY", API_KEY)
    monkeypatch.setenv("PSM_GOOGLE_MAPS_BASE_URL", google.base)
    out = tmp_path / "run"
    capsys.readouterr()
    assert main(run_args(cohort, out, "--travel", "google", "--travel-cache", str(tmp_path / "c.sqlite"))) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err == (f"psm run: error: travel cache {tmp_path / 'c.sqlite'}: database or disk is full; free some disk "
                   "space, or pass --travel-cache with a path on another disk; the look-ups stored before are kept, "
                   "so the same command run again continues\n")
    assert not out.exists() and all(p.name.startswith("c.sqlite") for p in tmp_path.iterdir())


# -- a full disk ------------------------------------------------------------------------------


def _no_space(filename=None) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), *([filename] if filename is not None else []))


def assert_one_clear_line(err: str, command: str, *named: str) -> None:
    assert err.startswith(f"psm {command}: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert "No space left on device" in err and "free some disk space" in err and "choose another --out" in err
    assert all(name in err for name in named), (named, err)


@pytest.mark.parametrize("where", ["keep_inputs", "csv", "lottery.json", "run.log", "manifest.json", "report.html"])
def test_a_full_disk_during_psm_run_is_one_clear_line_and_leaves_nothing(cohort, tmp_path, monkeypatch, capsys,
                                                                        where):
    """ENOSPC where each kind of file is written (with the file's name, or none, as write() gives it)."""
    out = tmp_path / "run"
    if where == "keep_inputs":
        monkeypatch.setattr(shutil, "copyfile", lambda src, dst, **kw: (_ for _ in ()).throw(_no_space(dst)))
        named = (str(cohort / "applications.csv"),)
    elif where == "csv":
        write_bytes = Path.write_bytes

        def csv_bytes(self, *args, **kwargs):
            if self.name.endswith(".csv.partial"):  # a CSV is written to a hidden sibling first
                raise _no_space(str(self))
            return write_bytes(self, *args, **kwargs)
        monkeypatch.setattr(Path, "write_bytes", csv_bytes)
        named = ("rejects.csv",)
    else:
        write_text = Path.write_text

        def failing(self, *args, **kwargs):
            if self.name == where:
                raise _no_space(None if where == "run.log" else str(self))
            return write_text(self, *args, **kwargs)
        monkeypatch.setattr(Path, "write_text", failing)
        named = (str(out),) if where == "run.log" else (where,)
    capsys.readouterr()
    assert main(run_args(cohort, out)) == EXIT_ERROR
    assert_one_clear_line(capsys.readouterr().err, "run", *named)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_a_full_disk_during_psm_score_is_one_clear_line(cohort, tmp_path, monkeypatch, capsys):
    written = []
    write_bytes = Path.write_bytes

    def filling(self, data):
        name = self.name.removeprefix(".").removesuffix(".partial")  # written to a hidden sibling first
        if name == "scores.csv":
            raise _no_space(str(self))
        written.append(name)
        return write_bytes(self, data)

    monkeypatch.setattr(Path, "write_bytes", filling)
    capsys.readouterr()
    assert main(["score", *inputs(cohort), "--out", str(tmp_path / "scores.csv")]) == EXIT_ERROR
    assert_one_clear_line(capsys.readouterr().err, "score", str(tmp_path / "scores.csv"))
    assert not (tmp_path / "scores.csv").exists() and written == ["rejects.csv"]


def test_a_scores_csv_half_written_when_the_disk_fills_is_not_left_behind(cohort, tmp_path, monkeypatch, capsys):
    write_bytes = Path.write_bytes

    def half(self, data):
        if "scores.csv" in self.name:  # the file, or the hidden sibling it is written to first
            write_bytes(self, data[: len(data) // 2])
            raise _no_space()
        return write_bytes(self, data)

    monkeypatch.setattr(Path, "write_bytes", half)
    assert main(["score", *inputs(cohort), "--out", str(tmp_path / "scores.csv")]) == EXIT_ERROR
    assert not (tmp_path / "scores.csv").exists()
    assert not list(tmp_path.glob(".scores.csv*"))  # nor the half-written sibling


def test_a_full_disk_without_a_file_name_names_the_output(cohort, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(hac.bundle, "write_report", lambda folder: (_ for _ in ()).throw(_no_space()))
    out = tmp_path / "run"
    assert main(run_args(cohort, out)) == EXIT_ERROR
    err = capsys.readouterr().err
    assert_one_clear_line(err, "run", f"while writing {out}")
    assert not out.exists()


# -- an output path that cannot be written ----------------------------------------------------


@pytest.fixture
def a_file(tmp_path) -> Path:
    path = tmp_path / "file.txt"
    path.write_text("not a folder\n")
    return path


@pytest.fixture(scope="module")
def small_bundle(cohort, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "run"
    assert main(run_args(cohort, out)) == EXIT_OK
    return out


def test_an_out_below_a_regular_file_is_a_clear_error_for_every_command(cohort, small_bundle, a_file, tmp_path,
                                                                       capsys, monkeypatch):
    monkeypatch.setenv("PSM_REDACT_KEY", "a-key-of-enough-length-000")
    responses = tmp_path / "responses.csv"
    ranking = pd.read_csv(small_bundle / "ranking.csv", dtype=str, keep_default_na=False)
    offered = ranking.loc[ranking["status"] == "offered", "applicant_id"]
    pd.DataFrame({"applicant_id": offered, "response": "accepted"}).to_csv(responses, index=False)
    commands = {
        "score": ["score", *inputs(cohort), "--out", str(a_file / "sub" / "scores.csv")],
        "rank": ["rank", *inputs(cohort), "--seed", "s", "--out", str(a_file / "sub" / "ranking.csv")],
        "run": run_args(cohort, a_file / "sub"),
        "offers": ["offers", str(small_bundle), "--responses", str(responses), "--out", str(a_file / "sub")],
        "redact": ["redact", str(small_bundle), "--out", str(a_file / "sub")],
        "sample": ["sample", "--n", "5", "--out", str(a_file / "sub")],
    }
    for name, argv in commands.items():
        capsys.readouterr()
        assert main(argv) == EXIT_ERROR, name
        err = capsys.readouterr().err
        assert err.startswith(f"psm {name}: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
        assert str(a_file) in err and "Not a directory" in err and "--out" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt", "responses.csv"]


def test_an_out_in_proc_is_a_clear_error(cohort, capsys):
    out = Path("/proc") / f"psm-test-{os.getpid()}" / "run"
    assert main(run_args(cohort, out)) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err.startswith("psm run: error: ") and err.count("\n") == 1 and str(out) in err and "--out" in err
