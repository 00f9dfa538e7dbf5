"""Desired and live state: the two sides that a plan compares."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.diagnostics import Position


@dataclass(frozen=True, slots=True)
class Forwarding:
    """One declared sender: its forwarding number in E.164, or None for no forwarding."""

    account: str
    sender: str
    forward_to: str | None
    position: Position


@dataclass(frozen=True, slots=True)
class LiveSender:
    """One sender as the settings API reports it."""

    id: str
    account: str
    number: str
    type: str
    country: str
    status: str
    forwarding_number: str | None
    etag: str | None = None

    @property
    def can_forward(self) -> bool:
        return self.type == "toll_free" and self.country == "US"
