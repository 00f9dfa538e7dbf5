"""Words several renderers share: counts of things, a plan's totals."""

from __future__ import annotations

from reconciler.plan.model import Summary


def plural(n: int, word: str) -> str:
    """``1 file``, ``2 files``: counts are ours, never escaped."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def counts(s: Summary) -> str:
    """``2 to create, 1 to update, 0 to delete; 3 unchanged, 1 unmanaged``."""
    pending = f", {s.pending} pending registration" if s.pending else ""
    return (
        f"{s.create} to create, {s.update} to update, {s.delete} to delete; "
        f"{s.unchanged} unchanged, {s.unmanaged} unmanaged{pending}"
    )
