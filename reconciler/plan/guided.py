"""What a guided apply did, and what happened on the way: inert data for renderers and logs.

Where an account's API offers no forwarding write, ``callfwd apply`` guides a
person through each change in the vendor's UI and checks it in the API
(``reconciler.engine.guided``). Each change is a ``Step``; each step ends with a
``StepResult`` whose ``HandOutcome`` says how; the events (``Started``,
``Differs``, ``ReadFailed``, ``Finished``) are what the person is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from reconciler.plan.model import Change
from reconciler.plan.results import ChangeResult, Outcome

# Seconds between two reads of a sender while a person changes it: 30 reads a minute,
# half the published 60/min of that endpoint (``callfwd apply --poll-interval``).
POLL_SECONDS = 2.0


class HandOutcome(StrEnum):
    DONE = "done by hand"
    ALREADY_SET = "already set"
    SKIPPED = "skipped"
    PENDING = "still pending"
    STALE = "stale"
    FAILED = "failed"

    @property
    def audit(self) -> Outcome:
        """The apply outcome an audit line records for it (with ``"by": "hand"``)."""
        return _AUDIT[self]


_AUDIT = {
    HandOutcome.DONE: Outcome.APPLIED,
    HandOutcome.ALREADY_SET: Outcome.ALREADY_SET,
    HandOutcome.SKIPPED: Outcome.SKIPPED,
    HandOutcome.PENDING: Outcome.SKIPPED,
    HandOutcome.STALE: Outcome.STALE,
    HandOutcome.FAILED: Outcome.FAILED,
}
DONE = frozenset({HandOutcome.DONE, HandOutcome.ALREADY_SET})
WAITING = frozenset({HandOutcome.SKIPPED, HandOutcome.PENDING})  # left for a person


@dataclass(frozen=True, slots=True)
class Step:
    """One change for a person to make: the ``index``-th of ``total``.

    ``vendor_id`` and ``vendor_name``: the account to open in the vendor's UI (the
    id the key check proved, the name ``GET /api/accounts`` gave, if any).
    """

    change: Change
    index: int
    total: int
    vendor_id: str
    vendor_name: str | None = None


@dataclass(frozen=True, slots=True)
class StepResult:
    step: Step
    outcome: HandOutcome
    detail: str = ""
    seen_at: datetime | None = None  # when the API first showed the planned value

    def as_change_result(self) -> ChangeResult:
        return ChangeResult(self.step.change, self.outcome.audit, self.detail)


@dataclass
class GuidedReport:
    results: list[StepResult] = field(default_factory=list)

    def count(self, outcome: HandOutcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    @property
    def all_done(self) -> bool:
        return all(r.outcome in DONE for r in self.results)

    @property
    def failed(self) -> bool:
        """A step that no person can finish as planned: stale or failed (plan again)."""
        return any(r.outcome not in DONE | WAITING for r in self.results)


# -- what happens, for the renderer ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Started:
    """The step is shown to the person: make this change now."""

    step: Step
    poll: float


@dataclass(frozen=True, slots=True)
class Differs:
    """The API shows ``value`` for the sender: neither what it was nor what is planned."""

    step: Step
    value: str | None


@dataclass(frozen=True, slots=True)
class ReadFailed:
    """A read of the sender failed (after the client's retries); the wait goes on."""

    step: Step
    error: str


@dataclass(frozen=True, slots=True)
class Finished:
    result: StepResult


Event = Started | Differs | ReadFailed | Finished
