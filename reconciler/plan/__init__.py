"""Plans: inert data describing what apply would change.

Nothing in this package performs I/O. ``diff`` builds a Plan from desired
and live state, ``planfile`` turns a Plan into bytes and back, ``render``
turns it into text, markdown or json for people and machines.
"""

from __future__ import annotations

from reconciler.plan.model import AccountPlan, Action, Change, Plan, SenderSnapshot, Summary

__all__ = ["AccountPlan", "Action", "Change", "Plan", "SenderSnapshot", "Summary"]
