"""The pacer's rules, on a fake clock, and a simulation against the vendor's windows."""

from __future__ import annotations

import asyncio
import heapq
import math
import time

import pytest

from reconciler.api.limits import ACCOUNT_LIMITS, READ_LIMITS, WRITE_LIMITS, Limits
from reconciler.api.pacing import EndpointPacers, Pacer, endpoint_key, known_limits

HEADERS = {"RateLimit-Limit": "150", "RateLimit-Remaining": "100", "RateLimit-Reset": "40"}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def answer(pacer: Pacer, clock: Clock, *, status: int = 200, **headers: str) -> None:
    ticket = pacer.record_send(clock.now)
    pacer.observe(ticket, status=status, headers={**HEADERS, **headers})


def test_nothing_known_means_no_wait() -> None:
    assert Pacer().delay(0.0) == 0


def test_steady_window_spent_holds_requests_until_reset() -> None:
    clock = Clock()
    pacer = Pacer(clock=clock)
    answer(pacer, clock, **{"RateLimit-Remaining": "0", "RateLimit-Reset": "10"})
    assert pacer.delay(0.0) == pytest.approx(10 + pacer.margin)
    clock.now = 10.5
    assert pacer.delay(clock.now) == 0  # window reset: budget unknown again


def test_requests_in_flight_count_against_the_remaining_budget() -> None:
    clock = Clock()
    pacer = Pacer(clock=clock)
    answer(pacer, clock, **{"RateLimit-Remaining": "2"})
    first = pacer.record_send(0.0)
    assert pacer.delay(0.0) == 0
    second = pacer.record_send(0.0)
    assert pacer.delay(0.0) > 30  # two sent after the answer that said 2 were left
    pacer.observe(first, status=200, headers={**HEADERS, "RateLimit-Remaining": "1"})
    assert pacer.delay(0.0) > 30  # the second, sent later, is not counted in that answer
    pacer.observe(second, status=200, headers={**HEADERS, "RateLimit-Remaining": "1"})
    # Its answer says 1 left: it arrived before the first was counted. One may go.
    assert pacer.delay(0.0) == 0


def test_an_answer_from_an_older_window_does_not_override_a_newer_one() -> None:
    clock = Clock()
    pacer = Pacer(clock=clock)
    old = pacer.record_send(0.0)
    answer(pacer, clock, **{"RateLimit-Remaining": "149", "RateLimit-Reset": "60"})
    pacer.observe(
        old, status=200, headers={**HEADERS, "RateLimit-Remaining": "0", "RateLimit-Reset": "1"}
    )
    assert pacer.delay(0.0) == 0


def test_a_429_pauses_the_whole_account_for_retry_after() -> None:
    clock = Clock()
    pacer = Pacer(clock=clock)
    pacer.observe(pacer.record_send(0.0), status=429, retry_after=7.0)
    assert pacer.delay(0.0) == pytest.approx(7.0)
    assert pacer.delay(6.9) == pytest.approx(0.1)
    assert pacer.stats.throttled == 1 and pacer.stats.pauses == 1


def test_burst_limit_is_learned_from_the_first_burst_429() -> None:
    clock = Clock()
    pacer = Pacer(clock=clock)
    for i in range(10):
        clock.now = i * 0.01
        answer(pacer, clock)
    refused = pacer.record_send(0.1)
    late = pacer.record_send(0.1)  # in flight at the same time: the same overshoot
    clock.now = 0.11
    pacer.observe(refused, status=429, retry_after=1.0)
    pacer.observe(late, status=429, retry_after=1.0)
    assert pacer.burst == 10 and pacer.margin == pytest.approx(0.02)
    # After the pause: at most 10 in any 1.02 s.
    clock.now = 1.11
    sent = 0
    while pacer.delay(clock.now) == 0:
        answer(pacer, clock)
        sent += 1
    assert sent == 8  # with the two refused at 0.1 s, 10 in the last 1.02 s
    assert pacer.delay(clock.now) == pytest.approx(0.1 + 1.02 - 1.11)


