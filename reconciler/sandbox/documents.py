"""The local API's answers as pydantic models: the one statement of each shape.

The handlers build these models (``resources`` for the resources) and send them
encoded by ``jsonapi.encode``; the OpenAPI document takes its schemas from the
same models. tests/contract parses every answer with the vendor SDK's own strict
models, and the schemathesis test checks that every answer conforms.
benchmarks/bench_json.py measures what building them costs (docs/api.md).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from reconciler.sandbox.vocab import (
    ConfigurationStatus,
    Country,
    RegistrationStatus,
    SenderStatus,
    SenderType,
)


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
    prev: str | None = None
    next: str | None = Field(
        default=None, description="The next page (absolute URL), or null on the last page."
    )


class RelationshipLinks(_Doc):
    self_: str = Field(alias="self")
    related: str


class Identifier(_Doc):
    type: str
    id: str


class Relationship(_Doc):
    data: Identifier | None
    links: RelationshipLinks


class SenderDetails(_Doc):
    country: Country


SPARSE = "Every attribute may be left out by a sparse fieldset (fields[TYPE])."


class SenderAttributes(_Doc):
    model_config = ConfigDict(json_schema_extra={"description": SPARSE})
    sender_identifier: str | None = Field(
        default=None,
        description="E.164, or the digits of a short code; null while pending registration.",
    )
    sender_type: SenderType | None = None
    sender_details: SenderDetails | None = None
    status: SenderStatus | None = None
    forwarding_number: str | None = Field(
        default=None,
        description="E.164 number inbound calls are forwarded to; null when none is set.",
    )
    created_at: str | None = None


class EtagMeta(_Doc):
    etag: str = Field(description="The sender's current ETag (extension; same as the header).")


class SenderRelationships(_Doc):
    registration: Relationship = Field(alias="text-messaging-sender-registration")


class SenderResource(_Doc):
    type: Literal["text-messaging-sender"]
    id: str
    attributes: SenderAttributes
    relationships: SenderRelationships
    links: ResourceLinks
    meta: EtagMeta | None = Field(default=None, description="Extension; not with --published-only.")


class Failure(_Doc):
    detail: str


class RegistrationAttributes(_Doc):
    model_config = ConfigDict(json_schema_extra={"description": SPARSE})
    status: RegistrationStatus | None = None
    failures: list[Failure] | None = None
    created_at: str | None = None
    updated_at: str | None = None
    submitted_at: str | None = None
    decided_at: str | None = None


class RegistrationRelationships(_Doc):
    sender: Relationship = Field(alias="text-messaging-sender")


class RegistrationResource(_Doc):
    type: Literal["text-messaging-sender-registration"]
    id: str
    attributes: RegistrationAttributes
    relationships: RegistrationRelationships
    links: ResourceLinks


class SenderDocument(_Doc):
    data: SenderResource
    included: list[RegistrationResource] | None = None


class SenderCollection(_Doc):
    data: list[SenderResource]
    links: CollectionLinks
    included: list[RegistrationResource] | None = None


class RegistrationDocument(_Doc):
    data: RegistrationResource
    included: list[SenderResource] | None = None


class RegistrationOrNullDocument(_Doc):
    data: RegistrationResource | None
    links: ResourceLinks


class RelationshipDocument(_Doc):
    data: Identifier | None
    links: ResourceLinks


class ConfigurationAttributes(_Doc):
    model_config = ConfigDict(json_schema_extra={"description": SPARSE})
    org_prefix: str | None = None
    opt_out_language: str | None = None
    status: ConfigurationStatus | None = None
    created_at: str | None = None
    updated_at: str | None = None


class ConfigurationResource(_Doc):
    type: Literal["text-messaging-configuration"]
    id: str = Field(description="The account's id.")
    attributes: ConfigurationAttributes
    links: ResourceLinks


class ConfigurationDocument(_Doc):
    data: ConfigurationResource


class StreetAddress(_Doc):
    address1: str | None
    address2: str | None
    city: str | None
    region: str | None
    country: str | None
    zip: str | None


class ContactInformation(_Doc):
    default_sender_name: str
    default_sender_email: str
    website_url: str | None
    organization_name: str
    street_address: StreetAddress


class AccountAttributes(_Doc):
    test_account: bool
    contact_information: ContactInformation
    industry: str | None
    timezone: str
    preferred_currency: str
    public_api_key: str
    locale: str


class AccountResource(_Doc):
    type: Literal["account"]
    id: str = Field(description="The account id manifests name in `account:` (opaque).")
    attributes: AccountAttributes
    links: ResourceLinks


class AccountDocument(_Doc):
    data: AccountResource
    links: ResourceLinks


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
    by: Literal["api", "ui"] = Field(
        description="api: a PATCH with a key; ui: a change made as a person in the vendor's UI "
        "(the sandbox's stand-in route)."
    )


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
