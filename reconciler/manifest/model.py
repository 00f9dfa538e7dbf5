"""The manifest format, version 1: the single source of truth.

``callfwd schema`` prints :func:`json_schema` and ``schemas/manifest.v1.schema.json``
is that output, so the titles and descriptions below are what an editor
shows on hover. The number and role *rules* (toll-free senders, US forwarding
numbers, allowed roles) live in ``reconciler.rules``; the model only pins the
shape, so that every structural problem is reported with its position.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from reconciler import raw_file_url
from reconciler.domain.roles import Role

ACCOUNT_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
# The schema's stable identifier: format v1 keeps it for as long as it exists. Editors
# should load the file pinned to a release tag (README, Editors).
SCHEMA_ID = raw_file_url("schemas/manifest.v1.schema.json") or "manifest.v1.schema.json"


_PHONE_HELP = (
    "Write it as a quoted string in any common format: "
    '"+1 (833) 555-0100", "833-555-0100", "+18335550100". '
    "Without a country code it is read as a North American number."
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Owner(_Strict):
    """A person responsible for this manifest's senders."""

    model_config = ConfigDict(title="Owner")

    email: str = Field(
        description="The owner's email address (plain ASCII).",
        examples=["dana@acme.example"],
    )
    role: Role = Field(
        description=(
            "The owner's role in the account. Only owner, admin, manager and "
            "campaign_coordinator may configure call forwarding; analyst, "
            "content_creator and support may not."
        ),
    )


class ForwardingEntry(_Strict):
    """One toll-free sender and where its inbound calls go."""

    model_config = ConfigDict(title="Forwarding entry")

    sender: str = Field(
        description=(
            "The sender: a US toll-free number (800, 833, 844, 855, 866, 877 or 888). "
            + _PHONE_HELP
        ),
        examples=["+1 (833) 555-0100"],
    )
    forward_to: str | None = Field(
        description=(
            "Where inbound calls to the sender go: a US phone number that is not "
            "premium-rate, has no extension and is not itself a declared sender. "
            "null means no forwarding (an existing one is removed). " + _PHONE_HELP
        ),
        examples=["+1 212 555 0199", None],
    )


class Manifest(_Strict):
    """One team's call-forwarding settings for US toll-free SMS senders."""

    model_config = ConfigDict(title="callfwd manifest v1", json_schema_extra={"$id": SCHEMA_ID})

    version: Literal[1] = Field(description="Manifest format version. Always 1.")
    account: str = Field(
        pattern=ACCOUNT_PATTERN,
        description="The account the senders belong to, as named in callfwd.yaml (a slug).",
        examples=["acme-us"],
    )
    team: str = Field(
        min_length=1,
        max_length=100,
        description="The team that owns these senders (free text, shown in plans).",
        examples=["customer-care"],
    )
    owners: list[Owner] = Field(
        description="Who may change this manifest; at least one with an allowed role.",
    )
    forwarding: list[ForwardingEntry] = Field(
        description="The senders this team manages and their forwarding numbers.",
    )

    @field_validator("version", mode="before")
    @classmethod
    def _version_is_an_int(cls, value: Any) -> Any:
        # Literal[1] alone would accept True and 1.0 (they compare equal to 1).
        if type(value) is not int:
            raise PydanticCustomError("literal_error", "Input should be 1", {"expected": "1"})
        return value


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a manifest, as written to schemas/manifest.v1.schema.json."""
    # Declared draft-07: the VS Code YAML extension ships draft-07 support, and
    # the schema uses nothing newer ("#/$defs/..." refs resolve as JSON pointers).
    schema = Manifest.model_json_schema()
    return {"$schema": "http://json-schema.org/draft-07/schema#", **schema}
