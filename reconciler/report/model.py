"""The coverage report as inert data: what each account's senders are and whether they forward.

Built by ``reconciler.report.build`` from a plan (every sender the plan read, its
pending changes and notices) and the manifests' declarations; shown by the
``reconciler.render.report_*`` renderers. Nothing here performs I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reconciler.diagnostics import Position
from reconciler.domain.senders import BEING_VERIFIED, NOT_SENDING, SENDER_STATUSES
from reconciler.plan.model import Change, Notice

# The json document's version (docs/report.md): bumped when a field changes meaning
# or goes away; new fields may appear within a version.
FORMAT_VERSION = 1


class Standing(StrEnum):
    """Whether a sender forwards calls, and if not, whether it could."""

    FORWARDING = "forwarding"  # a US toll-free sender with a forwarding number
    NOT_FORWARDING = "not_forwarding"  # a US toll-free sender without one
    CANNOT_FORWARD = "cannot_forward"  # any other sender: the vendor forwards none of them
    NO_NUMBER = "no_number"  # pending registration: no number yet, nothing to forward


class Management(StrEnum):
    MANAGED = "managed"  # a manifest declares it
    UNMANAGED = "unmanaged"  # a US toll-free sender no manifest declares
    NOT_MANAGEABLE = "not_manageable"  # it cannot forward, or has no number yet


@dataclass(frozen=True, slots=True)
class Vendor:
    """The vendor's account behind a configured account: its id and, where known, its name."""

    id: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Ratio:
    """``forwarding`` of ``eligible`` senders forward calls; no ratio when none is eligible."""

    forwarding: int = 0
    eligible: int = 0

    @property
    def ratio(self) -> float | None:
        return None if self.eligible == 0 else self.forwarding / self.eligible

    @property
    def percent(self) -> str:
        """Whole percent, never rounded up to 100 % nor down to 0 % when not exactly that."""
        r = self.ratio
        if r is None:
            return "n/a"
        pct = int(r * 100 + 0.5)
        if pct == 100 and self.forwarding < self.eligible:
            pct = 99
        if pct == 0 and self.forwarding > 0:
            pct = 1
        return f"{pct}%"

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(self.forwarding + other.forwarding, self.eligible + other.eligible)


@dataclass(frozen=True, slots=True)
class StatusCount:
    """US toll-free senders in one status, and how many of them forward."""

    status: str
    senders: int
    forwarding: int


@dataclass(frozen=True, slots=True)
class SenderRow:
    """One sender as the API listed it, with what the report makes of it.

    ``declared``: where a manifest declares it (None for a managed sender declared
    only in a manifest outside the PATHs given); ``change``: the plan's pending
    change for it, if any; ``reasons``: for people, what it does (``forwards to
    …``, ``no forwarding``, ``cannot forward``, ``no number yet``) and then why,
    and what is pending (the wording may change; machines read ``standing``).
    """

    id: str
    number: str | None
    type: str
    country: str
    status: str
    forwarding_number: str | None
    may_forward: bool
    standing: Standing
    management: Management
    declared: Position | None
    change: Change | None
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True, slots=True)
class AccountReport:
    account: str  # the name manifests and callfwd.yaml use
    vendor: Vendor
    api_url: str
    prune: bool
    manifests: tuple[str, ...]  # the files that declare its senders, sorted
    senders: tuple[SenderRow, ...]
    coverage: Ratio  # active US toll-free senders that forward
    after_changes: Ratio  # the same once every pending change is made
    by_status: tuple[StatusCount, ...]  # every status of the vendor's vocabulary, in its order
    changes: tuple[Change, ...]
    notices: tuple[Notice, ...]
    import_command: str | None  # takes its unmanaged senders under management; None if none

    def rows(self, standing: Standing) -> tuple[SenderRow, ...]:
        return tuple(s for s in self.senders if s.standing is standing)

    @property
    def unmanaged(self) -> tuple[SenderRow, ...]:
        return tuple(s for s in self.senders if s.management is Management.UNMANAGED)

    @property
    def verifying_without_forwarding(self) -> tuple[SenderRow, ...]:
        """Being verified and not forwarding: the vendor recommends forwarding already."""
        return tuple(
            s
            for s in self.senders
            if s.standing is Standing.NOT_FORWARDING and s.status in BEING_VERIFIED
        )

    @property
    def not_sending(self) -> tuple[SenderRow, ...]:
        """US toll-free senders that send nothing now: suspended or registration failed."""
        return tuple(s for s in self.senders if s.may_forward and s.status in NOT_SENDING)


@dataclass(frozen=True, slots=True)
class Report:
    accounts: tuple[AccountReport, ...]
    generated_at: str  # ISO 8601 UTC, when the reads finished
    tool_version: str
    format_version: int = FORMAT_VERSION

    @property
    def coverage(self) -> Ratio:
        return sum((a.coverage for a in self.accounts), Ratio())

    @property
    def after_changes(self) -> Ratio:
        return sum((a.after_changes for a in self.accounts), Ratio())

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(c for a in self.accounts for c in a.changes)

    @property
    def api_urls(self) -> tuple[str, ...]:
        return tuple(sorted({a.api_url for a in self.accounts}))

    def by_status(self) -> tuple[StatusCount, ...]:
        """The accounts' status counts added up: the vocabulary's order, then any other."""
        totals = {s: [0, 0] for s in SENDER_STATUSES}
        for a in self.accounts:
            for c in a.by_status:
                row = totals.setdefault(c.status, [0, 0])
                row[0] += c.senders
                row[1] += c.forwarding
        return tuple(StatusCount(s, n, f) for s, (n, f) in totals.items())
