"""Read live state and build a Plan: the I/O half of ``callfwd plan``.

validate manifests → resolve accounts (callfwd.yaml / env) → per account,
concurrently: preflight (the key's account must be the manifest's account;
role and scopes) → list every sender → ``plan.diff`` → one Plan.

Planning only reads. Nothing here writes to any API.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from reconciler import __version__
from reconciler.diagnostics import Diagnostic
from reconciler.errors import AuthError, CallfwdError
from reconciler.plan.diff import assemble, diff_account, manifest_digest
from reconciler.plan.model import AccountPlan, Plan
from reconciler.roles import WRITE_SCOPE, allowed_list, may_configure
from reconciler.state import Forwarding, LiveSender

if TYPE_CHECKING:
    from reconciler.api.client import Me, SettingsClient
    from reconciler.api.pacing import Pacer
    from reconciler.config import AccountTarget

log = logging.getLogger(__name__)
T = TypeVar("T")

# Accounts read at once. Each account is its own rate-limit bucket on the
# vendor's side, so this bounds only our own sockets and memory.
ACCOUNT_CONCURRENCY = 32


@dataclass
class Preflight:
    account: str
    role: str | None
    scopes: tuple[str, ...]
    warnings: list[str] = field(default_factory=list)
    me: Me | None = None  # the key's user, where the API says who it is


@dataclass(frozen=True)
class AccountSession:
    """What planning learned of one account, for an apply in the same process.

    ``apply`` without a saved plan reuses it: the key was checked moments ago
    (no second preflight), and the pacer that made the reads knows the account's
    rate-limit windows (a fresh one would misread the first 429).
    """

    preflight: Preflight
    pacer: Pacer


@dataclass
class PlanResult:
    """A plan, or the reasons there is none."""

    plan: Plan | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sessions: dict[str, AccountSession] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (
            self.plan is not None
            and not self.errors
            and not any(d.severity == "error" for d in self.diagnostics)
        )


def write_refusals(me: Me | None) -> list[str]:
    """Why this key could not apply a plan, if it could not (empty when it can)."""
    if me is None:
        return []  # the API does not say who the key is: nothing to check up front
    out = []
    if not may_configure(me.role):
        out.append(
            f"the key's user {me.email} has role {me.role}, which may not configure call "
            f"forwarding (allowed: {allowed_list()}); apply with this key would be refused"
        )
    if WRITE_SCOPE not in me.scopes:
        out.append(f"the key lacks the {WRITE_SCOPE} scope; apply with this key would be refused")
    return out


async def preflight(client: SettingsClient, name: str) -> Preflight:
    """Check that the key belongs to ``name``'s account; learn its role."""
    acct = await client.get_account()
    if acct.id != name:
        raise AuthError(
            f"account {name}: the API key configured for it belongs to account {acct.id}; "
            f"refusing to plan or apply {name} with another account's key"
        )
    me = await client.get_me()
    return Preflight(
        account=name,
        role=None if me is None else me.role,
        scopes=() if me is None else tuple(me.scopes),
        warnings=write_refusals(me),
        me=me,
    )


def open_client(
    target: AccountTarget, *, pacer: Pacer | None = None, checked: bool = False
) -> SettingsClient:
    """A client for ``target``; ``checked`` once a preflight proved the key's account.

    Pass the account's one ``pacer`` to every client of that account, so what
    one learned of its rate limits holds for the next.
    """
    from reconciler.api.client import SettingsClient
    from reconciler.api.retry import RetryPolicy

    return SettingsClient(
        base_url=target.api_url,
        api_key=target.api_key,
        pacer=pacer,
        retry=RetryPolicy(max_attempts=target.retry.max_attempts, max_total=target.retry.max_total),
        account=target.name if checked else None,
    )


def pacers(names: Iterable[str]) -> dict[str, Pacer]:
    from reconciler.api.pacing import Pacer

    return {n: Pacer() for n in names}


async def gather_bounded(
    jobs: Sequence[Callable[[], Awaitable[T]]], limit: int = ACCOUNT_CONCURRENCY
) -> list[T | BaseException]:
    sem = asyncio.Semaphore(limit)

    async def one(job: Callable[[], Awaitable[T]]) -> T:
        async with sem:
            return await job()

    return await asyncio.gather(*(one(j) for j in jobs), return_exceptions=True)


def settle(names: Sequence[str], results: Sequence[T | BaseException]) -> tuple[list[T], list[str]]:
    """Results in order, and one line per account that failed with a CallfwdError.

    Anything else is a bug and is raised.
    """
    ok: list[T] = []
    errors: list[str] = []
    for name, res in zip(names, results, strict=True):
        if isinstance(res, CallfwdError):
            errors.append(str(res) if name in str(res) else f"account {name}: {res}")
        elif isinstance(res, BaseException):
            raise res
        else:
            ok.append(res)
    return ok, errors


async def _preflight(target: AccountTarget, pacer: Pacer) -> Preflight:
    async with open_client(target, pacer=pacer) as client:
        return await preflight(client, target.name)


async def _plan_account(
    target: AccountTarget, desired: Sequence[Forwarding], pre: Preflight, pacer: Pacer
) -> tuple[AccountPlan, list[Diagnostic]]:
    async with open_client(target, pacer=pacer, checked=True) as client:
        live: list[LiveSender] = await client.list_senders()
    log.debug("account %s: %d senders read", target.name, len(live))
    return diff_account(target.name, desired, live, prune=target.prune, warnings=pre.warnings)


async def plan_async(
    forwardings: Iterable[Forwarding], targets: Mapping[str, AccountTarget]
) -> PlanResult:
    forwardings = list(forwardings)
    by_account: dict[str, list[Forwarding]] = {name: [] for name in targets}
    for f in forwardings:
        if f.account in by_account:
            by_account[f.account].append(f)
    names = sorted(by_account)
    pace = pacers(names)

    # Every key is checked before any sender is read: a key of the wrong
    # account stops the whole run before any work.
    checks, errors = settle(
        names, await gather_bounded([partial(_preflight, targets[n], pace[n]) for n in names])
    )
    if errors:
        return PlanResult(None, [], errors)
    results, errors = settle(
        names,
        await gather_bounded(
            [
                partial(_plan_account, targets[n], by_account[n], pre, pace[n])
                for n, pre in zip(names, checks, strict=True)
            ]
        ),
    )
    diagnostics = sorted((d for r in results for d in r[1]), key=lambda d: d.sort_key)
    if errors or diagnostics:
        return PlanResult(None, diagnostics, errors)
    digest = manifest_digest(
        (f for f in forwardings if f.account in targets),
        {n: t.prune for n, t in targets.items()},
    )
    plans = [r[0] for r in results]
    sessions = {n: AccountSession(pre, pace[n]) for n, pre in zip(names, checks, strict=True)}
    return PlanResult(assemble(plans, digest=digest, tool_version=__version__), sessions=sessions)


def make_plan(
    forwardings: Iterable[Forwarding], targets: Mapping[str, AccountTarget]
) -> PlanResult:
    return asyncio.run(plan_async(forwardings, targets))
