"""Progress on stderr for long steps (look-ups, the admission walk, solving, Monte Carlo).

No dependency: one carriage-return line, counts only (never an address); quiet when stderr is
not a terminal. :class:`Progress` counts within a step; :func:`timed_step` names a step and
says how long it took.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["Progress", "timed_step", "current_step"]

_steps: list[str] = []  # the steps under way, outermost first


def current_step() -> str | None:
    """The label of the innermost step under way (what an interruption stopped), if any."""
    return _steps[-1] if _steps else None


@contextmanager
def timed_step(label: str, timings: dict[str, float] | None = None) -> Iterator[None]:
    """``label ... done in 1.2 s`` on stderr when it is a terminal; the time kept in ``timings``
    under the label's part before any colon."""
    shown = _isatty(sys.stderr)
    if shown:
        print(f"  {label} ...", end="", file=sys.stderr, flush=True)
    started = time.perf_counter()
    _steps.append(label.split(":")[0])
    try:
        yield
    finally:
        _steps.pop()
    elapsed = time.perf_counter() - started
    if timings is not None:
        timings[label.split(":")[0]] = round(elapsed, 3)
    if shown:  # from the line's start: a progress line inside the step may have cleared it
        print(f"\r  {label} ... done in {elapsed:.1f} s", file=sys.stderr, flush=True)


class Progress:
    """``Progress(total, label)``; ``advance(n)``; ``close()``. Quiet when disabled or not a TTY."""

    def __init__(self, total: int, label: str, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and total > 0 and _isatty(self.stream)
        self.total, self.label, self.done = total, label, 0
        self._drawn, self._width = -1, 0
        self._draw()

    def advance(self, n: int = 1) -> None:
        self.done = min(self.total, self.done + n)
        self._draw()

    def close(self) -> None:
        """Clear the line, so whatever reports the step's end writes over it."""
        if self.enabled:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self.enabled = False

    def _draw(self) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * self.done // self.total
        permille = 1000 * self.done // self.total
        if permille == self._drawn:  # redraw only when the line changes: long walks stay cheap
            return
        self._drawn = permille
        line = f"\r  {self.label} [{'#' * filled}{'.' * (width - filled)}] {self.done:,}/{self.total:,}"
        self._width = len(line)
        self.stream.write(line)
        self.stream.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
