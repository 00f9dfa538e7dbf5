"""What each fault kind sends (``faults.py`` says which rule applies and documents the kinds).

Three moments: ``answer_before`` answers in place of the request; ``adjust_request``
changes the request the app sees (a paging fault serves every page as the first);
``answer_after`` turns the app's captured answer into the faulty one. They speak
plain ASGI; only closing a connection without an answer needs uvicorn behind ``send``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from reconciler.sandbox.faults import FaultRule
from reconciler.sandbox.jsonapi import MEDIA_TYPE, ApiProblem, dumps, error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

CHUNK = 64 * 1024
CURSOR = "page[cursor]"
REPEATED_CURSOR = "cmVwZWF0ZWQ"  # the one cursor a repeated_cursor listing keeps giving
# What Python's http.server sends for a 404: a plain web server, not this API.
HTML_PAGE = """<!DOCTYPE HTML>
<html lang="en">
    <head>
        <meta charset="utf-8">
        <title>Error response</title>
    </head>
    <body>
        <h1>Error response</h1>
        <p>Error code: {status}</p>
        <p>Message: File not found.</p>
        <p>Error code explanation: {status} - Nothing matches the given URI.</p>
    </body>
</html>
"""
_RATE_HEADERS = (b"ratelimit-limit", b"ratelimit-remaining", b"ratelimit-reset")


def close_connection(send: Send) -> bool:
    """Close the client's connection without (the rest of) an answer.

    Needs uvicorn's request cycle behind ``send`` (h11 or httptools); marks it
    disconnected so uvicorn neither sends a 500 nor logs an error.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        return False
    transport.close()
    cycle.disconnected = True  # type: ignore[union-attr]
    return True


