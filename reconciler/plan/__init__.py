"""Plans: inert data describing what apply would change.

Nothing in this package performs I/O. ``diff`` builds a Plan from desired
and live state, ``safety`` gives the mass-change verdict, ``rederive`` checks
a saved plan against the manifests, ``planfile`` turns a Plan into bytes and
back. ``reconciler.render.plan`` turns it into text, markdown, json or a
checklist.
"""

from __future__ import annotations

from reconciler.plan.model import AccountPlan, Action, Change, Plan, SenderSnapshot, Summary

__all__ = ["AccountPlan", "Action", "Change", "Plan", "SenderSnapshot", "Summary"]
