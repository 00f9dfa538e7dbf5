"""Client CPU per call: the ways of sending the plan's GETs, side by side in one process.

    python -m benchmarks.bench_client [--accounts 200] [--rounds 5] [--json]

Starts a real ``callfwd serve`` (limits off), seeds ``--accounts`` accounts of
10 senders, and for each variant sends what a plan sends for an account without
changes (``GET /api/accounts``, one ``GET`` of the sender list) for every account,
32 accounts at a time. Client CPU per call is this process's
CPU (``time.process_time``) over a round divided by the calls the server counted;
the server runs in its own process and is not in the figure. Each round runs
every variant once, in turn, so load on the machine hits them alike; the table
gives medians over the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from benchmarks.workload import Fleet, Server
from reconciler.api.client import MEDIA_TYPE, SettingsClient
from reconciler.api.http import open_http, tls_context

CONCURRENCY = 32  # accounts at once in this micro-benchmark (callfwd itself: 128)
LIST = "/api/text-messaging-senders?page%5Bsize%5D=20"

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is only measured when installed
    orjson = None


def headers(fleet: Fleet, i: int) -> dict[str, str]:
    return {
        "Authorization": f"Klaviyo-API-Key {fleet.key(i)}",
        "revision": "2026-10-15",
        "Accept": MEDIA_TYPE,
        "User-Agent": "callfwd-bench",
    }


async def bounded(n: int, job: Callable[[int], Awaitable[None]]) -> None:
    sem = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with sem:
            await job(i)

    await asyncio.gather(*(one(i) for i in range(n)))


# -- variants: each sends 2 GETs per account and returns nothing ------------------------


def settings_client(connections: int) -> Callable[[str, Fleet], Awaitable[None]]:
    """SettingsClient as a session uses it: one client per account, over the origin's one
    AsyncClient (``api.http.open_http``: pools of one connection, ``connections`` in all)."""

    async def run(url: str, fleet: Fleet) -> None:
        async with open_http(connections=connections) as http:

            async def job(i: int) -> None:
                c = SettingsClient(base_url=url, api_key=fleet.key(i), http=http)
                await c.get_account()
                await c.list_senders()

            await bounded(fleet.accounts, job)

    return run


def httpx_variant(
    make: Callable[[], httpx.AsyncClient],
    *,
    per_account: bool,
    parse: Callable[[bytes], Any],
    gate: int = 0,
) -> Callable[[str, Fleet], Awaitable[None]]:
    """``gate``: at most this many requests handed to the pool at once (0: no gate)."""

    async def run(url: str, fleet: Fleet) -> None:
        pool = None if per_account else make()
        sem = asyncio.Semaphore(gate or 1_000_000)

        async def job(i: int) -> None:
            client = make() if per_account else pool
            assert client is not None
            h = headers(fleet, i)
            try:
                for path in ("/api/accounts", LIST):
                    async with sem:
                        r = await client.get(url + path, headers=h)
                    r.raise_for_status()
                    parse(r.content)
            finally:
                if per_account:
                    await client.aclose()

        try:
            await bounded(fleet.accounts, job)
        finally:
            if pool is not None:
                await pool.aclose()

    return run


def direct_transport(
    make: Callable[[], httpx.AsyncBaseTransport],
) -> Callable[[str, Fleet], Awaitable[None]]:
    """httpx.Request straight into a transport: no client layer (merging, cookies, hooks)."""

    async def run(url: str, fleet: Fleet) -> None:
        transport = make()
        ext = {"timeout": httpx.Timeout(10.0).as_dict()}

        async def job(i: int) -> None:
            h = headers(fleet, i)
            for path in ("/api/accounts", LIST):
                req = httpx.Request("GET", url + path, headers=h, extensions=ext)
                r = await transport.handle_async_request(req)
                try:
                    await r.aread()
                finally:
                    await r.aclose()
                json.loads(r.content)

        try:
            await bounded(fleet.accounts, job)
        finally:
            await transport.aclose()

    return run


def limits(n: int) -> httpx.Limits:
    return httpx.Limits(max_connections=n, max_keepalive_connections=n, keepalive_expiry=15)


def client(**kw: Any) -> Callable[[], httpx.AsyncClient]:
    return lambda: httpx.AsyncClient(verify=tls_context(), trust_env=False, timeout=10.0, **kw)


def sync_httpx(url: str, fleet: Fleet) -> None:
    with httpx.Client(verify=tls_context(), trust_env=False, timeout=10.0) as c:
        for i in range(fleet.accounts):
            for path in ("/api/accounts", LIST):
                json.loads(c.get(url + path, headers=headers(fleet, i)).content)


def stdlib(url: str, fleet: Fleet) -> None:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        for i in range(fleet.accounts):
            for path in ("/api/accounts", LIST):
                conn.request("GET", path, headers=headers(fleet, i))
                json.loads(conn.getresponse().read())
    finally:
        conn.close()


Variant = tuple[str, str, Callable[[str, Fleet], Any]]


def variants() -> list[Variant]:
    v: list[Variant] = [
        *[
            (
                f"session-{n}",
                f"SettingsClient on the one path, {n} connections in pools of one",
                settings_client(n),
            )
            for n in (32, 128)
        ],
        (
            "per-account",
            "one httpx.AsyncClient per account",
            httpx_variant(client(), per_account=True, parse=json.loads),
        ),
        (
            "shared",
            "one shared httpx.AsyncClient, per-request key (default limits 100/20)",
            httpx_variant(client(), per_account=False, parse=json.loads),
        ),
        *[
            (
                f"shared-{n}",
                f"shared AsyncClient, one pool of {n} keep-alive connections",
                httpx_variant(client(limits=limits(n)), per_account=False, parse=json.loads),
            )
            for n in (8, 32, 128)
        ],
        (
            "direct-anyio",
            "httpx.Request into AsyncHTTPTransport (no client layer), anyio",
            direct_transport(
                lambda: httpx.AsyncHTTPTransport(
                    verify=tls_context(), limits=limits(64), trust_env=False
                )
            ),
        ),
    ]
    if orjson is not None:
        v.append(
            (
                "shared-8-orjson",
                "shared-8, orjson.loads instead of json.loads",
                httpx_variant(client(limits=limits(8)), per_account=False, parse=orjson.loads),
            )
        )
    v += [
        ("ref-sync-httpx", "reference: httpx.Client (sync, one connection)", sync_httpx),
        ("ref-http.client", "reference: http.client (stdlib, one connection)", stdlib),
    ]
    return v


def measure(fn: Callable[[str, Fleet], Any], url: str, fleet: Fleet) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one round."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = fn(url, fleet)
    if asyncio.iscoroutine(result):
        asyncio.run(result)
    return time.process_time() - cpu, time.perf_counter() - wall


def json_cost(url: str, fleet: Fleet) -> dict[str, float]:
    """CPU per parse of a real list page: json vs orjson (µs)."""
    with httpx.Client(trust_env=False) as c:
        body = c.get(url + LIST, headers=headers(fleet, 0)).content
    out = {}
    parsers: list[tuple[str, Callable[[bytes], Any]]] = [("json", json.loads)]
    if orjson is not None:
        parsers.append(("orjson", orjson.loads))
    for name, parse in parsers:
        n = 5000
        t = time.process_time()
        for _ in range(n):
            parse(body)
        out[name] = (time.process_time() - t) / n * 1e6
    out["bytes"] = float(len(body))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--accounts", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", help="comma-separated variant names")
    ap.add_argument("--json", action="store_true", help="print the result as JSON, no table")
    ap.add_argument("--budget", type=float, default=100.0, help="seconds; no new round after")
    args = ap.parse_args(argv)
    fleet = Fleet(args.accounts, 10)
    chosen = variants()
    if args.only:
        names = set(args.only.split(","))
        chosen = [v for v in chosen if v[0] in names]
    cpu: dict[str, list[float]] = {v[0]: [] for v in chosen}
    wall: dict[str, list[float]] = {v[0]: [] for v in chosen}
    calls: dict[str, int] = {}
    load = os.getloadavg()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp), rate_limit="off") as server:
        server.reset(fleet.seed(0.1))
        for _name, _, fn in chosen:  # warm-up: imports, first connections, server caches
            measure(fn, server.url, Fleet(min(fleet.accounts, 32), 10))
        for done in range(args.rounds):
            if done and time.perf_counter() - started > args.budget:
                args.rounds = done  # bounded in time: fewer rounds on a busy machine
                break
            for name, _, fn in chosen:
                server.reset_metrics()
                c, w = measure(fn, server.url, fleet)
                calls[name] = server.calls().total
                cpu[name].append(c)
                wall[name].append(w)
        parse = json_cost(server.url, fleet)
    rows = []
    base = statistics.median(cpu[chosen[0][0]]) / max(1, calls[chosen[0][0]])
    for name, what, _ in chosen:
        per = statistics.median(cpu[name]) / max(1, calls[name])
        rows.append(
            {
                "variant": name,
                "what": what,
                "calls": calls[name],
                "cpu_per_call_us": round(per * 1e6, 1),
                "wall_per_call_us": round(statistics.median(wall[name]) / calls[name] * 1e6, 1),
                "vs_first": round(per / base, 2),
                "cpu_rounds_s": [round(x, 3) for x in cpu[name]],
            }
        )
    out = {
        "accounts": fleet.accounts,
        "rounds": args.rounds,
        "load_average": [round(x, 2) for x in load],
        "python": sys.version.split()[0],
        "httpx": httpx.__version__,
        "json_parse_us": {k: round(v, 1) for k, v in parse.items()},
        "seconds": round(time.perf_counter() - started, 1),
        "rows": rows,
    }
    if args.json:
        json.dump(out, sys.stdout, indent=1)
        return 0
    w = max(len(r["variant"]) for r in rows)
    sys.stdout.write(
        f"{fleet.accounts} accounts x 2 GETs, {args.rounds} rounds, load {load[0]:.2f}, "
        f"{out['seconds']} s\n"
    )
    sys.stdout.write(f"{'variant':<{w}}  calls  CPU/call µs  wall/call µs  vs first  what\n")
    for r in rows:
        sys.stdout.write(
            f"{r['variant']:<{w}}  {r['calls']:>5}  {r['cpu_per_call_us']:>11}  "
            f"{r['wall_per_call_us']:>12}  {r['vs_first']:>8}  {r['what']}\n"
        )
    sys.stdout.write(f"JSON parse of one 10-sender page (µs): {out['json_parse_us']}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
