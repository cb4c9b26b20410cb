"""A tiny progress line on stderr for look-ups; silent unless stderr is a terminal.

No dependency: one carriage-return line, counts only (never an address).
"""

from __future__ import annotations

import sys
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """``Progress(total, label)``; ``advance(n)``; ``close()``. Quiet when disabled or not a TTY."""

    def __init__(self, total: int, label: str, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and total > 0 and _isatty(self.stream)
        self.total, self.label, self.done = total, label, 0
        self._draw()

    def advance(self, n: int = 1) -> None:
        self.done = min(self.total, self.done + n)
        self._draw()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
            self.enabled = False

    def _draw(self) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * self.done // self.total
        self.stream.write(f"\r  {self.label} [{'#' * filled}{'.' * (width - filled)}] {self.done:,}/{self.total:,}")
        self.stream.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
