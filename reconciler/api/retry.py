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
the first attempt started. A server that cannot be reached at all (connection
refused, a name that does not resolve) is most often a wrong URL or a server
that is not running: those failures get the shorter ``max_connect_total``.

The defaults here are the only ones: ``callfwd.yaml``'s ``retry:`` refers to them.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_MAX_TOTAL = 120.0
DEFAULT_MAX_CONNECT_TOTAL = 15.0
# The least callfwd.yaml may give ``max_total``: one call's whole time must leave room for
# an answer from a distant server (at 0 every call failed before it was sent).
MIN_MAX_TOTAL = 1.0


async def _sleep(seconds: float) -> None:
    # asyncio is imported when a retry first waits, not when callfwd.yaml's defaults are read
    import asyncio

    await asyncio.sleep(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_total: float = DEFAULT_MAX_TOTAL
    max_connect_total: float = DEFAULT_MAX_CONNECT_TOTAL
    # Seams for tests: how to wait, where jitter comes from, what time it is.
    sleep: Callable[[float], Awaitable[None]] = field(default=_sleep, repr=False)
    rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if min(self.base_delay, self.max_delay, self.max_total, self.max_connect_total) < 0:
            raise ValueError("delays must not be negative")

    def backoff(self, retry: int) -> float:
        """Full jitter: a uniform wait below the exponential ceiling for retry ``retry``."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** min(retry, 60))
        return self.rng.uniform(0, ceiling)

    def delay(
        self,
        *,
        attempts: int,
        elapsed: float,
        retry_after: float | None,
        unreachable: bool = False,
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to give up.

        ``attempts`` is how many were made so far, ``elapsed`` the seconds since the
        first one started; ``unreachable`` when the last one could not connect at
        all (then ``max_connect_total`` bounds the whole time instead of ``max_total``).
        """
        if attempts >= self.max_attempts:
            return None
        wait = self.backoff(attempts - 1)
        if retry_after is not None:
            wait = max(wait, retry_after)
        if elapsed + wait > (self.max_connect_total if unreachable else self.max_total):
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
            from email.utils import parsedate_to_datetime

            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)
