"""The fleet targets' tables in docs/benchmarks.md: the summary, and one row per cell.

The targets themselves are written once, here (``Target``); the summary, the
cells' verdicts and the document's prose (through ``benchmarks.figures``) all
read them from this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from benchmarks.fmt import Row, cpu_per_call, drift, mib, n, ok, s, table


@dataclass(frozen=True)
class Target:
    wall: float  # seconds
    cpu: float | None = None  # seconds of callfwd's own CPU (user + system)
    rss: float | None = None  # MiB of peak resident memory


OFF = Target(wall=8.0, cpu=8.0)  # plan 1,000 x 10, limits off
REMOTE = Target(wall=8.0)  # the same at the vendor's limits, 50 ms latency
BIG = Target(wall=30.0, rss=200.0)  # plan 50,000 senders over 5,000 accounts
VALIDATE = Target(wall=1.0)  # validate 1,000 files x 10
ONE_ACCOUNT = 1.1  # plan one account of 2,000 senders: share of the floor


def command(r: Row) -> str:
    return f"`callfwd serve {r['server']}` + `{' '.join(['callfwd plan', *r['args']])}`"


def calls_text(r: Row) -> str:
    """Total, with what is above the 2-per-account shape spelled out."""
    b = r["buckets"]
    parts = [
        f"{b.get('GET /api/accounts', 0):,} accounts",
        f"{b.get('GET /api/text-messaging-senders', 0):,} pages",
    ]
    if b.get("GET /api/me"):
        parts.append(f"{b['GET /api/me']:,} /api/me")
    if absent := b.get("GET (no route)", 0):
        parts.append(f"{absent} /api/me 404")
    if opts := sum(k for name, k in b.items() if name.startswith("OPTIONS ")):
        parts.append(f"{opts} OPTIONS")
    return f"{r['calls']['total']:,} ({', '.join(parts)})"


def mode(r: Row) -> str:
    return "published-only" if r.get("published_only") else "default"


def cells(res: dict[str, Any], group: str) -> list[Row]:
    return [r for r in res.get("targets") or [] if r["note"] == group]


def verdict(r: Row, target: Target) -> list[str]:
    """Why the cell misses ``target`` (empty when it is met)."""
    why = []
    if r["wall"] > target.wall:
        why.append(f"wall > {target.wall:g} s")
    if target.cpu is not None and (r["cpu"] or 0) > target.cpu:
        why.append(f"CPU > {target.cpu:g} s")
    if target.rss is not None and r["rss_mb"] > target.rss:
        why.append(f"peak RSS > {target.rss:g} MiB")
    if r["calls"]["total"] != (r["minimum"] or 0) + r["probes"]:
        why.append("calls above the minimum")
    if r["code"] not in (0, 2):
        why.append(f"exit {r['code']}")
    return why


def shown(why: list[str]) -> str:
    return "met" if not why else "**missed**: " + ", ".join(why)


def plan_cells(res: dict[str, Any], group: str) -> str:
    """One row per cell of a group: the server's kind, drift, wall, CPU, calls, verdict."""
    target = {"fleet-off": OFF, "fleet-remote": REMOTE, "fleet-50k": BIG}[group]
    body = [
        [
            mode(r),
            drift(r),
            f"{s(r['wall'])} ({r['runs']})",
            s(r["cpu"]),
            mib(r["rss_mb"]),
            calls_text(r),
            f"{(r['minimum'] or 0):,} + {r['probes']}",
            cpu_per_call(r),
            shown(verdict(r, target)),
            command(r),
        ]
        for r in cells(res, group)
    ]
    head = [
        "server",
        "drift",
        "wall, median (runs)",
        "CPU, median",
        "peak RSS",
        "calls counted on the server",
        "minimum + probes",
        "client CPU per call",
        "target",
        "command",
    ]
    return table(head, body) if body else "_Not run in this run._\n"


def _span(rows: list[Row], key: str) -> str:
    lo, hi = min(r[key] for r in rows), max(r[key] for r in rows)
    return s(lo) if lo == hi else f"{s(lo)}–{s(hi)}"


Measured = tuple[str, str] | None  # what was measured and the verdict; None: not run


def _cells_measured(rows: list[Row], target: Target) -> Measured:
    if not rows:
        return None
    met = sum(not verdict(r, target) for r in rows)
    cpu = f", CPU {_span(rows, 'cpu')}" if target.cpu is not None else ""
    return f"{met} of {len(rows)} cells; wall {_span(rows, 'wall')}{cpu}", ok(met == len(rows))


def _big_measured(r: Row | None) -> Measured:
    if r is None:
        return None
    return (
        f"{s(r['wall'])} ({r['runs']} run), {mib(r['rss_mb'])}; CPU {s(r['cpu'])}, "
        f"{r['calls']['total']:,} calls",
        shown(verdict(r, BIG)),
    )


def _one_account_measured(r: Row | None) -> Measured:
    if r is None or not r["floor"]:
        return None
    return (
        f"{s(r['wall'])} (median of {r['runs']}) = ×{r['wall'] / r['floor']:.2f} of the "
        f"floor of {s(r['floor'])}; {r['calls']['total']} calls, "
        f"{r['calls']['throttled']} answered 429",
        ok(r["wall"] <= ONE_ACCOUNT * r["floor"] and r["code"] in (0, 2)),
    )


