"""Pace one account's requests so they approach its rate limits without tripping them.

The vendor limits each account with two fixed windows: a burst window (1 s) and
a steady window (1 min). Answers under the limit carry the steady window's
state in ``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset``
(seconds until the window resets); a 429 carries ``Retry-After``. One ``Pacer``
serves one account (share it between every client of that account) and applies
five rules before letting a request go:

1. Concurrency: at most ``concurrency`` requests in flight (a semaphore).
2. Pause: after a 429 nothing is sent for ``Retry-After`` seconds (1 s when the
   server gives none) — the whole account waits, not just the request that was
   refused, since the window it hit is the account's.
3. Steady window: the latest answer says how many requests the window has
   left. Requests sent after that answer's request and still in flight are
   counted against it; when nothing is left, new requests wait until the
   window resets (``RateLimit-Reset`` seconds after that answer, plus a small
   margin). An answer from an older window never overrides a newer one, and
   once the reset time passes the budget is unknown (unlimited) again until
   the next answer.
4. Burst window: the burst limit is not in the headers the vendor sends. For a
   known API (``published`` or ``extended`` in callfwd.yaml) it is the
   published figure of the endpoint (``reconciler.api.limits``), given from the
   first request, and so is the steady limit, and both are kept by rule 5.
   An unknown server that says it limits (``RateLimit-*`` headers on any answer
   of the account) gets the same from then on, endpoint by endpoint
   (``EndpointPacers``). Otherwise the burst limit is learned. It is taken from a
   ``w=1`` policy in ``RateLimit-Limit`` or ``RateLimit-Policy`` when a
   server gives one (IETF draft syntax, ``10;w=1, 150;w=60``), else after the
   first 429 that looks like a burst-window refusal (``0 < Retry-After ≤
   1.5`` s, the steady window not known to be spent): the burst limit is then
   at most the number of requests sent in the second before the refused one that were
   answered — every request the server accepted in the refused request's
   fixed window lies in that second. From then on, at most that many requests
   go out in any ``1 s + margin`` sliding window, which never puts more in any
   fixed 1-s window. A later burst 429 with fewer answered requests in its
   second lowers the estimate; one at exactly the paced rate is timing jitter
   between our clock and the server's, so the margin doubles (20 ms up to
   250 ms) before the estimate is lowered. Only 429s for requests sent after
   the last adjustment count, so one overshoot is learned from once, and a
   429 with none of our requests answered in the second before it teaches
   nothing (the window was spent by other traffic on the account). Learned
   limits only go down during a Pacer's life (one run); a given limit is lowered
   the same way when a server refuses below it, or when its headers say less
   (a ``w=1`` policy, a lower ``RateLimit-Limit``).
5. Given limits (a known API): the server opens its windows when requests
   arrive, which may be any time between their send and their answer. So a
   request holds its slot of a window from its send until a window after its
   answer: a new request goes only while fewer than ``burst`` requests are in
   flight or were answered within the last ``1 s + margin``, and fewer than
   ``steady`` within the last ``1 min + margin``. No fixed window of the
   server can then hold more, however the network or the server delays
   them; the price is one round trip per window.

The cost is bounded and measurable (``PacerStats``): with the published limits
given, a run against a server that keeps them meets no 429 of its own making;
when they are learned, the first second may overshoot once (one 429, one pause
of ``Retry-After``); after that the rate is ``burst / (1 s + margin)`` within a
steady window and the steady windows are used to the last request.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from reconciler.api import protocol
from reconciler.api.limits import BURST_SECONDS as BURST_WINDOW
from reconciler.api.limits import STEADY_SECONDS as STEADY_WINDOW
from reconciler.api.limits import Limits, published_limits

DEFAULT_CONCURRENCY = 8
_MARGIN_MIN = 0.02
_MARGIN_MAX = 0.25
_SAME_WINDOW = 1.5  # seconds: Reset is rounded to whole seconds by most servers
_POLICY = re.compile(r"(\d+)\s*;\s*w\s*=\s*(\d+(?:\.\d+)?)")


@dataclass(frozen=True, slots=True)
class Ticket:
    """A permission to send one request; hand it back to ``Pacer.release``."""

    seq: int
    sent_at: float


@dataclass
class PacerStats:
    sent: int = 0
    throttled: int = 0  # 429 answers seen
    waited: float = 0.0  # seconds requests spent held back (summed over requests)
    pauses: int = 0  # account-wide pauses after a 429


class Pacer:
    """One account's (or endpoint's) pace. Its asyncio primitives belong to the event
    loop it is first used in: a run creates its pacers inside its one loop.

    A run keeps one per endpoint of every account (15,000 for a plan of 5,000
    accounts), so it is kept small: slots, lists, an event only while someone waits.
    """

    __slots__ = (
        "_adjusted_at",
        "_answered",
        "_changed",
        "_clock",
        "_expired_reset_at",
        "_given",
        "_held",
        "_inflight",
        "_info_seq",
        "_pause_until",
        "_remaining",
        "_reset_at",
        "_sem",
        "_sent",
        "_seq",
        "burst",
        "concurrency",
        "margin",
        "said_limits",
        "stats",
        "steady",
    )

    def __init__(
        self,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        burst: int | None = None,
        steady: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self.burst = burst
        self.steady = steady  # given, never learned: the published steady limit
        # Limits given (a known API) are kept by answers, not sends (rule 5).
        self._given = burst is not None or steady is not None
        self.margin = _MARGIN_MIN
        self.stats = PacerStats()
        self._clock = clock
        self._sem = asyncio.Semaphore(concurrency)
        self._changed: asyncio.Event | None = None  # set when the rules' inputs change
        self._seq = 0
        self._inflight: set[int] = set()
        self._sent: list[float] = []  # send times, for the burst window
        self._held: list[float] = []  # answer times, for given limits (rule 5)
        self._answered: list[float] = []  # send times of requests answered (not 429)
        self._pause_until = 0.0
        self._adjusted_at = float("-inf")  # when the burst estimate or margin last changed
        # Steady window: what the latest answer said, and which request it answered.
        self._remaining: int | None = None
        self._reset_at = 0.0
        self._info_seq = 0
        self._expired_reset_at = float("-inf")
        self.said_limits = False  # an answer carried RateLimit-* headers: the server limits

    # -- the two calls a client makes ------------------------------------------------

    async def acquire(self) -> Ticket:
        """Wait until a request may go; the caller must ``release`` the ticket."""
        await self._sem.acquire()
        try:
            start = self._clock()
            while (wait := self.delay(self._clock())) > 0:
                if self._changed is None:
                    self._changed = asyncio.Event()
                changed = self._changed
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), timeout=wait)
        except BaseException:
            self._sem.release()
            raise
        now = self._clock()
        self.stats.waited += now - start
        return self.record_send(now)

    def release(
        self,
        ticket: Ticket,
        *,
        status: int | None,
        headers: Mapping[str, str] | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Report how ``ticket``'s request ended: its status (None: no answer) and headers."""
        try:
            self.observe(ticket, status=status, headers=headers, retry_after=retry_after)
        finally:
            # Wake every waiter: the budget, pause or burst estimate may have changed.
            changed, self._changed = self._changed, None
            if changed is not None:
                changed.set()
            self._sem.release()

    # -- the rules, synchronous and clock-driven so they can be tested directly -------

    def delay(self, now: float) -> float:
        """Seconds a new request must wait at ``now`` (0: it may go)."""
        if self._pause_until > now:
            return self._pause_until - now
        if self._remaining is not None:
            if now >= self._reset_at:
                self._expired_reset_at = self._reset_at
                self._remaining = None
            elif self._remaining - self._ahead() <= 0:
                return self._reset_at - now
        if self._given:
            return self._held_delay(now)
        if self.burst is not None:
            horizon = BURST_WINDOW + self.margin
            _drop_until(self._sent, now - horizon)
            if len(self._sent) >= self.burst:
                return self._sent[-self.burst] + horizon - now
        return 0.0

    def _held_delay(self, now: float) -> float:
        """Rule 5: a window's slot is held from a request's send until a window after its answer."""
        wait = 0.0
        inflight = len(self._inflight)
        _drop_until(self._held, now - STEADY_WINDOW - self.margin)
        for limit, window in ((self.burst, BURST_WINDOW), (self.steady, STEADY_WINDOW)):
            if limit is None:
                continue
            horizon = window + self.margin
            recent = self._held[bisect.bisect_right(self._held, now - horizon) :]
            over = inflight + len(recent) - limit + 1  # slots that must free up first
            if over > len(recent):
                wait = max(wait, horizon)  # held by requests in flight: their answers wake us
            elif over > 0:
                wait = max(wait, recent[over - 1] + horizon - now)
        return wait

    def record_send(self, now: float) -> Ticket:
        """Count a request going out at ``now`` (``acquire`` calls it; simulations may too)."""
        self._seq += 1
        ticket = Ticket(self._seq, now)
        self._inflight.add(ticket.seq)
        if not self._given:
            self._sent.append(now)
        self.stats.sent += 1
        return ticket

    def observe(
        self,
        ticket: Ticket,
        *,
        status: int | None,
        headers: Mapping[str, str] | None = None,
        retry_after: float | None = None,
    ) -> None:
        now = self._clock()
        self._inflight.discard(ticket.seq)
        if self._given:
            self._held.append(now)  # answered or not, it may have reached the server
        if status == 429:
            self.stats.throttled += 1
            self._throttled(ticket, now, retry_after)
            return
        if status is None:
            return
        self._answered.append(ticket.sent_at)
        _drop_until(self._answered, now - 2 * BURST_WINDOW - _MARGIN_MAX, inclusive=False)
        if headers is not None:
            self._read_headers(ticket, now, headers)

    # -- internals --------------------------------------------------------------------

    def _ahead(self) -> int:
        """Requests in flight that the latest steady-window answer cannot have counted."""
        return sum(1 for s in self._inflight if s > self._info_seq)

    def _throttled(self, ticket: Ticket, now: float, retry_after: float | None) -> None:
        pause = 1.0 if retry_after is None else retry_after
        if now + pause > self._pause_until:
            self._pause_until = now + pause
            self.stats.pauses += 1
        if retry_after is None or not 0 < retry_after <= _SAME_WINDOW:
            # A full burst window asks for the rest of its second (whole seconds: 1). Longer
            # is the steady window; 0 or none is not a window at all (an injected fault).
            return
        if self._remaining is not None and self._remaining - self._ahead() <= 0:
            return  # the steady window is spent: that explains the refusal
        if ticket.sent_at <= self._adjusted_at:
            return  # sent before the last lesson: the same overshoot
        since = ticket.sent_at - BURST_WINDOW
        answered = sum(1 for t in self._answered if since < t <= ticket.sent_at)
        if answered == 0:
            return  # refused with nothing of ours in its second: someone else's traffic
        self._adjusted_at = now
        if self.burst is None or answered < self.burst - 1:
            self.burst = answered
        elif self.margin < _MARGIN_MAX:
            self.margin = min(_MARGIN_MAX, self.margin * 2)
        else:
            self.burst = max(1, self.burst - 1)

    def _read_headers(self, ticket: Ticket, now: float, headers: Mapping[str, str]) -> None:
        if "RateLimit-Limit" in headers or "RateLimit-Remaining" in headers:
            self.said_limits = True
        for name in ("RateLimit-Policy", "RateLimit-Limit"):
            for count, window in _POLICY.findall(headers.get(name, "")):
                if float(window) == BURST_WINDOW and (
                    self.burst is None or int(count) < self.burst
                ):
                    self.burst = max(1, int(count))
        if self.steady is not None:
            # A given steady limit comes down to what the server says its window allows.
            limit = _int(headers.get("RateLimit-Limit"))
            if limit is not None and 0 < limit < self.steady:
                self.steady = limit
        remaining = _int(headers.get("RateLimit-Remaining"))
        reset = _float(headers.get("RateLimit-Reset"))
        if remaining is None or reset is None:
            return
        reset_at = now + reset + self.margin
        if reset_at <= self._expired_reset_at + _SAME_WINDOW:
            return  # an answer from a window that has already reset
        if self._remaining is None or reset_at > self._reset_at + _SAME_WINDOW:
            self._remaining, self._reset_at, self._info_seq = remaining, reset_at, ticket.seq
        elif reset_at >= self._reset_at - _SAME_WINDOW and (
            remaining < self._remaining
            or (remaining == self._remaining and ticket.seq > self._info_seq)
        ):
            self._remaining, self._info_seq = remaining, ticket.seq
            self._reset_at = min(self._reset_at, reset_at)


