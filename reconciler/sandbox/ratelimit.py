"""Per-account, per-endpoint rate limiting with two fixed windows, as the vendor does it.

Every (account, endpoint) pair has its own bucket. By default each bucket has
the vendor's published limits for its endpoint (``vendor_limits``, from the one
table in ``reconciler.api.limits`` that callfwd's client paces to): 3/s and
60/min for the text-messaging reads, 1/s and 15/min for ``GET /api/accounts``
and for writes. ``--rate-limit BURST/STEADY`` gives every bucket that one limit
instead; ``off`` turns limiting off.

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

from reconciler.api.limits import (
    ACCOUNT_LIMITS,
    BURST_SECONDS,
    READ_LIMITS,
    STEADY_SECONDS,
    WRITE_LIMITS,
    Limits,
)
from reconciler.api.limits import published_limits as vendor_limits

__all__ = [
    "ACCOUNT_LIMITS",
    "DEFAULT_POLICY",
    "OFF",
    "READ_LIMITS",
    "VENDOR",
    "WRITE_LIMITS",
    "Limits",
    "RateLimiter",
    "RatePolicy",
    "parse_rate_limit",
    "vendor_limits",
]

_SPEC = re.compile(r"\s*(\d{1,7})\s*/\s*(\d{1,9})\s*")


VENDOR = "vendor"  # the --rate-limit default: each endpoint its vendor limits


@dataclass(frozen=True, slots=True)
class RatePolicy:
    """``vendor`` (per-endpoint defaults), one ``override`` for every bucket, or ``off``."""

    override: Limits | None = None
    off: bool = False

    def limits_for(self, method: str, route: str) -> Limits | None:
        if self.off:
            return None
        return self.override or vendor_limits(method, route)

    def __str__(self) -> str:
        return "off" if self.off else str(self.override) if self.override else VENDOR


OFF = RatePolicy(off=True)
DEFAULT_POLICY = RatePolicy()


def parse_rate_limit(text: str) -> RatePolicy:
    """``"3/60"`` → every bucket 3/s, 60/min; ``"off"``; ``"vendor"``. ValueError otherwise."""
    word = text.strip().lower()
    if word == "off":
        return OFF
    if word == VENDOR:
        return DEFAULT_POLICY
    m = _SPEC.fullmatch(text)
    if not m or int(m[1]) < 1 or int(m[2]) < 1:
        raise ValueError(
            f"{text!r} is not a rate limit; write BURST/STEADY (requests per second / per "
            f"minute, e.g. 3/60), {VENDOR} (the vendor's limits per endpoint) or off"
        )
    return RatePolicy(Limits(int(m[1]), int(m[2])))


class _Windows:
    __slots__ = ("burst_count", "burst_start", "steady_count", "steady_start")

    def __init__(self, now: float) -> None:
        self.burst_start = now
        self.burst_count = 0
        self.steady_start = now
        self.steady_count = 0


class RateLimiter:
    def __init__(
        self, policy: RatePolicy = DEFAULT_POLICY, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._policy = policy
        self._clock = clock
        self._buckets: dict[tuple[str, str, str], _Windows] = {}

    @property
    def policy(self) -> RatePolicy:
        return self._policy

    def configure(self, policy: RatePolicy) -> None:
        self._policy = policy
        self.reset()

    def reset(self) -> None:
        self._buckets.clear()

    def hit(
        self, account: str, method: str = "GET", route: str = ""
    ) -> tuple[int, list[tuple[bytes, bytes]]]:
        """Count one request in its (account, endpoint) bucket.

        Returns (0, RateLimit headers) or (retry_after_seconds, []).
        """
        limits = self._policy.limits_for(method, route)
        if limits is None:
            return 0, []
        now = self._clock()
        key = (account, method, route)
        w = self._buckets.get(key)
        if w is None:
            w = self._buckets[key] = _Windows(now)
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
