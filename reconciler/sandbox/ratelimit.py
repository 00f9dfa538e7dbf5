"""Per-account rate limiting with two fixed windows, as the vendor does it.

A burst window of 1 second and a steady window of 60 seconds, each opened by
the first request after the previous one ended (monotonic clock). A request
counts against both; one over either limit gets a 429 with ``Retry-After``
(whole seconds until the window that is full ends, at least 1) and does not
count. Answers under the limit carry, for the steady window:

    RateLimit-Limit      requests allowed per steady window (e.g. 150)
    RateLimit-Remaining  requests left in the current steady window
    RateLimit-Reset      whole seconds until the steady window ends (at least 1)
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

BURST_SECONDS = 1.0
STEADY_SECONDS = 60.0
_SPEC = re.compile(r"\s*(\d{1,7})\s*/\s*(\d{1,9})\s*")


@dataclass(frozen=True, slots=True)
class Limits:
    burst: int
    steady: int

    def __str__(self) -> str:
        return f"{self.burst}/{self.steady}"


DEFAULT_LIMITS = Limits(10, 150)


def parse_rate_limit(text: str) -> Limits | None:
    """``"10/150"`` → Limits(10, 150); ``"off"`` → None. Raises ValueError otherwise."""
    if text.strip().lower() == "off":
        return None
    m = _SPEC.fullmatch(text)
    if not m or int(m[1]) < 1 or int(m[2]) < 1:
        raise ValueError(
            f"{text!r} is not a rate limit; write BURST/STEADY (requests per second / per "
            "minute, e.g. 10/150) or off"
        )
    return Limits(int(m[1]), int(m[2]))


class _Windows:
    __slots__ = ("burst_count", "burst_start", "steady_count", "steady_start")

    def __init__(self, now: float) -> None:
        self.burst_start = now
        self.burst_count = 0
        self.steady_start = now
        self.steady_count = 0


class RateLimiter:
    def __init__(
        self, limits: Limits | None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limits = limits
        self._clock = clock
        self._accounts: dict[str, _Windows] = {}

    @property
    def limits(self) -> Limits | None:
        return self._limits

    def configure(self, limits: Limits | None) -> None:
        self._limits = limits
        self.reset()

    def reset(self) -> None:
        self._accounts.clear()

    def hit(self, account: str) -> tuple[int, list[tuple[bytes, bytes]]]:
        """Count one request. Returns (0, RateLimit headers) or (retry_after_seconds, [])."""
        limits = self._limits
        if limits is None:
            return 0, []
        now = self._clock()
        w = self._accounts.get(account)
        if w is None:
            w = self._accounts[account] = _Windows(now)
        if now - w.burst_start >= BURST_SECONDS:
            w.burst_start, w.burst_count = now, 0
        if now - w.steady_start >= STEADY_SECONDS:
            w.steady_start, w.steady_count = now, 0
        if w.steady_count >= limits.steady:
            return _wait(w.steady_start + STEADY_SECONDS - now), []
        if w.burst_count >= limits.burst:
            return _wait(w.burst_start + BURST_SECONDS - now), []
        w.burst_count += 1
        w.steady_count += 1
        reset = _wait(w.steady_start + STEADY_SECONDS - now)
        return 0, [
            (b"ratelimit-limit", str(limits.steady).encode()),
            (b"ratelimit-remaining", str(limits.steady - w.steady_count).encode()),
            (b"ratelimit-reset", str(reset).encode()),
        ]


def _wait(seconds: float) -> int:
    return max(1, math.ceil(seconds))
