"""The coverage report as json (``callfwd report --format json``): stable, for dashboards.

The document is described field by field in docs/report.md; ``format_version``
changes when a field changes meaning or goes away.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from reconciler.diagnostics import Position
from reconciler.plan.model import Change, Notice
from reconciler.report.model import (
    AccountReport,
    Management,
    Ratio,
    Report,
    SenderRow,
    Standing,
    StatusCount,
)


def _ratio(r: Ratio) -> dict[str, Any]:
    ratio = r.ratio
    return {
        "forwarding": r.forwarding,
        "eligible": r.eligible,
        "ratio": None if ratio is None else round(ratio, 4),
    }


def _statuses(counts: tuple[StatusCount, ...]) -> dict[str, Any]:
    return {c.status: {"senders": c.senders, "forwarding": c.forwarding} for c in counts}


def _position(p: Position | None) -> dict[str, Any] | None:
    return None if p is None else {"path": p.path, "line": p.line, "column": p.column}


def _change(c: Change) -> dict[str, Any]:
    return {
        "action": c.action.value,
        "sender": c.sender,
        "sender_id": c.sender_id,
        "before": c.before,
        "after": c.after,
        "source": _position(c.source),
    }


def _notice(n: Notice) -> dict[str, Any]:
    return {"level": n.level.value, "code": n.code, "message": n.message, "sender": n.sender}


def _sender(s: SenderRow) -> dict[str, Any]:
    return {
        "id": s.id,
        "number": s.number,
        "type": s.type,
        "country": s.country,
        "status": s.status,
        "forwarding_number": s.forwarding_number,
        "may_forward": s.may_forward,
        "standing": s.standing.value,
        "management": s.management.value,
        "declared": _position(s.declared),
        "change": None if s.change is None else _change(s.change),
        "reasons": list(s.reasons),
    }


def _numbers(rows: tuple[SenderRow, ...]) -> list[str | None]:
    return [r.number for r in rows]


def _account(a: AccountReport) -> dict[str, Any]:
    return {
        "account": a.account,
        "vendor": {"id": a.vendor.id, "name": a.vendor.name},
        "api_url": a.api_url,
        "prune": a.prune,
        "manifests": list(a.manifests),
        "coverage": _ratio(a.coverage),
        "coverage_after_changes": _ratio(a.after_changes),
        "by_status": _statuses(a.by_status),
        "counts": _counts([a]),
        "verifying_without_forwarding": _numbers(a.verifying_without_forwarding),
        "not_sending": [{"number": r.number, "status": r.status} for r in a.not_sending],
        "unmanaged": _numbers(a.unmanaged),
        "import_command": a.import_command,
        "changes": [_change(c) for c in a.changes],
        "notices": [_notice(n) for n in a.notices],
        "senders": [_sender(s) for s in a.senders],
    }


def _counts(accounts: Sequence[AccountReport]) -> dict[str, int]:
    rows = [s for a in accounts for s in a.senders]
    out = {"senders": len(rows)}
    out |= {st.value: sum(1 for s in rows if s.standing is st) for st in Standing}
    for m in (Management.MANAGED, Management.UNMANAGED):
        out[m.value] = sum(1 for s in rows if s.management is m)
    out["verifying_without_forwarding"] = sum(len(a.verifying_without_forwarding) for a in accounts)
    out["not_sending"] = sum(len(a.not_sending) for a in accounts)
    out["changes"] = sum(len(a.changes) for a in accounts)
    return out


def report_document(report: Report) -> dict[str, Any]:
    """The documented, versioned json form of a report (docs/report.md)."""
    return {
        "format_version": report.format_version,
        "generated_at": report.generated_at,
        "tool_version": report.tool_version,
        "api_urls": list(report.api_urls),
        "fleet": {
            "accounts": len(report.accounts),
            "coverage": _ratio(report.coverage),
            "coverage_after_changes": _ratio(report.after_changes),
            "by_status": _statuses(report.by_status()),
            "counts": _counts(report.accounts),
        },
        "accounts": [_account(a) for a in report.accounts],
    }


def render_json(report: Report) -> str:
    return json.dumps(report_document(report), indent=2) + "\n"
