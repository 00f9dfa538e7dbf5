"""Build a coverage report from a plan: pure, no I/O.

A plan already holds everything the report needs: every sender each account
listed (``AccountPlan.senders``), the pending changes and the notices. The
manifests' declarations add where each managed sender is declared. So a report
costs exactly the reads of a plan.

Coverage = active US toll-free senders that forward ÷ active US toll-free
senders (``domain.senders.may_forward`` decides which senders could forward).
"""

from __future__ import annotations

import shlex
from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace

from reconciler.diagnostics import Position
from reconciler.domain.numbers import display
from reconciler.domain.senders import ACTIVE, BEING_VERIFIED, SENDER_STATUSES, may_forward
from reconciler.domain.state import Forwarding
from reconciler.plan.model import AccountPlan, Action, Change, Plan, SenderSnapshot
from reconciler.report.model import (
    AccountReport,
    Management,
    Ratio,
    Report,
    SenderRow,
    Standing,
    StatusCount,
    Vendor,
)

# The vendor's status of a sender that sends messages: coverage counts these.
_STATUS_WORDS = {
    "pending_registration": "pending registration",
    "registering": "being verified",
    "registration_failed": "registration failed: sends no messages now",
    "suspended": "suspended: sends no messages now",
}
_CANNOT = {
    "short_code": "short code (short codes cannot forward calls)",
    "vanity_short_code": "vanity short code (short codes cannot forward calls)",
    "long_code": "long code (only toll-free numbers can forward calls)",
    "alpha": "alphanumeric sender (only toll-free numbers can forward calls)",
}


def build_report(
    plan: Plan,
    *,
    forwardings: Iterable[Forwarding],
    declared: Mapping[str, Collection[str]],
    vendors: Mapping[str, Vendor],
    api_urls: Mapping[str, str],
    generated_at: str,
    tool_version: str,
    config_path: str | None = None,
) -> Report:
    """The report of every account of ``plan``.

    ``forwardings``: the declared senders with their positions; ``declared``: every
    sender the configured manifests declare, per account (a sender declared only
    outside the PATHs given is managed, with no position); ``vendors`` and
    ``api_urls``: per account, the vendor's account and the API it was read from;
    ``config_path``: the ``--config`` the import commands must repeat.
    """
    by_account: dict[str, dict[str, Forwarding]] = {}
    for f in forwardings:
        by_account.setdefault(f.account, {})[f.sender] = f
    accounts = tuple(
        _account(
            a,
            by_account.get(a.account, {}),
            frozenset(declared.get(a.account, ())),
            vendors.get(a.account, Vendor(a.account)),
            api_urls.get(a.account, ""),
            config_path,
        )
        for a in plan.accounts
    )
    return Report(accounts=accounts, generated_at=generated_at, tool_version=tool_version)


def _account(
    acct: AccountPlan,
    declaring: Mapping[str, Forwarding],
    declared: frozenset[str],
    vendor: Vendor,
    api_url: str,
    config_path: str | None,
) -> AccountReport:
    managed = declared | declaring.keys()
    changes = {c.sender_id: c for c in acct.changes}
    rows = tuple(_row(s, managed, declaring, changes.get(s.id)) for s in acct.senders)
    unmanaged = [r for r in rows if r.management is Management.UNMANAGED]
    return AccountReport(
        account=acct.account,
        vendor=vendor,
        api_url=api_url,
        prune=acct.prune,
        manifests=tuple(sorted({f.position.path for f in declaring.values()})),
        senders=rows,
        coverage=_coverage(rows, after_changes=False),
        after_changes=_coverage(rows, after_changes=True),
        by_status=_by_status(rows),
        changes=acct.changes,
        notices=acct.notices,
        import_command=_import_command(acct.account, unmanaged, config_path),
    )


