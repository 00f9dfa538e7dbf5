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

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from reconciler import __version__
from reconciler.engine.planner import Desired, PlanResult, make_plan
from reconciler.report import Report, Vendor, build_report

if TYPE_CHECKING:
    from reconciler.config import AccountTarget


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


def vendors_of(result: PlanResult, targets: Mapping[str, AccountTarget]) -> dict[str, Vendor]:
    """Per account, the vendor's account: its id, and its name where the plan kept it.

    The id is the configured one, which the plan's key check proved is the key's
    account. The name is in the same ``GET /api/accounts`` answer, but today's
    planner keeps only the id: this is the one place to take it from the plan's
    session once it does (``Vendor(id, name)``); asking here would cost a call.
    """
    # The one place to change when the plan keeps the account's name: Vendor(id, name).
    return {name: Vendor(id=t.account_id, name=None) for name, t in targets.items()}


def collect_report(
    desired: Desired,
    targets: Mapping[str, AccountTarget],
    *,
    config_path: str | None = None,
    jobs: int = 1,
) -> tuple[Report | None, PlanResult]:
    """Plan every account of ``targets`` (reads only) and build the report from it."""
    named = set(desired.declared) | {f.account for f in desired.forwardings}
    planned = {n: t if n in named else replace(t, prune=False) for n, t in targets.items()}
    result = make_plan(desired, planned, jobs=jobs)
    report = coverage_report(
        result,
        desired,
        vendors_of(result, planned),
        api_urls={n: t.api_url for n, t in planned.items()},
        generated_at=datetime.now(UTC),
        config_path=config_path,
    )
    return report, result
