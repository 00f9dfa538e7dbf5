"""Words the coverage report's renderers share, so text, markdown and HTML say the same thing.

Values here are raw: each renderer escapes them for its medium.
"""

from __future__ import annotations

from collections.abc import Callable

from reconciler.diagnostics import Position
from reconciler.domain.numbers import display
from reconciler.plan.model import Action, Change
from reconciler.report.model import Management, Ratio, SenderRow

MANAGEMENT = {
    Management.MANAGED: "managed",
    Management.UNMANAGED: "unmanaged",
    Management.NOT_MANAGEABLE: "—",
}
TYPES = {
    "toll_free": "toll-free",
    "short_code": "short code",
    "vanity_short_code": "vanity short code",
    "long_code": "long code",
    "alpha": "alphanumeric",
}
UI_PATH = "Settings → SMS → Sender preferences → Call forwarding"
NO_NUMBER = "(no number yet)"


def number(value: str | None) -> str:
    """A sender's or forwarding number as the vendor's UI shows it."""
    return NO_NUMBER if value is None else display(value)


def forwarding(value: str | None) -> str:
    return "—" if value is None else display(value)


def sender_type(value: str) -> str:
    return TYPES.get(value, value)


def status(value: str) -> str:
    return value.replace("_", " ")


def where(position: Position | None) -> str:
    return "" if position is None else f"{position.path}:{position.line}"


def declared_by(row: SenderRow) -> str:
    """Which manifest declares the sender, or what it is instead of managed."""
    if row.management is Management.MANAGED:
        return where(row.declared) or "a manifest outside the paths given"
    return MANAGEMENT[row.management]


def coverage(r: Ratio) -> str:
    if r.eligible == 0:
        return "no active US toll-free senders"
    return f"{r.forwarding} of {r.eligible} active US toll-free senders forward ({r.percent})"


def task(c: Change, show: Callable[[str], str] = str) -> str:
    """A pending change as a thing to do in the vendor's UI (or with ``callfwd apply``).

    ``show`` formats each number for the medium (they came from a manifest or a server).
    """
    before, after = show(forwarding(c.before)), show(forwarding(c.after))
    if c.action is Action.CREATE:
        return f"set up forwarding to {after}"
    if c.action is Action.UPDATE:
        return f"change the forwarding number from {before} to {after}"
    return f"delete the forwarding number (now {before})"


def change_source(c: Change) -> str:
    return "prune: declared in no manifest" if c.source is None else where(c.source)


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"
