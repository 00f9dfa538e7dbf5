"""What applying a plan did: each change's outcome, inert data for renderers and audit logs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from reconciler.errors import AccountFailure
from reconciler.plan.model import Change, Plan


class Outcome(StrEnum):
    APPLIED = "applied"
    ALREADY_SET = "already set"
    # The server accepted the write (2xx) but its answer could not be read or checked:
    # applied, not verified. Not DONE: the run ends "check" (exit 1).
    UNVERIFIED = "unverified"
    FAILED = "failed"
    STALE = "stale"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class ChangeResult:
    change: Change
    outcome: Outcome
    detail: str = ""


@dataclass
class ApplyReport:
    """What apply did so far (it is filled as apply goes, so a stopped run can say it)."""

    results: list[ChangeResult] = field(default_factory=list)
    mismatches: list[AccountFailure] = field(default_factory=list)  # from verify
    sent: list[Change] = field(default_factory=list)  # a write's attempts, as they go out
    accepted: list[Change] = field(default_factory=list)  # writes the server accepted (2xx)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    @property
    def ok(self) -> bool:
        return not self.mismatches and all(r.outcome in DONE for r in self.results)


DONE = frozenset({Outcome.APPLIED, Outcome.ALREADY_SET})


def results_in_plan_order(plan: Plan, report: ApplyReport) -> Sequence[ChangeResult]:
    order = {c.key: i for i, c in enumerate(plan.changes)}
    return sorted(report.results, key=lambda r: order.get(r.change.key, len(order)))
