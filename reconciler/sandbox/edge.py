"""The outermost ASGI layer: latency, body limit, faults, rate-limit headers, metrics, a log line.

``latency`` (``callfwd serve --latency``) delays every /api/ answer by that
many seconds with ``asyncio.sleep``: waiting, not burning CPU.

It wraps the whole FastAPI stack, so it sees uvicorn's own ``send`` and can
close a connection without an answer (a dropped connection is a fault the
client must survive; raising before the answer would only give a 500).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from reconciler.sandbox import fault_answers
from reconciler.sandbox.fault_answers import send_problem
from reconciler.sandbox.faults import FaultRule, Faults
from reconciler.sandbox.jsonapi import ApiProblem

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("callfwd.sandbox.requests")
BODY_LIMIT = 64 * 1024
ADMIN_BODY_LIMIT = 64 * 1024 * 1024  # bulk seeds for tests and benchmarks


class BodyTooLarge(Exception):
    pass


class Metrics:
    """Request counts and server time per (method, route, account, status).

    Each row says whether its endpoint is one the vendor publishes (``published``:
    the (method, route template) pairs of ``api.py``), so a test can assert that a
    run called nothing else.
    """

    def __init__(self, published: frozenset[tuple[str, str]] = frozenset()) -> None:
        self._counts: dict[tuple[str, str, str, int], list[float]] = {}
        self.published = published
        self.in_flight = 0  # /api/ requests being answered now (tests wait for 0)

    def add(self, method: str, route: str, account: str, status: int, ms: float) -> None:
        key = (method, route, account, status)
        entry = self._counts.get(key)
        if entry is None:
            self._counts[key] = [1, ms]
        else:
            entry[0] += 1
            entry[1] += ms

    def reset(self) -> None:
        self._counts.clear()

    def snapshot(self) -> dict[str, Any]:
        rows = [
            {
                "method": m,
                "route": r,
                "account": a,
                "status": s,
                "count": int(c),
                "server_ms_total": round(t, 3),
                "published": (m, r) in self.published,
            }
            for (m, r, a, s), (c, t) in sorted(self._counts.items())
        ]
        return {
            "total": sum(r["count"] for r in rows),
            "unpublished": sum(r["count"] for r in rows if not r["published"]),
            "in_flight": self.in_flight,
            "requests": rows,
        }


def _log_line(scope: Scope, status: int, ms: float, fault: FaultRule | None) -> None:
    """The request log's line: who, what, the answer's status, time, account and key id."""
    target = scope.get("raw_path") or scope["path"].encode()
    qs = scope.get("query_string")
    line = target.decode("ascii", "backslashreplace")[:300]
    if qs:
        line += "?" + qs.decode("ascii", "backslashreplace")[:300]
    client = scope.get("client")
    log.info(
        '%s "%s %s" %s %.1fms account=%s key=%s%s',
        f"{client[0]}:{client[1]}" if client else "-",
        scope["method"],
        line,
        status or "dropped",
        ms,
        scope.get("callfwd.account") or "-",
        scope.get("callfwd.key_id") or "-",
        f" fault={fault.kind}/{fault.when}" if fault else "",
    )


class Edge:
    def __init__(
        self,
        app: ASGIApp,
        *,
        faults: Faults,
        metrics: Metrics,
        route_of: Callable[[Scope], str | None],
        latency: float = 0.0,
    ) -> None:
        self.app = app
        self.faults = faults
        self.metrics = metrics
        self.route_of = route_of  # the route template of a request the app did not see
        self.latency = latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        admin = scope["path"].startswith("/_sandbox/")
        status = 0
        fault: FaultRule | None = None
        if not admin:
            self.metrics.in_flight += 1
        try:
            fault = None if admin else await self._delay_and_pick(scope)
            if fault is not None and fault.answers_before:
                status = await fault_answers.answer_before(fault, send)
                return
            fault_answers.adjust_request(fault, scope)
            status = await self._run(scope, receive, send, start, fault)
        finally:
            ms = (time.perf_counter() - start) * 1000.0
            if not admin:
                self.metrics.in_flight -= 1
                self._count(scope, status, ms, fault)
            if log.isEnabledFor(logging.INFO):
                _log_line(scope, status, ms, fault)

    async def _delay_and_pick(self, scope: Scope) -> FaultRule | None:
        """Wait ``latency`` (and a fault's own), and the fault this request meets, if any."""
        if self.latency:
            await asyncio.sleep(self.latency)
        if not self.faults.active:
            return None
        latency, fault = self.faults.pick(scope["method"], scope["path"])
        if latency:
            await asyncio.sleep(latency)
        return fault

    def _count(self, scope: Scope, status: int, ms: float, fault: FaultRule | None) -> None:
        """One /api/ request in the metrics, by its route template (or the fault's)."""
        label = getattr(scope.get("route"), "path", None)
        if label is None and fault is not None:
            label = self.route_of(scope) or "(fault)"
        account = scope.get("callfwd.account") or "-"
        self.metrics.add(scope["method"], label or "(no route)", account, status, ms)

    async def _run(
        self, scope: Scope, receive: Receive, send: Send, start: float, fault: FaultRule | None
    ) -> int:
        received = 0
        status = 0
        started = False
        captured: list[Message] = []
        capture = fault is not None
        limit = ADMIN_BODY_LIMIT if scope["path"].startswith("/_sandbox/") else BODY_LIMIT

        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                problem = ApiProblem(
                    413,
                    "payload_too_large",
                    f"The request body is larger than the limit of {limit} bytes.",
                )
                await send_problem(send, problem)
                return 413

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def edge_send(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                headers = list(message.get("headers", ()))
                extra = scope.get("callfwd.ratelimit")
                if extra and status != 429:
                    headers.extend(extra)
                ms = (time.perf_counter() - start) * 1000.0
                headers.append((b"server-timing", b"app;dur=%.3f" % ms))
                message = {**message, "headers": headers}
            if capture:
                captured.append(message)
            else:
                await send(message)

        try:
            await self.app(scope, limited_receive, edge_send)
        except Exception:
            # The app's catch-all handler has already answered a JSON:API 500.
            log.exception("unexpected error while answering %s %s", scope["method"], scope["path"])
            if not started:
                status = 500
                await send_problem(
                    send, ApiProblem(500, "server_error", "The server hit an unexpected error.")
                )
                return status
        if fault is None or not captured:
            return status
        return await fault_answers.answer_after(fault, captured, scope, receive, send)
