"""When to retry a request to the settings API, and how long to wait first.

Retried: 429, 500, 502, 503 and 504 answers, connection failures, timeouts and
answers cut short or unreadable. Every call the client makes is safe to repeat:
reads obviously, and the one write sets an absolute value (setting the same
forwarding number twice changes nothing), so a lost answer to a PATCH is
retried too; the client marks a 412 met after such a retry (see
``PreconditionFailed.after_retry``).

The wait before retry *n* (0-based) is full-jitter exponential backoff,
``uniform(0, min(max_delay, base_delay * 2**n))``, raised to the server's
``Retry-After`` when it sends one. Retries stop after ``max_attempts`` attempts
in all, or when the next wait would end more than ``max_total`` seconds after
the first attempt started.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_total: float = 120.0
    # Seams for tests: how to wait, where jitter comes from, what time it is.
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)
    rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.max_total < 0:
            raise ValueError("delays must not be negative")

    def backoff(self, retry: int) -> float:
        """Full jitter: a uniform wait below the exponential ceiling for retry ``retry``."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** min(retry, 60))
        return self.rng.uniform(0, ceiling)

    def delay(self, *, attempts: int, elapsed: float, retry_after: float | None) -> float | None:
        """Seconds to wait before the next attempt, or None to give up.

        ``attempts`` is how many were made so far, ``elapsed`` the seconds since the
        first one started.
        """
        if attempts >= self.max_attempts:
            return None
        wait = self.backoff(attempts - 1)
        if retry_after is not None:
            wait = max(wait, retry_after)
        if elapsed + wait > self.max_total:
            return None
        return wait


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP-date; None if absent or bad."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)