def _validate_measured(c: dict[str, Any] | None) -> Measured:
    if c is None:
        return None
    return f"{s(c['median_s'])} (median of {c['runs']})", ok(c["median_s"] <= VALIDATE.wall)


def _report_measured(rows: list[Row]) -> Measured:
    plans = {r["drift"]: r for r in rows if r["step"] == "plan"}
    reports = [r for r in rows if r["step"] != "plan"]
    if not reports:
        return None
    same = [r for r in reports if r["buckets"] == plans[r["drift"]]["buckets"]]
    return (
        f"{len(same)} of {len(reports)} reports made the plan's calls, endpoint by endpoint",
        ok(len(same) == len(reports)),
    )


def summary(res: dict[str, Any]) -> str:
    """Every fleet target, one row each: what was measured, met or missed, the command."""
    validate = {c["name"]: c for c in res.get("bench_validate") or []}
    rows: list[tuple[str, Measured, str]] = [
        (
            f"plan 1,000 accounts × 10 at the vendor's limits, 50 ms latency: ≤ {REMOTE.wall:g} s",
            _cells_measured(cells(res, "fleet-remote"), REMOTE),
            "`callfwd serve --rate-limit vendor --latency 50ms [--published-only]` + "
            "`callfwd plan`",
        ),
        (
            f"plan 1,000 accounts × 10, limits off: ≤ {OFF.wall:g} s wall, ≤ {OFF.cpu:g} s CPU, "
            "the minimum calls",
            _cells_measured(cells(res, "fleet-off"), OFF),
            "`callfwd serve --rate-limit off [--published-only]` + `callfwd plan`",
        ),
        (
            f"plan 50,000 senders over 5,000 accounts (10% drift, limits off): ≤ {BIG.wall:g} s, "
            f"≤ {BIG.rss:g} MiB peak RSS",
            _big_measured(next(iter(cells(res, "fleet-50k")), None)),
            "`callfwd serve --rate-limit off` + `callfwd plan`",
        ),
        (
            f"plan one account of 2,000 senders at the vendor's limits: ≤ {ONE_ACCOUNT:.0%} "
            "of the floor (100 list pages at 3/s and 60/min)",
            _one_account_measured(next(iter(cells(res, "one-account")), None)),
            "`callfwd serve --rate-limit vendor --published-only` + `callfwd plan`",
        ),
        (
            f"validate 1,000 files × 10 senders ≤ {VALIDATE.wall:.1f} s",
            _validate_measured(validate.get("1,000 files x 10 senders")),
            "`callfwd validate fleet-1000x10`",
        ),
        (
            "`callfwd report` of 1,000 × 10 costs no more calls than `callfwd plan`",
            _report_measured(res.get("report_vs_plan") or []),
            "`python -m benchmarks.bench_report`",
        ),
    ]
    body = [
        [target, *(measured or ("not run in this run", "–")), command]
        for target, measured, command in rows
    ]
    return table(["target", "measured", "", "command"], body)


def validate_table(res: dict[str, Any]) -> str:
    body = [
        [
            c["name"],
            f"`{c['command']}`",
            s(c["median_s"]),
            s(c.get("median_cpu_s")),
            mib(c["peak_rss_mb"]),
            "–"
            if c["target_s"] is None
            else f"≤ {c['target_s']} s"
            + (f", ≤ {c['target_mb']:.0f} MiB" if c.get("target_mb") else ""),
        ]
        for c in res.get("bench_validate") or []
    ]
    head = ["case", "command", "wall, median", "CPU, median", "peak RSS", "target"]
    return table(head, body) if body else "_Not run in this run._\n"


def server_table(res: dict[str, Any]) -> str:
    srv = res.get("bench_server")
    if not srv:
        return "_Not run in this run._\n"
    lst, p = srv["list20"], srv["patch"]
    sm = lst["server_ms"]
    body = [
        ["20-item list page, server time", f"{sm['median']} ms (p95 {sm['p95']} ms, n={sm['n']})"],
        ["20-item list page, client round trip", f"{lst['client_ms']['median']} ms"],
        ["PATCH/s, 1 keep-alive connection", str(p["1_conn_per_s"])],
        ["PATCH/s, 8 connections", str(p["8_conn_per_s"])],
        ["PATCH/s, one httpx client", str(p["httpx_1_conn_per_s"])],
        ["PATCH server time", f"{p['server_ms']['median']} ms"],
        ["startup to ready line (demo seed)", f"{srv['startup']['ready_ms']['median']:.0f} ms"],
    ]
    return table(["figure", "median"], body)


def report_table(res: dict[str, Any]) -> str:
    """``callfwd report`` against ``callfwd plan`` on the same server state."""
    rows = res.get("report_vs_plan") or []
    plans = {(r["accounts"], r["drift"]): r for r in rows if r["step"] == "plan"}
    body = []
    for r in rows:
        plan = plans[(r["accounts"], r["drift"])]
        same = "—" if r is plan else ("yes" if r["buckets"] == plan["buckets"] else "**no**")
        body.append(
            [
                f"{r['accounts']:,} × {r['per_account']}",
                f"{r['drift']:.0%}",
                f"`{r['step']}`",
                n(r["calls"]),
                same,
                s(r["wall"]),
                s(r["cpu"]),
                "" if r["bytes"] is None else f"{r['bytes'] / 1e6:.1f} MB",
            ]
        )
    head = ["fleet", "drift", "step", "calls", "same endpoints as plan", "wall", "CPU", "output"]
    return table(head, body) if body else "_Not run in this run._\n"
