"""The local API's answers built in process: what building the JSON costs the server.

    python -m benchmarks.bench_json            # median microseconds per answer
    python -m benchmarks.bench_json --json     # one JSON document on stdout

Each scenario sends requests straight to the ASGI app (``httpx.ASGITransport``:
no sockets, no uvicorn), so the figure is the app's own work per answer --
routing, the key check, the store, building and encoding the document -- with
rate limiting off. It is the benchmark for how the answers are built (plain
dicts or pydantic models); ``bench_server`` measures the server as clients see it.

Scenarios: ``list20`` (a page of 20 senders), ``list20_sparse_include`` (the same
with a sparse fieldset and the registrations included), ``sender`` (one sender),
``accounts`` (GET /api/accounts), ``not_found`` (a 404 error document).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from typing import Any

import httpx

from reconciler.api import protocol
from reconciler.sandbox.app import create_app
from reconciler.sandbox.ratelimit import OFF
from reconciler.sandbox.seed import parse_seed
from reconciler.sandbox.store import Store

KEY = "sandbox-bench-json"
SENDERS = protocol.SENDERS
HEADERS = {
    "Authorization": protocol.authorization(KEY),
    "revision": protocol.REVISION,
    "Accept": protocol.MEDIA_TYPE,
}


def seed(senders: int = 40) -> dict[str, Any]:
    rows = [
        {
            "number": f"+1833{2000000 + n:07d}",
            "type": "toll_free",
            "country": "US",
            **({"forward_to": f"+1212{2000000 + n:07d}"} if n % 3 == 0 else {}),
        }
        for n in range(senders)
    ]
    user = {
        "email": "ops@bench.example",
        "role": "owner",
        "api_key": KEY,
        "scopes": ["sender-config:read", "sender-config:write", "accounts:read"],
    }
    return {"accounts": [{"id": "bench", "name": "Bench", "users": [user], "senders": rows}]}


async def _median_us(client: httpx.AsyncClient, url: str, n: int, status: int) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        r = await client.get(url)
        times.append((time.perf_counter() - started) * 1e6)
        if r.status_code != status:
            raise SystemExit(f"GET {url}: {r.status_code} {r.text[:200]}")
    return round(statistics.median(times), 1)


async def run(n: int) -> dict[str, float]:
    store = Store(":memory:")
    store.replace_all(parse_seed(seed()))
    app = create_app(store, rate_limit=OFF, admin=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", headers=HEADERS
    ) as client:
        first = (await client.get(f"{SENDERS}?page[size]=1")).json()["data"][0]["id"]
        scenarios = {
            "list20": (f"{SENDERS}?page[size]=20", 200),
            "list20_sparse_include": (
                f"{SENDERS}?page[size]=20&include=text-messaging-sender-registration"
                "&fields[text-messaging-sender]=sender_identifier,forwarding_number",
                200,
            ),
            "sender": (f"{SENDERS}/{first}", 200),
            "accounts": ("/api/accounts", 200),
            "not_found": (f"{SENDERS}/NOPE", 404),
        }
        for url, status in scenarios.values():  # warm up
            await _median_us(client, url, 50, status)
        out = {
            name: await _median_us(client, url, n, status)
            for name, (url, status) in scenarios.items()
        }
    store.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="requests per scenario")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    results = asyncio.run(run(args.n))
    if args.json:
        sys.stdout.write(json.dumps(results, indent=2) + "\n")
    else:
        for name, us in results.items():
            sys.stdout.write(f"{name:24} {us:8.1f} us (median of {args.n})\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
