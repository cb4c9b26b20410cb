"""Cohorts for the what-if tests: the bundled sample (read once) and a small synthetic one."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthetic import generate_cohort, write_cohort
from whatif import load_cohort, run_cohort

SEED = "demo-2025-26"
#: Quotas small enough that every pool of the small cohort has a waitlist.
SMALL_QUOTAS = {"pools.undergraduate.beds": 200, "pools.exchange.beds": 12, "pools.research.beds": 8}


@pytest.fixture(scope="session")
def lottery_seed() -> str:
    return SEED


@pytest.fixture(scope="session")
def small_quotas() -> dict[str, int]:
    return dict(SMALL_QUOTAS)


@pytest.fixture(scope="session")
def sample_cohort():
    return load_cohort()


@pytest.fixture(scope="session")
def sample_outcome(sample_cohort):
    return run_cohort(sample_cohort, seed=SEED, label="baseline")


@pytest.fixture(scope="session")
def small_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("small-cohort")
    write_cohort(generate_cohort(n=600, seed=7), folder)
    return folder


@pytest.fixture(scope="session")
def small_outcome(small_folder):
    return run_cohort(small_folder, seed=SEED, overrides=SMALL_QUOTAS, label="small")
