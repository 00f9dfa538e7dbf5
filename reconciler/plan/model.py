"""Change and Plan value objects (after octoDNS ``record/change.py`` and Terraform ``plans``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from reconciler.diagnostics import Diagnostic, Position

# The json form of a plan (``plan --format json``; the saved file has its own, planfile.py).
# 2: senders record their type and status (a saved plan is re-derived from them),
# a sender's number may be null (pending registration), notices carry codes.
FORMAT_VERSION = 2


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
    """What the plan read for one sender.

    Apply compares against it to spot stale changes, and re-derives a saved
    plan's changes from it: it holds every field the diff reads.
    """

    id: str
    number: str | None  # None while the sender is pending registration
    country: str
    forwarding_number: str | None
    etag: str | None
    type: str = "toll_free"
    status: str = "active"


class Level(StrEnum):
    NOTE = "note"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Notice:
    """Something a reviewer should know that is not a change: never changes the exit code.

    ``code`` is a registered CF5xx code (``reconciler.diagnostics.codes``); ``sender``
    the sender it is about, if any.
    """

    level: Level
    code: str
    message: str
    sender: str | None = None


def notice(code: str, message: str, *, sender: str | None = None) -> Notice:
    """A notice whose level is the registry's for ``code`` (one source for each code's level)."""
    from reconciler.diagnostics.codes import CODES

    return Notice(Level(CODES[code].severity), code, message, sender)


@dataclass(frozen=True, slots=True)
class Summary:
    create: int = 0
    update: int = 0
    delete: int = 0
    unchanged: int = 0
    unmanaged: int = 0
    pending: int = 0  # senders without a number yet (pending registration)

    def __add__(self, other: Summary) -> Summary:
        return Summary(
            self.create + other.create,
            self.update + other.update,
            self.delete + other.delete,
            self.unchanged + other.unchanged,
            self.unmanaged + other.unmanaged,
            self.pending + other.pending,
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "create": self.create,
            "update": self.update,
            "delete": self.delete,
            "unchanged": self.unchanged,
            "unmanaged": self.unmanaged,
            "pending": self.pending,
        }


@dataclass(frozen=True, slots=True)
class AccountPlan:
    """The plan for one account: its changes, its counts and what was read.

    ``api_url`` and ``account_id`` (the vendor's id of the account) say which API and
    account the plan read; a saved plan is applied only against the same.
    ``account_name`` is the account's name at the vendor as the key check read it: shown
    in checklist headings (the account to open in the UI), never used to decide.
    """

    account: str
    changes: tuple[Change, ...]
    summary: Summary
    prune: bool = False
    managed: int = 0  # declared senders of this account
    managed_forwardings: int = 0  # live forwardings on managed senders (thresholds use it)
    senders: tuple[SenderSnapshot, ...] = ()
    notices: tuple[Notice, ...] = ()
    api_url: str = ""
    account_id: str = ""
    account_name: str = ""

    @property
    def warnings(self) -> tuple[Notice, ...]:
        return tuple(n for n in self.notices if n.level is Level.WARNING)

    @property
    def planned(self) -> bool:
        """Whether live settings were read for it: not an account a change adds (CF525)."""
        from reconciler.diagnostics.codes import ACCOUNT_ADDED

        return not any(n.code == ACCOUNT_ADDED for n in self.notices)


@dataclass(frozen=True, slots=True)
class Plan:
    accounts: tuple[AccountPlan, ...]
    manifest_digest: str
    tool_version: str
    format_version: int = FORMAT_VERSION
    diagnostics: tuple[Diagnostic, ...] = field(default=())
    # (manifest path, digest of what it asks for): names the file that changed since
    sources: tuple[tuple[str, str], ...] = ()

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
