"""Read live state and build a Plan: the I/O half of ``callfwd plan``.

validate manifests → resolve accounts (callfwd.yaml / env) → per account,
concurrently: preflight (``GET /api/accounts``: the key's account must be the
configured account id) → list every sender → ``plan.diff`` → for an account
with changes, what apply would meet: thresholds, the key's role and scopes
where the API tells them, whether the API offers the write → one Plan.

An account with at most one page of senders and no changes costs exactly two
calls: the key check and the page.

Planning only reads. Nothing here writes to any API.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from reconciler import __version__
from reconciler.api.transport import SHARDS
from reconciler.diagnostics import Diagnostic, codes
from reconciler.domain.roles import WRITE_SCOPE, allowed_list, may_configure
from reconciler.domain.state import Forwarding, LiveSender
from reconciler.errors import AuthError, CallfwdError
from reconciler.plan.diff import assemble, diff_account, manifest_digest, source_digests
from reconciler.plan.model import AccountPlan, Plan, notice
from reconciler.plan.safety import threshold_verdicts

if TYPE_CHECKING:
    from reconciler.api.client import Me, SettingsClient
    from reconciler.api.pacing import EndpointPacers, Pacer
    from reconciler.config import AccountTarget

log = logging.getLogger(__name__)
T = TypeVar("T")

# Accounts read at once: one per connection of the shared pool, so that network
# latency is hidden without requests queueing for a connection. Each account is its
# own rate-limit bucket on the vendor's side, so this bounds only our own sockets.
ACCOUNT_CONCURRENCY = SHARDS
ACCOUNTS_SCOPE = "accounts:read"
NO_WRITE = (
    "the settings API at {url} offers no way to change forwarding numbers (the vendor "
    "publishes reads only); make the changes in the vendor's UI with the list from "
    "`callfwd plan --format checklist`, then plan again"
)


class Capabilities:
    """What one settings API (one origin) offers beyond the vendor's published reads.

    Learned once per API and shared by every account on it: ``/api/me`` (who
    the key is) and the forwarding write. The first caller asks; the others wait.
    """

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._me: bool | None = None
        self._write: bool | None = None

    async def me(self, client: SettingsClient) -> Me | None:
        if self._me is False:
            return None
        if self._me is None:
            async with self._lock:
                if self._me is None:
                    me = await client.get_me()
                    self._me = me is not None
                    return me
            if self._me is False:
                return None
        return await client.get_me()

    async def write(self, client: SettingsClient, sender_id: str) -> bool:
        if self._write is None:
            async with self._lock:
                if self._write is None:
                    self._write = await client.offers_write(sender_id)
        return self._write


class CapabilityCache:
    def __init__(self) -> None:
        self._by_url: dict[str, Capabilities] = {}

    def __call__(self, target: AccountTarget) -> Capabilities:
        return self._by_url.setdefault(target.api_url.rstrip("/"), Capabilities())


@dataclass
class Preflight:
    """The key checked for one account; who its user is, once asked (``asked_me``)."""

    account: str
    me: Me | None = None  # the key's user, where the API says who it is
    asked_me: bool = False

    @property
    def refusals(self) -> list[str]:
        return write_refusals(self.me)

    async def learn_me(self, client: SettingsClient, caps: Capabilities) -> None:
        if not self.asked_me:
            self.me = await caps.me(client)
            self.asked_me = True


@dataclass(frozen=True)
class AccountSession:
    """What planning learned of one account, for an apply in the same process.

    ``apply`` without a saved plan reuses it: the key was checked moments ago
    (no second preflight), and the pacer that made the reads knows the account's
    rate-limit windows (a fresh one would misread the first 429).
    """

    preflight: Preflight
    pacer: EndpointPacers


@dataclass
class PlanResult:
    """A plan, or the reasons there is none."""

    plan: Plan | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sessions: dict[str, AccountSession] = field(default_factory=dict)
    capabilities: CapabilityCache = field(default_factory=CapabilityCache)

    @property
    def ok(self) -> bool:
        return (
            self.plan is not None
            and not self.errors
            and not any(d.severity == "error" for d in self.diagnostics)
        )


@dataclass(frozen=True)
class Desired:
    """What the manifests ask for, as plan and apply use it.

    ``forwardings``: the declared senders to plan (narrowed by PATHs).
    ``declared``: every sender the configured manifest set declares, per account:
    prune never touches them, whatever PATHs were given. ``prune``: False when
    PATHs outside the configured set were given (prune is then off for the run).
    """

    forwardings: tuple[Forwarding, ...]
    declared: Mapping[str, frozenset[str]] = field(default_factory=dict)
    prune: bool = True


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


async def preflight(client: SettingsClient, target: AccountTarget) -> Preflight:
    """Check that the key belongs to the target's account (one ``GET /api/accounts``)."""
    name, expected = target.name, target.account_id
    try:
        acct = await client.get_account()
    except AuthError as exc:
        if exc.status == 403:
            raise AuthError(
                f"account {name}: the key in {target.api_key_env} may not read its account "
                f"(GET /api/accounts answered 403); callfwd checks every key's account before "
                f"any work and needs the {ACCOUNTS_SCOPE} scope for it: add that scope to the key",
                status=403,
                code=exc.code,
            ) from exc
        raise
    if acct.id != expected:
        shown = expected if expected == name else f"{expected} ({name})"
        raise AuthError(
            f"account {name}: the API key in {target.api_key_env} belongs to account {acct.id}, "
            f"not {shown}; refusing to plan or apply {name} with another account's key"
        )
    return Preflight(account=name)


