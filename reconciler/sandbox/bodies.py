"""Reading JSON:API request documents: content type, size, JSON, shape."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from reconciler.sandbox.edge import BodyTooLarge
from reconciler.sandbox.jsonapi import ACCEPTED_BODY_TYPES, MEDIA_TYPE, ApiProblem

MAX_STRING = 100


async def read_document(request: Request) -> dict[str, Any]:
    """The request's JSON:API document, or an ApiProblem (400, 413 or 415)."""
    try:
        body = await request.body()
    except BodyTooLarge:
        raise ApiProblem(413, "payload_too_large", "The request body is too large.") from None
    if not body.strip():
        raise ApiProblem(400, "invalid", "The request has no body; send a JSON:API document.")
    ctype = request.headers.get("content-type", "")
    media = ctype.split(";", 1)[0].strip().lower()
    if media not in ACCEPTED_BODY_TYPES:
        raise ApiProblem(
            415,
            "unsupported_media_type",
            f"Send the body as {MEDIA_TYPE} (or application/json), "
            f"not {ctype or 'no content type'!r}.",
            header="Content-Type",
        )
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError) as exc:
        where = f" ({exc})" if isinstance(exc, json.JSONDecodeError) else ""
        raise ApiProblem(400, "parse_error", f"The body is not valid JSON{where}.") from None
    if not isinstance(doc, dict):
        raise ApiProblem(400, "invalid", "The body must be a JSON object.", pointer="")
    data = doc.get("data")
    if not isinstance(data, dict):
        raise ApiProblem(400, "invalid", "The document needs a 'data' object.", pointer="/data")
    return data


async def read_json(request: Request) -> Any:
    """A plain JSON body (the admin routes'), ``{}`` when empty; an ApiProblem otherwise."""
    try:
        body = await request.body()
        return json.loads(body) if body.strip() else {}
    except BodyTooLarge:
        raise ApiProblem(413, "payload_too_large", "The request body is too large.") from None
    except (ValueError, RecursionError) as exc:
        raise ApiProblem(400, "parse_error", f"The body is not valid JSON ({exc}).") from None


def check_type(data: dict[str, Any], expected: str) -> None:
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ApiProblem(400, "invalid", "data.type is required.", pointer="/data/type")
    if kind != expected:
        raise ApiProblem(
            409,
            "conflict",
            f"data.type must be {expected!r} for this endpoint.",
            pointer="/data/type",
        )


def attributes(data: dict[str, Any], allowed: set[str], *, read_only: set[str]) -> dict[str, Any]:
    attrs = data.get("attributes")
    if not isinstance(attrs, dict):
        raise ApiProblem(
            400, "invalid", "data.attributes must be an object.", pointer="/data/attributes"
        )
    for name in attrs:
        if name in allowed:
            continue
        pointer = "/data/attributes/" + str(name)[:MAX_STRING].replace("~", "~0").replace("/", "~1")
        if name in read_only:
            raise ApiProblem(400, "invalid", f"{name} is read-only.", pointer=pointer)
        raise ApiProblem(
            400, "invalid", f"Unknown attribute {str(name)[:MAX_STRING]!r}.", pointer=pointer
        )
    return attrs


def string_attribute(attrs: dict[str, Any], name: str, *, nullable: bool) -> str | None:
    pointer = f"/data/attributes/{name}"
    if name not in attrs:
        raise ApiProblem(400, "invalid", f"data.attributes.{name} is required.", pointer=pointer)
    value = attrs[name]
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        kind = "a string or null" if nullable else "a string"
        raise ApiProblem(400, "invalid", f"{name} must be {kind}.", pointer=pointer)
    if len(value) > MAX_STRING:
        raise ApiProblem(
            400, "invalid", f"{name} is longer than {MAX_STRING} characters.", pointer=pointer
        )
    return value


def safe_text(value: str | None, limit: int = 64) -> str | None:
    """A client string made safe to store and log (no lone surrogates), cut to ``limit``."""
    if value is None:
        return None
    return value[:limit].encode("utf-8", "backslashreplace").decode("utf-8")
