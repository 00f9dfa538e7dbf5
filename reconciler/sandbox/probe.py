"""``OPTIONS /api/text-messaging-senders/{id}``: which methods the path offers.

callfwd's "does a write exist?" probe. The answer is a 204 whose ``Allow``
header lists every method the running server offers on the path:
``GET, OPTIONS, PATCH`` by default, ``GET, OPTIONS`` with ``--published-only``.
It needs no key, counts against no rate limit, and writes and audits nothing.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import Response
from starlette.routing import Match, Route

from reconciler.sandbox.resources import SENDERS

router = APIRouter()


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method some route of ``app`` offers on ``path`` (Starlette's Allow names one)."""
    methods: set[str] = set()
    scope = {"type": "http", "path": path, "method": "\x00", "root_path": ""}
    for route in app.router.routes:
        if isinstance(route, Route) and route.matches(scope)[0] != Match.NONE:
            methods |= route.methods or set()
    return sorted(methods)


@router.options(SENDERS + "/{sender_id}", include_in_schema=False)
async def sender_options(request: Request, sender_id: str) -> Response:
    allow = ", ".join(allowed_methods(request.app, request.url.path))
    return Response(status_code=204, headers={"Allow": allow})
