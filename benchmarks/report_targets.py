"""The "Targets" section of docs/benchmarks.md: the fleet targets, one row per cell."""

from __future__ import annotations

from typing import Any

from benchmarks import report as t

Row = dict[str, Any]
SERVE = "callfwd serve"


def jobs(r: Row) -> str:
    return "1" if r["args"] == ["--jobs", "1"] else "default"


def default_jobs(r: Row) -> int:
    return 1 if r["accounts"] < 500 else 2  # min(CPU count, 4) on this 2-core machine


def command(r: Row) -> str:
    plan = " ".join(["callfwd plan", *r["args"]])
    return f"`{SERVE} {r['server']}` + `{plan}`"


def cpu_per_call(r: Row) -> str:
    total = r["calls"].get("total")
    return "–" if r.get("cpu") is None or not total else f"{r['cpu'] / total * 1000:.2f} ms"


def calls_text(r: Row) -> str:
    """Total, with what is above the 2-per-account shape spelled out."""
    b = r["buckets"]
    parts = [
        f"{b.get('GET /api/accounts', 0):,} accounts",
        f"{b.get('GET /api/text-messaging-senders', 0):,} pages",
    ]
    if b.get("GET /api/me"):
        parts.append(f"{b['GET /api/me']:,} /api/me")
    absent = b.get("GET (no route)", 0)
    if absent:
        parts.append(f"{absent} /api/me 404")
    opts = sum(n for k, n in b.items() if k.startswith("OPTIONS "))
    if opts:
        parts.append(f"{opts} OPTIONS")
    return f"{r['calls']['total']:,} ({', '.join(parts)})"


def mode(r: Row) -> str:
    return "published-only" if r.get("published_only") else "default"


def fleet_rows(rows: list[Row], group: str) -> list[Row]:
    return [r for r in rows if r["note"] == group]


def verdict(r: Row, wall: float, cpu: float | None) -> tuple[bool, list[str]]:
    why = []
    if r["wall"] > wall:
        why.append(f"wall > {wall:g} s")
    if cpu is not None and (r["cpu"] or 0) > cpu:
        why.append(f"CPU > {cpu:g} s")
    if r["calls"]["total"] != (r["minimum"] or 0) + r["probes"]:
        why.append("calls above the minimum")
    if r["code"] not in (0, 2):
        why.append(f"exit {r['code']}")
    return not why, why


def fleet_table(rows: list[Row], wall: float, cpu: float | None) -> tuple[str, int, int]:
    body, met = [], 0
    for r in rows:
        good, why = verdict(r, wall, cpu)
        met += good
        body.append(
            [
                mode(r),
                t.drift(r),
                jobs(r) + ("" if jobs(r) == "1" else f" ({default_jobs(r)})"),
                f"{t.s(r['wall'])} ({r['runs']})",
                t.s(r["cpu"]),
                calls_text(r),
                f"{(r['minimum'] or 0):,} + {r['probes']}",
                cpu_per_call(r),
                "met" if good else "**missed**: " + ", ".join(why),
                command(r),
            ]
        )
    head = [
        "server",
        "drift",
        "`--jobs`",
        "wall, median (runs)",
        "CPU, median",
        "calls counted on the server",
        "minimum + probes",
        "client CPU per call",
        "target",
        "command",
    ]
    return t.table(head, body), met, len(rows)


def ratio(a: Row | None, b: Row | None) -> str:
    if not a or not b:
        return "–"
    return f"×{b['wall'] / a['wall']:.2f}"


