"""Render a Plan for people (text, markdown) and machines (json). Pure functions."""

from __future__ import annotations

import json

from reconciler.plan.model import AccountPlan, Action, Change, Plan, Summary

NONE = "(none)"
# GitHub refuses comments over 65,536 characters; stay well under with room for a header.
MARKDOWN_BUDGET = 60_000
MARKDOWN_MARKER = "<!-- callfwd-plan -->"
_FOLD_AFTER = 10
_COLOURS = {Action.CREATE: "\x1b[32m", Action.UPDATE: "\x1b[33m", Action.DELETE: "\x1b[31m"}
_RESET = "\x1b[0m"


def _num(value: str | None) -> str:
    return value if value is not None else NONE


def _source(change: Change) -> str:
    if change.source is None:
        return "not declared (prune)"
    return f"{change.source.path}:{change.source.line}"


def _counts(s: Summary) -> str:
    return (
        f"{s.create} to create, {s.update} to update, {s.delete} to delete; "
        f"{s.unchanged} unchanged, {s.unmanaged} unmanaged"
    )


# ---------------------------------------------------------------- text


def render_text(plan: Plan, *, colour: bool = False) -> str:
    lines: list[str] = []
    for acct in plan.accounts:
        lines.append(f"account {acct.account}" + (" (prune)" if acct.prune else ""))
        for w in acct.warnings:
            lines.append(f"  warning: {w}")
        width = max((len(c.sender) for c in acct.changes), default=0)
        for c in acct.changes:
            sym = c.action.symbol
            if colour:
                sym = f"{_COLOURS[c.action]}{sym}{_RESET}"
            change = (
                _num(c.after)
                if c.action is Action.CREATE
                else f"{_num(c.before)} -> {_num(c.after)}"
            )
            lines.append(f"  {sym} {c.sender:<{width}}  {change}  ({_source(c)})")
        if not acct.changes:
            lines.append("  no changes")
        lines.append(f"  {_counts(acct.summary)}")
    total = plan.summary
    if plan.has_changes:
        lines.append(f"Plan: {_counts(total)}.")
    else:
        lines.append(
            f"No changes: live settings match the manifests "
            f"({total.unchanged} unchanged, {total.unmanaged} unmanaged)."
        )
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- markdown


def _md_code(value: str | None) -> str:
    return f"`{value}`" if value is not None else "—"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def _md_row(c: Change) -> str:
    return (
        f"| {c.action.symbol} {c.action.value} | {_md_code(c.sender)} | {_md_code(c.before)} | "
        f"{_md_code(c.after)} | {_md_escape(_source(c))} |"
    )


def _md_account(acct: AccountPlan) -> list[str]:
    out = [f"#### `{acct.account}`", ""]
    # Key warnings ("this key could not apply") are left out on purpose: markdown
    # goes to PR comments and drift summaries, which run with read-only keys.
    if not acct.changes:
        return [*out, "No changes.", ""]
    rows = ["| | sender | before | after | source |", "|---|---|---|---|---|"]
    rows += [_md_row(c) for c in acct.changes]
    if len(acct.changes) > _FOLD_AFTER:
        n = len(acct.changes)
        return [*out, f"<details><summary>{n} changes</summary>", "", *rows, "", "</details>", ""]
    return [*out, *rows, ""]


def render_markdown(plan: Plan, *, budget: int = MARKDOWN_BUDGET) -> str:
    total = plan.summary
    head = [MARKDOWN_MARKER, "### callfwd plan", ""]
    if plan.has_changes:
        head.append(f"**{_counts(total)}.**")
    else:
        head.append(
            f"**No changes.** Live settings match the manifests "
            f"({total.unchanged} unchanged, {total.unmanaged} unmanaged)."
        )
    head += [
        "",
        "| account | create | update | delete | unchanged | unmanaged |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for a in plan.accounts:
        s = a.summary
        head.append(
            f"| `{a.account}` | {s.create} | {s.update} | {s.delete} "
            f"| {s.unchanged} | {s.unmanaged} |"
        )
    head.append("")
    text = "\n".join(head) + "\n"
    shown = 0
    for i, acct in enumerate(plan.accounts):
        if not acct.changes:
            continue
        block = "\n".join(_md_account(acct)) + "\n"
        if len(text) + len(block) > budget:
            rest = plan.accounts[i:]
            hidden = sum(len(a.changes) for a in rest)
            text += (
                f"\n_Cut to stay under GitHub's comment limit: {hidden} more changes in "
                f"{len(rest)} accounts are not shown. The full plan is in the json output "
                "(`callfwd plan --format json` or the saved plan file)._\n"
            )
            break
        text += block
        shown += 1
    return text


# ---------------------------------------------------------------- json


def plan_document(plan: Plan) -> dict[str, object]:
    """The documented, versioned json form of a plan (``--format json``)."""
    return {
        "format_version": plan.format_version,
        "manifest_digest": plan.manifest_digest,
        "changes": [
            {
                "action": c.action.value,
                "account": c.account,
                "sender": c.sender,
                "before": c.before,
                "after": c.after,
                "source": None
                if c.source is None
                else {"path": c.source.path, "line": c.source.line},
            }
            for c in plan.changes
        ],
        "accounts": [
            {"account": a.account, "summary": a.summary.as_dict(), "warnings": list(a.warnings)}
            for a in plan.accounts
        ],
        "summary": plan.summary.as_dict(),
    }


def render_json(plan: Plan) -> str:
    return json.dumps(plan_document(plan), indent=2, sort_keys=False) + "\n"
