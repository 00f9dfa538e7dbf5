"""The published /api/ reads, in the vendor's shapes (klaviyo-api 25.0.0, revision 2026-10-15).

Each route names the SDK method it answers (``openapi_client/api/...``).
Extensions live in ``extensions.py``; ``callfwd serve --published-only`` serves
only this router.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from reconciler.api import protocol
from reconciler.sandbox import documents as dm
from reconciler.sandbox import vocab
from reconciler.sandbox.auth import AccountReader, Reader, sandbox_of
from reconciler.sandbox.bodies import safe_text
from reconciler.sandbox.jsonapi import ApiProblem, JsonApiResponse, document
from reconciler.sandbox.pagination import PLAIN, decode_cursor, page
from reconciler.sandbox.params import parse_fields, parse_include, parse_sort
from reconciler.sandbox.resources import (
    ACCOUNTS,
    CONFIGURATION_FIELDS,
    CONFIGURATIONS,
    REGISTRATION_FIELDS,
    REGISTRATIONS,
    SENDER_FIELDS,
    SENDERS,
    account_resource,
    configuration_resource,
    registration_resource,
    sender_relationships,
    sender_resource,
)
from reconciler.sandbox.store import Sender
from reconciler.sandbox.urls import base_url

ERRORS: dict[int | str, dict[str, Any]] = {
    429: {
        "model": dm.ErrorDocument,
        "description": "Over the rate limit of this endpoint for the account.",
        "headers": dm.RETRY_AFTER,
    },
    "4XX": {"model": dm.ErrorDocument, "description": "Client error (JSON:API error document)."},
    "5XX": {"model": dm.ErrorDocument, "description": "Server error (JSON:API error document)."},
}
REG = vocab.REGISTRATION
SORT_TAGS = {"created_at": "a", "-created_at": "d"}
SDK = "Published (SDK: TextMessagingApi.{}, scope sender-config:read)"

router = APIRouter(responses=ERRORS)

PageSize = Annotated[
    int,
    Query(
        alias="page[size]",
        ge=1,
        le=protocol.PAGE_SIZE_MAX,
        description=f"Default: 10. Min: 1. Max: {protocol.PAGE_SIZE_MAX}.",
    ),
]
PageCursor = Annotated[str | None, Query(alias="page[cursor]", max_length=200)]
MAX_ID = vocab.MAX_ID
SenderId = Annotated[str, Path(max_length=MAX_ID, description="The sender's id.")]
Include = Annotated[
    str | None, Query(max_length=200, description=f"Relationships to include: {REG}.")
]
SenderFields = Annotated[
    str | None,
    Query(
        alias=f"fields[{vocab.SENDER}]",
        max_length=500,
        description="Sparse fieldset: " + ", ".join(sorted(SENDER_FIELDS)),
    ),
]
RegistrationFields = Annotated[
    str | None,
    Query(
        alias=f"fields[{REG}]",
        max_length=500,
        description="Sparse fieldset: " + ", ".join(sorted(REGISTRATION_FIELDS)),
    ),
]
Sort = Annotated[
    str | None, Query(max_length=100, description="created_at or -created_at (newest first).")
]


def is_id(text: str) -> bool:
    """Could this be an id of this API: 1-200 characters of text SQLite can store.

    Sender ids are opaque strings (seeds may give any), so nothing else is asked of them.
    """
    if not 0 < len(text) <= MAX_ID:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def sender_404(sender_id: str) -> ApiProblem:
    return ApiProblem(
        404, "not_found", f"No text-messaging-sender with id {safe_text(sender_id)!r}."
    )


def _sender(request: Request, account_id: str, sender_id: str) -> Sender:
    sender = (
        sandbox_of(request).store.get_sender(account_id, sender_id) if is_id(sender_id) else None
    )
    if sender is None:
        raise sender_404(sender_id)
    return sender


def _etags(request: Request) -> bool:
    return not sandbox_of(request).published_only


def _included(
    senders: list[Sender], base: str, fields: set[str] | None
) -> list[dm.RegistrationResource]:
    return [registration_resource(s, base, fields=fields) for s in senders if s.registration_id]


def _query(**params: str | None) -> list[tuple[str, str]]:
    names = {
        "sender_fields": f"fields[{vocab.SENDER}]",
        "registration_fields": f"fields[{REG}]",
        "include": "include",
        "sort": "sort",
    }
    return [(names[k], v) for k, v in params.items() if v is not None]


@router.get(
    SENDERS,
    response_class=JsonApiResponse,
    operation_id="get_text_messaging_senders",
    responses={200: {"model": dm.SenderCollection, "headers": dm.RATE_HEADERS}},
    summary="List the account's senders",
    description=SDK.format("get_text_messaging_senders"),
)
async def list_senders(
    request: Request,
    user: Reader,
    size: PageSize = 10,
    cursor: PageCursor = None,
    include: Include = None,
    sender_fields: SenderFields = None,
    registration_fields: RegistrationFields = None,
    sort: Sort = None,
) -> Response:
    included = parse_include(include, {REG})
    s_fields = parse_fields(sender_fields, vocab.SENDER, SENDER_FIELDS)
    r_fields = parse_fields(registration_fields, REG, REGISTRATION_FIELDS)
    order = parse_sort(sort)
    tag = SORT_TAGS[order] if order else PLAIN
    rows = sandbox_of(request).store.list_senders(
        user.account_id, decode_cursor(cursor, tag), size + 1, order
    )
    base = base_url(request.scope)
    etag = _etags(request)
    return page(
        rows,
        size=size,
        url=base + SENDERS,
        query=_query(
            sender_fields=sender_fields,
            registration_fields=registration_fields,
            include=include,
            sort=sort,
        ),
        cursor=cursor,
        tag=tag,
        position=lambda s: s.pk,
        resource=lambda s: sender_resource(s, base, etag=etag, fields=s_fields),
        collection=dm.SenderCollection,
        included=_included(rows[:size], base, r_fields) if included else None,
    )


@router.get(
    SENDERS + "/{sender_id}",
    response_class=JsonApiResponse,
    operation_id="get_text_messaging_sender",
    responses={200: {"model": dm.SenderDocument, "headers": dm.ETAG_HEADERS}},
    summary="Get one sender",
    description=SDK.format("get_text_messaging_sender")
    + ". The ETag header and meta.etag are extensions, absent with --published-only.",
)
async def get_sender(
    request: Request,
    sender_id: SenderId,
    user: Reader,
    include: Include = None,
    sender_fields: SenderFields = None,
    registration_fields: RegistrationFields = None,
) -> Response:
    included = parse_include(include, {REG})
    s_fields = parse_fields(sender_fields, vocab.SENDER, SENDER_FIELDS)
    r_fields = parse_fields(registration_fields, REG, REGISTRATION_FIELDS)
    sender = _sender(request, user.account_id, sender_id)
    base = base_url(request.scope)
    etag = _etags(request)
    extra = {"included": _included([sender], base, r_fields)} if included else {}
    answer = dm.SenderDocument(
        data=sender_resource(sender, base, etag=etag, fields=s_fields), **extra
    )
    return document(answer, headers={"ETag": sender.etag} if etag else None)


@router.get(
    SENDERS + "/{sender_id}/" + REG,
    response_class=JsonApiResponse,
    operation_id="get_messaging_sender_registration_for_text_messaging_sender",
    responses={200: {"model": dm.RegistrationOrNullDocument, "headers": dm.RATE_HEADERS}},
    summary="The sender's registration (null for a sender without one)",
    description=SDK.format("get_messaging_sender_registration_for_text_messaging_sender"),
)
async def get_sender_registration(
    request: Request,
    sender_id: SenderId,
    user: Reader,
    registration_fields: RegistrationFields = None,
) -> Response:
    r_fields = parse_fields(registration_fields, REG, REGISTRATION_FIELDS)
    sender = _sender(request, user.account_id, sender_id)
    base = base_url(request.scope)
    data = registration_resource(sender, base, fields=r_fields) if sender.registration_id else None
    url = sender_relationships(sender, base).registration.links.related
    return document(dm.RegistrationOrNullDocument(data=data, links=dm.ResourceLinks(self_=url)))


@router.get(
    SENDERS + "/{sender_id}/relationships/" + REG,
    response_class=JsonApiResponse,
    operation_id="get_messaging_sender_registration_id_for_text_messaging_sender",
    responses={200: {"model": dm.RelationshipDocument, "headers": dm.RATE_HEADERS}},
    summary="The id of the sender's registration (null for a sender without one)",
    description=SDK.format("get_messaging_sender_registration_id_for_text_messaging_sender"),
)
async def get_sender_registration_id(
    request: Request, sender_id: SenderId, user: Reader
) -> Response:
    sender = _sender(request, user.account_id, sender_id)
    rel = sender_relationships(sender, base_url(request.scope)).registration
    return document(
        dm.RelationshipDocument(data=rel.data, links=dm.ResourceLinks(self_=rel.links.self_))
    )


@router.get(
    REGISTRATIONS + "/{registration_id}",
    response_class=JsonApiResponse,
    operation_id="get_text_messaging_sender_registration",
    responses={200: {"model": dm.RegistrationDocument, "headers": dm.RATE_HEADERS}},
    summary="One sender registration",
    description=SDK.format("get_text_messaging_sender_registration"),
)
async def get_registration(
    request: Request,
    registration_id: Annotated[str, Path(max_length=200)],
    user: Reader,
    include: Annotated[
        str | None, Query(max_length=200, description=f"Include: {vocab.SENDER}.")
    ] = None,
    sender_fields: SenderFields = None,
    registration_fields: RegistrationFields = None,
) -> Response:
    included = parse_include(include, {vocab.SENDER})
    s_fields = parse_fields(sender_fields, vocab.SENDER, SENDER_FIELDS)
    r_fields = parse_fields(registration_fields, REG, REGISTRATION_FIELDS)
    sender = (
        sandbox_of(request).store.sender_by_registration(user.account_id, registration_id)
        if is_id(registration_id)
        else None
    )
    if sender is None:
        raise ApiProblem(404, "not_found", f"No {REG} with id {safe_text(registration_id)!r}.")
    base = base_url(request.scope)
    extra = (
        {"included": [sender_resource(sender, base, etag=_etags(request), fields=s_fields)]}
        if included
        else {}
    )
    data = registration_resource(sender, base, fields=r_fields)
    return document(dm.RegistrationDocument(data=data, **extra))


@router.get(
    CONFIGURATIONS + "/{configuration_id}",
    response_class=JsonApiResponse,
    operation_id="get_text_messaging_configuration",
    responses={200: {"model": dm.ConfigurationDocument, "headers": dm.RATE_HEADERS}},
    summary="The account's text-messaging configuration (id = the account's id)",
    description=SDK.format("get_text_messaging_configuration"),
)
async def get_configuration(
    request: Request,
    configuration_id: Annotated[str, Path(max_length=200)],
    user: Reader,
    fields: Annotated[
        str | None,
        Query(alias=f"fields[{vocab.CONFIGURATION}]", max_length=500),
    ] = None,
) -> Response:
    c_fields = parse_fields(fields, vocab.CONFIGURATION, CONFIGURATION_FIELDS)
    config = (
        sandbox_of(request).store.configuration(user.account_id)
        if configuration_id == user.account_id
        else None
    )
    if config is None:
        raise ApiProblem(
            404,
            "not_found",
            f"No {vocab.CONFIGURATION} with id {safe_text(configuration_id)!r} "
            "(its id is the key's account id).",
        )
    base = base_url(request.scope)
    return document(
        dm.ConfigurationDocument(data=configuration_resource(config, base, fields=c_fields))
    )


ACCOUNTS_SDK = "Published (SDK: AccountsApi.{}, scope accounts:read; 1/s, 15/min)"


@router.get(
    ACCOUNTS,
    response_class=JsonApiResponse,
    operation_id="get_accounts",
    responses={200: {"model": dm.AccountCollection, "headers": dm.RATE_HEADERS}},
    summary="The key's account (a collection of one)",
    description=ACCOUNTS_SDK.format("get_accounts"),
)
async def list_accounts(request: Request, user: AccountReader) -> Response:
    base = base_url(request.scope)
    links = dm.CollectionLinks(self_=f"{base}{ACCOUNTS}", prev=None, next=None)
    return document(dm.AccountCollection(data=[account_resource(user, base)], links=links))


@router.get(
    ACCOUNTS + "/{account_id}",
    response_class=JsonApiResponse,
    operation_id="get_account",
    responses={200: {"model": dm.AccountDocument, "headers": dm.RATE_HEADERS}},
    summary="One account (only the key's own)",
    description=ACCOUNTS_SDK.format("get_account"),
)
async def get_account(
    request: Request, account_id: Annotated[str, Path(max_length=200)], user: AccountReader
) -> Response:
    if account_id != user.account_id:
        raise ApiProblem(404, "not_found", f"No account with id {safe_text(account_id)!r}.")
    base = base_url(request.scope)
    resource = account_resource(user, base)
    return document(dm.AccountDocument(data=resource, links=resource.links))
