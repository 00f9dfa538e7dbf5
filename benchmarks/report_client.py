"""The "Client cost per call" section of docs/benchmarks.md, from bench_client's JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks import report as t

JSON = Path(__file__).resolve().parents[1] / "docs" / "img" / "bench_client.json"

INTRO = """## Client cost per call

**Client CPU per call** = the CPU time (user + system) of the whole `callfwd` process
divided by the calls the server counted (`GET /_sandbox/metrics`). It includes the
process start and manifest validation, so it is the cost a CI job pays per call, not
the HTTP stack alone. Every plan and apply row above has the three numbers needed:
the CPU from `/usr/bin/time -f "%U %S"`, the calls from the server.

### Before and after, whole process

`callfwd plan --format json`, limits off, each run a fresh process against one
`callfwd serve`; before (d71c791) and after alternate within one run so load hits
both alike (medians; the script is `benchmarks.workload.Fleet`/`Server` around
`/usr/bin/time`; load average 2.0–4.0 during the runs, 2026-12-03).

| fleet | drift | calls | before: wall / CPU | after: wall / CPU | CPU per call, before → after |
|---|---|---|---|---|---|
| 1,000 accounts × 10 | 0 % | 2,000 | 5.33 s / 5.23 s | **2.65 s / 2.62 s** | 2.62 ms → 1.31 ms |
| 1,000 accounts × 10 | 10 % | 3,001 | 9.36 s / 7.34 s | **4.69 s / 3.64 s** | 2.45 ms → 1.21 ms |
| 5,000 accounts × 10 | 10 % | 15,001 | 35.2 s / 33.8 s | **16.5 s / 14.9 s** | 2.25 ms → 1.00 ms |

Targets: plan 1,000 × 10 with 2,000 calls ≤ 6 s wall and ≤ 3 s CPU — met (2.65 s,
2.62 s). 50,000 senders over 5,000 accounts ≤ 30 s — met (16.5 s). With 10 % drift
every account has a change, so plan also asks `/api/me` (3 calls per account): 3.64 s
of CPU, over the 3 s that the 2,000-call case meets.

### The HTTP path alone, alternatives side by side

Command: `python -m benchmarks.bench_client --baseline d71c791` (one process: starts
`callfwd serve` with limits off, seeds the accounts, sends a plan's two GETs per
account, 32 accounts at a time as the planner does; CPU is `time.process_time()` of
this process over a round divided by the server-counted calls; the server's own CPU
is not in it). Raw figures: [img/bench_client.json](img/bench_client.json).
"""

AFTER = """
What was implemented (`reconciler/api/transport.py`, `reconciler/api/asyncio_backend.py`):

- **One pool per API origin for the whole run** instead of one `httpx.AsyncClient`
  per `SettingsClient` (two per account: 2,000 TCP connects for 1,000 accounts).
  The pool carries no credentials: each client sends its key as a per-request
  header; it keeps no cookies and follows no redirects. It is leased by the first
  request and closed by the last client out, or held for a whole run by
  `async with shared_pools():`. An injected `transport=` still gets a client of its own.
- **Many one-connection pools, not one big one.** httpcore scans every connection
  (and for each idle one every connection again) twice per request, calling
  `has_expired()` → a `select` on each idle socket: a shared pool of 64 connections
  cost *more* than a pool per account (`shared-64` above). 32 shards of one
  connection, each request on the least busy, keep the scans short and still allow
  32 requests in flight for a distant server.
- **httpcore on plain asyncio streams** (`AsyncioBackend`): no anyio cancel scope
  per socket read and write, and `is_readable` without a syscall.
- **No `httpx.AsyncClient` layer on the shared path**: `httpx.Request` straight into
  the transport (URL merging, cookie jar, auth and redirect machinery, hooks were
  unused). With proxy settings in the environment httpx's own client is used.
- **URLs parsed once per process**: the base URL and fixed endpoints (with the
  list's `page[size]` query) are cached; a `SettingsClient` costs no URL parse.

Rejected, measured:

- **orjson**: 10 µs instead of 22 µs per 10-sender page, i.e. ~12 µs of ~700 µs per
  call (< 2 %); not worth a compiled dependency.
- **A bigger pool or httpcore's `retries=`**: `shared`, `shared-64`,
  `shared-retries` are 1.3–2× *slower* than a pool per account (the scan above).
- **Gating requests in front of the pool** (`-gated`): no gain over the shards.
- **Pacer header bookkeeping**: ~5 `Headers.get` per answer at ~2 µs each, ~1 % of
  a call; left as is.

Where the time still goes (cProfile of `callfwd plan`, 1,000 × 10, 0 % drift,
2,000 calls; own time by package, profiler overhead included): httpcore 11 %,
h11 10 %, asyncio 9 %, httpx 8 %, socket syscalls 6 %, anyio + sniffio 5 %
(httpcore's own locks and shields still go through anyio on asyncio),
`reconciler.api` 6 %, JSON 2 %; the rest is the process start, manifest loading and
validation (`load_desired` ~16 %) and planning. The HTTP stack is about half of the
process and most of what is left per call: `ref-sync-httpx` (one sync connection,
no concurrency) is about the floor of httpx on this machine, and stdlib
`http.client` is 3× below it. Going much lower would need another HTTP client.
"""


def table(data: dict[str, Any]) -> str:
    head = ["variant", "what", "calls", "client CPU per call", "wall per call", "× first"]
    body = [
        [
            f"`{r['variant']}`",
            r["what"],
            t.n(r["calls"]),
            f"{r['cpu_per_call_us']:.0f} µs",
            f"{r['wall_per_call_us']:.0f} µs",
            f"{r['vs_first']:.2f}",
        ]
        for r in data["rows"]
    ]
    load = " / ".join(str(x) for x in data["load_average"])
    parse = data["json_parse_us"]
    return (
        f"{data['accounts']} accounts × 2 GETs, median of {data['rounds']} rounds, "
        f"httpx {data['httpx']}, load average {load}, {data['seconds']} s.\n\n"
        + t.table(head, body)
        + f"\nJSON parse of one 10-sender page ({parse['bytes']:.0f} bytes): "
        f"json {parse['json']} µs, orjson {parse.get('orjson', '–')} µs.\n"
    )


def section(path: Path = JSON) -> str:
    if not path.exists():
        return INTRO + "\n_Not measured: run `python -m benchmarks.bench_client`._\n" + AFTER
    return INTRO + "\n" + table(json.loads(path.read_text(encoding="utf-8"))) + AFTER
