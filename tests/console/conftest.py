"""A small run bundle for the console's tests (600 applicants, quotas that leave waitlists), and
the helpers to log in and to copy the runs folder for a test that writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from cli.exits import EXIT_REJECTED
from console import create_app
from console_helpers import TOKEN, logged_in
from hac.bundle import make_run_bundle
from hac.pipeline import InputFiles, RunRequest
from synthetic import generate_cohort, write_cohort
from whatif import override_toml

SEED = "console-test"
#: Quotas small enough that every pool of the small cohort has a waitlist.
SMALL_POLICY = {"policy.version": "2025-26-small", "pools.undergraduate.beds": 200, "pools.exchange.beds": 12,
                "pools.research.beds": 8}


@pytest.fixture(scope="session")
def runs_made(tmp_path_factory) -> Path:
    """A runs folder holding one first-round bundle, ``round1`` (read it only: copy it to write)."""
    folder = tmp_path_factory.mktemp("console")
    inputs = folder / "in"
    write_cohort(generate_cohort(n=600, seed=7), inputs)
    policy = folder / "policy.toml"
    policy.write_text(override_toml(SMALL_POLICY), encoding="utf-8")
    runs = folder / "runs"
    runs.mkdir()
    request = RunRequest(InputFiles(inputs / "applications.csv", inputs / "office_bearers.csv",
                                    inputs / "achievements.csv"), seed=SEED, policy=policy)
    make_run_bundle(request, runs / "round1", rejected_status=EXIT_REJECTED)
    return runs


@pytest.fixture
def runs(runs_made, tmp_path) -> Path:
    """A copy of the runs folder this test may write to."""
    copy = tmp_path / "runs"
    shutil.copytree(runs_made, copy, ignore=shutil.ignore_patterns(".console", "console-audit.jsonl"))
    return copy


@pytest.fixture
def client(runs) -> TestClient:
    """A client logged in with the start-up token, on a copy of the runs folder."""
    with TestClient(create_app(runs, token=TOKEN)) as client:
        yield logged_in(client)


@pytest.fixture
def reader(runs_made) -> TestClient:
    """A client logged in on the shared runs folder, for tests that only read."""
    with TestClient(create_app(runs_made, token=TOKEN)) as client:
        yield logged_in(client)
