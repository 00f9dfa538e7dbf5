"""Render a Plan for people (text, checklist) and machines (json). Pure functions.

The markdown of a PR comment lives in ``reconciler.render.comment``. Every value
a plan holds (account, sender, numbers, paths, notice codes and messages) came
from a manifest, a server or a saved plan file, and reaches the output only
through its medium's function in ``reconciler.render.escape``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace

from reconciler.diagnostics.codes import NO_WRITE_API
from reconciler.output import style
from reconciler.plan.model import AccountPlan, Action, Change, Notice, Plan
from reconciler.render import escape
from reconciler.render.comment import (
    MARKDOWN_BUDGET,
    MARKDOWN_MARKER,
    notice_lines,
    render_markdown,
)
from reconciler.render.common import counts, no_changes, not_planned
from reconciler.report.model import Vendor

__all__ = [
    "MARKDOWN_BUDGET",
    "MARKDOWN_MARKER",
    "account_heading",
    "plan_document",
    "render_checklist",
    "render_json",
    "render_markdown",
    "render_text",
]

NONE = "(none)"
_COLOUR = {Action.CREATE: "green", Action.UPDATE: "yellow", Action.DELETE: "red"}


def _num(value: str | None) -> str:
    return NONE if value is None else escape.terminal(value)


def _source(change: Change) -> str:
    if change.source is None:
        return "prune: declared in no manifest"
    return f"{escape.terminal(change.source.path)}:{change.source.line}"


def _notice(n: Notice) -> str:
    return f"{n.level.value}[{escape.terminal(n.code)}]: {escape.terminal(n.message)}"


# ---------------------------------------------------------------- text


def render_text(plan: Plan, *, colour: bool = False, unchanged: Sequence[str] = ()) -> str:
    """The plan for a terminal; ``unchanged`` names accounts that were not planned."""
    lines = [line for acct in plan.accounts for line in _account_text(acct, colour)]
    if unchanged:
        names = ", ".join(escape.terminal(a) for a in unchanged)
        lines.append(f"unchanged, not planned: {names}")
    total = plan.summary
    if plan.has_changes:
        lines.append(f"Plan: {counts(total)}.")
    else:
        lead, rest = no_changes(plan)
        lines.append(f"{lead}: {rest}.")
    return "\n".join(lines) + "\n"


def _account_text(acct: AccountPlan, colour: bool) -> list[str]:
    prune = " (prune)" if acct.prune else ""
    lines = [f"account {escape.terminal(acct.account)}{prune}"]
    lines += [f"  {_notice(n)}" for n in acct.notices]
    senders = [escape.terminal(c.sender) for c in acct.changes]
    width = max((len(s) for s in senders), default=0)
    for c, sender in zip(acct.changes, senders, strict=True):
        sym = style(c.action.symbol, fg=_COLOUR[c.action], enabled=colour)
        change = (
            _num(c.after) if c.action is Action.CREATE else f"{_num(c.before)} -> {_num(c.after)}"
        )
        lines.append(f"  {sym} {sender:<{width}}  {change}  ({_source(c)})")
    if not acct.planned:
        return [*lines, "  not planned: nothing was read"]
    if not acct.changes:
        lines.append("  no changes")
    return [*lines, f"  {counts(acct.summary)}"]


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
# CF522 says where to turn when the API offers no write; in the checklist it says what
# the checklist is for (its own message would send the reader to the checklist).
_BY_HAND = (
    "this settings API offers no way to change forwarding numbers: each change here is made "
    "by hand in the vendor's UI. `callfwd apply` on a terminal guides you through them and "
    "ticks each one as soon as the API shows it"
)


def _ui(number: str | None) -> str:
    from reconciler.domain.numbers import display

    if number is None:
        return "no forwarding"
    return f"{escape.markdown(display(number))} ({escape.markdown(number)})"


def _task(c: Change, *, done: bool = False, note: str = "") -> str:
    from reconciler.domain.numbers import display

    sender = f"**{escape.markdown(display(c.sender))}** ({escape.markdown(c.sender)})"
    if c.action is Action.CREATE:
        what = f"set up forwarding to **{_ui(c.after)}**"
    elif c.action is Action.UPDATE:
        what = f"edit: change the forwarding number from {_ui(c.before)} to **{_ui(c.after)}**"
    else:
        what = f"delete the forwarding number (now {_ui(c.before)})"
    return f"- [{'x' if done else ' '}] {sender}: {what}{note}"


def account_heading(account: str, vendor: Vendor | None) -> str:
    """Which account to open in the vendor's UI: its name and id there, and callfwd's name."""
    md = escape.markdown
    if vendor is None:
        return f"Account {md(account)}"
    named = f"Account {md(vendor.name)} (id {md(vendor.id)})" if vendor.name else ""
    return f"{named or f'Account id {md(vendor.id)}'}, {md(account)} in callfwd.yaml"


def _checklist_notices(notices: Sequence[Notice]) -> list[str]:
    shown = [replace(n, message=_BY_HAND) if n.code == NO_WRITE_API else n for n in notices]
    return notice_lines(shown)


def _ticks(acct: AccountPlan, saved: AccountPlan | None) -> list[str]:
    """The account's tasks: the saved plan's first, ticked when done, then what is new."""
    now: dict[tuple[str, str], list[Change]] = {}
    for c in acct.changes:
        now.setdefault((c.sender_id, c.sender), []).append(c)
    live = {s.id: s.forwarding_number for s in acct.senders}
    lines = []
    for c in saved.changes if saved is not None else ():
        current = now.get((c.sender_id, c.sender))
        if current:
            lines.append(_task(current.pop(0)))  # still to do, as it stands now
        else:
            gone = c.sender_id in live and live[c.sender_id] != c.after
            lines.append(_task(c, done=True, note=" (no longer planned)" if gone else ""))
    return lines + [_task(c) for left in now.values() for c in left]


def _checklist_head(plan: Plan, since: Plan | None, saved: Mapping[str, AccountPlan]) -> list[str]:
    """What is left to do, and how much is done since the saved plan, if one is given."""
    done = total = 0
    if since is not None:
        now_keys = {(c.account, c.sender_id, c.sender) for c in plan.changes}
        then_keys = {(c.account, c.sender_id, c.sender) for a in saved.values() for c in a.changes}
        total = len(then_keys | now_keys)
        done = len(then_keys - now_keys)
    if plan.has_changes:
        n = len(plan.changes)
        progress = f" ({done} of {total} done since the saved plan)" if since is not None else ""
        return [
            f"{n} change{'s' if n != 1 else ''} to make by hand{progress}. For each sender: "
            f"open the account, go to {CHECKLIST_PATH}, and do what the line says (Set up, "
            "Edit or Delete, then Save). Then run `callfwd plan` again: it shows no changes "
            "when every box is done."
        ]
    if not_planned(plan) == len(plan.accounts) > 0:
        lead, rest = no_changes(plan)
        return [f"{lead}: {rest}."]
    if since is None:
        return ["Nothing to do: live settings match the manifests."]
    return [f"All {total} done: live settings match the manifests."]


def render_checklist(
    plan: Plan, *, vendors: Mapping[str, Vendor] | None = None, since: Plan | None = None
) -> str:
    """The changes as a Markdown task list to follow by hand in the vendor's UI.

    For an API without the forwarding write (the vendor's published API): plan,
    follow the list, plan again, and the plan shows nothing to do. ``vendors``:
    each account's name and id at the vendor, for the headings (the account to
    open). ``since``: a saved plan (``plan --out``) whose changes are listed
    first, ``[x]`` where ``plan`` no longer has them (done), then ``plan``'s new
    ones; accounts ``plan`` did not read are left out.
    """
    vendors = vendors or {}
    accounts = {a.account: a for a in plan.accounts}
    # Only the accounts planned now can say what is done.
    saved = {a.account: a for a in since.accounts if a.account in accounts} if since else {}
    lines = ["# callfwd checklist", "", *_checklist_head(plan, since, saved), ""]
    for acct in plan.accounts:
        tasks = _ticks(acct, saved.get(acct.account))
        if not tasks and not acct.notices:
            continue
        lines += [f"## {account_heading(acct.account, vendors.get(acct.account))}", ""]
        if tasks:
            lines += [*tasks, ""]
        if acct.notices:
            lines += [*_checklist_notices(acct.notices), ""]
    return "\n".join(lines).rstrip("\n") + "\n"
