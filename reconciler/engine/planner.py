"""Read live state and build a Plan: the I/O half of ``callfwd plan``.

validate manifests → resolve accounts (callfwd.yaml / env) → in one session
(``engine.session``): every key checked (``GET /api/accounts``: the key's
account must be the configured account id) → per account, concurrently: list
every sender → ``plan.diff`` → for an account with changes, what apply would
meet: thresholds, the key's role and scopes where the API tells them, whether
the API offers the write → one Plan.

An account with at most one page of senders and no changes costs exactly two
calls: the key check and the page.

With a trusted configuration (``--trusted-config``), each planned account's
plan says where the working tree's callfwd.yaml differs from the trusted one
(CF524), and each account the working tree adds gets a plan of its own with
no changes and its CF525 notice, made without a client: no key is sent for it.

Planning only reads. Nothing here writes to any API.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from reconciler import __version__
from reconciler.diagnostics import Diagnostic, codes
from reconciler.domain.state import Forwarding, LiveSender
from reconciler.engine.fanout import each_account
from reconciler.engine.preflight import NO_WRITE
from reconciler.errors import AccountFailure
from reconciler.plan.diff import assemble, diff_account, manifest_digest, source_digests
from reconciler.plan.model import AccountPlan, Notice, Plan, Summary, notice
from reconciler.plan.safety import threshold_verdicts

if TYPE_CHECKING:
    from reconciler.config import TrustedConfig
    from reconciler.engine.session import Session

log = logging.getLogger(__name__)


@dataclass
class PlanResult:
    """A plan, or the reasons there is none."""

    plan: Plan | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    failures: list[AccountFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.plan is not None
            and not self.failures
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
    # account -> every manifest of the set that names it (what --changed-since looks at)
    manifests: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


async def _plan_account(
    session: Session,
    name: str,
    desired: Sequence[Forwarding],
    declared: Collection[str],
    prune: bool,
    trusted: TrustedConfig | None,
) -> tuple[AccountPlan, list[Diagnostic]]:
    target = session.targets[name]
    notices = trust_notices(trusted, name)
    if target.prune and not prune:
        notices.append(
            notice(
                codes.PRUNE_OFF,
                "prune is off for this run: paths outside callfwd.yaml's manifests were given, "
                "so no undeclared sender is planned for deletion",
            )
        )
    live: list[LiveSender] = await session.client(name).list_senders()
    log.debug("account %s: %d senders read", name, len(live))
    acct, problems = diff_account(
        name,
        desired,
        live,
        prune=target.prune and prune,
        declared_elsewhere=declared,
        notices=notices,
    )
    # What apply would meet; asked only where there is something to apply.
    extra = threshold_verdicts(acct, target.thresholds)
    if acct.changes:
        check = await session.write_check(name, (c.sender_id for c in acct.changes))
        extra += [notice(codes.KEY_MAY_NOT_WRITE, w) for w in check.refusals]
        if not check.offers_write:
            extra.append(notice(codes.NO_WRITE_API, NO_WRITE.format(url=target.api_url)))
    # What the plan read from: a saved plan is applied only to the same API and account.
    vendor_name = session.preflight(name).vendor_name or ""
    acct = replace(
        acct, api_url=target.api_url, account_id=target.account_id, account_name=vendor_name
    )
    if extra:
        acct = replace(acct, notices=(*acct.notices, *extra))
    return acct, problems


def trust_notices(trusted: TrustedConfig | None, name: str) -> list[Notice]:
    """What account ``name``'s plan says about the trusted configuration (CF524, CF525)."""
    if trusted is None:
        return []
    return [notice(n.code, n.message) for n in trusted.notices(name)]


def not_planned(name: str, desired: Desired, trusted: TrustedConfig) -> AccountPlan:
    """An account the change adds: validated, not planned; its plan only says so."""
    return AccountPlan(
        account=name,
        changes=(),
        summary=Summary(),
        managed=len(desired.declared.get(name, ())),
        notices=tuple(trust_notices(trusted, name)),
    )


async def plan(
    session: Session,
    desired: Desired | Iterable[Forwarding],
    *,
    trusted: TrustedConfig | None = None,
    added: Iterable[str] = (),
) -> PlanResult:
    """Plan every account of the session.

    ``trusted``: the view the session's targets were built from, for its notices;
    ``added``: accounts the working tree adds, shown as not planned (never a target).
    """
    added = sorted(set(added))
    if added and trusted is None:
        raise ValueError("accounts added by a change need the trusted view that says so")
    if clash := set(added) & set(session.targets):
        raise ValueError(f"an added account is never planned: {', '.join(sorted(clash))}")
    if not isinstance(desired, Desired):
        desired = Desired(tuple(desired))
    targets = session.targets
    by_account: dict[str, list[Forwarding]] = {name: [] for name in targets}
    for f in desired.forwardings:
        if f.account in by_account:
            by_account[f.account].append(f)
    names = sorted(by_account)

    # Every key is checked before any sender is read: a key of the wrong
    # account stops the whole run before any work.
    failures = await session.check_keys(names)
    if failures:
        return PlanResult(None, failures=failures)

    async def one(name: str) -> tuple[AccountPlan, list[Diagnostic]]:
        declared = desired.declared.get(name, frozenset())
        return await _plan_account(
            session, name, by_account[name], declared, desired.prune, trusted
        )

    results, failures = await each_account(names, one)
    diagnostics = sorted((d for r in results.values() for d in r[1]), key=lambda d: d.sort_key)
    if failures or diagnostics:
        return PlanResult(None, diagnostics, failures)
    planned = [f for f in desired.forwardings if f.account in targets]
    digest = manifest_digest(planned, {n: t.prune and desired.prune for n, t in targets.items()})
    shown = [not_planned(n, desired, trusted) for n in added] if trusted is not None else []
    return PlanResult(
        assemble(
            [r[0] for r in results.values()] + shown,
            digest=digest,
            tool_version=__version__,
            sources=source_digests(planned),
        )
    )