def test_burst_429_at_the_paced_rate_widens_the_margin_before_lowering_the_limit() -> None:
    clock = Clock()
    pacer = Pacer(burst=10, clock=clock)
    margins = []
    for round_ in range(6):
        base = 10.0 * round_
        for i in range(9):
            clock.now = base + i * 0.01
            answer(pacer, clock)
        refused = pacer.record_send(base + 0.09)
        clock.now = base + 0.1
        pacer.observe(refused, status=429, retry_after=1.0)
        margins.append((pacer.margin, pacer.burst))
    assert margins[:4] == [(0.04, 10), (0.08, 10), (0.16, 10), (0.25, 10)]
    assert margins[4] == (0.25, 9)


@pytest.mark.parametrize("retry_after", [30.0, 0.0, None])
def test_a_429_that_is_no_burst_refusal_teaches_nothing(retry_after: float | None) -> None:
    clock = Clock()
    pacer = Pacer(clock=clock)
    answer(pacer, clock)
    pacer.observe(pacer.record_send(0.0), status=429, retry_after=retry_after)
    assert pacer.burst is None


def test_a_burst_policy_in_the_headers_is_used_without_a_429() -> None:
    clock = Clock()
    pacer = Pacer(clock=clock)
    answer(pacer, clock, **{"RateLimit-Policy": "10;w=1, 150;w=60"})
    assert pacer.burst == 10


@pytest.mark.anyio
async def test_concurrency_is_bounded() -> None:
    pacer = Pacer(concurrency=2)
    first, second = await pacer.acquire(), await pacer.acquire()
    third = asyncio.ensure_future(pacer.acquire())
    await asyncio.sleep(0.01)
    assert not third.done()
    pacer.release(first, status=200)
    ticket = await asyncio.wait_for(third, 1)
    assert ticket.seq == 3
    pacer.release(second, status=200)
    pacer.release(ticket, status=200)


@pytest.mark.anyio
async def test_waiters_wake_when_an_answer_frees_budget() -> None:
    pacer = Pacer(concurrency=4)
    pacer.observe(pacer.record_send(0), status=200, headers={**HEADERS, "RateLimit-Remaining": "1"})
    inflight = await pacer.acquire()
    waiting = asyncio.ensure_future(pacer.acquire())
    await asyncio.sleep(0.01)
    assert not waiting.done()  # the one left is taken by the request in flight
    # Its answer says it was counted before the earlier answer: one left after all.
    pacer.release(inflight, status=200, headers={**HEADERS, "RateLimit-Remaining": "1"})
    pacer.release(await asyncio.wait_for(waiting, 1), status=200)


# -- a simulation of the vendor's (and the local server's) windows -----------------------


class FixedWindows:
    """The local server's limiter: windows opened by the first request after the last ended."""

    def __init__(self, burst: int, steady: int) -> None:
        self.burst, self.steady = burst, steady
        self.b_start = self.s_start = -1e9
        self.b_count = self.s_count = 0
        self.refused = 0

    def hit(self, now: float) -> tuple[int, dict[str, str], float | None]:
        if now - self.b_start >= 1:
            self.b_start, self.b_count = now, 0
        if now - self.s_start >= 60:
            self.s_start, self.s_count = now, 0
        if self.s_count >= self.steady:
            self.refused += 1
            return 429, {}, float(max(1, math.ceil(self.s_start + 60 - now)))
        if self.b_count >= self.burst:
            self.refused += 1
            return 429, {}, float(max(1, math.ceil(self.b_start + 1 - now)))
        self.b_count += 1
        self.s_count += 1
        reset = max(1, math.ceil(self.s_start + 60 - now))
        return (
            200,
            {
                "RateLimit-Limit": str(self.steady),
                "RateLimit-Remaining": str(self.steady - self.s_count),
                "RateLimit-Reset": str(reset),
            },
            None,
        )


def floor_seconds(n: int, burst: int, steady: int) -> float:
    """The earliest the last of ``n`` requests can start under fixed windows opened on demand."""
    windows = math.ceil(n / steady)
    last = n - steady * (windows - 1)
    return 60.0 * (windows - 1) + math.ceil(last / burst) - 1