async def send_body(
    send: Send, status: int, body: bytes, *, media: str = MEDIA_TYPE, headers: Any = ()
) -> None:
    head = [(b"content-type", media.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": [*head, *headers]})
    await send({"type": "http.response.body", "body": body})


async def send_problem(send: Send, problem: ApiProblem) -> None:
    headers = [(k.lower().encode(), v.encode()) for k, v in problem.headers.items()]
    await send_body(send, problem.status, error_body(problem), headers=headers)


def problem_of(rule: FaultRule) -> ApiProblem:
    """The JSON:API error of an ``error``, ``rate_limit`` or ``drop`` rule."""
    if rule.kind == "rate_limit":
        return ApiProblem(
            429,
            "throttled",
            "Request was throttled (injected fault).",
            headers={"Retry-After": str(rule.retry_after)},
        )
    status = rule.answer_status if rule.kind == "error" else 503
    default_code = "server_error" if status >= 500 else "error"
    return ApiProblem(
        status,
        rule.code or default_code,
        rule.detail if rule.detail is not None else "Injected fault: the server failed.",
    )


def _deep(depth: int) -> bytes:
    return b'{"data":' + b"[" * depth + b"]" * depth + b"}"


async def answer_before(rule: FaultRule, send: Send) -> int:
    """Answer in place of the request; the status sent (0: the connection was closed)."""
    if rule.kind == "drop" and close_connection(send):
        return 0
    if rule.kind == "deep":
        await send_body(send, 200, _deep(rule.depth))
        return 200
    if rule.kind == "html":
        page = HTML_PAGE.format(status=rule.answer_status).encode()
        await send_body(send, rule.answer_status, page, media="text/html;charset=utf-8")
        return rule.answer_status
    problem = problem_of(rule)
    await send_problem(send, problem)
    return problem.status


def adjust_request(rule: FaultRule | None, scope: Scope) -> None:
    """Change the request the app sees: a paging fault drops the cursor (every page is page 1)."""
    if rule is None or rule.kind not in ("endless_pages", "repeated_cursor"):
        return
    pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    scope["query_string"] = urlencode([(k, v) for k, v in pairs if k != CURSOR]).encode("latin-1")


def _with_cursor(url: str, cursor: str) -> str:
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != CURSOR]
    return urlunsplit(parts._replace(query=urlencode([*pairs, (CURSOR, cursor)])))


def _document(rule: FaultRule, doc: Any, scope: Scope) -> Any:
    """The answer's JSON document, as the rule changes it (None: leave the bytes alone)."""
    if not isinstance(doc, dict):
        return None
    if rule.kind in ("endless_pages", "repeated_cursor"):
        links = doc.get("links")
        if not isinstance(links, dict) or not isinstance(links.get("self"), str):
            return None
        cursor = REPEATED_CURSOR if rule.kind == "repeated_cursor" else uuid.uuid4().hex
        links["next"] = _with_cursor(links["self"], cursor)
        return doc
    if rule.kind == "other_id":
        data = doc.get("data")
        if not isinstance(data, dict) or "id" not in data:
            return None
        data["id"] = rule.echo_id or f"{data['id']}-other"
        return doc
    return None


def _headers(start: Message, *, drop: tuple[bytes, ...], add: list[tuple[bytes, bytes]]) -> Message:
    kept = [(k, v) for k, v in start.get("headers", ()) if k.lower() not in drop]
    return {**start, "headers": kept + add}


async def answer_after(
    rule: FaultRule, captured: list[Message], scope: Scope, receive: Receive, send: Send
) -> int:
    """Send the faulty form of the app's answer (``captured``); the status sent."""
    start, status = captured[0], int(captured[0]["status"])
    body = b"".join(m.get("body", b"") for m in captured[1:])
    if rule.kind == "drop" and close_connection(send):
        return 0
    if rule.kind == "truncate":
        await send(start)
        await send(
            {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
        )
        if close_connection(send):
            return status
        raise RuntimeError("cannot truncate: connection not reachable")
    if rule.kind in ("error", "drop"):
        problem = problem_of(rule)
        await send_problem(send, problem)
        return problem.status
    if rule.kind == "deep":
        extra = [(k, v) for k, v in start.get("headers", ()) if k.lower() == b"etag"]
        await send_body(send, status, _deep(rule.depth), headers=extra)
        return status
    if rule.kind == "rate_headers":
        limit = [(b"ratelimit-limit", b"60"), (b"ratelimit-remaining", b"0")]
        limit.append((b"ratelimit-reset", str(rule.reset).encode()))
        await send(_headers(start, drop=_RATE_HEADERS, add=limit))
        await send({"type": "http.response.body", "body": body})
        return status
    if rule.kind == "trickle":
        await _trickle(start, body, rule.interval_ms / 1000.0, receive, send)
        return status
    if rule.kind == "oversize":
        await _oversize(start, body, int(rule.size_mb * 1024 * 1024), send, rule.chunked)
        return status
    doc = _document(rule, _json(body), scope)
    if doc is not None:
        body = dumps(doc)
        start = _headers(
            start, drop=(b"content-length",), add=[(b"content-length", str(len(body)).encode())]
        )
    await send(start)
    await send({"type": "http.response.body", "body": body})
    return status


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


async def _trickle(
    start: Message, body: bytes, interval: float, receive: Receive, send: Send
) -> None:
    """One byte, then a wait, until the body is sent or the client has gone."""
    gone = asyncio.Event()

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        gone.set()

    watcher = asyncio.create_task(watch())
    try:
        await send(start)
        for i in range(len(body)):
            last = i == len(body) - 1
            await send(
                {"type": "http.response.body", "body": body[i : i + 1], "more_body": not last}
            )
            if last:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(gone.wait(), interval)
            if gone.is_set():
                return
        await send({"type": "http.response.body", "body": b""})
    finally:
        watcher.cancel()


async def _oversize(start: Message, body: bytes, size: int, send: Send, chunked: bool) -> None:
    """The JSON:API answer with a top-level ``meta.padding`` making it ``size`` bytes
    (``chunked``: without a ``Content-Length``)."""
    doc = _json(body)
    if not isinstance(doc, dict):
        doc = {"data": None}
    marker = "\x00padding\x00"
    meta = doc.get("meta")
    doc["meta"] = {**(meta if isinstance(meta, dict) else {}), "padding": marker}
    head, tail = dumps(doc).split(dumps(marker)[1:-1], 1)
    pad = max(0, size - len(head) - len(tail))
    length = [] if chunked else [(b"content-length", str(len(head) + pad + len(tail)).encode())]
    await send(_headers(start, drop=(b"content-length",), add=length))
    await send({"type": "http.response.body", "body": head, "more_body": True})
    block = b"x" * CHUNK
    while pad > 0:
        n = min(pad, CHUNK)
        await send({"type": "http.response.body", "body": block[:n], "more_body": True})
        pad -= n
    await send({"type": "http.response.body", "body": tail})
