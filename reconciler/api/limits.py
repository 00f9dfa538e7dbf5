"""The vendor's published rate limits, per account and endpoint: the one table.

Source: the docstrings of the vendor's official SDK (``klaviyo-api`` 25.0.0,
revision 2026-10-15). Each (account, endpoint) pair has a burst window of one
second and a steady window of one minute:

    every GET of the text-messaging API            3/s, 60/min
    GET /api/accounts (and /api/accounts/{id})     1/s, 15/min
    a write (the vendor's POSTs; the local API's PATCH)   1/s, 15/min

Both sides read them from here: the client paces a known API to them from its
first request (``reconciler.api.pacing``), and the local API enforces them by
default (``reconciler.sandbox.ratelimit``).
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.api import protocol

BURST_SECONDS = 1.0
STEADY_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Limits:
    """Requests allowed per burst window (1 s) and per steady window (1 min)."""

    burst: int
    steady: int

    def __str__(self) -> str:
        return f"{self.burst}/{self.steady}"


READ_LIMITS = Limits(3, 60)  # every GET of the text-messaging API
ACCOUNT_LIMITS = Limits(1, 15)  # GET /api/accounts[/{id}]
WRITE_LIMITS = Limits(1, 15)  # the vendor's writes; the local API's PATCH counts as one
# One key check (GET /api/accounts) per account in this many seconds, margin included:
# a command started right after another that checked the same keys waits this out.
KEY_CHECK_GAP = BURST_SECONDS / ACCOUNT_LIMITS.burst + 0.05
# POST /api/call-routes (a local-API extension) only reads: it is not a write.
WRITE_METHODS = frozenset({"PATCH", "PUT", "DELETE"})


def published_limits(method: str, path: str) -> Limits:
    """The limits of one endpoint: ``path`` as sent (``/api/accounts``) or as a route template."""
    if path == protocol.ACCOUNTS or path.startswith(protocol.ACCOUNTS + "/"):
        return ACCOUNT_LIMITS
    if method.upper() in WRITE_METHODS:
        return WRITE_LIMITS
    return READ_LIMITS
