"""SIGINT, SIGTERM and SIGHUP stop ``psm run`` cleanly at any step: exit 128 + the signal's
number, one line saying what was interrupted, no traceback, no bundle and no hidden partial
folder. The run's stderr is a terminal (a pty), so each step announces itself and the signal is
sent when the step named begins.
"""

from __future__ import annotations

import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synthetic import generate_cohort, write_cohort

ROOT = Path(__file__).resolve().parents[2]
STEPS = ("reading and checking the input files", "admission", "placement", "writing the bundle")
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("signals")
    write_cohort(generate_cohort(n=800, seed=11), folder)
    return folder


def run_until(cohort: Path, out: Path, step: str, signum: int) -> tuple[int, str]:
    """Start ``psm run``, send ``signum`` when ``step`` begins; its exit status and stderr.

    On a busy machine this process may read the step's line only after the run has ended; the
    run is then started again (three times at most), so that the signal reaches a live run."""
    for _ in range(3):
        status, stderr, delivered = _run_once(cohort, out, step, signum)
        if delivered:
            break
        shutil.rmtree(out, ignore_errors=True)  # a whole bundle, made before the signal came
    return status, stderr


def _run_once(cohort: Path, out: Path, step: str, signum: int) -> tuple[int, str, bool]:
    """One run: its exit status and stderr, and whether it was still running when signalled."""
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "run", "--applications", str(cohort / "applications.csv"),
         "--office-bearers", str(cohort / "office_bearers.csv"), "--achievements", str(cohort / "achievements.csv"),
         "--seed", "signals", "--out", str(out)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=secondary, stdin=subprocess.DEVNULL, start_new_session=True)
    os.close(secondary)
    seen, sent = b"", False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([primary], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the run ended and closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        if not sent and step.encode() in seen:
            delivered = process.poll() is None
            process.send_signal(signum)
            sent = True
        if process.poll() is not None and not ready:
            break
    status = process.wait(timeout=120)
    os.close(primary)
    assert sent, f"the step {step!r} was never announced: {seen.decode(errors='replace')}"
    return status, seen.decode(errors="replace"), delivered


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
@pytest.mark.parametrize("step", STEPS)
def test_a_signal_at_any_step_leaves_nothing(cohort, tmp_path, step, signum):
    out = tmp_path / "run"
    status, stderr = run_until(cohort, out, step, signum)
    assert "Traceback" not in stderr
    leftovers = [p.name for p in tmp_path.iterdir()]
    if status == 0:  # the signal came as the last file was written: then the bundle is whole
        assert step == "writing the bundle", stderr
        assert (out / "manifest.json").exists() and (out / "report.html").exists()
        return
    assert status == 128 + signum, stderr
    assert leftovers == [], leftovers
    lines = [line for line in stderr.replace("\r", "\n").splitlines() if "interrupted" in line]
    assert len(lines) == 1, stderr
    assert f"interrupted by {signal.Signals(signum).name}" in lines[0]
    assert "nothing was written" in lines[0]
