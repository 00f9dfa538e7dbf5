"""JSON:API documents and error objects, built directly as dicts for speed."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse, Response

from reconciler.api import protocol

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
    # ensure_ascii keeps lone surrogates from bad input encodable.
    return json.dumps(document, separators=(",", ":")).encode("ascii")


class JsonApiResponse(JSONResponse):
    """A JSON:API answer; takes ready bytes (or data to encode)."""

    media_type = MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return content if isinstance(content, bytes) else dumps(content)


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


def error_object(problem: ApiProblem) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": uuid.uuid4().hex,
        "status": problem.status,
        "code": problem.code,
        "title": problem.title,
        "detail": problem.detail,
        "source": problem.source,
    }
    if problem.meta:
        obj["meta"] = problem.meta
    return obj


def error_body(*problems: ApiProblem) -> bytes:
    return dumps({"errors": [error_object(p) for p in problems]})


def error_response(*problems: ApiProblem) -> Response:
    first = problems[0]
    headers = {}
    for p in problems:
        headers.update(p.headers)
    return JsonApiResponse(error_body(*problems), status_code=first.status, headers=headers)


def document(data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return JsonApiResponse(dumps(data), status_code=status, headers=dict(headers or {}))
