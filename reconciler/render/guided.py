"""The guided apply's words for the terminal: each step, what the API shows, the summary.

Pure functions of the events ``reconciler.engine.guided`` reports (the data is
``reconciler.plan.guided``). Every value
(an account's name at the vendor, ids, numbers, a server's error) came from a
configuration, a manifest or a server and goes through ``escape.terminal``.
"""

from __future__ import annotations

from reconciler.domain.numbers import display
from reconciler.plan.guided import (
    Differs,
    Event,
    Finished,
    GuidedReport,
    HandOutcome,
    ReadFailed,
    Started,
    Step,
)
from reconciler.plan.model import Action
from reconciler.render import escape
from reconciler.render.plan import CHECKLIST_PATH

_t = escape.terminal


def _number(value: str | None) -> str:
    return "no forwarding" if value is None else f"{_t(display(value))} ({_t(value)})"


def _account(step: Step) -> str:
    name, vid = step.vendor_name, _t(step.vendor_id)
    named = f"{_t(name)} (id {vid})" if name else f"id {vid}"
    return f"account {named}, {_t(step.change.account)} in callfwd.yaml"


def render_step(step: Step, poll: float) -> str:
    """What to do in the UI for one change, and how to answer the guide."""
    c = step.change
    where = step.vendor_name or step.vendor_id
    lines = [
        "",
        f"Step {step.index} of {step.total}: {_account(step)}",
        f"  In the vendor's UI: open {_t(where)}, go to {CHECKLIST_PATH}",
        f"  Sender {_t(display(c.sender))} ({_t(c.sender)})",
    ]
    if c.action is Action.CREATE:
        lines.append(f"  Set up call forwarding and enter: {_number(c.after)}, then Save")
    elif c.action is Action.UPDATE:
        lines.append(f"  Edit: the number now is {_number(c.before)}")
        lines.append(f"  Enter instead: {_number(c.after)}, then Save")
    else:
        lines.append(f"  Delete the forwarding number {_number(c.before)}")
    lines.append(
        f"  Waiting for the API to show it (checked every {poll:g} s). "
        "Enter: check now, s: skip, q: quit"
    )
    return "\n".join(lines) + "\n"


def render_event(event: Event) -> str:
    """One event of the guide as terminal lines."""
    if isinstance(event, Started):
        return render_step(event.step, event.poll)
    if isinstance(event, Differs):
        c = event.step.change
        return (
            f"  ! the API shows {_number(event.value)} for {_t(display(c.sender))}, not "
            f"{_number(c.after)}: correct it in the UI (still waiting)\n"
        )
    if isinstance(event, ReadFailed):
        return f"  ! could not read the sender: {_t(event.error)} (trying again)\n"
    return render_finished(event)


def render_finished(event: Finished) -> str:
    r = event.result
    c = r.step.change
    sender = _t(display(c.sender))
    if r.outcome in (HandOutcome.DONE, HandOutcome.ALREADY_SET):
        seen = f" at {r.seen_at:%H:%M:%S} UTC" if r.seen_at is not None else ""
        what = "forwards to " + _number(c.after) if c.after else "has no forwarding"
        return f"  [x] {r.outcome.value}: {sender} {what} (seen in the API{seen})\n"
    detail = f": {_t(r.detail)}" if r.detail else ""
    return f"  [ ] {r.outcome.value} {c.action.symbol} {_t(c.account)} {sender}{detail}\n"


def render_summary(report: GuidedReport) -> str:
    """``Guided apply: 3 done by hand, 1 skipped, 1 still pending.`` and what to do next."""
    counts = ", ".join(f"{report.count(o)} {o.value}" for o in HandOutcome if report.count(o))
    lines = ["", f"Guided apply: {counts or 'nothing to do'}."]
    if report.failed:
        lines.append("Some changes could not be guided as planned: plan again, then apply.")
    elif not report.all_done:
        lines.append(
            "Changes still wait for a person in the vendor's UI: run `callfwd apply` again "
            "to go on (`callfwd plan` shows what is left)."
        )
    return "\n".join(lines) + "\n"
