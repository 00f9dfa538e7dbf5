"""What apply did, for people (one summary line) and machines (json). Pure functions."""

from __future__ import annotations

import json

from reconciler.plan.model import Plan
from reconciler.plan.results import ApplyReport, ChangeResult, Outcome, results_in_plan_order
from reconciler.render import escape

JSON_FORMAT_VERSION = 1


def render_result_line(result: ChangeResult) -> str:
    """One line per finished change: outcome, action, account, sender, and why (escaped)."""
    c = result.change
    t = escape.terminal
    detail = f": {t(result.detail)}" if result.detail else ""
    return f"{result.outcome.value:<7} {c.action.symbol} {t(c.account)} {t(c.sender)}{detail}"


def render_progress_line(result: ChangeResult) -> str:
    """``applied acme-us +18555550122``: progress on stderr while json goes to stdout."""
    c = result.change
    return f"{result.outcome.value} {escape.terminal(c.account)} {escape.terminal(c.sender)}"


def render_mismatch(mismatch: str) -> str:
    """``verify: ...``: what the re-read after apply found different (escaped)."""
    return f"verify: {escape.terminal(mismatch)}"


def render_summary(report: ApplyReport) -> str:
    """``verify:`` lines for mismatches, then ``Apply: 3 applied, 1 stale.``"""
    lines = [render_mismatch(m) for m in report.mismatches]
    counts = ", ".join(f"{report.count(o)} {o.value}" for o in Outcome if report.count(o))
    lines.append(f"Apply: {counts or 'nothing to do'}.")
    return "\n".join(lines) + "\n"


def render_json(plan: Plan, report: ApplyReport | None) -> str:
    """The documented json form of an apply (``apply --format json``), in plan order."""
    results = [] if report is None else results_in_plan_order(plan, report)
    doc = {
        "format_version": JSON_FORMAT_VERSION,
        "results": [
            {
                "action": r.change.action.value,
                "account": r.change.account,
                "sender": r.change.sender,
                "before": r.change.before,
                "after": r.change.after,
                "result": r.outcome.value,
                "detail": r.detail,
            }
            for r in results
        ],
        "verify_mismatches": [] if report is None else report.mismatches,
        "summary": {o.value: (0 if report is None else report.count(o)) for o in Outcome},
    }
    return json.dumps(doc, indent=2) + "\n"
