"""Fixtures shared by the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.exits import EXIT_OK
from cli.main import main

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def run_sample(out: Path, seed: str = "offers-test") -> Path:
    """``psm run`` on the sample cohort with the bundled inventory into ``out``."""
    status = main(["run", "--applications", str(SAMPLE / "applications.csv"),
                   "--office-bearers", str(SAMPLE / "office_bearers.csv"),
                   "--achievements", str(SAMPLE / "achievements.csv"),
                   "--seed", seed, "--out", str(out)])
    assert status == EXIT_OK
    return out


@pytest.fixture(scope="session")
def sample_runner():
    """:func:`run_sample`, for tests that need a run of their own."""
    return run_sample


@pytest.fixture(scope="session")
def sample_bundle(tmp_path_factory) -> Path:
    """One ``psm run`` of the sample (about 30 s), made once for the tests that read it.
    Read it only; a test that appeals or answers offers works on a copy.

    The seed matters to one test: under it, test_offers' upheld appeal (the last waitlisted of
    the readmission tier, 7 points to 45) lands above where round two's waitlist starts.
    """
    return run_sample(tmp_path_factory.mktemp("sample") / "run")
