"""Change and Plan value objects (after octoDNS ``record/change.py`` and Terraform ``plans``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from reconciler.diagnostics import Diagnostic, Position

FORMAT_VERSION = 1


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"

    @property
    def symbol(self) -> str:
        return {"create": "+", "update": "~", "delete": "-"}[self.value]


@dataclass(frozen=True, slots=True)
class Change:
    """One PATCH that apply would make: set ``after`` where ``before`` was read."""

    action: Action
    account: str
    sender: str
    sender_id: str
    before: str | None
    after: str | None
    source: Position | None  # None for a prune: the sender is declared nowhere
    etag: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.account, self.sender)


@dataclass(frozen=True, slots=True)
class SenderSnapshot:
    """What the plan read for one sender: apply compares against it to spot stale changes."""

    id: str
    number: str
    country: str
    forwarding_number: str | None
    etag: str | None


@dataclass(frozen=True, slots=True)
class Summary:
    create: int = 0
    update: int = 0
    delete: int = 0
    unchanged: int = 0
    unmanaged: int = 0

    def __add__(self, other: Summary) -> Summary:
        return Summary(
            self.create + other.create,
            self.update + other.update,
            self.delete + other.delete,
            self.unchanged + other.unchanged,
            self.unmanaged + other.unmanaged,
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "create": self.create,
            "update": self.update,
            "delete": self.delete,
            "unchanged": self.unchanged,
            "unmanaged": self.unmanaged,
        }


@dataclass(frozen=True, slots=True)
class AccountPlan:
    """The plan for one account: its changes, its counts and what was read."""

    account: str
    changes: tuple[Change, ...]
    summary: Summary
    prune: bool = False
    managed: int = 0  # declared senders of this account
    managed_forwardings: int = 0  # live forwardings on managed senders (thresholds use it)
    senders: tuple[SenderSnapshot, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    accounts: tuple[AccountPlan, ...]
    manifest_digest: str
    tool_version: str
    format_version: int = FORMAT_VERSION
    diagnostics: tuple[Diagnostic, ...] = field(default=())

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(c for a in self.accounts for c in a.changes)

    @property
    def summary(self) -> Summary:
        total = Summary()
        for a in self.accounts:
            total = total + a.summary
        return total

    @property
    def has_changes(self) -> bool:
        return any(a.changes for a in self.accounts)
