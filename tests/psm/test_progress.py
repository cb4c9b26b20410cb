"""The progress line: on a terminal only, counts only."""

from __future__ import annotations

import io

from psm.progress import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_quiet_when_stderr_is_not_a_terminal():
    stream = io.StringIO()
    bar = Progress(10, "geocoding", stream=stream)
    bar.advance(10)
    bar.close()
    assert stream.getvalue() == ""


def test_draws_counts_on_a_terminal_and_clears_the_line():
    stream = _Terminal()
    bar = Progress(4, "travel times", stream=stream)
    bar.advance(3)
    bar.advance(5)  # never past the total
    bar.close()
    text = stream.getvalue()
    assert "travel times" in text and "3/4" in text and "4/4" in text
    *drawn, cleared, end = text.split("\r")
    assert end == "" and cleared.strip() == "" and len(cleared) >= len(drawn[-1])  # the line is cleared at the end


def test_a_long_walk_redraws_only_when_the_line_changes():
    stream = _Terminal()
    bar = Progress(100_000, "admission walk", stream=stream)
    for _ in range(100_000):
        bar.advance()
    assert stream.getvalue().count("\r") <= 1001


def test_can_be_switched_off_on_a_terminal():
    stream = _Terminal()
    Progress(4, "geocoding", enabled=False, stream=stream).advance()
    assert stream.getvalue() == ""
