"""Sandbox-only endpoints under /_sandbox/, mounted only with ``callfwd serve --admin``.

They exist so tests and benchmarks can set the stage quickly; the vendor's
service has nothing like them. Bodies are plain JSON.

    POST   /_sandbox/reset        body: a seed (same shape as the YAML) → state replaced,
                                  audit log emptied, faults cleared, rate limit back to
                                  the --rate-limit it started with, counters and metrics reset
    GET    /_sandbox/state        every account, user (no keys) and sender with its etag
    GET    /_sandbox/audit-events ?account=ID → {"events": [...]} (all accounts when unset)
    GET    /_sandbox/faults       the active fault rules and how often each fired
    PUT    /_sandbox/faults       body: {"seed": 0, "faults": [...]} (see faults.py)
    DELETE /_sandbox/faults       no faults
    GET    /_sandbox/rate-limit   {"rate_limit": "vendor" | "3/60" | "off"}
    PUT    /_sandbox/rate-limit   body: {"rate_limit": "vendor" | "3/60" | "off"}; counters reset
    GET    /_sandbox/metrics      request counts and server time per method, route, account,
                                  status, and whether the endpoint is published
    DELETE /_sandbox/metrics      counts back to zero

``ui.py`` adds the vendor's UI under the same switch (``PUT /_sandbox/ui/...``).
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.responses import JSONResponse, Response

from reconciler.sandbox.auth import sandbox_of
from reconciler.sandbox.bodies import read_json
from reconciler.sandbox.extensions import audit_attributes
from reconciler.sandbox.faults import FaultConfig
from reconciler.sandbox.jsonapi import ApiProblem
from reconciler.sandbox.ratelimit import parse_rate_limit
from reconciler.sandbox.seed import SeedError, parse_seed

router = APIRouter(prefix="/_sandbox", include_in_schema=False)


def _invalid(exc: ValidationError) -> ApiProblem:
    first = exc.errors()[0]
    where = ".".join(str(x) for x in first["loc"]) or "(body)"
    return ApiProblem(400, "invalid", f"{where}: {first['msg']}")


@router.post("/reset")
async def reset(request: Request) -> Response:
    sandbox = sandbox_of(request)
    started = time.perf_counter()
    try:
        seed = parse_seed(await read_json(request), origin="seed")
    except SeedError as exc:
        raise ApiProblem(400, "invalid_seed", str(exc)) from None
    counts = sandbox.store.replace_all(seed)
    sandbox.faults.clear()
    sandbox.limiter.configure(sandbox.startup_limits)
    sandbox.metrics.reset()
    return JSONResponse({**counts, "ms": round((time.perf_counter() - started) * 1000, 1)})


@router.get("/state")
async def state(request: Request) -> Response:
    return JSONResponse(sandbox_of(request).store.dump())


@router.get("/audit-events")
async def audit_events(
    request: Request, account: Annotated[str | None, Query(max_length=200)] = None
) -> Response:
    events = sandbox_of(request).store.audit_events(account)
    return JSONResponse(
        {"events": [{"id": str(e.seq), **audit_attributes(e).model_dump()} for e in events]}
    )


@router.get("/faults")
async def get_faults(request: Request) -> Response:
    return JSONResponse(sandbox_of(request).faults.describe())


@router.put("/faults")
async def put_faults(request: Request) -> Response:
    try:
        config = FaultConfig.model_validate(await read_json(request))
    except ValidationError as exc:
        raise _invalid(exc) from None
    faults = sandbox_of(request).faults
    faults.configure(config)
    return JSONResponse(faults.describe())


@router.delete("/faults")
async def delete_faults(request: Request) -> Response:
    faults = sandbox_of(request).faults
    faults.clear()
    return JSONResponse(faults.describe())


def _limit_doc(request: Request) -> dict[str, str]:
    return {"rate_limit": str(sandbox_of(request).limiter.policy)}


@router.get("/rate-limit")
async def get_rate_limit(request: Request) -> Response:
    return JSONResponse(_limit_doc(request))


@router.put("/rate-limit")
async def put_rate_limit(request: Request) -> Response:
    body = await read_json(request)
    spec = body.get("rate_limit") if isinstance(body, dict) else None
    if not isinstance(spec, str):
        raise ApiProblem(
            400,
            "invalid",
            'Send {"rate_limit": "BURST/STEADY"}, {"rate_limit": "vendor"} or '
            '{"rate_limit": "off"}.',
        )
    try:
        limits = parse_rate_limit(spec)
    except ValueError as exc:
        raise ApiProblem(400, "invalid", str(exc)) from None
    sandbox_of(request).limiter.configure(limits)
    return JSONResponse(_limit_doc(request))


@router.get("/metrics")
async def get_metrics(request: Request) -> Response:
    return JSONResponse(sandbox_of(request).metrics.snapshot())


@router.delete("/metrics")
async def delete_metrics(request: Request) -> Response:
    metrics = sandbox_of(request).metrics
    metrics.reset()
    return JSONResponse(metrics.snapshot())
