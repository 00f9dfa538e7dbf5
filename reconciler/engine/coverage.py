"""Collect a coverage report: one plan of every configured account, the report built from it.

``callfwd report`` reads exactly what ``callfwd plan`` reads: per account the
key check (``GET /api/accounts``) and the senders list; ``/api/me`` and the
write probe only where there are changes. The report is built from the plan's
result (every sender it read, its changes and notices), so it costs no more calls.

Accounts no manifest names are planned like the others with nothing declared,
and with prune off: ``callfwd plan`` never plans them, so the report must not
show a deletion there that no plan would make.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from reconciler import __version__
from reconciler.engine.planner import Desired, PlanResult, plan
from reconciler.engine.session import Session
from reconciler.report import Report, Vendor, build_report

if TYPE_CHECKING:
    from reconciler.config import AccountTarget, TrustedConfig


def coverage_report(
    result: PlanResult,
    desired: Desired,
    vendors: Mapping[str, Vendor],
    *,
    api_urls: Mapping[str, str],
    generated_at: datetime,
    config_path: str | None = None,
) -> Report | None:
    """The report of a plan's result; None when there is no plan (its errors say why)."""
    if result.plan is None:
        return None
    return build_report(
        result.plan,
        forwardings=desired.forwardings,
        declared=desired.declared,
        vendors=vendors,
        api_urls=api_urls,
        generated_at=generated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        tool_version=__version__,
        config_path=config_path,
    )


def vendors_of(session: Session, names: Iterable[str]) -> dict[str, Vendor]:
    """Per account, the vendor's account: its id and name, as the key check read them.

    The id is the configured one, which the key check proved is the key's account;
    the name comes from the same ``GET /api/accounts`` answer (no extra call).
    """
    out = {}
    for name in names:
        pre = session.preflight(name)
        out[name] = Vendor(id=session.targets[name].account_id, name=pre.vendor_name)
    return out


def unpruned(desired: Desired, targets: Mapping[str, AccountTarget]) -> dict[str, AccountTarget]:
    """``targets``, with prune off for the accounts no manifest names (plan never plans them)."""
    named = set(desired.declared) | {f.account for f in desired.forwardings}
    return {n: t if n in named else replace(t, prune=False) for n, t in targets.items()}


async def collect_report(
    session: Session,
    desired: Desired,
    *,
    config_path: str | None = None,
    trusted: TrustedConfig | None = None,
    added: Iterable[str] = (),
) -> tuple[Report | None, PlanResult]:
    """Plan every account of the session (reads only) and build the report from it.

    Give the session ``unpruned(desired, targets)``: an account no manifest names
    must not show a deletion that ``callfwd plan`` would never make. ``trusted`` and
    ``added`` as for ``plan``: an added account is in the report, read from nowhere.
    """
    result = await plan(session, desired, trusted=trusted, added=added)
    vendors = vendors_of(session, session.targets) if result.plan is not None else {}
    report = coverage_report(
        result,
        desired,
        vendors,
        api_urls={n: t.api_url for n, t in session.targets.items()},
        generated_at=datetime.now(UTC),
        config_path=config_path,
    )
    return report, result
