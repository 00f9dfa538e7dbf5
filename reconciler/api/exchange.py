"""One attempt of a call: wait for the pacer, send, read the answer, inside the call's deadline.

``retry.max_total`` bounds one call's whole time (``Deadline``): the waits a
server asks for, every attempt, the waits between them, and reading each
answer. httpx's read timeout restarts with every chunk, so a body that
trickles one byte at a time never trips it; the exchange runs under
``asyncio.timeout`` of what is left of the deadline instead, and the answer is
read as a stream (``answers.read``), so its size is bounded as it arrives.

Waiting for the pacer is of two kinds. A wait the server asked for
(``RateLimit-Reset`` with nothing remaining, or ``Retry-After``) counts: one
that would pass the deadline is refused at once, with the server's figure in
the message, instead of being slept through — also when the answer that asks
for it arrives while the call is already waiting (the wait is re-checked every
``RECHECK`` seconds). Waiting one's turn behind the run's other requests at the
account's known limits (an apply of 200 changes at 1 write a second) is not a
wait anyone asked for and does not count: a large run is slow, not failed. A
wait longer than ``WAIT_NOTICE`` seconds is said once on stderr (the notice
logger), with how long and why.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import httpx

from reconciler.api.answers import Unbounded, Undecodable, read
from reconciler.api.pacing import Pacer, Ticket
from reconciler.api.retry import parse_retry_after
from reconciler.errors import RateLimited, TransportError
from reconciler.notice import notice_logger

notice = notice_logger()

WAIT_NOTICE = 5.0  # seconds: a wait at least this long is said on stderr
RECHECK = 1.0  # seconds: how often a call waiting for its pacer looks at why it waits

Send = Callable[[str, httpx.URL, bytes | None, Mapping[str, str]], Awaitable[httpx.Response]]


class Deadline:
    """The end of one call's time: ``total`` seconds after it started, on ``clock``."""

    __slots__ = ("_clock", "budget", "started", "total")

    def __init__(self, clock: Callable[[], float], total: float) -> None:
        self._clock = clock
        self.budget = total  # retry.max_total, as configured (for messages)
        self.total = total  # the budget plus the waits left out of it (``extend``)
        self.started = clock()

    def elapsed(self) -> float:
        return self._clock() - self.started

    def extend(self, seconds: float) -> None:
        """Leave ``seconds`` out of the call's time (a wait nobody asked for)."""
        self.total += seconds

    def left(self) -> float:
        return self.total - self.elapsed()

    def refusal(self, wait: float, why: str) -> str:
        """Why a wait of ``wait`` seconds the server asked for (``why``) is not made."""
        return (
            f"the server asks to wait {wait:,.0f} s ({why}), more than retry.max_total "
            f"{self.budget:g} s allows"
        )


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One logical request as each of its attempts sends it.

    ``where`` names it in messages; ``ok``: error statuses that are answers, not
    failures; ``on_sent`` (a write) hears that an attempt is going on the wire (it may
    reach the server from then on); ``on_accepted`` of a 2xx before its body is read.
    """

    pacer: Pacer
    method: str
    url: httpx.URL
    content: bytes | None
    headers: Mapping[str, str]
    where: str
    ok: frozenset[int] = frozenset()
    on_accepted: Callable[[int], None] | None = None
    on_sent: Callable[[], None] | None = None


@dataclass(slots=True)
class Step:
    """How one attempt ended: the answer (its body read), or the failure."""

    response: httpx.Response | None = None
    body: bytes = b""
    failure: httpx.TransportError | None = None
    retry_after: float | None = None
    accepted: bool = False  # a write the server accepted (2xx), reported before its body
    unbounded: Unbounded | None = None  # the body was over a bound: not read
    undecodable: Undecodable | None = None  # its compressed body was broken or cut short


class Attempts:
    """One client's attempts, and what its answers said about waiting.

    ``send`` makes the HTTP request and returns the answer with its body unread;
    ``label`` names the account in notices; ``clock`` is the client's (the pacers
    are asked for their delay on it).
    """

    def __init__(self, send: Send, *, label: str | None, clock: Callable[[], float]) -> None:
        self._send = send
        self._label = label
        self._clock = clock
        self.calls = 0  # requests sent, retries included
        self._why: dict[Pacer, str] = {}  # what the latest answer asked a pacer to wait for
        self._told: dict[Pacer, float] = {}  # the end of the last wait said on stderr

    async def attempt(self, out: Outgoing, deadline: Deadline) -> Step:
        """One paced attempt, within ``deadline``; a wait or an answer past it raises."""
        ticket = await self._acquire(out.pacer, out.where, deadline)
        step = Step()
        phase = "waiting for the answer"
        try:
            async with asyncio.timeout(max(0.0, deadline.left())):
                try:
                    self.calls += 1
                    await self._exchange(out, step)
                    phase = "reading the answer"
                finally:
                    self._release(out.pacer, ticket, step)
        except TimeoutError:
            what = "the answer" if step.response is not None else "an answer"
            raise TransportError(
                f"{out.where}: no whole answer within retry.max_total {deadline.budget:g} s "
                f"({phase if step.response is None else 'the answer came too slowly'}); "
                f"stopped waiting for {what}",
                account=self._label,
            ) from None
        return step

    async def _acquire(self, pacer: Pacer, where: str, deadline: Deadline) -> Ticket:
        """The pacer's permission to send; only a wait the server asked for is counted.

        The wait is looked at again every ``RECHECK`` seconds (an answer to another
        request may ask for more), without giving up the call's place in the queue.
        """
        started = self._clock()
        asked = self._before(pacer, where, deadline)
        waiting = asyncio.ensure_future(pacer.acquire())
        try:
            while not waiting.done():
                await asyncio.wait({waiting}, timeout=RECHECK)
                if not waiting.done():
                    asked = self._before(pacer, where, deadline) or asked
        except BaseException:
            if waiting.cancel():
                with contextlib.suppress(asyncio.CancelledError):
                    await waiting
            elif not waiting.cancelled() and waiting.exception() is None:
                pacer.release(waiting.result(), status=None)  # granted, never sent
            raise
        ticket = waiting.result()
        if not asked:
            deadline.extend(self._clock() - started)
        return ticket

    async def _exchange(self, out: Outgoing, step: Step) -> None:
        if out.on_sent is not None:
            out.on_sent()
        try:
            resp = await self._send(out.method, out.url, out.content, out.headers)
        except httpx.TransportError as exc:
            step.failure = exc
            return
        step.response = resp
        try:
            accept = out.on_accepted
            if accept is not None and resp.is_success and resp.status_code not in out.ok:
                step.accepted = True
                accept(resp.status_code)  # before a byte of the answer is read
            step.body = await read(resp)
        except httpx.TransportError as exc:
            step.failure = exc  # cut short while reading
        except Unbounded as exc:
            step.unbounded = exc
        except Undecodable as exc:
            step.undecodable = exc
        finally:
            await resp.aclose()

    def _release(self, pacer: Pacer, ticket: Ticket, step: Step) -> None:
        resp = step.response
        if resp is not None:
            step.retry_after = parse_retry_after(resp.headers.get("Retry-After"))
            remaining = resp.headers.get("RateLimit-Remaining", "").split(",")[0].strip()
            if resp.status_code == 429:
                self._why[pacer] = "Retry-After"
            elif remaining == "0":
                self._why[pacer] = "RateLimit-Reset"
            elif remaining:
                self._why.pop(pacer, None)  # the window has room again
        pacer.release(
            ticket,
            status=None if resp is None else resp.status_code,
            headers=None if resp is None else resp.headers,
            retry_after=step.retry_after,
        )

    def _before(self, pacer: Pacer, where: str, deadline: Deadline) -> bool:
        """Whether the pacer's wait is one the server asked for; refused at once when it
        would pass the deadline. A long wait is said on stderr."""
        now = self._clock()
        wait = pacer.delay(now)
        if wait <= 0:
            return False
        why = self._why.get(pacer)
        if why is not None and wait > deadline.left():
            raise RateLimited(
                f"{where}: {deadline.refusal(wait, why)}",
                code="wait_too_long",
                account=self._label,
            )
        if wait >= WAIT_NOTICE and now + wait > self._told.get(pacer, float("-inf")) + 1.0:
            self._told[pacer] = now + wait
            reason = (
                f"the server asked for it ({why})"
                if why is not None
                else "the account's rate limit, behind this run's other requests"
            )
            notice.warning(
                "%swaiting %.1f s before %s: %s",
                f"{self._label}: " if self._label else "", wait, where, reason,
            )  # fmt: skip
        return why is not None
