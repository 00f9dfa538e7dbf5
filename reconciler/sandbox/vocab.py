"""The vendor's published vocabularies, in one place (source: klaviyo-api 25.0.0 models).

Seeds, stored rows, answers and the OpenAPI models all take their values from here.
"""

from __future__ import annotations

from typing import Literal, get_args

SenderType = Literal["alpha", "long_code", "short_code", "toll_free", "vanity_short_code"]
SenderStatus = Literal[
    "active", "pending_registration", "registering", "registration_failed", "suspended"
]
RegistrationStatus = Literal["action_required", "approved", "in_review", "rejected"]
ConfigurationStatus = Literal["active", "disabled"]
Country = Literal["US", "CA"]

SENDER_TYPES: tuple[str, ...] = get_args(SenderType)
SENDER_STATUSES: tuple[str, ...] = get_args(SenderStatus)

SENDER = "text-messaging-sender"
REGISTRATION = "text-messaging-sender-registration"
CONFIGURATION = "text-messaging-configuration"
ACCOUNT = "account"

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

# Scopes the local API knows about (the vendor's names).
ACCOUNTS_READ = "accounts:read"
