"""Read live state and build a Plan: the I/O half of ``callfwd plan``.

validate manifests → resolve accounts (callfwd.yaml / env) → per account,
concurrently: preflight (the key's account must be the manifest's account;
role and scopes) → list every sender → ``plan.diff`` → one Plan.

Planning only reads. Nothing here writes to any API.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
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

    @property
    def may_write(self) -> bool:
        return not self.warnings


@dataclass
class PlanResult:
    """A plan, or the reasons there is none."""

    plan: Plan | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

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
    )


def open_client(target: AccountTarget) -> SettingsClient:
    from reconciler.api.client import SettingsClient

    return SettingsClient(base_url=target.api_url, api_key=target.api_key)


async def gather_bounded(
    jobs: Sequence[Callable[[], Awaitable[T]]], limit: int = ACCOUNT_CONCURRENCY
) -> list[T | BaseException]:
    sem = asyncio.Semaphore(limit)

    async def one(job: Callable[[], Awaitable[T]]) -> T:
        async with sem:
            return await job()

    return await asyncio.gather(*(one(j) for j in jobs), return_exceptions=True)


async def _plan_account(
    target: AccountTarget, desired: Sequence[Forwarding]
) -> tuple[AccountPlan, list[Diagnostic]]:
    async with open_client(target) as client:
        pre = await preflight(client, target.name)
        live: list[LiveSender] = await client.list_senders()
    log.debug("account %s: %d senders read", target.name, len(live))
    return diff_account(target.name, desired, live, prune=target.prune, warnings=pre.warnings)


async def plan_async(
    forwardings: Sequence[Forwarding], targets: Mapping[str, AccountTarget]
) -> PlanResult:
    by_account: dict[str, list[Forwarding]] = {name: [] for name in targets}
    for f in forwardings:
        if f.account in by_account:
            by_account[f.account].append(f)
    names = sorted(by_account)

    def job(name: str) -> Callable[[], Awaitable[tuple[AccountPlan, list[Diagnostic]]]]:
        return lambda: _plan_account(targets[name], by_account[name])

    results = await gather_bounded([job(n) for n in names])
    plans: list[AccountPlan] = []
    diagnostics: list[Diagnostic] = []
    errors: list[str] = []
    for name, res in zip(names, results, strict=True):
        if isinstance(res, CallfwdError):
            errors.append(f"account {name}: {res}" if name not in str(res) else str(res))
        elif isinstance(res, BaseException):
            raise res
        else:
            plans.append(res[0])
            diagnostics.extend(res[1])
    diagnostics.sort(key=lambda d: d.sort_key)
    if errors or diagnostics:
        return PlanResult(None, diagnostics, errors)
    digest = manifest_digest(
        (f for f in forwardings if f.account in targets),
        {n: t.prune for n, t in targets.items()},
    )
    return PlanResult(assemble(plans, digest=digest, tool_version=__version__))


def make_plan(
    forwardings: Sequence[Forwarding], targets: Mapping[str, AccountTarget]
) -> PlanResult:
    return asyncio.run(plan_async(forwardings, targets))
