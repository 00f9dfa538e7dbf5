"""The mass-change safety threshold (octoDNS's ``raise_if_unsafe``), as a pure verdict.

Plan shows the verdict so that a pull request tells what apply will refuse;
apply refuses on the same verdict unless ``--allow-mass-changes``.
"""

from __future__ import annotations

from typing import Protocol

from reconciler.plan.model import AccountPlan, Action, Notice, notice
from reconciler.rules import codes

OVERRIDE_FLAG = "--allow-mass-changes"


class Limits(Protocol):
    @property
    def update_share(self) -> float: ...
    @property
    def delete_share(self) -> float: ...
    @property
    def min_existing(self) -> int: ...


def threshold_verdicts(acct: AccountPlan, limits: Limits) -> list[Notice]:
    """One warning per action (update, delete) above its share of managed forwardings."""
    existing = acct.managed_forwardings
    if not acct.changes or existing < limits.min_existing:
        return []
    out = []
    for action, share in (
        (Action.UPDATE, limits.update_share),
        (Action.DELETE, limits.delete_share),
    ):
        n = sum(1 for c in acct.changes if c.action is action)
        if n / existing > share:
            out.append(
                notice(
                    codes.ABOVE_THRESHOLD,
                    f"the plan would {action.value} {n} of {existing} managed forwardings "
                    f"({n / existing:.0%}), above the {share:.0%} safety threshold; apply will "
                    f"refuse unless run with {OVERRIDE_FLAG}",
                )
            )
    return out
