"""What apply did, for people (one summary line) and machines (json). Pure functions.

Also how accounts' failures read (``render_failures``), for plan and apply alike.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from reconciler.errors import AccountFailure
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


def failure_line(failure: AccountFailure) -> str:
    """``account NAME: what went wrong``, as data (json); ``render_mismatch`` for people."""
    return f"account {failure.account}: {failure.error}"


def render_mismatch(mismatch: AccountFailure) -> str:
    """``verify: account NAME: ...``: what the re-read after apply found different (escaped)."""
    return f"verify: {escape.terminal(failure_line(mismatch))}"


def render_failures(failures: Sequence[AccountFailure]) -> list[str]:
    """One line per distinct problem, naming every account it concerns, in order (escaped).

    An error may hold several lines (a saved plan's reasons): each stays a line, its
    characters escaped for the terminal.
    """
    by_error: dict[str, list[str]] = {}
    for f in failures:
        by_error.setdefault(f.error, []).append(f.account)
    t = escape.terminal
    return [
        f"account{'s' if len(names) > 1 else ''} {', '.join(t(n) for n in names)}: "
        + "\n".join(t(part) for part in error.split("\n"))
        for error, names in by_error.items()
    ]


def render_summary(report: ApplyReport) -> str:
    """``verify:`` lines for mismatches, then ``Apply: 3 applied, 1 stale.``"""
    lines = [render_mismatch(m) for m in report.mismatches]
    counts = ", ".join(f"{report.count(o)} {o.value}" for o in Outcome if report.count(o))
    lines.append(f"Apply: {counts or 'nothing to do'}.")
    return "\n".join(lines) + "\n"


def render_interrupted(plan: Plan, report: ApplyReport) -> str:
    """What a stopped apply (Ctrl-C) did: applied, ended otherwise, in flight (its write
    sent, no answer heard), not attempted (no write sent: waiting for the rate limits, or
    not begun)."""
    t = escape.terminal
    ended = {r.change.key: r for r in report.results}
    applied = {c.key for c in report.accepted}
    applied |= {k for k, r in ended.items() if r.outcome is Outcome.APPLIED}
    sent = {c.key for c in report.sent}
    changes = plan.changes

    def listed(keys: set[tuple[str, str]]) -> str:
        shown = [f"{t(c.account)} {t(c.sender)}" for c in changes if c.key in keys]
        more = f", and {len(shown) - 10} more" if len(shown) > 10 else ""
        return f"{len(shown)}" + (f" ({', '.join(shown[:10])}{more})" if shown else "")

    other = {k for k, r in ended.items() if k not in applied}
    in_flight = sent - applied - set(ended)
    untouched = {c.key for c in changes} - sent - applied - set(ended)
    counts = ", ".join(
        f"{sum(1 for k in other if ended[k].outcome is o)} {o.value}"
        for o in Outcome
        if any(ended[k].outcome is o for k in other)
    )
    lines = [
        "Apply was interrupted:",
        f"  applied: {listed(applied)}",
        *([f"  ended otherwise: {counts}"] if counts else []),
        *(
            [f"  in flight, may or may not have been applied: {listed(in_flight)}"]
            if in_flight
            else []
        ),
        f"  not attempted: {listed(untouched)}",
        "Running apply again converges: it reads what is live and changes only what is "
        "still to do.",
    ]
    return "\n".join(lines)


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
        "verify_mismatches": [] if report is None else [failure_line(m) for m in report.mismatches],
        "summary": {o.value: (0 if report is None else report.count(o)) for o in Outcome},
    }
    return json.dumps(doc, indent=2) + "\n"
