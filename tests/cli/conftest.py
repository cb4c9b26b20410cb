"""Fixtures shared by the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import run_folder
from cli.exits import EXIT_OK

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def run_sample(out: Path, seed: str = "offers-test") -> Path:
    """``psm run`` on the sample cohort with the bundled inventory into ``out``."""
    assert run_folder(SAMPLE, out, seed) == EXIT_OK
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
