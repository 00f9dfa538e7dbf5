"""Who may configure call forwarding: the vendor's roles, written once.

The vendor's help article: "You must be an Owner, Admin, Manager or Campaign
Coordinator to configure call forwarding." The validator, the local server and
apply's preflight all use these sets.
"""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal[
    "owner", "admin", "manager", "campaign_coordinator", "analyst", "content_creator", "support"
]
ROLES: tuple[str, ...] = get_args(Role)
ALLOWED_ROLES = frozenset({"owner", "admin", "manager", "campaign_coordinator"})
READ_SCOPE = "sender-config:read"
WRITE_SCOPE = "sender-config:write"


def may_configure(role: str) -> bool:
    return role in ALLOWED_ROLES


def allowed_list() -> str:
    return ", ".join(r for r in ROLES if r in ALLOWED_ROLES)
