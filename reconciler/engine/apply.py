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
``after``: nothing written), failed (with the reason), stale, skipped, or
unverified: the server accepted the write (a 2xx) but its answer could not be
read or checked — the write happened and is not sent again; the next plan
shows what the sender holds. A change is applied only when the server
confirmed it. Each accepted write is reported (``on_accepted``) the moment the
server accepts it, before its answer is read, so an audit log records it even
if what follows fails or the run is stopped. A write answered 405 (no such
method) stops every account before its next write.

A saved plan's counts, notices and safety verdicts are not taken from the
file: ``with_live_values`` reads each account with changes once and computes
them from what is live (``plan.saved.with_live``) before ``apply`` judges them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reconciler.api.client import PAGE_SIZE
from reconciler.api.errors import echo
from reconciler.engine.fanout import each_account
from reconciler.engine.preflight import NO_WRITE
from reconciler.engine.recheck import ALREADY_HELD, Recheck, Verdict, changed_since, recheck
from reconciler.errors import (
    AccountFailure,
    AccountsFailed,
    ApiError,
    CallfwdError,
    PreconditionFailed,
    UnsafePlanError,
    UnverifiedWrite,
)
from reconciler.plan.model import AccountPlan, Change, Plan
from reconciler.plan.results import DONE as _DONE
from reconciler.plan.results import ApplyReport, ChangeResult, Outcome
from reconciler.plan.safety import threshold_verdicts
from reconciler.plan.saved import with_live

if TYPE_CHECKING:
    from reconciler.api.client import SettingsClient
    from reconciler.config import AccountTarget
    from reconciler.engine.planner import Desired
    from reconciler.engine.session import Session

Accepted = Callable[[Change], None]

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


async def _write_one(
    client: SettingsClient,
    change: Change,
    *,
    reread: bool,
    on_sent: Callable[[], None],
    on_accepted: Callable[[], None],
) -> ChangeResult:
    etag = change.etag
    if etag is None or reread:
        # No ETags from this API: read just before writing and compare to the plan.
        live = await client.get_sender(change.sender_id)
        found = recheck(change, live)
        if found.verdict is not Verdict.READY:
            return _not_written(change, found)
        etag = live.etag
    try:
        confirmed = await client.set_forwarding(
            change.sender_id, change.after, if_match=etag, on_sent=on_sent, on_accepted=on_accepted
        )
    except UnverifiedWrite as exc:
        return ChangeResult(change, Outcome.UNVERIFIED, exc.message)
    except PreconditionFailed as exc:
        return await _after_412(client, change, exc)
    except ApiError as exc:
        if exc.status == 405:
            raise NoWriteError(NO_WRITE.format(url=client.origin)) from exc
        raise
    return _confirmed(change, confirmed.forwarding_number)


def _confirmed(change: Change, held: str | None) -> ChangeResult:
    """A write the server answered: applied if it holds the planned value now."""
    if held == change.after:
        return ChangeResult(change, Outcome.APPLIED)
    return ChangeResult(
        change,
        Outcome.FAILED,
        f"the server answered {echo(held or 'no forwarding')} "
        f"instead of {change.after or 'no forwarding'}",
    )


# What apply makes of a change it does not write, by what the re-read found.
_NOT_WRITTEN = {
    Verdict.WRONG_SENDER: (Outcome.FAILED, "; nothing written"),
    Verdict.ALREADY_SET: (Outcome.ALREADY_SET, ""),
    Verdict.STALE: (Outcome.STALE, "; left as it is, plan again"),
}


def _not_written(change: Change, found: Recheck) -> ChangeResult:
    outcome, tail = _NOT_WRITTEN[found.verdict]
    return ChangeResult(change, outcome, found.reason + tail)


async def _after_412(
    client: SettingsClient, change: Change, exc: PreconditionFailed
) -> ChangeResult:
    """The sender changed since it was read: re-read; the planned value may be ours."""
    live = await client.get_sender(change.sender_id)
    if live.forwarding_number != change.after:
        stale = Recheck(Verdict.STALE, changed_since(change, live.forwarding_number))
        return _not_written(change, stale)
    # After a retry the 412 may answer our own first attempt: then it is ours.
    if exc.after_retry:
        return ChangeResult(change, Outcome.APPLIED, "confirmed by a re-read")
    return ChangeResult(change, Outcome.ALREADY_SET, ALREADY_HELD)


async def _apply_account(
    client: SettingsClient,
    acct: AccountPlan,
    options: ApplyOptions,
    report: ApplyReport,
    on_result: Callable[[ChangeResult], None],
    stop: asyncio.Event,
    on_accepted: Accepted = lambda c: None,
) -> None:
    sem = asyncio.Semaphore(options.concurrency or client.pacer.concurrency)

    async def run(change: Change) -> None:
        def accepted() -> None:
            report.accepted.append(change)
            on_accepted(change)

        def sent() -> None:
            report.sent.append(change)  # each attempt: a set of them is what is shown

        async with sem:
            if stop.is_set():
                result = ChangeResult(change, Outcome.SKIPPED, "skipped after an earlier failure")
            else:
                try:
                    result = await _write_one(
                        client, change, reread=options.reread, on_sent=sent, on_accepted=accepted
                    )
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
    now = await _values_now(client, acct, applied)
    for c in applied:
        if (what := _mismatch(c, now)) is not None:
            report.mismatches.append(
                AccountFailure(c.account, f"{c.sender} {what}", sender=c.sender)
            )