def open_client(
    target: AccountTarget, *, pacer: Pacer | EndpointPacers | None = None, checked: bool = False
) -> SettingsClient:
    """A client for ``target``; ``checked`` once a preflight proved the key's account.

    Pass the account's one ``pacer`` to every client of that account, so what
    one learned of its rate limits holds for the next.
    """
    from reconciler.api.target import client_for

    return client_for(target, pacer=pacer, checked=checked)


def pacers(names: Iterable[str]) -> dict[str, EndpointPacers]:
    """One set of pacers per account, one per endpoint (the vendor limits each on its own)."""
    from reconciler.api.pacing import EndpointPacers

    return {n: EndpointPacers() for n in names}


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


async def _preflight(target: AccountTarget, pacer: EndpointPacers) -> Preflight:
    async with open_client(target, pacer=pacer) as client:
        return await preflight(client, target)


async def _plan_account(
    target: AccountTarget,
    desired: Sequence[Forwarding],
    pre: Preflight,
    pacer: EndpointPacers,
    caps: Capabilities,
    declared: Collection[str],
    prune: bool,
) -> tuple[AccountPlan, list[Diagnostic]]:
    notices = []
    if target.prune and not prune:
        notices.append(
            notice(
                codes.PRUNE_OFF,
                "prune is off for this run: paths outside callfwd.yaml's manifests were given, "
                "so no undeclared sender is planned for deletion",
            )
        )
    async with open_client(target, pacer=pacer, checked=True) as client:
        live: list[LiveSender] = await client.list_senders()
        log.debug("account %s: %d senders read", target.name, len(live))
        acct, problems = diff_account(
            target.name,
            desired,
            live,
            prune=target.prune and prune,
            declared_elsewhere=declared,
            notices=notices,
        )
        # What apply would meet; asked only where there is something to apply.
        extra = threshold_verdicts(acct, target.thresholds)
        if acct.changes:
            await pre.learn_me(client, caps)
            extra += [notice(codes.KEY_MAY_NOT_WRITE, w) for w in pre.refusals]
            if not await caps.write(client, acct.changes[0].sender_id):
                extra.append(notice(codes.NO_WRITE_API, NO_WRITE.format(url=target.api_url)))
    if extra:
        from dataclasses import replace

        acct = replace(acct, notices=(*acct.notices, *extra))
    return acct, problems


async def plan_async(
    desired: Desired | Iterable[Forwarding], targets: Mapping[str, AccountTarget]
) -> PlanResult:
    if not isinstance(desired, Desired):
        desired = Desired(tuple(desired))
    forwardings = list(desired.forwardings)
    by_account: dict[str, list[Forwarding]] = {name: [] for name in targets}
    for f in forwardings:
        if f.account in by_account:
            by_account[f.account].append(f)
    names = sorted(by_account)
    pace = pacers(names)
    caps = CapabilityCache()

    # Every key is checked before any sender is read: a key of the wrong
    # account stops the whole run before any work.
    checks, errors = settle(
        names,
        await gather_bounded([partial(_preflight, targets[n], pace[n]) for n in names]),
    )
    if errors:
        return PlanResult(None, [], errors)
    results, errors = settle(
        names,
        await gather_bounded(
            [
                partial(
                    _plan_account,
                    targets[n],
                    by_account[n],
                    pre,
                    pace[n],
                    caps(targets[n]),
                    desired.declared.get(n, frozenset()),
                    desired.prune,
                )
                for n, pre in zip(names, checks, strict=True)
            ]
        ),
    )
    diagnostics = sorted((d for r in results for d in r[1]), key=lambda d: d.sort_key)
    if errors or diagnostics:
        return PlanResult(None, diagnostics, errors)
    planned = [f for f in forwardings if f.account in targets]
    digest = manifest_digest(planned, {n: t.prune and desired.prune for n, t in targets.items()})
    plans = [r[0] for r in results]
    sessions = {n: AccountSession(pre, pace[n]) for n, pre in zip(names, checks, strict=True)}
    return PlanResult(
        assemble(plans, digest=digest, tool_version=__version__, sources=source_digests(planned)),
        sessions=sessions,
        capabilities=caps,
    )


def make_plan(
    desired: Desired | Iterable[Forwarding],
    targets: Mapping[str, AccountTarget],
    *,
    jobs: int = 1,
) -> PlanResult:
    """Plan every account of ``targets``; ``jobs`` > 1 shards them over processes."""
    if not isinstance(desired, Desired):
        desired = Desired(tuple(desired))
    if jobs > 1 and len(targets) > 1:
        from reconciler.engine.sharding import plan_sharded

        return plan_sharded(desired, targets, jobs)
    from reconciler.api.transport import pooled

    return asyncio.run(pooled(plan_async(desired, targets)))
