"""Execute a Plan: the only code in callfwd that writes to a settings API.

Order of work:
1. Thresholds: refuse a plan that updates or deletes more than a set share of
   an account's managed forwardings, unless ``allow_mass_changes`` (octoDNS's
   ``raise_if_unsafe``; the verdict is ``plan.safety``'s, which plan shows).
2. Preflight, for every account before any write anywhere: the key belongs to
   the plan's account and its user may configure call forwarding; and the API
   offers the forwarding write at all (the vendor publishes reads only: an
   ``OPTIONS`` probe that changes nothing). Any refusal stops the run with
   nothing written.
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from reconciler.api.client import PAGE_SIZE
from reconciler.engine.planner import (
    NO_WRITE,
    CapabilityCache,
    gather_bounded,
    open_client,
    pacers,
    preflight,
    settle,
)
from reconciler.errors import ApiError, CallfwdError, PreconditionFailed, UnsafePlanError
from reconciler.plan.model import AccountPlan, Change, Plan
from reconciler.plan.results import DONE as _DONE
from reconciler.plan.results import ApplyReport, ChangeResult, Outcome
from reconciler.plan.safety import threshold_verdicts

if TYPE_CHECKING:
    from reconciler.api.client import SettingsClient
    from reconciler.api.pacing import EndpointPacers
    from reconciler.config import AccountTarget
    from reconciler.engine.planner import AccountSession, Preflight

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


def threshold_refusals(plan: Plan, targets: Mapping[str, AccountTarget]) -> list[str]:
    """Accounts whose plan changes more than the safe share of their managed forwardings."""
    out = []
    for acct in plan.accounts:
        t = targets.get(acct.account)
        if t is not None:
            out += [
                f"account {acct.account}: {n.message}"
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
                f"account {c.account}: {c.sender} holds {now[c.sender_id] or 'no forwarding'} "
                f"after apply, expected {c.after or 'no forwarding'}"
            )


# ---------------------------------------------------------------- entry


async def _check_account(
    target: AccountTarget,
    acct: AccountPlan,
    pacer: EndpointPacers,
    caps: CapabilityCache,
    known: Preflight | None,
) -> list[str]:
    """Why this account could not be applied (empty when it can); writes nothing."""
    async with open_client(target, pacer=pacer, checked=known is not None) as client:
        pre = known or await preflight(client, target)
        await pre.learn_me(client, caps(target))
        problems = [f"account {target.name}: {w}" for w in pre.refusals]
        if not await caps(target).write(client, acct.changes[0].sender_id):
            problems.append(f"account {target.name}: {NO_WRITE.format(url=target.api_url)}")
    return problems


async def _run_account(
    target: AccountTarget,
    acct: AccountPlan,
    options: ApplyOptions,
    report: ApplyReport,
    on_result: Callable[[ChangeResult], None],
    stop: asyncio.Event,
    pacer: EndpointPacers,
) -> None:
    async with open_client(target, pacer=pacer, checked=True) as client:
        await _apply_account(client, acct, options, report, on_result, stop)


async def apply_async(
    plan: Plan,
    targets: Mapping[str, AccountTarget],
    options: ApplyOptions = ApplyOptions(),
    on_result: Callable[[ChangeResult], None] = lambda r: None,
    sessions: Mapping[str, AccountSession] | None = None,
) -> ApplyReport:
    """Apply ``plan``. ``sessions``: from the PlanResult, when planned in this process."""
    if not options.allow_mass_changes and (refusals := threshold_refusals(plan, targets)):
        raise UnsafePlanError("\n".join(refusals))
    work = [a for a in plan.accounts if a.changes]
    missing = sorted(a.account for a in work if a.account not in targets)
    if missing:
        raise CallfwdError(f"no API settings for account(s) {', '.join(missing)} in this plan")
    names = [a.account for a in work]
    known = sessions or {}
    pace = pacers(n for n in names if n not in known)
    pace.update({n: known[n].pacer for n in names if n in known})

    # Preflight every account before the first write anywhere (a plan made in this
    # process already checked the keys of the accounts it has sessions for).
    caps = CapabilityCache()
    checks, problems = settle(
        names,
        await gather_bounded(
            [
                partial(
                    _check_account,
                    targets[a.account],
                    a,
                    pace[a.account],
                    caps,
                    known[a.account].preflight if a.account in known else None,
                )
                for a in work
            ]
        ),
    )
    problems += [p for c in checks for p in c]
    if problems:
        listed = "\n  ".join(_grouped(problems))
        raise CallfwdError(f"refusing to apply, nothing was changed:\n  {listed}")

    report = ApplyReport()
    stop = asyncio.Event()
    jobs = [
        partial(
            _run_account, targets[a.account], a, options, report, on_result, stop, pace[a.account]
        )
        for a in work
    ]
    _done, errors = settle(names, await gather_bounded(jobs))
    report.mismatches += [f"{e} (verify did not finish)" for e in errors]
    return report


def _grouped(problems: Sequence[str]) -> list[str]:
    """One line per distinct problem, naming every account it concerns."""
    by_text: dict[str, list[str]] = {}
    for p in problems:
        head, sep, text = p.partition(": ")
        if sep and head.startswith("account "):
            by_text.setdefault(text, []).append(head.removeprefix("account "))
        else:
            by_text.setdefault(p, [])
    out = []
    for text, names in by_text.items():
        if not names:
            out.append(text)
        else:
            out.append(f"account{'s' if len(names) > 1 else ''} {', '.join(names)}: {text}")
    return out


def apply_plan(
    plan: Plan,
    targets: Mapping[str, AccountTarget],
    options: ApplyOptions = ApplyOptions(),
    on_result: Callable[[ChangeResult], None] = lambda r: None,
    sessions: Mapping[str, AccountSession] | None = None,
) -> ApplyReport:
    from reconciler.api.transport import pooled

    return asyncio.run(pooled(apply_async(plan, targets, options, on_result, sessions)))
