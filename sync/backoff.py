"""Full-jitter exponential backoff (AWS architecture blog, "Exponential Backoff And Jitter").

``delay = uniform(0, min(cap, base * 2**attempt))``: retries of many devices spread out instead of
arriving together after an outage; a server's ``Retry-After`` is a floor, never shortened.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
from collections.abc import Callable

BASE_SECONDS = 2.0
CAP_SECONDS = 30 * 60.0


def full_jitter(attempt: int, *, base: float = BASE_SECONDS, cap: float = CAP_SECONDS,
                rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before retry number ``attempt`` (0 = the first retry)."""
    attempt = max(0, attempt)
    ceiling = cap if attempt >= 63 else min(cap, base * (2**attempt))
    return rand() * ceiling


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


class Backoff:
    """The retry clock of one connection: grows with each failure, resets after any success."""

    def __init__(self, *, base: float = BASE_SECONDS, cap: float = CAP_SECONDS,
                 rand: Callable[[], float] = random.random) -> None:
        self.base, self.cap, self.rand = base, cap, rand
        self.failures = 0

    def failed(self, retry_after: float | None = None) -> float:
        """Record a failure; the seconds to wait before trying again."""
        delay = full_jitter(self.failures, base=self.base, cap=self.cap, rand=self.rand)
        self.failures += 1
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.cap * 4))
        return delay

    def reset(self) -> None:
        self.failures = 0