def simulate(
    n: int, *, burst: int, steady: int, concurrency: int, latency: float, given: bool = False
) -> tuple[float, int]:
    """``n`` requests against ``FixedWindows``; ``given``: the pacer is told the limits."""
    clock = Clock()
    limits = {"burst": burst, "steady": steady} if given else {}
    pacer = Pacer(concurrency=concurrency, clock=clock, **limits)
    server = FixedWindows(burst, steady)
    ready = [0.0] * n  # when each unfinished request may (re)try; a heap
    inflight: list[tuple[float, int, object, int, dict[str, str], float | None]] = []
    done = 0
    while done < n:
        if ready and ready[0] <= clock.now and len(inflight) < concurrency:
            wait = pacer.delay(clock.now)
            if wait <= 0:
                heapq.heappop(ready)
                ticket = pacer.record_send(clock.now)
                status, headers, retry_after = server.hit(clock.now + latency / 2)
                heapq.heappush(
                    inflight,
                    (clock.now + latency, ticket.seq, ticket, status, headers, retry_after),
                )
                continue
            nxt = [clock.now + wait]
        else:
            nxt = [ready[0]] if ready and ready[0] > clock.now else []
        if inflight:
            nxt.append(inflight[0][0])
        clock.now = min(nxt)
        while inflight and inflight[0][0] <= clock.now:
            _, _, ticket, status, headers, retry_after = heapq.heappop(inflight)
            pacer.observe(ticket, status=status, headers=headers, retry_after=retry_after)  # type: ignore[arg-type]
            if status == 429:
                heapq.heappush(ready, clock.now + (retry_after or 0))
            else:
                done += 1
    return clock.now, server.refused


@pytest.mark.parametrize(
    ("n", "burst", "steady", "concurrency"),
    [
        (300, 10, 150, 8),  # apply: 300 changes at 10/s, 150/min
        (102, 10, 150, 1),  # plan: 2,000 senders, 100 list pages, one at a time
        (60, 3, 60, 8),
        (500, 75, 700, 8),
    ],
)
def test_simulated_runs_stay_within_ten_percent_of_the_floor(
    n: int, burst: int, steady: int, concurrency: int
) -> None:
    elapsed, refused = simulate(
        n, burst=burst, steady=steady, concurrency=concurrency, latency=0.004
    )
    floor = floor_seconds(n, burst, steady)
    assert elapsed <= floor * 1.10 + 0.05, (elapsed, floor)
    assert refused <= concurrency + 2  # one overshoot while the burst limit is unknown


@pytest.mark.parametrize(
    ("method", "path", "key"),
    [
        ("GET", "/api/text-messaging-senders", "senders"),
        ("GET", "/api/text-messaging-senders/01ABC", "sender"),
        ("PATCH", "/api/text-messaging-senders/01ABC", "write"),
        ("OPTIONS", "/api/text-messaging-senders/01ABC", "probe"),
        (
            "GET",
            "/api/text-messaging-senders/01ABC/text-messaging-sender-registration",
            "sender/text-messaging-sender-registration",
        ),
        ("GET", "/api/accounts", "/api/accounts"),
        ("GET", "/api/me", "/api/me"),
        ("POST", "/api/call-routes", "POST /api/call-routes"),
    ],
)
def test_each_endpoint_has_its_own_window(method: str, path: str, key: str) -> None:
    assert endpoint_key(method, path, "/api/text-messaging-senders") == key


def test_a_429_on_one_endpoint_does_not_pause_another() -> None:
    pacers = EndpointPacers()
    accounts, senders = pacers.for_endpoint("/api/accounts"), pacers.for_endpoint("senders")
    ticket = accounts.record_send(time.monotonic())
    accounts.observe(ticket, status=429, retry_after=1.0)
    assert accounts.delay(time.monotonic()) > 0
    assert senders.delay(time.monotonic()) == 0
    assert pacers.stats.throttled == 1
    assert pacers.for_endpoint("senders") is senders


# -- known APIs: the published limits from the first request -----------------------------


