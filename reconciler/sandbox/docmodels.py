"""Pydantic models that describe the answers in the OpenAPI document.

The handlers build their JSON directly (it is faster); these models only
document it, and the schemathesis test checks that every answer conforms.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Doc(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class ErrorSource(_Doc):
    pointer: str | None = Field(default=None, description="JSON pointer into the request body.")
    parameter: str | None = Field(default=None, description="The query parameter at fault.")
    header: str | None = Field(default=None, description="The request header at fault.")


class ErrorObject(_Doc):
    id: str
    status: int = Field(description="The HTTP status code, as an integer (as the vendor sends it).")
    code: str = Field(description="A stable machine-readable code, e.g. not_found, throttled.")
    title: str
    detail: str
    source: ErrorSource
    meta: dict[str, Any] | None = Field(
        default=None, description="For number-rule errors: {'problem': <rule code>}."
    )


class ErrorDocument(_Doc):
    errors: list[ErrorObject] = Field(min_length=1)


class ResourceLinks(_Doc):
    self_: str = Field(alias="self")


class CollectionLinks(_Doc):
    self_: str = Field(alias="self")
    next: str | None = Field(description="The next page (absolute URL), or null on the last page.")


class SenderDetails(_Doc):
    country: Literal["US", "CA"]


class SenderAttributes(_Doc):
    sender_identifier: str | None = Field(description="E.164, or the digits of a short code.")
    sender_type: Literal["alpha", "long_code", "short_code", "toll_free", "vanity_short_code"]
    sender_details: SenderDetails
    status: Literal[
        "active", "pending_registration", "registering", "registration_failed", "suspended"
    ]
    forwarding_number: str | None = Field(
        description="E.164 number inbound calls are forwarded to; null when none is set."
    )
    created_at: str


class EtagMeta(_Doc):
    etag: str = Field(description="The sender's current ETag (extension; same as the header).")


class SenderResource(_Doc):
    type: Literal["text-messaging-sender"]
    id: str
    attributes: SenderAttributes
    links: ResourceLinks
    meta: EtagMeta


class SenderDocument(_Doc):
    data: SenderResource


class SenderCollection(_Doc):
    data: list[SenderResource]
    links: CollectionLinks


class AccountAttributes(_Doc):
    name: str


class AccountResource(_Doc):
    type: Literal["account"]
    id: str = Field(description="The account id manifests name in `account:`.")
    attributes: AccountAttributes
    links: ResourceLinks


class AccountDocument(_Doc):
    data: AccountResource


class AccountCollection(_Doc):
    data: list[AccountResource]
    links: CollectionLinks


class UserAttributes(_Doc):
    email: str
    role: str
    scopes: list[str]
    account_id: str
    key_id: str = Field(description="First 8 hex digits of the key's SHA-256; never the key.")


class UserResource(_Doc):
    type: Literal["user"]
    id: str
    attributes: UserAttributes
    links: ResourceLinks


class UserDocument(_Doc):
    data: UserResource


class AuditAttributes(_Doc):
    time: str
    method: Literal["PATCH"]
    account_id: str
    key_id: str
    sender_id: str | None
    sender_identifier: str | None
    sender_country: str | None
    before: str | None
    after: str | None
    requested: str | None
    status: int
    outcome: Literal[
        "updated",
        "unchanged",
        "forbidden",
        "invalid",
        "not_found",
        "precondition_failed",
        "rejected",
    ]


class AuditResource(_Doc):
    type: Literal["audit-event"]
    id: str
    attributes: AuditAttributes


class AuditCollection(_Doc):
    data: list[AuditResource]
    links: CollectionLinks


class CallRouteAttributes(_Doc):
    from_: str = Field(alias="from")
    to: str
    sender_id: str
    outcome: Literal["forwarded", "ringing"]
    forwarded_to: str | None
    reason: str | None


class CallRouteResource(_Doc):
    type: Literal["call-route"]
    id: str
    attributes: CallRouteAttributes


class CallRouteDocument(_Doc):
    data: CallRouteResource


def _header(description: str, kind: str = "integer", *, required: bool = False) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": {"type": kind}}


RATE_HEADERS: dict[str, Any] = {
    "RateLimit-Limit": _header("Requests allowed per steady (60 s) window; absent when off."),
    "RateLimit-Remaining": _header("Requests left in the current steady window."),
    "RateLimit-Reset": _header("Whole seconds until the steady window ends (at least 1)."),
}
ETAG_HEADERS: dict[str, Any] = {
    "ETag": _header("The sender's current entity tag (extension).", "string", required=True),
    **RATE_HEADERS,
}
RETRY_AFTER: dict[str, Any] = {
    "Retry-After": _header("Whole seconds to wait before retrying.", required=True),
}


def _string_or_null(description: str) -> dict[str, Any]:
    return {
        "anyOf": [{"type": "string", "maxLength": 64}, {"type": "null"}],
        "description": description,
    }


PATCH_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "data": {
            "type": "object",
            "required": ["type", "id", "attributes"],
            "properties": {
                "type": {"type": "string", "enum": ["text-messaging-sender"]},
                "id": {"type": "string"},
                "attributes": {
                    "type": "object",
                    "required": ["forwarding_number"],
                    "additionalProperties": False,
                    "properties": {
                        "forwarding_number": _string_or_null(
                            "Any common way of writing a US number (stored as E.164), "
                            "or null to remove forwarding."
                        )
                    },
                },
            },
        }
    },
}

CALL_ROUTE_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "data": {
            "type": "object",
            "required": ["type", "attributes"],
            "properties": {
                "type": {"type": "string", "enum": ["call-route"]},
                "attributes": {
                    "type": "object",
                    "required": ["from", "to"],
                    "additionalProperties": False,
                    "properties": {
                        "from": {"type": "string", "maxLength": 64, "description": "The caller."},
                        "to": {"type": "string", "maxLength": 64, "description": "The sender."},
                    },
                },
            },
        }
    },
}
