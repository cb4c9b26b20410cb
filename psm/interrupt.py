"""Stopping cleanly on SIGINT (Ctrl-C), SIGTERM and SIGHUP (the terminal closed).

A stop must never turn into a result: a solver that is stopped early returns a solution that is
not the optimum, and a half-written folder must not look like a bundle. So, inside
:func:`handling_signals`:

1. each of the three signals raises :class:`Interrupted` in the main thread, which unwinds
   every ``finally`` (a bundle's scratch folder is removed; nothing is renamed into place);
2. a CP-SAT solve runs in C++ and does not return to Python until it ends, so the signal also
   wakes a watcher thread (through :func:`signal.set_wakeup_fd`) that stops every solve running
   under :func:`stoppable`; when the solve returns, :class:`Interrupted` is raised before its
   answer is looked at. CP-SAT's own Ctrl-C handling is switched off by the solver settings
   (``catch_sigint_signal = False``), so the solver never takes the signal as a quiet stop.

The exit status of an interrupted command is 128 + the signal's number (130, 143, 129).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator

from psm.progress import current_step

__all__ = ["Interrupted", "SIGNALS", "handling_signals", "stoppable", "raise_if_stopped"]

SIGNALS = tuple(s for s in (getattr(signal, name, None) for name in ("SIGINT", "SIGTERM", "SIGHUP")) if s)

_lock = threading.Lock()
_running: set = set()  # solvers now solving
_received: list[int] = []  # the signal that asked to stop, if any


class Interrupted(BaseException):
    """A signal asked the command to stop. A BaseException, like KeyboardInterrupt, so that no
    ``except Exception`` turns it into an ordinary failure."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.during = current_step()  # the step it stopped, for the message
        super().__init__(signal.Signals(signum).name)

    @property
    def exit_status(self) -> int:
        return 128 + self.signum


def _stop_solvers(signum: int) -> None:
    with _lock:
        if not _received:
            _received.append(signum)
        for solver in _running:
            solver.stop_search()


def raise_if_stopped() -> None:
    """Raise :class:`Interrupted` if a signal asked to stop."""
    if _received:
        raise Interrupted(_received[0])


@contextlib.contextmanager
def stoppable(solver) -> Iterator[None]:
    """Run a CP-SAT solve under this block so a signal stops it; raises :class:`Interrupted`
    after the solve if one did (its answer is never used)."""
    with _lock:
        _running.add(solver)
        stopped = bool(_received)
    if stopped:
        solver.stop_search()
    try:
        yield
    finally:
        with _lock:
            _running.discard(solver)
    raise_if_stopped()


@contextlib.contextmanager
def handling_signals() -> Iterator[None]:
    """Within the block, SIGINT, SIGTERM and SIGHUP stop the work cleanly (see the module)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only; whoever runs us there handles them
        return
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)

    def handler(signum, frame):
        _stop_solvers(signum)
        raise Interrupted(signum)

    def watch() -> None:
        while True:
            data = os.read(read_end, 1)
            if not data or data == b"\0":
                return
            _stop_solvers(data[0])

    watcher = threading.Thread(target=watch, name="psm-signal-watcher", daemon=True)
    watcher.start()
    previous = {s: signal.signal(s, handler) for s in SIGNALS}
    previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous_fd)
        for s, h in previous.items():
            signal.signal(s, h)
        os.write(write_end, b"\0")  # ends the watcher
        watcher.join()
        os.close(read_end)
        os.close(write_end)
        with _lock:
            _received.clear()
