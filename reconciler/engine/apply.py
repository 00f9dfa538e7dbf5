"""Execute a Plan: the only code in callfwd that writes to a settings API.

Order of work:
1. Thresholds: refuse a plan that updates or deletes more than a set share of
   an account's managed forwardings, unless ``allow_mass_changes`` (octoDNS's
   ``raise_if_unsafe``; the verdict is ``plan.safety``'s, which plan shows).
2. Preflight, for every account before any write anywhere: the key belongs to
   the plan's account and its user may configure call forwarding; and the API
   offers the forwarding write at all (the vendor publishes reads only: an
   ``OPTIONS`` probe that changes nothing). Any refusal stops the run with
   nothing written. What the session already knows (a plan made in it checked
   the keys and asked the API) is not asked again.
3. Writes: each change is one PATCH of ``forwarding_number``. With an ETag the
   PATCH carries ``If-Match``; a 412 means the sender changed since the plan:
   re-read, and if it already holds the desired value (a retried PATCH whose
   first answer was lost) the change counts as applied, else it is stale and
   left alone. Without an ETag the sender is re-read just before the write and
   a value other than the plan's ``before`` is stale.
4. Verify: re-read touched senders and report any that do not hold ``after``.

Every change ends applied, already set (the live value was already the plan's
``after``: nothing written), failed (with the reason), stale or skipped. A
change is applied only when the server confirmed it. A write answered 405
(no such method) stops every account before its next write.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reconciler.api.client import PAGE_SIZE
from reconciler.engine.fanout import each_account
from reconciler.engine.preflight import NO_WRITE
from reconciler.errors import (
    AccountFailure,
    AccountsFailed,
    ApiError,
    CallfwdError,
    PreconditionFailed,
    UnsafePlanError,
)
from reconciler.plan.model import AccountPlan, Change, Plan
from reconciler.plan.results import DONE as _DONE
from reconciler.plan.results import ApplyReport, ChangeResult, Outcome
from reconciler.plan.safety import threshold_verdicts

if TYPE_CHECKING:
    from reconciler.api.client import SettingsClient
    from reconciler.config import AccountTarget
    from reconciler.engine.session import Session

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ApplyOptions:
    fail_fast: bool = False
    verify: bool = True
    allow_mass_changes: bool = False
    # Changes of one account worked on at once; None: as many as the account's pacer
    # lets be in flight (a bound that also keeps --fail-fast from starting them all).
    concurrency: int | None = None
    # Re-read every sender just before writing, even with an ETag: for a plan that
    # came from a file, the sender must still be the one the file names.
    reread: bool = False


class NoWriteError(CallfwdError):
    """The API answered a write with 405: it offers no forwarding write."""


# ---------------------------------------------------------------- thresholds


def threshold_refusals(plan: Plan, targets: Mapping[str, AccountTarget]) -> list[AccountFailure]:
    """Accounts whose plan changes more than the safe share of their managed forwardings."""
    out = []
    for acct in plan.accounts:
        t = targets.get(acct.account)
        if t is not None:
            out += [
                AccountFailure(acct.account, n.message)
                for n in threshold_verdicts(acct, t.thresholds)
            ]
    return out


# ---------------------------------------------------------------- writes


async def _write_one(client: SettingsClient, change: Change, *, reread: bool) -> ChangeResult:
    etag = change.etag
    if etag is None or reread:
        # No ETags from this API: read just before writing and compare to the plan.
        live = await client.get_sender(change.sender_id)
        if live.number != change.sender or not live.can_forward:
            return ChangeResult(
                change,
                Outcome.FAILED,
                f"sender id {change.sender_id} is {live.number or 'a sender without a number'} "
                f"({live.country} {live.type}), not the US toll-free sender {change.sender}; "
                "nothing written",
            )
        if live.forwarding_number == change.after:
            return ChangeResult(change, Outcome.ALREADY_SET, "already held the planned value")
        if live.forwarding_number != change.before:
            return _stale(change, live.forwarding_number)
        etag = live.etag
    try:
        confirmed = await client.set_forwarding(change.sender_id, change.after, if_match=etag)
    except PreconditionFailed as exc:
        live = await client.get_sender(change.sender_id)
        if live.forwarding_number == change.after:
            # After a retry the 412 may answer our own first attempt: then it is ours.
            if exc.after_retry:
                return ChangeResult(change, Outcome.APPLIED, "confirmed by a re-read")
            return ChangeResult(change, Outcome.ALREADY_SET, "already held the planned value")
        return _stale(change, live.forwarding_number)
    except ApiError as exc:
        if exc.status == 405:
            raise NoWriteError(NO_WRITE.format(url=client.origin)) from exc
        raise
    if confirmed.forwarding_number != change.after:
        return ChangeResult(
            change,
            Outcome.FAILED,
            f"the server answered {confirmed.forwarding_number or 'no forwarding'} "
            f"instead of {change.after or 'no forwarding'}",
        )
    return ChangeResult(change, Outcome.APPLIED)


def _stale(change: Change, now: str | None) -> ChangeResult:
    return ChangeResult(
        change,
        Outcome.STALE,
        f"changed since the plan (planned from {change.before or 'no forwarding'}, "
        f"now {now or 'no forwarding'}); left as it is, plan again",
    )


async def _apply_account(
    client: SettingsClient,
    acct: AccountPlan,
    options: ApplyOptions,
    report: ApplyReport,
    on_result: Callable[[ChangeResult], None],
    stop: asyncio.Event,
) -> None:
    sem = asyncio.Semaphore(options.concurrency or client.pacer.concurrency)

    async def run(change: Change) -> None:
        async with sem:
            if stop.is_set():
                result = ChangeResult(change, Outcome.SKIPPED, "skipped after an earlier failure")
            else:
                try:
                    result = await _write_one(client, change, reread=options.reread)
                except NoWriteError as exc:
                    stop.set()  # no account can write through this API: stop them all
                    result = ChangeResult(change, Outcome.FAILED, str(exc))
                except CallfwdError as exc:
                    result = ChangeResult(change, Outcome.FAILED, str(exc))
                if result.outcome not in _DONE and options.fail_fast:
                    stop.set()
        report.results.append(result)
        on_result(result)

    await asyncio.gather(*(run(c) for c in acct.changes))
    if options.verify:
        await _verify(client, acct, report)


async def _verify(client: SettingsClient, acct: AccountPlan, report: ApplyReport) -> None:
    applied = [
        r.change
        for r in report.results
        if r.outcome is Outcome.APPLIED and r.change.account == acct.account
    ]
    if not applied:
        return
    pages = -(-len(acct.senders) // PAGE_SIZE)
    if pages < len(applied):
        live = {s.id: s.forwarding_number for s in await client.list_senders()}
        now = {c.sender_id: live.get(c.sender_id) for c in applied}
    else:
        got = await asyncio.gather(*(client.get_sender(c.sender_id) for c in applied))
        now = {s.id: s.forwarding_number for s in got}
    for c in applied:
        if now[c.sender_id] != c.after:
            report.mismatches.append(
                AccountFailure(
                    c.account,
                    f"{c.sender} holds {now[c.sender_id] or 'no forwarding'} after apply, "
                    f"expected {c.after or 'no forwarding'}",
                    sender=c.sender,
                )
            )


# ---------------------------------------------------------------- entry


async def _refusals(session: Session, acct: AccountPlan) -> list[str]:
    """Why this account could not be applied (empty when it can); writes nothing."""
    check = await session.write_check(acct.account, acct.changes[0].sender_id)
    url = session.targets[acct.account].api_url
    return [*check.refusals, *([] if check.offers_write else [NO_WRITE.format(url=url)])]


async def apply(
    session: Session,
    plan: Plan,
    options: ApplyOptions = ApplyOptions(),
    on_result: Callable[[ChangeResult], None] = lambda r: None,
) -> ApplyReport:
    """Apply ``plan`` to the session's accounts.

    Keys the session already checked (a plan made in it) are not checked again,
    and what the session learned of each API (``/api/me``, the write) holds.
    """
    targets = session.targets
    if not options.allow_mass_changes and (refusals := threshold_refusals(plan, targets)):
        raise UnsafePlanError("refusing to apply above the safety thresholds", refusals)
    work = {a.account: a for a in plan.accounts if a.changes}
    missing = sorted(n for n in work if n not in targets)
    if missing:
        raise CallfwdError(f"no API settings for account(s) {', '.join(missing)} in this plan")
    names = sorted(work)

    # Every account's key and write are checked before the first write anywhere.
    failures = await session.check_keys(names)
    if not failures:
        checks, failures = await each_account(names, lambda n: _refusals(session, work[n]))
        failures += [AccountFailure(n, text) for n, texts in checks.items() for text in texts]
    if failures:
        raise AccountsFailed("refusing to apply, nothing was changed", failures)

    report = ApplyReport()
    stop = asyncio.Event()

    async def run(name: str) -> None:
        await _apply_account(session.client(name), work[name], options, report, on_result, stop)

    _done, failures = await each_account(names, run)
    report.mismatches += [
        AccountFailure(f.account, f"{f.error} (verify did not finish)") for f in failures
    ]
    return report
