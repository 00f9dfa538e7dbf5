"""The local API's extensions: what callfwd needs and the vendor has not published.

``PATCH`` of a sender's ``forwarding_number`` (with ETags and ``If-Match``),
``/api/me``, ``/api/audit-events`` and ``/api/call-routes``. ``callfwd serve
--published-only`` leaves this router out.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from starlette.responses import Response

from reconciler.api import protocol
from reconciler.domain import numbers, routing
from reconciler.sandbox import documents as dm
from reconciler.sandbox.api import ERRORS, PageCursor, SenderId, is_id, sender_404
from reconciler.sandbox.auth import Caller, Reader, require_write, sandbox_of
from reconciler.sandbox.bodies import (
    attributes,
    check_type,
    read_document,
    safe_text,
    string_attribute,
)
from reconciler.sandbox.forwarding import checked_forwarding
from reconciler.sandbox.jsonapi import ApiProblem, JsonApiResponse, document
from reconciler.sandbox.pagination import decode_cursor, page
from reconciler.sandbox.resources import SENDERS, sender_resource
from reconciler.sandbox.store import AuditEvent
from reconciler.sandbox.urls import base_url

READ_ONLY = {"sender_identifier", "sender_type", "sender_details", "status", "created_at"}
OUTCOMES = {
    400: "invalid",
    403: "forbidden",
    404: "not_found",
    409: "invalid",
    412: "precondition_failed",
    413: "invalid",
    415: "invalid",
    422: "rejected",
}
EXTENSION = " (extension: not published by the vendor)"

router = APIRouter(responses=ERRORS)


def _if_match(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    for tag in header.split(","):
        t = tag.strip()
        if t and not t.startswith("W/") and (t == etag or f'"{t}"' == etag):
            return True
    return False


def _json_body(schema: object) -> dict[str, object]:
    """The OpenAPI request body of a route that takes a JSON:API document."""
    return {"requestBody": {"required": True, "content": {protocol.MEDIA_TYPE: {"schema": schema}}}}


@router.patch(
    SENDERS + "/{sender_id}",
    response_class=JsonApiResponse,
    operation_id="update_text_messaging_sender",
    responses={200: {"model": dm.SenderDocument, "headers": dm.ETAG_HEADERS}},
    summary="Set or remove a sender's forwarding number" + EXTENSION,
    openapi_extra=_json_body(dm.PATCH_BODY),
)
async def patch_sender(
    request: Request,
    sender_id: SenderId,
    user: Caller,
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match", max_length=500, description="An ETag from a read; 412 when stale."
        ),
    ] = None,
) -> Response:
    store = sandbox_of(request).store
    # Looked up first so that even a refused call is audited with the sender it aimed at.
    sender = store.get_sender(user.account_id, sender_id) if is_id(sender_id) else None
    requested: list[str | None] = [None]
    try:
        require_write(user)
        data = await read_document(request)
        if sender is not None:
            # Read it again after the last await: a write that landed while this body was
            # read must meet the If-Match check, or two writers holding the same ETag would
            # both be accepted (a lost update). From here to the write nothing awaits.
            sender = store.get_sender(user.account_id, sender_id)
        check_type(data, protocol.SENDER)
        given_id = data.get("id")
        if not isinstance(given_id, str):
            raise ApiProblem(400, "invalid", "data.id is required.", pointer="/data/id")
        if given_id != sender_id:
            raise ApiProblem(409, "conflict", "data.id does not match the URL.", pointer="/data/id")
        attrs = attributes(data, {"forwarding_number"}, read_only=READ_ONLY)
        raw = string_attribute(attrs, "forwarding_number", nullable=True)
        requested[0] = safe_text(raw)
        if sender is None:
            raise sender_404(sender_id)
        if if_match is not None and not _if_match(if_match, sender.etag):
            raise ApiProblem(
                412,
                "precondition_failed",
                "The sender changed since it was read (If-Match does not match its ETag); "
                "read it again before writing.",
                header="If-Match",
            )
        new: str | None = None
        if raw is not None:
            us_territories = sandbox_of(request).us_territories
            new = checked_forwarding(store, sender, raw, us_territories=us_territories)
            requested[0] = new
    except ApiProblem as problem:
        store.record_refused(
            account_id=user.account_id,
            key_id=user.key_id,
            sender_id=safe_text(sender_id) or "",
            sender=sender,
            requested=requested[0],
            status=problem.status,
            outcome=OUTCOMES.get(problem.status, "invalid"),
        )
        raise
    updated, _ = store.set_forwarding(sender, new, key_id=user.key_id, requested=requested[0])
    base = base_url(request.scope)
    answer = dm.SenderDocument(data=sender_resource(updated, base))
    return document(answer, headers={"ETag": updated.etag})


@router.get(
    protocol.ME,
    response_class=JsonApiResponse,
    operation_id="get_me",
    responses={200: {"model": dm.UserDocument, "headers": dm.RATE_HEADERS}},
    summary="The key's user, role and scopes" + EXTENSION,
)
async def get_me(request: Request, user: Caller) -> Response:
    attributes = dm.UserAttributes(
        email=user.email,
        role=user.role,
        scopes=sorted(user.scopes),
        account_id=user.account_id,
        key_id=user.key_id,
    )
    links = dm.ResourceLinks(self_=f"{base_url(request.scope)}{protocol.ME}")
    resource = dm.UserResource(type="user", id=user.key_id, attributes=attributes, links=links)
    return document(dm.UserDocument(data=resource))


AuditSize = Annotated[
    int, Query(alias="page[size]", ge=1, le=100, description="Default: 20. Min: 1. Max: 100.")
]


@router.get(
    "/api/audit-events",
    response_class=JsonApiResponse,
    operation_id="get_audit_events",
    responses={200: {"model": dm.AuditCollection, "headers": dm.RATE_HEADERS}},
    summary="Every write call on the account, oldest first" + EXTENSION,
)
async def list_audit_events(
    request: Request, user: Reader, size: AuditSize = 20, cursor: PageCursor = None
) -> Response:
    events = sandbox_of(request).store.audit_events(
        user.account_id, decode_cursor(cursor), size + 1
    )
    return page(
        events,
        size=size,
        url=base_url(request.scope) + "/api/audit-events",
        cursor=cursor,
        position=lambda e: e.seq,
        resource=audit_resource,
        collection=dm.AuditCollection,
    )


def audit_attributes(e: AuditEvent) -> dm.AuditAttributes:
    fields = e.as_dict()
    del fields["seq"]
    return dm.AuditAttributes(method="PATCH", **fields)


def audit_resource(e: AuditEvent) -> dm.AuditResource:
    return dm.AuditResource(type="audit-event", id=str(e.seq), attributes=audit_attributes(e))


@router.post(
    "/api/call-routes",
    response_class=JsonApiResponse,
    operation_id="create_call_route",
    responses={200: {"model": dm.CallRouteDocument, "headers": dm.RATE_HEADERS}},
    summary="Where a call to a sender goes: forwarded or ringing, a simulation" + EXTENSION,
    openapi_extra=_json_body(dm.CALL_ROUTE_BODY),
)
async def route_call(request: Request, user: Reader) -> Response:
    data = await read_document(request)
    check_type(data, "call-route")
    attrs = attributes(data, {"from", "to"}, read_only=set())
    caller_raw = string_attribute(attrs, "from", nullable=False) or ""
    to_raw = string_attribute(attrs, "to", nullable=False) or ""
    to = to_raw.strip() if numbers.is_short_code(to_raw) else numbers.normalise(to_raw)
    if to is None:
        raise ApiProblem(
            422,
            "invalid",
            f"{safe_text(to_raw)!r} is not a phone number or short code.",
            pointer="/data/attributes/to",
        )
    origin = numbers.caller_region(caller_raw)
    if origin.e164 is None:
        raise ApiProblem(
            422,
            "invalid",
            origin.message[0].upper() + origin.message[1:] + ".",
            pointer="/data/attributes/from",
        )
    senders = sandbox_of(request).store.senders_by_identifier(user.account_id, to)
    if not senders:
        raise ApiProblem(
            422,
            "unknown_sender",
            f"No sender of this account has the number {to}.",
            pointer="/data/attributes/to",
        )
    sender = next((s for s in senders if s.country == "US"), senders[0])
    route = routing.route_call(
        caller_region=origin.region,
        sender=sender.identifier,
        sender_type=sender.type,
        country=sender.country,
        forwarding_number=sender.forwarding_number,
    )
    return document(
        {
            "data": {
                "type": "call-route",
                "id": uuid.uuid4().hex,
                "attributes": {
                    "from": origin.e164,
                    "to": to,
                    "sender_id": sender.id,
                    "outcome": route.outcome,
                    "forwarded_to": route.forwarded_to,
                    "reason": route.reason,
                },
            }
        }
    )
