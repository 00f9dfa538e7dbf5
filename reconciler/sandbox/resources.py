"""JSON:API resources in the vendor's published shapes (klaviyo-api 25.0.0 models).

Each builder fills a model of ``documents``; tests/contract parses every answer
with the SDK's own strict models. ``fields`` is a sparse fieldset: the attribute
names to keep, or None for all (a member left out is absent from the answer).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from typing import Any
from urllib.parse import quote

from reconciler.api import protocol
from reconciler.sandbox import documents as doc
from reconciler.sandbox import vocab
from reconciler.sandbox.store import Configuration, Sender, User
from reconciler.sandbox.vocab import REGISTRATION_FOR_STATUS, REJECTION_DETAIL

SENDERS = protocol.SENDERS
REGISTRATIONS = "/api/text-messaging-sender-registrations"
CONFIGURATIONS = "/api/text-messaging-configurations"
ACCOUNTS = protocol.ACCOUNTS
REL = vocab.REGISTRATION  # the relationship's name is the related type's

# The attributes a sparse fieldset may name: the models' own fields.
SENDER_FIELDS = frozenset(doc.SenderAttributes.model_fields)
REGISTRATION_FIELDS = frozenset(doc.RegistrationAttributes.model_fields)
CONFIGURATION_FIELDS = frozenset(doc.ConfigurationAttributes.model_fields)


def _sparse(attrs: dict[str, Any], fields: Collection[str] | None) -> dict[str, Any]:
    return attrs if fields is None else {k: v for k, v in attrs.items() if k in fields}


def _url(base: str, collection: str, resource_id: str) -> str:
    # Ids are opaque text (a seed may give any): one path segment, percent-encoded.
    return f"{base}{collection}/{quote(resource_id, safe='')}"


def sender_relationships(s: Sender, base: str) -> doc.SenderRelationships:
    url = _url(base, SENDERS, s.id)
    data = doc.Identifier(type=REL, id=s.registration_id) if s.registration_id else None
    links = doc.RelationshipLinks(self_=f"{url}/relationships/{REL}", related=f"{url}/{REL}")
    return doc.SenderRelationships(registration=doc.Relationship(data=data, links=links))


def sender_resource(
    s: Sender, base: str, *, etag: bool = True, fields: Collection[str] | None = None
) -> doc.SenderResource:
    attributes = {
        "sender_identifier": s.identifier,
        "sender_type": s.type,
        "sender_details": doc.SenderDetails(country=s.country),
        "status": s.status,
        "forwarding_number": s.forwarding_number,
        "created_at": s.created_at,
    }
    extra = {"meta": doc.EtagMeta(etag=s.etag)} if etag else {}  # extension: not published
    return doc.SenderResource(
        type=vocab.SENDER,
        id=s.id,
        attributes=doc.SenderAttributes(**_sparse(attributes, fields)),
        relationships=sender_relationships(s, base),
        links=doc.ResourceLinks(self_=_url(base, SENDERS, s.id)),
        **extra,
    )


def registration_resource(
    s: Sender, base: str, *, fields: Collection[str] | None = None
) -> doc.RegistrationResource:
    """A toll-free sender's registration; its state follows the sender's status."""
    assert s.registration_id is not None
    status = REGISTRATION_FOR_STATUS[s.status]
    attributes = {
        "status": status,
        "failures": [doc.Failure(detail=REJECTION_DETAIL)] if status == "rejected" else [],
        "created_at": s.created_at,
        "updated_at": s.created_at,
        "submitted_at": None if status == "action_required" else s.created_at,
        "decided_at": s.created_at if status in ("approved", "rejected") else None,
    }
    url = _url(base, REGISTRATIONS, s.registration_id)
    sender = doc.Relationship(
        data=doc.Identifier(type=vocab.SENDER, id=s.id),
        links=doc.RelationshipLinks(
            self_=f"{url}/relationships/{vocab.SENDER}", related=_url(base, SENDERS, s.id)
        ),
    )
    return doc.RegistrationResource(
        type=vocab.REGISTRATION,
        id=s.registration_id,
        attributes=doc.RegistrationAttributes(**_sparse(attributes, fields)),
        relationships=doc.RegistrationRelationships(sender=sender),
        links=doc.ResourceLinks(self_=url),
    )


def configuration_resource(
    c: Configuration, base: str, *, fields: Collection[str] | None = None
) -> doc.ConfigurationResource:
    attributes = {
        "org_prefix": c.org_prefix,
        "opt_out_language": c.opt_out_language,
        "status": c.status,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }
    return doc.ConfigurationResource(
        type=vocab.CONFIGURATION,
        id=c.account_id,
        attributes=doc.ConfigurationAttributes(**_sparse(attributes, fields)),
        links=doc.ResourceLinks(self_=_url(base, CONFIGURATIONS, c.account_id)),
    )


def public_api_key(account_id: str) -> str:
    """A stable six-character public key, like the vendor's site ids (not a secret)."""
    digest = hashlib.sha256(f"public|{account_id}".encode()).digest()
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    return "".join(alphabet[b % len(alphabet)] for b in digest[:6])


def account_resource(user: User, base: str) -> doc.AccountResource:
    no_address = {k: None for k in ("address1", "address2", "city", "region", "zip")}
    contact = doc.ContactInformation(
        default_sender_name=user.account_name,
        default_sender_email=f"hello@{user.account_id.lower()}.example",
        website_url=None,
        organization_name=user.account_name,
        street_address=doc.StreetAddress(**no_address, country="US"),
    )
    return doc.AccountResource(
        type=vocab.ACCOUNT,
        id=user.account_id,
        attributes=doc.AccountAttributes(
            test_account=True,  # a sandbox account is a test account
            contact_information=contact,
            industry=None,
            timezone="America/New_York",
            preferred_currency="USD",
            public_api_key=public_api_key(user.account_id),
            locale="en-US",
        ),
        links=doc.ResourceLinks(self_=_url(base, ACCOUNTS, user.account_id)),
    )