async def _values_now(
    client: SettingsClient, acct: AccountPlan, applied: list[Change]
) -> dict[str, str | CallfwdError | None]:
    """Each applied change's sender id -> its forwarding now (or why it could not be read):
    one GET per change, or the whole listing where that takes fewer calls."""
    pages = -(-len(acct.senders) // PAGE_SIZE)
    if pages < len(applied):
        live = {s.id: s.forwarding_number for s in await client.list_senders()}
        return {c.sender_id: live[c.sender_id] for c in applied if c.sender_id in live}
    got = await asyncio.gather(*(_reread(client, c.sender_id) for c in applied))
    return {c.sender_id: value for c, value in zip(applied, got, strict=True)}


def _mismatch(c: Change, now: Mapping[str, str | CallfwdError | None]) -> str | None:
    """What is wrong with the sender of an applied change now, if anything."""
    if c.sender_id not in now:
        return "is not in the account's senders any more after apply"
    value = now[c.sender_id]
    if isinstance(value, CallfwdError):
        return f"could not be re-read after apply: {value.message}"
    if value == c.after:
        return None
    held = echo(value) if isinstance(value, str) else "no forwarding"
    return f"holds {held} after apply, expected {c.after or 'no forwarding'}"


async def _reread(client: SettingsClient, sender_id: str) -> str | CallfwdError | None:
    """The sender's forwarding now, or why it could not be read (one sender's problem)."""
    try:
        return (await client.get_sender(sender_id)).forwarding_number
    except CallfwdError as exc:
        return exc


# ---------------------------------------------------------------- entry


async def _refusals(session: Session, acct: AccountPlan) -> list[str]:
    """Why this account could not be applied (empty when it can); writes nothing."""
    check = await session.write_check(acct.account, (c.sender_id for c in acct.changes))
    url = session.targets[acct.account].api_url
    return [*check.refusals, *([] if check.offers_write else [NO_WRITE.format(url=url)])]


async def with_live_values(session: Session, plan: Plan, desired: Desired) -> Plan:
    """A saved (checked) plan's counts, notices and safety verdicts, from what is live now.

    Each account with changes is read once (its key checked first); nothing is
    written. Any account that cannot be read stops the run before any write.
    """
    names = sorted(a.account for a in plan.accounts if a.changes)
    failures = await session.check_keys(names)
    if not failures:
        live, failures = await each_account(names, lambda n: session.client(n).list_senders())
    if failures:
        raise AccountsFailed("refusing to apply, nothing was changed", failures)
    return with_live(
        plan,
        live,
        forwardings=desired.forwardings,
        declared=desired.declared,
        limits={n: session.targets[n].thresholds for n in names},
    )


async def _refuse_before_writing(
    session: Session, plan: Plan, options: ApplyOptions
) -> dict[str, AccountPlan]:
    """The accounts with changes, once every one of them may be written; else the refusal.

    Thresholds, then every account's key and write, all before the first write anywhere.
    """
    targets = session.targets
    if not options.allow_mass_changes and (refusals := threshold_refusals(plan, targets)):
        raise UnsafePlanError("refusing to apply above the safety thresholds", refusals)
    work = {a.account: a for a in plan.accounts if a.changes}
    if missing := sorted(n for n in work if n not in targets):
        raise CallfwdError(f"no API settings for account(s) {', '.join(missing)} in this plan")
    await _refuse_unwritable(session, work)
    return work


async def _refuse_unwritable(session: Session, work: Mapping[str, AccountPlan]) -> None:
    """Every account's key and write checked; ``AccountsFailed`` if any may not be written."""
    names = sorted(work)
    failures = await session.check_keys(names)
    if not failures:
        checks, failures = await each_account(names, lambda n: _refusals(session, work[n]))
        failures += [AccountFailure(n, text) for n, texts in checks.items() for text in texts]
    if failures:
        raise AccountsFailed("refusing to apply, nothing was changed", failures)


async def apply(
    session: Session,
    plan: Plan,
    options: ApplyOptions = ApplyOptions(),
    on_result: Callable[[ChangeResult], None] = lambda r: None,
    *,
    on_accepted: Accepted = lambda c: None,
    report: ApplyReport | None = None,
) -> ApplyReport:
    """Apply ``plan`` to the session's accounts; ``report`` (if given) is filled as it goes.

    Keys the session already checked (a plan made in it) are not checked again,
    and what the session learned of each API (``/api/me``, the write) holds.
    ``on_accepted`` hears of each write the server accepted, before its answer is
    read; ``on_result`` of each change as it ends.
    """
    work = await _refuse_before_writing(session, plan, options)
    names = sorted(work)

    report = ApplyReport() if report is None else report
    stop = asyncio.Event()

    async def run(name: str) -> None:
        client = session.client(name)
        await _apply_account(client, work[name], options, report, on_result, stop, on_accepted)

    _done, failures = await each_account(names, run)
    report.mismatches += [
        AccountFailure(f.account, f"{f.error} (verify did not finish)") for f in failures
    ]
    return report
