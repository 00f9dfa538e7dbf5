"""The FastAPI app of the local settings API.

``create_app(store, rate_limit=RatePolicy(), admin=False, published_only=False,
latency=0.0)`` builds it; ``callfwd serve`` runs it on uvicorn. Every answer
outside 2xx is a JSON:API error document, including validation errors,
unknown routes and (never seen in tests) unexpected exceptions.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp

from reconciler import __version__
from reconciler.api import protocol
from reconciler.sandbox import admin as admin_routes
from reconciler.sandbox import api, extensions, ui
from reconciler.sandbox.auth import REVISION_HELP, REVISION_PATTERN, SCHEME, SECURITY_SCHEME
from reconciler.sandbox.context import Sandbox
from reconciler.sandbox.edge import Edge
from reconciler.sandbox.jsonapi import ApiProblem, error_response
from reconciler.sandbox.probe import allowed_methods
from reconciler.sandbox.probe import router as probe_router
from reconciler.sandbox.ratelimit import RateLimiter, RatePolicy
from reconciler.sandbox.store import Store

log = logging.getLogger("callfwd.sandbox")

DESCRIPTION = """\
A local stand-in for the vendor's text-messaging sender settings, not the vendor's
service. It serves the vendor's published reads in their published shapes (klaviyo-api
25.0.0, revision 2026-10-15: JSON:API, `Klaviyo-API-Key` auth, a required `revision`
header, cursor pagination, rate limits per account and endpoint) and adds what callfwd
needs and the vendor has not published, each marked *extension*: `PATCH` of a sender's
`forwarding_number`, ETags and `If-Match`, `/api/me`, `/api/audit-events` and
`/api/call-routes`. `callfwd serve --published-only` leaves the extensions out. See
docs/api.md for which is which.
"""

_HEADER_NAMES = {"revision": "revision", "if-match": "If-Match", "authorization": "Authorization"}


class SandboxApp(FastAPI):
    """FastAPI with the Edge layer outside everything, where it sees uvicorn's send."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            schema = super().openapi()
            # The key and the revision header are read in code (auth.authenticate), not
            # declared as parameters; document them on every /api/ operation.
            schema.setdefault("components", {}).setdefault("securitySchemes", {})[SCHEME] = (
                SECURITY_SCHEME
            )
            for path, item in schema.get("paths", {}).items():
                if not path.startswith("/api/"):
                    continue
                for operation in item.values():
                    operation["security"] = [{SCHEME: []}]
                    operation.setdefault("parameters", []).append(
                        {
                            "name": "revision",
                            "in": "header",
                            "required": True,
                            "description": REVISION_HELP,
                            "schema": {
                                "type": "string",
                                "pattern": REVISION_PATTERN,
                                "examples": [protocol.REVISION],
                            },
                        }
                    )
        return self.openapi_schema or super().openapi()

    def build_middleware_stack(self) -> ASGIApp:
        sandbox: Sandbox = self.state.sandbox
        return Edge(
            super().build_middleware_stack(),
            faults=sandbox.faults,
            metrics=sandbox.metrics,
            route_of=self.route_of,
            latency=self.state.latency,
        )

    def route_of(self, scope: MutableMapping[str, Any]) -> str | None:
        """The template of the route that would answer ``scope`` (for a faulted request)."""
        for route in self.router.routes:
            if isinstance(route, Route) and route.matches(scope)[0] == Match.FULL:
                return route.path
        return None


def _validation_problem(error: dict[str, Any]) -> ApiProblem:
    loc = [str(x) for x in error.get("loc", ())]
    where, name = (loc[0], loc[1]) if len(loc) > 1 else ("body", "")
    msg = str(error.get("msg", "is invalid"))
    if where == "header":
        header = _HEADER_NAMES.get(name.lower().replace("_", "-"), name)
        if header == "revision":
            detail = protocol.revision_problem(None if error.get("type") == "missing" else "")
        else:
            detail = f"{header} header: {msg}."
        return ApiProblem(400, "invalid", detail, header=header)
    if where in ("query", "path"):
        return ApiProblem(400, "invalid", f"{name}: {msg}.", parameter=name)
    return ApiProblem(400, "invalid", f"{msg}.", pointer="/" + "/".join(loc[1:]))


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiProblem)
    return error_response(exc)


async def _on_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())[:10] or [{"msg": "invalid request"}]
    return error_response(*[_validation_problem(e) for e in errors])


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    detail = {
        404: f"No such endpoint: {request.url.path[:200]}.",
        405: f"{request.method} is not allowed here.",
    }.get(exc.status_code, str(exc.detail))
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path))
    return error_response(
        ApiProblem(exc.status_code, codes.get(exc.status_code, "error"), detail, headers=headers)
    )


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.error(
        "unexpected %s while answering %s %s", type(exc).__name__, request.method, request.url.path
    )
    return error_response(ApiProblem(500, "server_error", "The server hit an unexpected error."))


def create_app(
    store: Store,
    *,
    rate_limit: RatePolicy,
    admin: bool,
    published_only: bool = False,
    latency: float = 0.0,
    us_territories: bool = False,
) -> FastAPI:
    """The app; ``published_only`` leaves out every extension, ``latency`` delays answers."""
    app = SandboxApp(
        title="callfwd local settings API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        exception_handlers={
            ApiProblem: _on_problem,
            RequestValidationError: _on_validation,
            StarletteHTTPException: _on_http,
            Exception: _on_unexpected,
        },
    )
    app.state.sandbox = Sandbox(
        store=store,
        limiter=RateLimiter(rate_limit),
        startup_limits=rate_limit,
        admin=admin,
        published_only=published_only,
        us_territories=us_territories,
    )
    app.state.latency = latency
    app.state.sandbox.metrics.published = frozenset(
        (method, route.path)
        for route in api.router.routes
        if isinstance(route, Route)
        for method in route.methods or ()
    )
    # flat: FastAPI's included-router layer costs ~25%
    app.router.routes.extend(api.router.routes)
    if not published_only:
        app.router.routes.extend(extensions.router.routes)
    app.router.routes.extend(probe_router.routes)
    if admin:
        app.router.routes.extend(admin_routes.router.routes)
        app.router.routes.extend(ui.router.routes)
    return app
