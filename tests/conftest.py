"""Shared fixtures: the bundled policy and district table; reproducible hypothesis settings."""

from __future__ import annotations

import pytest
from hypothesis import settings

from psm.policy import Policy, load_policy
from psm.travel import DistrictTable

# Reproducible property tests: the same examples on every machine and every CI run.
settings.register_profile("project", derandomize=True, deadline=None, max_examples=120, print_blob=True)
settings.load_profile("project")


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy()


@pytest.fixture(scope="session")
def table() -> DistrictTable:
    return DistrictTable.load()
