"""Bounded retries with exponential backoff, with an injectable clock and sleep (tests never wait).

Rule: OVER_QUERY_LIMIT and server errors (5xx, UNKNOWN_ERROR) are retried after
``first_delay``, ``first_delay * factor``, ... (capped at ``max_delay``) while the total time
since the first attempt stays within ``budget`` seconds (see :class:`RetryPolicy`);
then the caller stops. No jitter: one client, and the same run waits the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["RetryPolicy", "Busy", "RetriesExhausted", "call_with_retries"]

T = TypeVar("T")


class Busy(Exception):
    """Raised by an attempt that may succeed if repeated (OVER_QUERY_LIMIT, 5xx); ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetriesExhausted(Exception):
    """Still busy when the budget ran out; ``reason`` is the last answer, ``attempts`` how many were made."""

    def __init__(self, reason: str, attempts: int) -> None:
        super().__init__(f"{reason} after {attempts} attempts")
        self.reason, self.attempts = reason, attempts


@dataclass(frozen=True)
class RetryPolicy:
    budget: float = 60.0
    first_delay: float = 0.5
    factor: float = 2.0
    max_delay: float = 8.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


def call_with_retries(attempt: Callable[[], T], policy: RetryPolicy, on_retry: Callable[[str], None]) -> T:
    """``attempt()`` until it does not raise :class:`Busy`, within the policy's time budget."""
    start = policy.clock()
    delay = policy.first_delay
    attempts = 0
    while True:
        attempts += 1
        try:
            return attempt()
        except Busy as busy:
            if policy.clock() - start + delay > policy.budget:
                raise RetriesExhausted(busy.reason, attempts) from None
            on_retry(busy.reason)
            policy.sleep(delay)
            delay = min(delay * policy.factor, policy.max_delay)