def _drop_until(times: list[float], cutoff: float, *, inclusive: bool = True) -> None:
    """Drop the leading times at or before ``cutoff`` (before it, when not ``inclusive``)."""
    n = 0
    for t in times:
        if t > cutoff or (t == cutoff and not inclusive):
            break
        n += 1
    if n:
        del times[:n]


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    head = value.split(",")[0].strip()
    return int(head) if head.isdigit() else None


def _float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        f = float(value.split(",")[0].strip())
    except ValueError:
        return None
    return f if 0 <= f < 86400 else None


class EndpointPacers:
    """One account's pacers, one per endpoint: the vendor limits each endpoint on its own.

    ``GET /api/accounts`` (1/s, 15/min) and the senders list (3/s, 60/min) fill
    different windows, and a 429 on one says nothing about the other; each
    endpoint's ``RateLimit-*`` headers describe that endpoint's window only.

    With ``known`` (an API whose limits are published: ``published`` or
    ``extended`` in callfwd.yaml), each endpoint's pacer starts at its published
    burst and steady limits (``known_limits``). An unknown server (``auto``) is
    taken at its word: once any answer of the account has carried ``RateLimit-*``
    headers (the server says it limits), each endpoint first used after that starts
    at its published limits too, so the writes that follow the reads meet no 429
    of our making; endpoints used before that, and a server that sends no such
    header (a local API with its limits off), are learned.
    """

    def __init__(self, *, concurrency: int = DEFAULT_CONCURRENCY, known: bool = False) -> None:
        self.concurrency = concurrency
        self.known = known
        self._pacers: dict[str, Pacer] = {}

    def for_endpoint(self, key: str) -> Pacer:
        pacer = self._pacers.get(key)
        if pacer is None:
            limits = known_limits(key) if self.known or self.said_limits else None
            pacer = self._pacers[key] = Pacer(
                concurrency=self.concurrency,
                burst=None if limits is None else limits.burst,
                steady=None if limits is None else limits.steady,
            )
        return pacer

    @property
    def said_limits(self) -> bool:
        """Whether an answer of this account has carried rate-limit headers."""
        return any(p.said_limits for p in self._pacers.values())

    @property
    def stats(self) -> PacerStats:
        """Every endpoint's figures added up."""
        total = PacerStats()
        for p in self._pacers.values():
            total.sent += p.stats.sent
            total.throttled += p.stats.throttled
            total.waited += p.stats.waited
            total.pauses += p.stats.pauses
        return total


def endpoint_key(method: str, path: str, senders: str) -> str:
    """Which window a request counts against: the senders list, one sender, a write, …"""
    if path == senders:
        return "senders"
    if path.startswith(senders + "/"):
        rest = path[len(senders) + 1 :]
        sub = rest.partition("/")[2]
        if sub:
            return f"sender/{sub}"  # a sender's registration or its relationship
        return {"GET": "sender", "OPTIONS": "probe"}.get(method, "write")
    return f"{method} {path}" if method != "GET" else path


def known_limits(key: str) -> Limits | None:
    """The published limits of an endpoint, by its ``endpoint_key``; None for the probe.

    The ``OPTIONS`` probe is no published endpoint and the local API does not
    limit it: nothing is given for it.
    """
    if key == "probe":
        return None
    if key == "write":
        return published_limits("PATCH", protocol.SENDERS + "/{id}")
    if key in ("senders", "sender") or key.startswith("sender/"):
        return published_limits("GET", protocol.SENDERS)
    method, _, path = key.rpartition(" ")
    return published_limits(method or "GET", path)
