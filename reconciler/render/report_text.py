"""The coverage report for the terminal (``callfwd report``, the default format). Pure.

Every value that came from a manifest or a server goes through ``term`` first:
control characters and bidirectional overrides are shown as escapes, so a
hostile name cannot move the cursor, recolour the terminal or reorder a line.
"""

from __future__ import annotations

import re

from reconciler.render import report_common as words
from reconciler.report.model import AccountReport, Report, SenderRow, StatusCount

# C0 and C1 controls, DEL, and the bidirectional embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def term(value: object) -> str:
    """``value`` as text that is safe to write to a terminal."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", str(value))


def _statuses(counts: tuple[StatusCount, ...]) -> str:
    shown = [c for c in counts if c.senders]
    if not shown:
        return "none"
    return ", ".join(
        f"{term(words.status(c.status))} {c.senders} ({c.forwarding} forward)" for c in shown
    )


def _after(a: AccountReport | Report) -> str | None:
    n = len(a.changes)
    if not n:
        return None
    r = a.after_changes
    return (
        f"once the {words.plural(n, 'pending change')} {'is' if n == 1 else 'are'} made: "
        f"{r.forwarding} of {r.eligible} ({r.percent})"
    )


def _numbers(rows: tuple[SenderRow, ...], *, status: bool = False) -> str:
    return ", ".join(
        term(words.number(r.number)) + (f" ({term(words.status(r.status))})" if status else "")
        for r in rows
    )


def _senders(rows: tuple[SenderRow, ...]) -> list[str]:
    table = [("NUMBER", "TYPE", "COUNTRY", "STATUS", "DECLARED IN", "WHY")]
    table += [
        (
            term(words.number(r.number)),
            term(words.sender_type(r.type)),
            term(r.country),
            term(words.status(r.status)),
            term(words.declared_by(r)),
            term(r.reason),
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    return [
        "    "
        + "  ".join(cell.ljust(w) for cell, w in zip(row[:5], widths, strict=True))
        + "  "
        + row[5]
        for row in table
    ]


def _account(a: AccountReport) -> list[str]:
    vendor = f"vendor id {term(a.vendor.id)}"
    if a.vendor.name is not None:
        vendor = f"{term(a.vendor.name)}, {vendor}"
    lines = [
        f"account {term(a.account)} ({vendor}; {term(a.api_url)})"
        + (" (prune)" if a.prune else ""),
        f"  coverage: {words.coverage(a.coverage)}",
    ]
    if (after := _after(a)) is not None:
        lines.append(f"  {after}")
    lines.append(f"  US toll-free senders by status: {_statuses(a.by_status)}")
    if rows := a.verifying_without_forwarding:
        lines.append(f"  being verified without forwarding (set it up now): {_numbers(rows)}")
    if rows := a.not_sending:
        lines.append(f"  suspended or registration failed: {_numbers(rows, status=True)}")
    if a.senders:
        lines += ["  senders:", *_senders(a.senders)]
    else:
        lines.append("  no senders")
    if rows := a.unmanaged:
        lines.append(
            f"  unmanaged: {words.plural(len(rows), 'sender')} declared in no manifest: "
            f"{_numbers(rows)}"
        )
        lines.append(f"    take {'it' if len(rows) == 1 else 'them'} under management: "
                     f"{term(a.import_command)}")  # fmt: skip
    if a.changes:
        lines.append(f"  pending changes ({len(a.changes)}):")
        lines += [
            f"    {c.action.symbol} {term(words.number(c.sender))}: {term(words.task(c))} "
            f"({term(words.change_source(c))})"
            for c in a.changes
        ]
    lines += [f"  {n.level.value}[{n.code}]: {term(n.message)}" for n in a.notices]
    return lines


def render_text(report: Report) -> str:
    apis = ", ".join(term(u) for u in report.api_urls) or "no API"
    lines = [
        f"callfwd report: call forwarding coverage, read {term(report.generated_at)} from {apis}",
        f"fleet: {words.plural(len(report.accounts), 'account')}; "
        f"{words.coverage(report.coverage)}",
    ]
    if (after := _after(report)) is not None:
        lines.append(f"  {after}")
    lines.append(f"  US toll-free senders by status: {_statuses(report.by_status())}")
    for a in report.accounts:
        lines += ["", *_account(a)]
    return "\n".join(lines) + "\n"
