"""The previous approach the speed benchmarks time beside today's engine, kept runnable here, not
in the engine.

It is the engine as it was before the speed work: commit :data:`PREVIOUS_APPROACH` of main's own
history (the last commit before the speed table's benchmark), so every clone of main holds it;
a git tag would not travel with a clone of the branch. :func:`extract` writes its files with
``git archive`` into a temporary directory, to run from there (``PYTHONPATH`` set to it).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: The engine before the speed work (82bb4c3, 2026-12-02 23:16, "appeal: --add-achievement takes
#: an optional KIND"); earlier figures in benchmarks/README.md name it by its former tag,
#: ``speed-reference``.
PREVIOUS_APPROACH = "82bb4c3945e41c119b368e36a27844170ec044db"


def extract(commit: str, into: Path, *paths: str) -> Path:
    """The files of ``commit`` (all of them, or only ``paths``), extracted under ``into``."""
    done = subprocess.run(["git", "-C", str(REPO), "archive", commit, *paths], check=False,
                          capture_output=True)
    if done.returncode != 0:
        raise SystemExit(f"cannot extract the previous approach, commit {commit!r}: {done.stderr.decode().strip()}; "
                         "a shallow clone lacks it (git fetch --unshallow), or run with --skip-previous")
    subprocess.run(["tar", "-x", "-C", str(into)], input=done.stdout, check=True)
    return into
