"""Render a Plan for people (text, markdown, checklist) and machines (json). Pure functions."""

from __future__ import annotations

import json

from reconciler.plan.model import AccountPlan, Action, Change, Notice, Plan, Summary

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
        return "prune: declared in no manifest"
    return f"{change.source.path}:{change.source.line}"


def _counts(s: Summary) -> str:
    pending = f", {s.pending} pending registration" if s.pending else ""
    return (
        f"{s.create} to create, {s.update} to update, {s.delete} to delete; "
        f"{s.unchanged} unchanged, {s.unmanaged} unmanaged{pending}"
    )


def _notice(n: Notice) -> str:
    return f"{n.level.value}[{n.code}]: {n.message}"


# ---------------------------------------------------------------- text


def render_text(plan: Plan, *, colour: bool = False) -> str:
    lines: list[str] = []
    for acct in plan.accounts:
        lines.append(f"account {acct.account}" + (" (prune)" if acct.prune else ""))
        for n in acct.notices:
            lines.append(f"  {_notice(n)}")
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


def _md_notices(acct: AccountPlan) -> list[str]:
    if not acct.notices:
        return []
    icon = {"warning": "⚠️", "note": "ℹ️"}
    return [
        *(f"- {icon[n.level.value]} **{n.level.value}** `{n.code}`: {_md_escape(n.message)}"
          for n in acct.notices),
        "",
    ]  # fmt: skip


def _md_account(acct: AccountPlan) -> list[str]:
    out = [f"#### `{acct.account}`" + (" (prune)" if acct.prune else ""), "", *_md_notices(acct)]
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
        if not acct.changes and not acct.notices:
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
            {
                "account": a.account,
                "prune": a.prune,
                "summary": a.summary.as_dict(),
                "warnings": [_notice_doc(n) for n in a.notices if n.level.value == "warning"],
                "notes": [_notice_doc(n) for n in a.notices if n.level.value == "note"],
                "pending": [s.id for s in a.senders if s.number is None],
            }
            for a in plan.accounts
        ],
        "summary": plan.summary.as_dict(),
        "warnings": [
            {"account": a.account, **_notice_doc(n)} for a in plan.accounts for n in a.warnings
        ],
    }


def _notice_doc(n: Notice) -> dict[str, object]:
    return {"code": n.code, "message": n.message, "sender": n.sender}


def render_json(plan: Plan) -> str:
    return json.dumps(plan_document(plan), indent=2, sort_keys=False) + "\n"


# ---------------------------------------------------------------- checklist

CHECKLIST_PATH = "Settings → SMS → Sender preferences → Call forwarding"


def _ui(number: str | None) -> str:
    from reconciler.domain.numbers import display

    return "no forwarding" if number is None else f"{display(number)} ({number})"


def _task(c: Change) -> str:
    from reconciler.domain.numbers import display

    sender = f"**{display(c.sender)}** ({c.sender})"
    if c.action is Action.CREATE:
        what = f"set up forwarding to **{_ui(c.after)}**"
    elif c.action is Action.UPDATE:
        what = f"edit: change the forwarding number from {_ui(c.before)} to **{_ui(c.after)}**"
    else:
        what = f"delete the forwarding number (now {_ui(c.before)})"
    return f"- [ ] {sender}: {what}"


def render_checklist(plan: Plan) -> str:
    """The changes as a Markdown task list to follow by hand in the vendor's UI.

    For an API without the forwarding write (the vendor's published API): plan,
    follow the list, plan again, and the plan shows nothing to do.
    """
    lines = ["# callfwd checklist", ""]
    if not plan.has_changes:
        lines += ["Nothing to do: live settings match the manifests.", ""]
    else:
        n = len(plan.changes)
        lines += [
            f"{n} change{'s' if n != 1 else ''} to make by hand. For each sender: open the "
            f"account, go to {CHECKLIST_PATH}, and do what the line says (Set up, Edit or "
            "Delete, then Save). Then run `callfwd plan` again: it shows no changes when every "
            "box is done.",
            "",
        ]
    for acct in plan.accounts:
        if not acct.changes and not acct.notices:
            continue
        lines += [f"## Account `{acct.account}`", ""]
        lines += [_task(c) for c in acct.changes]
        if acct.changes:
            lines.append("")
        lines += _md_notices(acct)
    return "\n".join(lines).rstrip("\n") + "\n"