@pytest.mark.parametrize(
    ("key", "limits"),
    [
        ("senders", READ_LIMITS),
        ("sender", READ_LIMITS),
        ("sender/text-messaging-sender-registration", READ_LIMITS),
        ("/api/accounts", ACCOUNT_LIMITS),
        ("write", WRITE_LIMITS),
        ("/api/me", READ_LIMITS),
        ("POST /api/call-routes", READ_LIMITS),
        ("probe", None),
    ],
)
def test_a_known_api_paces_each_endpoint_to_its_published_limits(
    key: str, limits: Limits | None
) -> None:
    assert known_limits(key) == limits
    pacer = EndpointPacers(known=True).for_endpoint(key)
    assert (pacer.burst, pacer.steady) == (
        (limits.burst, limits.steady) if limits else (None, None)
    )
    learned = EndpointPacers().for_endpoint(key)  # an unknown server: learned, not given
    assert (learned.burst, learned.steady) == (None, None)


@pytest.mark.parametrize(
    ("headers", "given"),
    [
        ({"RateLimit-Limit": "15", "RateLimit-Remaining": "14", "RateLimit-Reset": "59"}, True),
        ({}, False),  # a server with its limits off says nothing: learned, as before
    ],
)
def test_an_unknown_server_that_says_it_limits_gets_the_published_limits_next(
    headers: dict[str, str], given: bool
) -> None:
    pacers = EndpointPacers()  # auto: not known
    first = pacers.for_endpoint("/api/accounts")
    first.observe(first.record_send(time.monotonic()), status=200, headers=headers)
    assert (first.burst, first.steady) == (None, None)  # made before it knew: still learned
    write = pacers.for_endpoint("write")
    expected = (WRITE_LIMITS.burst, WRITE_LIMITS.steady) if given else (None, None)
    assert (write.burst, write.steady) == expected
    assert pacers.said_limits is given


def test_a_given_limit_holds_a_slot_from_the_send_until_a_window_after_the_answer() -> None:
    clock = Clock()
    pacer = Pacer(burst=3, steady=15, clock=clock)
    tickets = []
    for i in range(15):
        clock.now = float(i)  # one a second: the burst window never full
        assert pacer.delay(clock.now) == 0
        tickets.append(pacer.record_send(clock.now))
        clock.now = i + 0.5  # the answer comes half a second later
        pacer.observe(tickets[-1], status=200)  # no RateLimit headers at all
    clock.now = 15.0
    # the first answer (0.5 s) holds its slot of the steady window until 60.5 s + margin
    assert pacer.delay(clock.now) == pytest.approx(60.5 + pacer.margin - 15)

    burst = Pacer(burst=1, clock=clock)
    ticket = burst.record_send(clock.now)
    clock.now += 5.0  # a slow answer: the server may have opened its window at any time
    assert burst.delay(clock.now) > 0  # in flight: its answer frees the slot, not the clock
    burst.observe(ticket, status=200)
    assert burst.delay(clock.now) == pytest.approx(1 + burst.margin)


def test_a_server_that_says_less_lowers_a_given_limit() -> None:
    clock = Clock()
    pacer = Pacer(burst=3, steady=60, clock=clock)
    answer(pacer, clock, **{"RateLimit-Limit": "10, 2;w=1, 10;w=60", "RateLimit-Remaining": "9"})
    assert (pacer.burst, pacer.steady) == (2, 10)
    answer(pacer, clock, **{"RateLimit-Limit": "50", "RateLimit-Remaining": "8"})
    assert (pacer.burst, pacer.steady) == (2, 10)  # never raised


@pytest.mark.parametrize(
    ("n", "burst", "steady", "concurrency"),
    [
        (20, 1, 15, 8),  # apply: 20 writes of one account at 1/s, 15/min
        (102, 3, 60, 1),  # plan: 2,000 senders, 102 list pages, one at a time
        (60, 3, 60, 8),
    ],
)
def test_with_the_limits_given_a_simulated_run_meets_no_refusal(
    n: int, burst: int, steady: int, concurrency: int
) -> None:
    elapsed, refused = simulate(
        n, burst=burst, steady=steady, concurrency=concurrency, latency=0.004, given=True
    )
    assert refused == 0
    floor = floor_seconds(n, burst, steady)
    assert elapsed <= floor * 1.10 + 0.1, (elapsed, floor)
