"""Words several renderers share: counts of things, a plan's totals."""

from __future__ import annotations

from reconciler.plan.model import Plan, Summary


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


def not_planned(plan: Plan) -> int:
    """Accounts a change adds (CF525): in the plan, but nothing of theirs was read."""
    return sum(1 for a in plan.accounts if not a.planned)


def no_changes(plan: Plan) -> tuple[str, str]:
    """What a plan without changes says, true of what it read: (the lead, the rest).

    ``("No changes", "live settings match the manifests (3 unchanged, 0 unmanaged)")``;
    where every account is one a change adds, nothing was read, and it says so.
    """
    added = not_planned(plan)
    if added and added == len(plan.accounts):
        return (
            "Nothing planned",
            f"no live settings were read (validated, not planned: "
            f"{plural(added, 'account')} added by this change, CF525)",
        )
    total = plan.summary
    rest = (
        f"live settings match the manifests ({total.unchanged} unchanged, "
        f"{total.unmanaged} unmanaged)"
    )
    if added:
        rest += f"; {plural(added, 'account')} added by this change, not planned (CF525)"
    return "No changes", rest
