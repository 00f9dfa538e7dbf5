"""What the vendor says about senders, written once: types, statuses, who may forward.

The vendor's help article: only US toll-free numbers can forward calls; short
codes and numbers outside the US cannot; and "call forwarding is recommended
while your toll-free number is being verified". The planner, the importer and
the local server all ask here.
"""

from __future__ import annotations

from typing import Literal, get_args

# The vendor's vocabularies (klaviyo-api 25.0.0 models), used by the client and the local API.
SenderType = Literal["alpha", "long_code", "short_code", "toll_free", "vanity_short_code"]
SenderStatus = Literal[
    "active", "pending_registration", "registering", "registration_failed", "suspended"
]
Country = Literal["US", "CA"]
SENDER_TYPES: tuple[str, ...] = get_args(SenderType)
SENDER_STATUSES: tuple[str, ...] = get_args(SenderStatus)

# Sending messages: the senders coverage counts (a forwarding there is a callback that works).
ACTIVE = "active"
# Being verified: the help article recommends forwarding calls already.
BEING_VERIFIED = frozenset({"registering"})
# Statuses in which the sender sends nothing: forwarding declared there is likely stale.
NOT_SENDING = frozenset({"suspended", "registration_failed"})


def may_forward(sender_type: str, country: str) -> bool:
    """Only a US toll-free sender can forward calls (its Canadian sibling cannot)."""
    return sender_type == "toll_free" and country == "US"
