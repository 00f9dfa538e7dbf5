"""What the settings API returns, read out of its JSON:API documents.

Senders become ``reconciler.domain.state.LiveSender``; the key's account and user
become ``Account`` and ``Me``. A document that lacks what these need raises
``ApiError`` naming the request, never a ``KeyError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.api import protocol
from reconciler.api.errors import echo
from reconciler.domain.state import LiveSender
from reconciler.errors import ApiError

SENDER_TYPE = protocol.SENDER
# The vendor's sender ids are opaque strings (ULIDs, 26 characters); one goes into a URL
# path only as a plain path segment of at most this many characters (``id_problem``).
MAX_ID_LENGTH = 200
# An account's name at the vendor is shown (checklist headings, the guide, the report);
# a longer one is cut to this many characters.
MAX_NAME_LENGTH = 200
_NOT_IN_A_SEGMENT = frozenset("/\\%?#")


def id_problem(ident: str) -> str | None:
    """Why ``ident`` cannot be a URL path segment as it is (None when it can).

    No request is sent for an id that is empty, ``.`` or ``..`` (the path would name
    the collection or the API's root), holds ``/``, ``\\``, ``%``, ``?`` or ``#``, a
    control or other unprintable character, or is longer than ``MAX_ID_LENGTH``.
    """
    if not ident:
        return "it is empty"
    if ident in (".", ".."):
        return "a dot segment names another resource"
    if len(ident) > MAX_ID_LENGTH:
        return f"it is longer than {MAX_ID_LENGTH} characters"
    if not ident.isprintable():
        return "it holds a control or unprintable character"
    if any(c in _NOT_IN_A_SEGMENT for c in ident):
        return "it holds / \\ % ? or #"
    return None


@dataclass(frozen=True, slots=True)
class Account:
    """The key's account; ``id`` is the name manifests use in ``account:``."""

    id: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Me:
    """The key's user (a local-API extension: the vendor publishes no such endpoint)."""

    email: str
    role: str
    scopes: tuple[str, ...]
    account: str | None = None
    id: str | None = None


def _bad(where: str, what: str) -> ApiError:
    return ApiError(f"{where}: unexpected answer from the API: {what}", code="bad_document")


def _mapping(value: object, where: str, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _bad(where, f"{what} is not an object")
    return value


def _str(attrs: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> str | None:
    value = attrs.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _bad(where, f"{key!r} is missing or not a string")
    return value


def primary_data(doc: object, where: str) -> Any:
    return _mapping(doc, where, "the document").get("data")


def parse_account(doc: object, where: str) -> Account:
    data = primary_data(doc, where)
    if isinstance(data, list):  # the vendor answers GET /api/accounts with a collection of one
        if not data:
            raise _bad(where, "no account in the answer")
        data = data[0]
    item = _mapping(data, where, "data")
    ident = item.get("id")
    if not isinstance(ident, str) or not ident:
        raise _bad(where, "the account has no id")
    attrs = _mapping(item.get("attributes") or {}, where, "attributes")
    name = attrs.get("name")
    if not isinstance(name, str):
        contact = attrs.get("contact_information")
        name = contact.get("organization_name") if isinstance(contact, Mapping) else None
    return Account(id=ident, name=account_name(name) if isinstance(name, str) else None)


def account_name(name: str) -> str:
    """An account's name at the vendor as callfwd shows it: at most ``MAX_NAME_LENGTH``."""
    return name if len(name) <= MAX_NAME_LENGTH else name[: MAX_NAME_LENGTH - 1] + "…"


def parse_me(doc: object, where: str) -> Me:
    item = _mapping(primary_data(doc, where), where, "data")
    attrs = _mapping(item.get("attributes") or {}, where, "attributes")
    scopes = attrs.get("scopes", [])
    if isinstance(scopes, str):
        scopes = scopes.split()
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise _bad(where, "'scopes' is not a list of strings")
    account = attrs.get("account") or attrs.get("account_id")
    ident = item.get("id")
    return Me(
        email=_str(attrs, "email", where) or "",
        role=_str(attrs, "role", where) or "",
        scopes=tuple(scopes),
        account=account if isinstance(account, str) else None,
        id=ident if isinstance(ident, str) else None,
    )


def parse_sender(item: object, *, account: str, etag: str | None, where: str) -> LiveSender:
    res = _mapping(item, where, "a sender")
    ident = res.get("id")
    if not isinstance(ident, str) or not ident:
        raise _bad(where, "a sender has no id")
    where = f"{where} (sender {echo(ident)})"
    attrs = _mapping(res.get("attributes"), where, "attributes")
    details = attrs.get("sender_details") or {}
    country = details.get("country") if isinstance(details, Mapping) else None
    if etag is None:
        meta = res.get("meta")
        if isinstance(meta, Mapping) and isinstance(meta.get("etag"), str):
            etag = meta["etag"]
    return LiveSender(
        id=ident,
        account=account,
        # Null while the sender is pending registration (the vendor's published contract).
        number=_str(attrs, "sender_identifier", where, optional=True),
        type=_str(attrs, "sender_type", where) or "",
        country=country if isinstance(country, str) else "",
        status=_str(attrs, "status", where, optional=True) or "",
        forwarding_number=_str(attrs, "forwarding_number", where, optional=True),
        etag=etag,
    )