def _row(
    s: SenderSnapshot,
    managed: Collection[str],
    declaring: Mapping[str, Forwarding],
    change: Change | None,
) -> SenderRow:
    may = may_forward(s.type, s.country)
    declared: Position | None = None
    forward_to: str | None = None
    if s.number is None:
        standing, management = Standing.NO_NUMBER, Management.NOT_MANAGEABLE
    elif not may:
        standing, management = Standing.CANNOT_FORWARD, Management.NOT_MANAGEABLE
    else:
        standing = Standing.NOT_FORWARDING if s.forwarding_number is None else Standing.FORWARDING
        management = Management.MANAGED if s.number in managed else Management.UNMANAGED
        if (f := declaring.get(s.number)) is not None:
            declared, forward_to = f.position, f.forward_to
    row = SenderRow(
        id=s.id,
        number=s.number,
        type=s.type,
        country=s.country,
        status=s.status,
        forwarding_number=s.forwarding_number,
        may_forward=may,
        standing=standing,
        management=management,
        declared=declared,
        change=change,
        reasons=(),
    )
    return replace(row, reasons=reasons(row, forward_to))


def reasons(row: SenderRow, forward_to: str | None = None) -> tuple[str, ...]:
    """What the sender does, then why and what is pending (``forward_to``: as declared)."""
    if row.standing is Standing.NO_NUMBER:
        return (
            "no number yet",
            "pending registration: a manifest can name it once the vendor assigns its number",
        )
    if row.standing is Standing.CANNOT_FORWARD:
        return ("cannot forward", _why_not(row))
    parts = [
        "no forwarding"
        if row.forwarding_number is None
        else f"forwards to {display(row.forwarding_number)}"
    ]
    if row.status in BEING_VERIFIED and row.forwarding_number is None:
        parts.append("being verified: the vendor recommends forwarding calls already")
    elif row.status != ACTIVE:
        parts.append(_STATUS_WORDS.get(row.status, f"status {row.status}"))
    if row.management is Management.UNMANAGED:
        parts.append("declared in no manifest")
    elif row.declared is None:
        parts.append("declared in a manifest outside the paths given")
    elif forward_to is None and row.change is None:
        parts.append("the manifest declares no forwarding")
    if row.change is not None:
        parts.append(_pending(row.change))
    return tuple(parts)


def _why_not(row: SenderRow) -> str:
    if row.type == "toll_free":
        if row.country == "CA":
            return (
                "Canadian sibling of a toll-free number (its US sender forwards calls from "
                "US area codes only)"
            )
        return f"toll-free in {row.country or 'no country'} (only US senders can forward calls)"
    return _CANNOT.get(row.type, f"{row.type} sender (only US toll-free senders can forward)")


def _pending(c: Change) -> str:
    if c.action is Action.DELETE:
        return "change pending: delete the forwarding" + (
            " (prune: declared in no manifest)" if c.source is None else ""
        )
    assert c.after is not None
    verb = "set up" if c.action is Action.CREATE else "change"
    return f"change pending: {verb} forwarding to {display(c.after)}"


def _coverage(rows: Iterable[SenderRow], *, after_changes: bool) -> Ratio:
    eligible = forwarding = 0
    for r in rows:
        if not r.may_forward or r.number is None or r.status != ACTIVE:
            continue
        eligible += 1
        now = r.forwarding_number
        if after_changes and r.change is not None:
            now = r.change.after
        forwarding += now is not None
    return Ratio(forwarding=forwarding, eligible=eligible)


def _by_status(rows: Iterable[SenderRow]) -> tuple[StatusCount, ...]:
    counts: dict[str, list[int]] = {s: [0, 0] for s in SENDER_STATUSES}
    for r in rows:
        if r.may_forward:
            c = counts.setdefault(r.status, [0, 0])
            c[0] += 1
            c[1] += r.forwarding_number is not None
    return tuple(StatusCount(s, n, f) for s, (n, f) in counts.items())


def _import_command(
    account: str, unmanaged: Collection[SenderRow], config_path: str | None
) -> str | None:
    """The ``callfwd import`` that writes a manifest for the unmanaged senders.

    import lists senders with forwarding, and with ``--include-empty`` those
    without too; it leaves out senders another manifest declares.
    """
    if not unmanaged:
        return None
    args = ["callfwd", "import", "--account", account]
    if any(r.forwarding_number is None for r in unmanaged):
        args.append("--include-empty")
    if config_path is not None:
        args += ["--config", config_path]
    return shlex.join(args)
