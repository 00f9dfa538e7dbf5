"""JSON:API resources in the vendor's published shapes (klaviyo-api 25.0.0 models).

Built as plain dicts (fast); tests/contract parses every answer with the SDK's
own strict models. ``fields`` is a sparse fieldset: the attribute names to keep,
or None for all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from typing import Any
from urllib.parse import quote

from reconciler.api import protocol
from reconciler.sandbox import vocab
from reconciler.sandbox.store import Configuration, Sender, User
from reconciler.sandbox.vocab import REGISTRATION_FOR_STATUS, REJECTION_DETAIL

SENDERS = protocol.SENDERS
REGISTRATIONS = "/api/text-messaging-sender-registrations"
CONFIGURATIONS = "/api/text-messaging-configurations"
ACCOUNTS = protocol.ACCOUNTS
REL = vocab.REGISTRATION  # the relationship's name is the related type's

SENDER_FIELDS = frozenset(
    {
        "sender_type",
        "sender_details",
        "status",
        "created_at",
        "forwarding_number",
        "sender_identifier",
    }
)
REGISTRATION_FIELDS = frozenset(
    {"status", "failures", "created_at", "updated_at", "submitted_at", "decided_at"}
)
CONFIGURATION_FIELDS = frozenset(
    {"org_prefix", "opt_out_language", "status", "created_at", "updated_at"}
)


def _sparse(attrs: dict[str, Any], fields: Collection[str] | None) -> dict[str, Any]:
    return attrs if fields is None else {k: v for k, v in attrs.items() if k in fields}


def _url(base: str, collection: str, resource_id: str) -> str:
    # Ids are opaque text (a seed may give any): one path segment, percent-encoded.
    return f"{base}{collection}/{quote(resource_id, safe='')}"


def sender_relationships(s: Sender, base: str) -> dict[str, Any]:
    url = _url(base, SENDERS, s.id)
    data = {"type": REL, "id": s.registration_id} if s.registration_id else None
    return {
        REL: {
            "data": data,
            "links": {"self": f"{url}/relationships/{REL}", "related": f"{url}/{REL}"},
        }
    }


def sender_resource(
    s: Sender, base: str, *, etag: bool = True, fields: Collection[str] | None = None
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "type": vocab.SENDER,
        "id": s.id,
        "attributes": _sparse(
            {
                "sender_identifier": s.identifier,
                "sender_type": s.type,
                "sender_details": {"country": s.country},
                "status": s.status,
                "forwarding_number": s.forwarding_number,
                "created_at": s.created_at,
            },
            fields,
        ),
        "relationships": sender_relationships(s, base),
        "links": {"self": _url(base, SENDERS, s.id)},
    }
    if etag:  # extension: not in published-only mode
        resource["meta"] = {"etag": s.etag}
    return resource


def registration_resource(
    s: Sender, base: str, *, fields: Collection[str] | None = None
) -> dict[str, Any]:
    """A toll-free sender's registration; its state follows the sender's status."""
    assert s.registration_id is not None
    status = REGISTRATION_FOR_STATUS[s.status]
    submitted = None if status == "action_required" else s.created_at
    decided = s.created_at if status in ("approved", "rejected") else None
    failures = [{"detail": REJECTION_DETAIL}] if status == "rejected" else []
    sender_url = _url(base, SENDERS, s.id)
    url = _url(base, REGISTRATIONS, s.registration_id)
    return {
        "type": vocab.REGISTRATION,
        "id": s.registration_id,
        "attributes": _sparse(
            {
                "status": status,
                "failures": failures,
                "created_at": s.created_at,
                "updated_at": s.created_at,
                "submitted_at": submitted,
                "decided_at": decided,
            },
            fields,
        ),
        "relationships": {
            vocab.SENDER: {
                "data": {"type": vocab.SENDER, "id": s.id},
                "links": {
                    "self": f"{url}/relationships/{vocab.SENDER}",
                    "related": sender_url,
                },
            }
        },
        "links": {"self": url},
    }


def configuration_resource(
    c: Configuration, base: str, *, fields: Collection[str] | None = None
) -> dict[str, Any]:
    account_id = c.account_id
    attrs = {
        "org_prefix": c.org_prefix,
        "opt_out_language": c.opt_out_language,
        "status": c.status,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }
    return {
        "type": vocab.CONFIGURATION,
        "id": account_id,
        "attributes": _sparse(attrs, fields),
        "links": {"self": f"{base}{CONFIGURATIONS}/{account_id}"},
    }


def public_api_key(account_id: str) -> str:
    """A stable six-character public key, like the vendor's site ids (not a secret)."""
    digest = hashlib.sha256(f"public|{account_id}".encode()).digest()
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    return "".join(alphabet[b % len(alphabet)] for b in digest[:6])


def account_resource(user: User, base: str) -> dict[str, Any]:
    return {
        "type": vocab.ACCOUNT,
        "id": user.account_id,
        "attributes": {
            "test_account": True,  # a sandbox account is a test account
            "contact_information": {
                "default_sender_name": user.account_name,
                "default_sender_email": f"hello@{user.account_id.lower()}.example",
                "website_url": None,
                "organization_name": user.account_name,
                "street_address": {
                    "address1": None,
                    "address2": None,
                    "city": None,
                    "region": None,
                    "country": "US",
                    "zip": None,
                },
            },
            "industry": None,
            "timezone": "America/New_York",
            "preferred_currency": "USD",
            "public_api_key": public_api_key(user.account_id),
            "locale": "en-US",
        },
        "links": {"self": f"{base}{ACCOUNTS}/{user.account_id}"},
    }
