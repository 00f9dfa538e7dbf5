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
the HTTP stack alone. The matrix's plan and apply rows carry it as the column
"client CPU per call" (`benchmarks.plan_apply.Row.cpu`: the median user + system time
of the process and its children from `wait4`, over the server's count; rows from runs
before this column existed show "–").

### Before and after, whole process

`callfwd plan --format json`, limits off, each run a fresh process against one
`callfwd serve`; before (main at 3acc5ea) and after (this branch, main merged)
alternate within one run so load hits both alike; medians of 3 (1 for 5,000
accounts); load average 2.7–3.8 during the runs (2026-12-03). CPU is the whole
process tree (`--jobs` workers included); calls are counted on the server.

| fleet | drift | `--jobs` | calls | before: wall / CPU | after: wall / CPU | CPU per call |
|---|---|---|---|---|---|---|
| 1,000 × 10 | 0 % | 1 | 2,000 | 7.88 s / 5.59 s | **4.73 s / 3.04 s** | 2.80 → 1.52 ms |
| 1,000 × 10 | 0 % | default (2) | 2,000 | 4.51 s / 5.65 s | **3.51 s / 3.71 s** | 2.82 → 1.85 ms |
| 1,000 × 10 | 10 % | 1 | 3,001 | 9.19 s / 6.39 s | **5.93 s / 3.76 s** | 2.13 → 1.25 ms |
| 1,000 × 10 | 10 % | default (2) | 3,002 | 9.47 s / 7.91 s | **6.53 s / 4.49 s** | 2.63 → 1.50 ms |
| 5,000 × 10 | 10 % | default (2) | 15,002 | 28.0 s / 33.5 s | **19.0 s / 20.5 s** | 2.23→1.37 ms |

Before main was merged (d71c791 → this work, `--jobs` not yet there, load 2.0–2.5):
1,000 × 10 at 0 % drift 5.33 s / 5.23 s → **2.65 s / 2.62 s**; 5,000 × 10 at 10 %
35.2 s → 16.5 s.

Targets: plan 1,000 × 10 with 2,000 calls ≤ 6 s wall — met in every run; ≤ 3 s of
CPU — met at d71c791 + this work (2.62 s) and at the edge with main merged and one
process (3.04 s at load 3.8); the two-worker default spends ~0.7 s more CPU on a
second process. 50,000 senders over 5,000 accounts ≤ 30 s — met (19.0 s). With 10 %
drift every account has a change, so plan also asks `/api/me` (3 calls per account).

### The HTTP path alone, alternatives side by side

Command: `python -m benchmarks.bench_client --baseline 3acc5ea` (one process: starts
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

- **orjson**: 14 µs instead of 37 µs per 10-sender page (8 kB), ~23 µs of ~530 µs per
  call (~4 %, half the calls are smaller); not worth a compiled dependency.
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
