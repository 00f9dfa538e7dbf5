"""The local settings API's speed: one uvicorn worker, rate limit off, request log off.

    python -m benchmarks.bench_server            # all scenarios
    python -m benchmarks.bench_server --quick    # fewer requests
    python -m benchmarks.bench_server --json     # one JSON document on stdout

Scenarios (each against a real ``callfwd serve`` subprocess on 127.0.0.1):
    startup   process start to the ready line, demo seed (median of 3 starts)
    seed      POST /_sandbox/reset with 1,000 accounts x 3 senders (+1 CA sibling each)
    list20    GET one 20-item page of senders, walking the cursor (server time from
              the Server-Timing header, client round trip measured around the call)
    patch     PATCH forwarding numbers: one keep-alive connection, then 8 at once
              (lean http.client threads, so the figure is the server's); plus one
              httpx connection, for what a Python client sees
    plan      1,000 accounts x (GET /api/accounts + GET /api/me + one 20-item page),
              8 connections: the plan benchmark's load on the server

Targets: list20 median server time <= 3 ms; >= 500 PATCH/s.
The client runs on the same machine and competes with the server for CPU.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

import httpx

from reconciler.api import protocol
from reconciler.sandbox.process import ServeError, ServeProcess

ROOT = Path(__file__).resolve().parents[1]
DEMO_SEED = ROOT / "manifests" / "sandbox-seed.yaml"
REVISION = protocol.REVISION
TOLL_FREE = ("800", "833", "844", "855", "866", "877", "888")
CONCURRENCY = 8


def start(*flags: str, db: Path) -> tuple[subprocess.Popen[str], str, float]:
    started = time.perf_counter()
    try:
        server = ServeProcess.start("--db", str(db), *flags, stderr=subprocess.DEVNULL)
    except ServeError as exc:
        raise SystemExit(f"callfwd serve did not start: {exc}") from None
    return server.proc, server.url, time.perf_counter() - started


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    proc.wait(timeout=15)
    if proc.stdout:
        proc.stdout.close()


def bulk_seed(accounts: int, senders: int, *, siblings: int = 0) -> dict[str, Any]:
    n = 0
    out = []
    for i in range(accounts):
        rows: list[dict[str, Any]] = []
        for j in range(senders):
            number = f"+1{TOLL_FREE[n % 7]}{2000000 + n:07d}"
            rows.append(
                {
                    "number": number,
                    "type": "toll_free",
                    "country": "US",
                    **({"forward_to": f"+1212{2000000 + n:07d}"} if j % 3 == 0 else {}),
                }
            )
            if j < siblings:
                rows.append({"number": number, "type": "toll_free", "country": "CA"})
            n += 1
        out.append(
            {
                "id": f"bench-{i:04d}",
                "name": f"Bench {i}",
                "users": [
                    {
                        "email": f"ops@bench-{i:04d}.example",
                        "role": "owner",
                        "api_key": key(i),
                        "scopes": ["sender-config:read", "sender-config:write", "accounts:read"],
                    }
                ],
                "senders": rows,
            }
        )
    return {"accounts": out}


def key(i: int) -> str:
    return f"sandbox-bench-{i:04d}"


def headers(i: int) -> dict[str, str]:
    return {
        "Authorization": f"Klaviyo-API-Key {key(i)}",
        "revision": REVISION,
        "Accept": "application/vnd.api+json",
    }


def server_ms(response: httpx.Response) -> float:
    return float(response.headers["server-timing"].split("dur=")[1])


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median": round(statistics.median(ordered), 3),
        "p95": round(ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)], 3),
        "n": len(ordered),
    }


def bench_startup(tmp: Path) -> dict[str, Any]:
    times = []
    for i in range(3):
        proc, _, elapsed = start("--seed", str(DEMO_SEED), "--quiet", db=tmp / f"start{i}.db")
        stop(proc)
        times.append(elapsed * 1000)
    return {"ready_ms": summary(times)}


def bench_seed(admin: httpx.Client) -> dict[str, Any]:
    seed = bulk_seed(1000, 3, siblings=1)
    times, server = [], []
    for _ in range(3):
        t = time.perf_counter()
        r = admin.post("/_sandbox/reset", json=seed)
        r.raise_for_status()
        times.append((time.perf_counter() - t) * 1000)
        server.append(r.json()["ms"])
    return {"senders": 4000, "accounts": 1000, "reset_ms": summary(times), "server_ms": server}


def bench_list(url: str, admin: httpx.Client, n: int) -> dict[str, Any]:
    admin.post("/_sandbox/reset", json=bulk_seed(1, 1000)).raise_for_status()
    client_ms, srv = [], []
    with httpx.Client(base_url=url, headers=headers(0)) as api:
        next_url: str | None = None
        for _ in range(n):
            t = time.perf_counter()
            r = api.get(next_url or "/api/text-messaging-senders?page[size]=20")
            client_ms.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200 and len(r.json()["data"]) == 20
            srv.append(server_ms(r))
            next_url = r.json()["links"]["next"]
            if next_url is None or len(srv) % 49 == 0:
                next_url = None
    return {"server_ms": summary(srv), "client_ms": summary(client_ms)}


def _ids(url: str) -> list[str]:
    ids: list[str] = []
    with httpx.Client(base_url=url, headers=headers(0)) as api:
        nxt: str | None = "/api/text-messaging-senders?page[size]=20"
        while nxt:
            doc = api.get(nxt).json()
            ids += [d["id"] for d in doc["data"]]
            nxt = doc["links"]["next"]
    return ids


def _body(sid: str, i: int) -> dict[str, Any]:
    value = f"+1312{2000000 + i % 5000:07d}"
    return {
        "data": {
            "type": "text-messaging-sender",
            "id": sid,
            "attributes": {"forwarding_number": value},
        }
    }


class Conn:
    """A lean keep-alive client (http.client): measures the server, not a client library."""

    def __init__(self, url: str, i: int) -> None:
        parsed = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port)
        self.headers = {**headers(i), "Content-Type": "application/vnd.api+json"}

    def request(self, method: str, path: str, body: Any = None, i: int | None = None) -> float:
        hdrs = self.headers if i is None else {**self.headers, **headers(i)}
        self.conn.request(
            method, path, body=None if body is None else json.dumps(body), headers=hdrs
        )
        response = self.conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"{method} {path}: {response.status}")
        return float((response.getheader("server-timing") or "dur=0").split("dur=")[1])

    def close(self) -> None:
        self.conn.close()


def _threads(url: str, jobs: list[Any], work: Any, threads: int) -> tuple[float, list[float]]:
    chunks = [jobs[k::threads] for k in range(threads)]
    results: list[list[float]] = [[] for _ in range(threads)]

    def run(k: int) -> None:
        conn = Conn(url, 0)
        try:
            for job in chunks[k]:
                results[k].extend(work(conn, job))
        finally:
            conn.close()

    pool = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    started = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - started, [x for r in results for x in r]


def bench_patch(url: str, admin: httpx.Client, n: int) -> dict[str, Any]:
    admin.post("/_sandbox/reset", json=bulk_seed(1, 1000)).raise_for_status()
    ids = _ids(url)

    def patch(conn: Conn, i: int) -> list[float]:
        sid = ids[i % len(ids)]
        return [conn.request("PATCH", f"/api/text-messaging-senders/{sid}", _body(sid, i))]

    out: dict[str, Any] = {}
    for threads in (1, CONCURRENCY):
        jobs = list(range(n)) if threads == 1 else list(range(n, 2 * n))
        wall, srv = _threads(url, jobs, patch, threads)
        out[f"{threads}_conn_per_s"] = round(n / wall)
        if threads == 1:
            out["server_ms"] = summary(srv)
    with httpx.Client(base_url=url, headers=headers(0)) as api:  # what an httpx user sees
        t = time.perf_counter()
        for i in range(n // 4):
            sid = ids[i % len(ids)]
            api.patch(
                f"/api/text-messaging-senders/{sid}", json=_body(sid, i + 7)
            ).raise_for_status()
        out["httpx_1_conn_per_s"] = round((n // 4) / (time.perf_counter() - t))
    audit = admin.get("/_sandbox/audit-events").json()["events"]
    assert len(audit) == 2 * n + n // 4
    return out


def bench_plan(url: str, admin: httpx.Client, accounts: int) -> dict[str, Any]:
    admin.post("/_sandbox/reset", json=bulk_seed(accounts, 3)).raise_for_status()
    admin.delete("/_sandbox/metrics").raise_for_status()
    paths = ("/api/accounts", "/api/me", "/api/text-messaging-senders?page[size]=20")

    def account(conn: Conn, i: int) -> list[float]:
        return [conn.request("GET", path, i=i) for path in paths]

    wall, srv = _threads(url, list(range(accounts)), account, CONCURRENCY)
    metrics = admin.get("/_sandbox/metrics").json()
    return {
        "accounts": accounts,
        "requests": metrics["total"],
        "connections": CONCURRENCY,
        "wall_s": round(wall, 2),
        "per_s": round(metrics["total"] / wall),
        "server_ms": summary(srv),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    n = 300 if args.quick else 2000
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    }
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        results["startup"] = bench_startup(tmp)
        proc, url, _ = start("--admin", "--rate-limit", "off", "--quiet", db=tmp / "bench.db")
        try:
            with httpx.Client(base_url=url, timeout=120) as admin:
                results["seed"] = bench_seed(admin)
                results["list20"] = bench_list(url, admin, n)
                results["patch"] = bench_patch(url, admin, n)
                results["plan"] = bench_plan(url, admin, 200 if args.quick else 1000)
        finally:
            stop(proc)
    if args.json:
        sys.stdout.write(json.dumps(results, indent=2) + "\n")
    else:
        for name, value in results.items():
            sys.stdout.write(f"{name:8} {json.dumps(value)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
