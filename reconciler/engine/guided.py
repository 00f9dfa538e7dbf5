"""Apply by hand: a person makes each change in the vendor's UI, and callfwd checks it.

Where an account's API offers no forwarding write (the vendor's published API
is reads only), ``callfwd apply`` guides a person through the plan instead of
writing. One step per change, in the plan's order:

1. The sender is read (``GET /api/text-messaging-senders/{id}``, published).
   A sender that already holds the planned value is ticked at once; one whose
   value is neither the plan's ``before`` nor its ``after`` changed since the
   plan and is reported stale, not guided (as apply leaves it alone).
2. The step is shown (``Started``): the vendor's account, the UI path, the
   sender as the UI shows it and the exact number to enter or remove.
3. The sender is read again every ``poll`` seconds, paced within the
   account's read limits by the session's pacers, until it holds the planned
   value: the step is done, at the time it was seen. Another value is reported
   (``Differs``), not ticked, and the wait goes on. A key re-checks at once
   (Enter), skips the step (``s``) or quits (``q``: this step and the rest
   stay pending).

Keys come from ``keys`` (anything with ``async get() -> str``: the CLI reads
the terminal, a test a queue); what happens goes to ``show`` as events for a
renderer (``reconciler.render.guided``), and each finished step to ``record``
(the audit log). Nothing here writes to any API.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from reconciler.engine.fanout import each_account
from reconciler.engine.recheck import Verdict, recheck
from reconciler.errors import AccountsFailed, CallfwdError, NotFoundError
from reconciler.plan.guided import (
    POLL_SECONDS,
    Differs,
    Event,
    Finished,
    GuidedReport,
    HandOutcome,
    ReadFailed,
    Started,
    Step,
    StepResult,
)
from reconciler.plan.model import Plan

if TYPE_CHECKING:
    from reconciler.api.client import SettingsClient
    from reconciler.domain.state import LiveSender
    from reconciler.engine.session import Session

ENTER = frozenset({"\n", "\r"})
SKIP = frozenset({"s", "S"})
QUIT = frozenset({"q", "Q"})


class Keys(Protocol):
    async def get(self) -> str: ...


# -- which accounts are worked by hand -------------------------------------------------


async def by_hand(session: Session, plan: Plan) -> frozenset[str]:
    """The plan's accounts with changes whose API offers no forwarding write.

    Checks the keys first (once a run): a key of another account stops the run
    here, before anyone is asked to change anything.
    """
    names = sorted({a.account for a in plan.accounts if a.changes and a.account in session.targets})
    failures = await session.check_keys(names)
    if failures:
        raise AccountsFailed("refusing to apply, nothing was changed", failures)

    async def writable(name: str) -> bool:
        acct = next(a for a in plan.accounts if a.account == name)
        return (await session.write_check(name, (c.sender_id for c in acct.changes))).offers_write

    offers, failures = await each_account(names, writable)
    if failures:
        raise AccountsFailed("refusing to apply, nothing was changed", failures)
    return frozenset(n for n, yes in offers.items() if not yes)


def only(plan: Plan, names: frozenset[str], *, keep: bool = True) -> Plan:
    """``plan`` with only the accounts in ``names`` (``keep=False``: all but those)."""
    return replace(plan, accounts=tuple(a for a in plan.accounts if (a.account in names) == keep))


# -- the guided apply ------------------------------------------------------------------


class _Quit(Exception):
    pass


class _Skip(Exception):
    pass


_NOTHING = object()


async def guide(
    session: Session,
    plan: Plan,
    *,
    keys: Keys,
    show: Callable[[Event], None],
    record: Callable[[StepResult], None] = lambda r: None,
    poll: float = POLL_SECONDS,
) -> GuidedReport:
    """Walk a person through every change of ``plan``; each one checked in the API."""
    changes = plan.changes
    steps = [
        Step(
            c,
            i,
            len(changes),
            vendor_id=session.targets[c.account].account_id,
            vendor_name=session.preflight(c.account).vendor_name,
        )
        for i, c in enumerate(changes, 1)
    ]
    guide_ = _Guide(session, keys, show, poll)
    report = GuidedReport()
    try:
        for step in steps:
            if guide_.quit:
                result = StepResult(step, HandOutcome.PENDING, "not reached: the guide was quit")
            else:
                result = await guide_.step(step)
            report.results.append(result)
            record(result)
            show(Finished(result))
    finally:
        guide_.close()
    return report


class _Guide:
    def __init__(
        self, session: Session, keys: Keys, show: Callable[[Event], None], poll: float
    ) -> None:
        self.session, self.keys, self.show, self.poll = session, keys, show, poll
        self.quit = False
        self._key: asyncio.Future[str] | None = None

    def close(self) -> None:
        if self._key is not None:
            self._key.cancel()

    async def step(self, step: Step) -> StepResult:
        c = step.change
        client = self.session.client(c.account)
        try:
            live = await client.get_sender(c.sender_id)
        except CallfwdError as exc:
            return StepResult(step, HandOutcome.FAILED, f"could not read the sender: {exc.message}")
        found = recheck(c, live)
        if found.verdict is Verdict.WRONG_SENDER:
            return StepResult(step, HandOutcome.FAILED, found.reason)
        if found.verdict is Verdict.ALREADY_SET:
            return StepResult(step, HandOutcome.ALREADY_SET, found.reason, _now())
        if found.verdict is Verdict.STALE:
            return StepResult(step, HandOutcome.STALE, f"{found.reason}; not guided, plan again")
        self.show(Started(step, self.poll))
        try:
            return await self._wait(step, client)
        except _Skip:
            return StepResult(step, HandOutcome.SKIPPED, "skipped at the guide")
        except _Quit:
            self.quit = True
            return StepResult(step, HandOutcome.PENDING, "the guide was quit")

    async def _wait(self, step: Step, client: SettingsClient) -> StepResult:
        c = step.change
        loop = asyncio.get_running_loop()
        reported: object = _NOTHING  # the other value last reported
        deadline = loop.time() + self.poll
        while True:
            key = await self._next_key(max(0.0, deadline - loop.time()))
            if key is not None and key not in ENTER:
                self._act(key)
                continue  # any other key: nothing to do, the poll keeps its time
            try:
                live = await self._read(client, c.sender_id)
            except NotFoundError as exc:
                return StepResult(step, HandOutcome.FAILED, f"the sender is gone: {exc.message}")
            except CallfwdError as exc:
                self.show(ReadFailed(step, exc.message))
            else:
                if live.forwarding_number == c.after:
                    return StepResult(step, HandOutcome.DONE, "seen in the API", _now())
                if live.forwarding_number not in (c.before, reported):
                    reported = live.forwarding_number
                    self.show(Differs(step, live.forwarding_number))
            deadline = loop.time() + self.poll

    def _act(self, key: str) -> None:
        if key in SKIP:
            raise _Skip
        if key in QUIT:
            raise _Quit

    async def _next_key(self, timeout: float) -> str | None:
        """A key pressed within ``timeout`` seconds, or None."""
        waiter = self._waiter()
        done, _ = await asyncio.wait({waiter}, timeout=timeout)
        return self._take() if done else None

    async def _read(self, client: SettingsClient, sender_id: str) -> LiveSender:
        """The sender; ``s`` or ``q`` pressed while it is read win over the read."""
        read = asyncio.ensure_future(client.get_sender(sender_id))
        try:
            while True:
                waiter = self._waiter()
                both: list[asyncio.Future[Any]] = [read, waiter]
                done, _ = await asyncio.wait(both, return_when=asyncio.FIRST_COMPLETED)
                if waiter in done:
                    self._act(self._take())  # Enter while reading: this read is the check
                if read in done:
                    return read.result()
        finally:
            if not read.done():
                read.cancel()
                with contextlib.suppress(asyncio.CancelledError, CallfwdError):
                    await read

    def _waiter(self) -> asyncio.Future[str]:
        if self._key is None:
            self._key = asyncio.ensure_future(self.keys.get())
        return self._key

    def _take(self) -> str:
        assert self._key is not None
        key, self._key = self._key.result(), None
        return key


def _now() -> datetime:
    return datetime.now(UTC)