def section(res: dict[str, Any]) -> str:
    rows = res.get("targets") or []
    if not rows:
        return "## Targets\n\nThe fleet targets did not run in this run.\n"
    load = " / ".join(str(x) for x in res.get("targets_load") or [])
    out = [
        "## Targets\n",
        "Command: `python -m benchmarks.run` (the cells: `python -m benchmarks.targets`). "
        "Each cell: one `callfwd serve` of that kind (`--port 0 --admin --quiet`, reset "
        "to the fleet's live state before every run), then `callfwd plan` as a fresh "
        "process in a workspace of one manifest and one key per account. Wall and CPU "
        "(user + system of callfwd's process and its forked `--jobs` workers, from "
        "`wait4`) are medians of the runs given; calls are counted on the server. "
        f"Load average when these cells started: {load} (2 cores, shared).\n",
        "**Minimum + probes**: per account `GET /api/accounts` + ⌈senders/20⌉ list "
        "pages, + `GET /api/me` for each account with a change where the API offers it "
        "(the default server); the probes are callfwd's once-per-process questions, "
        "counted apart: one `OPTIONS` write probe per API origin per process that has "
        "changes, and against `--published-only` one `/api/me` that answers 404 (then "
        "callfwd stops asking that API). At 10 % drift every account of 10 senders has "
        "a change. `--jobs` default is 1 below 500 accounts, else min(CPU count, 4) = 2 "
        "here.\n",
    ]
    summary: list[list[str]] = []

    off = fleet_rows(rows, "fleet-off")
    if off:
        tab, met, n = fleet_table(off, 6.0, 3.0)
        f = off[0]
        summary.append(
            [
                f"plan {f['accounts']:,} accounts × {f['senders'] // f['accounts']}, "
                "limits off: ≤ 6 s wall, ≤ 3 s CPU, 2 calls per account (+ /api/me "
                "where changed, + probes)",
                f"{met} of {n} cells; wall {t.s(min(r['wall'] for r in off))}–"
                f"{t.s(max(r['wall'] for r in off))}, CPU {t.s(min(r['cpu'] for r in off))}–"
                f"{t.s(max(r['cpu'] for r in off))}",
                t.ok(met == n),
                "`callfwd serve --rate-limit off [--published-only]` + `callfwd plan [--jobs 1]`",
            ]
        )
        out.append(
            f"### Plan {f['accounts']:,} accounts × {f['senders'] // f['accounts']} "
            "senders, limits off\n\nTarget: ≤ 6 s wall, ≤ 3 s CPU, the minimum calls.\n\n" + tab
        )
    remote = fleet_rows(rows, "fleet-remote")
    if remote:
        tab, met, n = fleet_table(remote, 8.0, None)
        summary.append(
            [
                f"plan {remote[0]['accounts']:,} accounts × 10 at the vendor's default "
                "limits, 50 ms latency: ≤ 8 s",
                f"{met} of {n} cells; wall {t.s(min(r['wall'] for r in remote))}–"
                f"{t.s(max(r['wall'] for r in remote))}",
                t.ok(met == n),
                "`callfwd serve --rate-limit vendor --latency 50ms [--published-only]` + "
                "`callfwd plan [--jobs 1]`",
            ]
        )
        out.append(
            "### The same at the vendor's default limits, 50 ms latency\n\n"
            "The server at its default `--rate-limit vendor` (per account and endpoint: "
            "reads 3/s and 60/min, `GET /api/accounts` 1/s and 15/min) with `--latency "
            "50ms` on every answer (the server waits without CPU, as a distant API "
            "would). Each account makes one call in each of two buckets, so the windows "
            "set no floor (0 s); the latency and callfwd's concurrency do. Target ≤ 8 s.\n\n" + tab
        )
    cmp_lines = []
    for group, what in (("fleet-remote", "50 ms latency, vendor limits"),
                        ("fleet-off", "same two cores, limits off, no latency")):  # fmt: skip
        g = fleet_rows(rows, group)
        for m in ("published-only", "default"):
            one_ = next((r for r in g if mode(r) == m and jobs(r) == "1" and r["drift"] == 0), None)
            dflt = next(
                (r for r in g if mode(r) == m and jobs(r) == "default" and r["drift"] == 0), None
            )
            if one_ and dflt:
                cmp_lines.append(
                    [
                        what,
                        m,
                        f"{t.s(one_['wall'])} / {t.s(one_['cpu'])}",
                        f"{t.s(dflt['wall'])} / {t.s(dflt['cpu'])}",
                        ratio(one_, dflt),
                    ]
                )
    if cmp_lines:
        out.append(
            "### Where sharding pays\n\n`--jobs 1` against the default (2 processes here), "
            "0 % drift, medians from the tables above. A ratio below 1 means the default "
            "is faster.\n\n"
            + t.table(
                [
                    "conditions",
                    "server",
                    "`--jobs 1`: wall / CPU",
                    "default: wall / CPU",
                    "default ÷ `--jobs 1` (wall)",
                ],
                cmp_lines,
            )
            + SHARDING
        )
    big = fleet_rows(rows, "fleet-50k")
    for r in big:
        good, why = verdict(r, 30.0, None)
        summary.append(
            [
                f"plan {r['senders']:,} senders over {r['accounts']:,} accounts "
                f"({t.drift(r)} drift, limits off): ≤ 30 s",
                f"{t.s(r['wall'])} ({r['runs']} run), CPU {t.s(r['cpu'])}, "
                f"{r['calls']['total']:,} calls, {cpu_per_call(r)} per call",
                "met" if good else "**missed**: " + ", ".join(why),
                command(r),
            ]
        )
    for r in fleet_rows(rows, "one-account"):
        pages = r["buckets"].get("GET /api/text-messaging-senders", 0)
        good = r["floor"] is not None and r["wall"] <= 1.1 * r["floor"] and r["code"] in (0, 2)
        summary.append(
            [
                f"plan one account of {r['senders']:,} senders at the vendor's default "
                f"limits: ≤ 110 % of the floor ({pages} list pages at 3/s, 60/min → "
                f"{t.s(r['floor'])}; the key check is 1 call in its own bucket)",
                f"{t.s(r['wall'])} (median of {r['runs']}) = "
                f"×{r['wall'] / r['floor']:.2f} of the floor; "
                f"{r['calls']['total']} calls, {r['calls']['throttled']} answered 429; "
                f"{cpu_per_call(r)} per call",
                t.ok(good),
                command(r),
            ]
        )
    bv = {c["name"]: c for c in res.get("bench_validate") or []}
    if (c := bv.get("1,000 files x 10 senders")) is not None:
        summary.append(
            [
                "validate 1,000 files × 10 senders ≤ 1.0 s",
                f"{t.s(c['median_s'])} (median of {c.get('runs', 3)})",
                t.ok(c["median_s"] <= 1.0),
                f"`{c['command']}`",
            ]
        )
    table = t.table(["target", "measured", "", "command"], summary)
    return "\n".join([*out[:3], table, GAPS, *out[3:]])


