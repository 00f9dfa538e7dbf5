"""The vendor's published vocabularies, in one place (source: klaviyo-api 25.0.0 models).

Seeds, stored rows, answers and the OpenAPI models all take their values from here.
"""

from __future__ import annotations

from typing import Literal

from reconciler.api import protocol
from reconciler.domain.senders import (
    SENDER_STATUSES,
    SENDER_TYPES,
    Country,
    SenderStatus,
    SenderType,
)

__all__ = ["SENDER_STATUSES", "SENDER_TYPES", "Country", "SenderStatus", "SenderType"]

RegistrationStatus = Literal["action_required", "approved", "in_review", "rejected"]
ConfigurationStatus = Literal["active", "disabled"]

SENDER, REGISTRATION = protocol.SENDER, protocol.REGISTRATION
CONFIGURATION, ACCOUNT = protocol.CONFIGURATION, protocol.ACCOUNT

# A seeded toll-free sender's registration, from the sender's status.
REGISTRATION_FOR_STATUS: dict[str, RegistrationStatus] = {
    "active": "approved",
    "suspended": "approved",  # approved once; suspended afterwards
    "registering": "in_review",
    "registration_failed": "rejected",
    "pending_registration": "action_required",
}
REJECTION_DETAIL = (
    "The carrier rejected the registration: the use case description does not match "
    "the sample messages."
)

# The longest id a path may carry: sender ids are opaque text, a seed may give any.
MAX_ID = 200

# Scopes the local API knows about (the vendor's names).
ACCOUNTS_READ = "accounts:read"
