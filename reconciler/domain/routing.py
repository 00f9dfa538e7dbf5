"""What happens to a call to a sender, from the vendor's rules and the sender's settings.

The vendor's help article: only a US toll-free number forwards calls, to its
forwarding number; a toll-free number used for the US and Canada forwards
calls from US area codes only, and calls from Canadian area codes ring until
the caller hangs up; without a forwarding number the line rings. Pure: the
local API's call-route extension and ``callfwd route-call`` (from the
published reads) both decide here.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.domain import numbers
from reconciler.domain.senders import may_forward

RINGS = "the line rings until the caller hangs up"
CANADA = f"calls from Canadian area codes are not forwarded; {RINGS}"


@dataclass(frozen=True, slots=True)
class Route:
    """Where a call goes: ``forwarded_to`` a number, or it rings (``reason`` says why)."""

    forwarded_to: str | None
    reason: str | None = None

    @property
    def outcome(self) -> str:
        return "forwarded" if self.forwarded_to else "ringing"


def route_call(
    *,
    caller_region: str | None,
    sender: str | None,
    sender_type: str,
    country: str,
    forwarding_number: str | None,
) -> Route:
    """The route of a call from a caller in ``caller_region`` (``US``, ``CA``, ...) to a sender.

    ``sender`` is the sender's number, ``sender_type`` and ``country`` its type
    and country as the vendor reports them, ``forwarding_number`` its setting.
    """
    if not may_forward(sender_type, country):
        why = numbers.check_sender(sender or "").message or (
            f"{sender} is a {country} sender; call forwarding is only available for US "
            "toll-free senders"
        )
        return Route(None, f"{why}; {RINGS}")
    if forwarding_number is None:
        return Route(None, f"no forwarding number is set for {sender}; {RINGS}")
    if caller_region == "CA":
        return Route(None, CANADA)
    if caller_region != "US":
        return Route(
            None,
            f"calls from outside the US ({caller_region or 'unknown region'}) are not "
            f"forwarded; {RINGS}",
        )
    return Route(forwarding_number)
