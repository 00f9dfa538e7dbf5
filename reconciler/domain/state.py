"""Desired and live state: the two sides that a plan compares."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.diagnostics import Position
from reconciler.domain.senders import may_forward


@dataclass(frozen=True, slots=True)
class Forwarding:
    """One declared sender: its forwarding number in E.164, or None for no forwarding."""

    account: str
    sender: str
    forward_to: str | None
    position: Position


@dataclass(frozen=True, slots=True)
class LiveSender:
    """One sender as the settings API reports it.

    ``number`` (the API's ``sender_identifier``) is None while the sender is
    pending registration: the vendor has not assigned it a number yet.
    """

    id: str
    account: str
    number: str | None
    type: str
    country: str
    status: str
    forwarding_number: str | None
    etag: str | None = None

    @property
    def can_forward(self) -> bool:
        return may_forward(self.type, self.country)

    @property
    def pending(self) -> bool:
        """No number yet: it cannot be named in a manifest until the vendor assigns one."""
        return self.number is None
