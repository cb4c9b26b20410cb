"""The speed benchmarks' previous approach is reachable from every clone of main.

Regression: it was a git tag (``speed-reference``) that a clone of the branch does not carry, so
``bench_speed.py`` stopped on a fresh clone before timing anything.
"""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))

from reference import PREVIOUS_APPROACH, extract  # beside the benchmarks (not a package)


def git(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(REPO), *arguments], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def history() -> None:
    shallow = git("rev-parse", "--is-shallow-repository")
    if shallow.returncode != 0:
        pytest.skip("not a git checkout")
    if shallow.stdout.strip() == "true":
        pytest.skip("a shallow clone holds only recent history (git fetch --unshallow)")


def test_the_previous_approach_is_a_commit_of_mains_history(history):
    assert git("merge-base", "--is-ancestor", PREVIOUS_APPROACH, "HEAD").returncode == 0


def test_the_previous_approach_extracts_with_its_engine(history, tmp_path):
    extract(PREVIOUS_APPROACH, tmp_path, "psm/__init__.py", "allocation/rooms.py")
    assert (tmp_path / "psm" / "__init__.py").read_text().strip()
    assert "def plan_rooms" in (tmp_path / "allocation" / "rooms.py").read_text()


def test_an_unknown_commit_stops_with_what_to_do(history, tmp_path):
    with pytest.raises(SystemExit, match="cannot extract the previous approach.*--skip-previous"):
        extract("0" * 40, tmp_path)
