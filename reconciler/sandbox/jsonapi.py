"""JSON:API documents and error objects: the models of ``documents``, encoded once.

Every answer is a model of ``reconciler.sandbox.documents`` (the one statement of
each shape, also the source of the OpenAPI document), encoded with
``encode``: by alias (``self``, ``from``) and with only the members that were set,
so an attribute left out by a sparse fieldset is absent and one set to None is null.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticSerializationError
from starlette.responses import JSONResponse, Response

from reconciler.api import protocol
from reconciler.sandbox.documents import ErrorDocument, ErrorObject, ErrorSource

MEDIA_TYPE = protocol.MEDIA_TYPE
# Request bodies may use either; anything else is a 415.
ACCEPTED_BODY_TYPES = frozenset({MEDIA_TYPE, "application/json"})

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def dumps(document: Any) -> bytes:
    """Plain data as compact JSON (ensure_ascii keeps lone surrogates from bad input encodable)."""
    return json.dumps(document, separators=(",", ":")).encode("ascii")


def encode(document: BaseModel | dict[str, Any]) -> bytes:
    """A document model as JSON: by alias, only the members set; plain data as ``dumps``."""
    if not isinstance(document, BaseModel):
        return dumps(document)
    try:
        return document.model_dump_json(by_alias=True, exclude_unset=True).encode()
    except PydanticSerializationError:
        # Text from bad input holding a lone surrogate (JSON allows "\ud800"): escaped.
        return dumps(document.model_dump(by_alias=True, exclude_unset=True))


class JsonApiResponse(JSONResponse):
    """A JSON:API answer; takes ready bytes (or a document to encode)."""

    media_type = MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return content if isinstance(content, bytes) else encode(content)


class ApiProblem(Exception):
    """An error answer: raised anywhere in a request, turned into a JSON:API error."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        pointer: str | None = None,
        parameter: str | None = None,
        header: str | None = None,
        headers: Mapping[str, str] | None = None,
        title: str | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.title = title or TITLES.get(status, "Error")
        self.source: dict[str, str] = {}
        if pointer is not None:
            self.source["pointer"] = pointer
        if parameter is not None:
            self.source["parameter"] = parameter
        if header is not None:
            self.source["header"] = header
        self.headers = dict(headers or {})
        self.meta = dict(meta) if meta else None


def error_object(problem: ApiProblem) -> ErrorObject:
    extra = {"meta": problem.meta} if problem.meta else {}
    return ErrorObject(
        id=uuid.uuid4().hex,
        status=problem.status,
        code=problem.code,
        title=problem.title,
        detail=problem.detail,
        source=ErrorSource(**problem.source),
        **extra,
    )


def error_body(*problems: ApiProblem) -> bytes:
    return encode(ErrorDocument(errors=[error_object(p) for p in problems]))


def error_response(*problems: ApiProblem) -> Response:
    first = problems[0]
    headers = {}
    for p in problems:
        headers.update(p.headers)
    return JsonApiResponse(error_body(*problems), status_code=first.status, headers=headers)


def document(
    data: BaseModel | dict[str, Any],
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    return JsonApiResponse(encode(data), status_code=status, headers=dict(headers or {}))