AB = "python -m benchmarks.ab_jobs --pairs 5"
SHARDING = (
    """
Three runs per cell on a shared machine spread by up to ±1 s, so the ratios above
are weak. Interleaved, 5 pairs each (`--jobs 1` and the default alternating against
one server; `python -m benchmarks.ab_jobs`, not part of `make bench`; 2026-12-03
13:18–13:20 UTC, load average 1.4–1.8), default server, 0 % drift:

"""
    + t.table(
        ["conditions", "command", "`--jobs 1`: wall / CPU", "default (2): wall / CPU", "ratio"],
        [
            [
                "50 ms latency, vendor limits",
                f"`{AB} --rate-limit vendor --latency 50ms`",
                "5.40 s / 3.50 s",
                "3.90 s / 3.80 s",
                "×0.72",
            ],
            [
                "same two cores, limits off, no latency",
                f"`{AB}`",
                "3.12 s / 3.11 s",
                "3.17 s / 3.48 s",
                "×1.01",
            ],
        ],
    )
    + """
These interleaved pairs were measured when one process planned 32 accounts at once:
then a second process kept 32 more in flight and sharding paid where calls wait on
the network (−28 % wall). Since the planner works on 128 accounts at once (one per
pooled connection), one process already hides 50 ms of latency for 1,000 accounts
(the tables above: +12 % wall over no latency), and a second process pays only where
the client's own CPU is the limit against a remote API — a fleet of thousands of
accounts (the 50,000-sender cell runs two). On the server's own two cores it buys
nothing and costs ~0.4 s of CPU for the second process: pass `--jobs 1` there.
"""
)


GAPS = """**Where targets are missed, from the profiles** (commands in "Profiled" below;
profiles taken at 13:01 and 13:30 UTC today, not by `make bench`):

- *Plan 1,000 × 10, ≤ 3 s CPU*: at the edge, and missed in most cells of this run.
  With `--jobs 1` and no drift the process spent 2.57 s (13:04 run), 2.90 s (this
  run) and 3.1–3.6 s (interleaved A/B, 13:17). Where it goes (pyinstrument, 10 %
  drift, `--jobs 1`): about 12 % start-up, manifest loading and validation
  (`load_desired`: `manifest/loader.py: _build`, `rules/forwarding.py:
  check_forwarding`), the rest the HTTP path: per call ~2/3 httpcore + h11
  (`AsyncioTransport.handle_async_request`, `socket.send` alone 0.45 ms per call
  under load), ~1/4 `Response.aread`, ~6 % `httpx.Request.__init__`: 1.3–1.6 ms of
  client CPU per call × 2,000 calls. The default `--jobs` (2 processes) adds 0.3–0.5
  s of CPU for the second interpreter and its imports; 10 % drift on the default
  server adds 1,000 `/api/me` calls (a third more calls) and ~0.8 s. Meeting 3 s
  reliably needs a cheaper HTTP path per call (the stdlib `http.client` reference
  costs ~0.23 ms per call against ~0.5 ms for callfwd's shared pools in "Client cost
  per call" below).
- *Validate 1,000 files × 10, ≤ 1.0 s* (1.1–1.2 s here): pyinstrument of
  `callfwd validate` (1.43 s under the profiler): 0.43 s is importing
  `reconciler.config`, whose `config/model.py` imports `reconciler.api` and with it
  httpx, httpcore and asyncio (0.23 s) although validate sends no request; the
  checks themselves are 0.86 s (`loader._build` 0.28 s, `check_forwarding` 0.33 s,
  number classification `domain/numbers.py` ~0.2 s of it). Importing the API client
  lazily would bring validate to about 0.9 s.
"""
