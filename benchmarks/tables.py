"""The matrix's tables in docs/benchmarks.md: every size and shape, limits off and on."""

from __future__ import annotations

from typing import Any

from benchmarks.fmt import Row, cpu_per_call, drift, fleet_name, mib, n, ok, one, pick, s, table
from benchmarks.workload import ACCOUNTS, GET_ONE, ME, PAGES, WRITE, floor_seconds

MANY, ONE = "10 per account", "one account"


def off_row(r: Row, rows: list[Row]) -> Row | None:
    return one(rows, step=r["step"], senders=r["senders"], accounts=r["accounts"], drift=r["drift"])


def bound(r: Row, rows: list[Row]) -> float:
    """The best a limited run can do: its floor, or its own limits-off time if longer."""
    off = off_row(r, rows)
    return max(r["floor"] or 0.0, off["wall"] if off else 0.0)


def extra(r: Row) -> int:
    """Calls above the minimum, leaving out verify reads and the once-per-process probes."""
    return r["calls"]["total"] - r["verify"] - r.get("probes", 0) - (r["minimum"] or 0)


def matrix_table(rows: list[Row], shape: str) -> str:
    body = []
    for r in sorted(pick(rows, shape=shape, note=""), key=lambda r: (r["senders"], r["step"])):
        c = r["calls"]
        calls = "–" if not c else n(c["total"] - r["verify"])
        minimum = "–" if r["minimum"] is None else n(r["minimum"])
        if r.get("probes") and r["minimum"] is not None:
            minimum += f" + {r['probes']}"
        body.append(
            [
                fleet_name(r),
                r["step"],
                drift(r),
                f"{s(r['wall'])} ({r['runs']})",
                f"{r['rss_mb']:.0f} MB",
                calls,
                minimum,
                "–" if not c else n(c["writes"]),
                n(r["verify"]) if r["verify"] else "–",
                cpu_per_call(r),
                "0" if r["code"] == 0 else f"**{r['code']}**",
            ]
        )
    head = [
        "fleet",
        "step",
        "drift",
        "wall, median (runs)",
        "peak RSS",
        "calls",
        "minimum",
        "writes",
        "verify reads",
        "client CPU per call",
        "exit",
    ]
    return table(head, body)


def limited_table(lim: list[Row], rows: list[Row]) -> str:
    body = []
    for r in lim:
        off = one(
            rows, step=r["step"], senders=r["senders"], accounts=r["accounts"], drift=r["drift"]
        )
        per = -(-r["calls"]["total"] // max(1, r["accounts"]))
        slowest = slowest_bucket(r)
        share = r["floor"] / r["wall"] if r["floor"] else None
        body.append(
            [
                fleet_name(r),
                r["step"],
                drift(r),
                s(r["wall"]),
                s(off["wall"]) if off else "–",
                n(r["calls"]["total"]),
                f"{n(per)}; {slowest} → {s(r['floor'])}",
                "–" if share is None else f"{share:.0%}",
                f"×{r['wall'] / r['floor']:.2f}" if r["floor"] else "–",
                f"×{r['wall'] / bound(r, rows):.2f}" if bound(r, rows) else "–",
                n(r["calls"]["throttled"]),
                "0" if r["code"] == 0 else f"**{r['code']}**",
            ]
        )
    head = [
        "fleet",
        "step",
        "drift",
        "wall",
        "limits off",
        "calls",
        "per account; slowest bucket → floor",
        "share of ceiling",
        "wall / floor",
        "wall / max(floor, limits off)",
        "429s (retried)",
        "exit",
    ]
    return table(head, body)


def slowest_bucket(r: Row) -> str:
    """The endpoint bucket that sets the floor, with its calls per account."""
    per = {b: -(-k // max(1, r["accounts"])) for b, k in (r.get("buckets") or {}).items()}
    if not per:
        return "–"
    limits = r["limits"]

    def short(b: str) -> str:
        return b.replace("/api/text-messaging-senders", "senders").replace("/{sender_id}", "/{id}")

    writes = per.pop("PATCH /api/text-messaging-senders/{sender_id}", 0)
    per.pop("GET /api/text-messaging-senders/{sender_id}", None)
    if not per:
        return "–"
    b = max(per, key=lambda b: (floor_seconds({b: per[b]}, limits), per[b]))
    then = f", then {writes} × `PATCH senders/{{id}}`" if r["step"] == "apply" and writes else ""
    return f"{per[b]} × `{short(b)}`{then}"


def naive_calls(a: Row) -> Row:
    """What the naive script does on ``a``'s fleet, exactly: pages, then GET + PATCH each."""
    per = a["senders"] // max(1, a["accounts"])
    pages = a["accounts"] * -(-per // 20)
    total = pages + 2 * a["senders"]
    calls = {"total": total, "writes": a["senders"]}
    return {**a, "step": "naive", "wall": None, "calls": calls, "verify": 0}


def naive_table(rows: list[Row]) -> str:
    body = []
    applies = pick(rows, step="apply", drift=0.01)
    for a in sorted(applies, key=lambda r: (r["shape"], r["senders"])):
        r = one(rows, step="naive", senders=a["senders"], shape=a["shape"]) or naive_calls(a)
        body.append(
            [
                fleet_name(r),
                s(r["wall"]) if r["wall"] is not None else "not run (calls exact)",
                s(a["wall"]),
                n(r["calls"]["total"]),
                n(a["calls"]["total"]),
                n(r["calls"]["writes"]),
                n(a["calls"]["writes"]),
                f"{r['calls']['total'] / max(1, a['calls']['total']):.1f}×",
                f"{r['calls']['writes'] / max(1, a['calls']['writes']):.0f}×",
            ]
        )
    head = [
        "fleet (1% drift)",
        "naive wall",
        "callfwd apply wall",
        "naive calls",
        "callfwd calls (verify included)",
        "naive writes",
        "callfwd writes",
        "fewer calls",
        "fewer writes",
    ]
    return table(head, body)


def octodns_table(rows: list[Row]) -> str:
    body = []
    for o in sorted(pick(rows, step="octodns-validate"), key=lambda r: r["senders"]):
        for v in pick(rows, step="validate", senders=o["senders"]):
            body.append(
                [
                    n(o["senders"]),
                    v["shape"],
                    f"{s(v['wall'])} ({v['runs']})",
                    f"{v['rss_mb']:.0f} MB",
                    f"{s(o['wall'])} ({o['runs']})",
                    f"{o['rss_mb']:.0f} MB",
                    f"{o['wall'] / v['wall']:.1f}×",
                ]
            )
    head = [
        "records / senders",
        "callfwd fleet",
        "callfwd validate",
        "RSS",
        "octodns-validate",
        "RSS",
        "callfwd faster by",
    ]
    return table(head, body)


def minutes(x: float) -> str:
    return s(x) if x < 120 else f"{x:,.0f} s ({x / 60:.0f} min)"


def analytic_floors() -> str:
    """The floors of the runs too long to make at the vendor's limits, computed."""
    body = []
    for senders, accounts, share in (
        (2000, 1, 0.01),
        (10000, 1, 0.01),
        (50000, 1, 0.01),
        (300, 1, 1.0),
        (10000, 1000, 0.01),
        (50000, 5000, 0.01),
    ):
        per = senders // accounts
        pages = -(-per // 20)
        changes = max(1, round(per * share))
        plan = {ACCOUNTS: 1, PAGES: pages}
        # apply (default server, ETags): + /api/me, one PATCH per change, verify reads
        # verify re-reads whichever is fewer: one GET per change or the list pages
        then = {WRITE: changes, **({GET_ONE: changes} if changes < pages else {})}
        body.append(
            [
                f"{senders:,} senders"
                + (" in one account" if accounts == 1 else f" in {accounts:,} accounts"),
                f"1 + {pages:,} pages",
                minutes(floor_seconds(plan)),
                f"{share:.0%}: {changes:,} writes, then verify: "
                + (f"{changes:,} GETs" if changes < pages else f"{pages:,} pages"),
                minutes(floor_seconds({**plan, ME: 1}, then=then)),
            ]
        )
    head = [
        "fleet",
        "plan calls per account",
        "plan floor",
        "apply per account (drift: writes, verify reads)",
        "apply floor (reads, then writes; lower bound)",
    ]
    return table(head, body)


def other_targets(res: dict[str, Any]) -> str:
    """The targets the matrix and the small benchmarks answer (fleet targets: target_tables)."""
    rows = res["rows"]
    out = [
        *_small_benchmarks(res),
        _calls_exact(rows),
        *_validate_targets(rows),
        _within_floor(rows, res["limited"]),
        *_against_naive(rows),
    ]
    return table(["target", "measured (median)", ""], out)


def _small_benchmarks(res: dict[str, Any]) -> list[list[str]]:
    """``--help`` and the local API's own speed, where those benchmarks ran."""
    out = []
    bv = {c["name"]: c for c in res.get("bench_validate") or []}
    if (c := bv.get("--help")) is not None:
        out.append(["`callfwd --help` ≤ 0.3 s", s(c["median_s"]), ok(c["median_s"] <= 0.3)])
    if srv := res.get("bench_server"):
        ms = srv["list20"]["server_ms"]["median"]
        out.append(["20-item list page ≤ 3 ms server time", f"{ms} ms", ok(ms <= 3)])
        ps = srv["patch"]["8_conn_per_s"]
        out.append(["≥ 500 PATCH/s (8 connections)", f"{ps}/s", ok(ps >= 500)])
    return out


def _calls_exact(rows: list[Row]) -> list[str]:
    runs = pick(rows, step="apply") + pick(rows, step="plan")
    exact = [r for r in runs if extra(r) == 0]
    return [
        "limits off: plan and apply calls = minimum (+ probes) at every size and drift",
        f"{len(exact)} of {len(runs)} runs exact",
        ok(len(exact) == len(runs)),
    ]


def _validate_targets(rows: list[Row]) -> list[list[str]]:
    oct_ = {r["senders"]: r["wall"] for r in pick(rows, step="octodns-validate")}
    vals = [r for r in pick(rows, step="validate") if r["senders"] in oct_]
    slower = [r for r in vals if r["wall"] > oct_[r["senders"]]]
    out = [
        [
            "validate ≤ octodns-validate at the same size",
            f"{len(vals) - len(slower)} of {len(vals)} sizes × shapes",
            ok(not slower),
        ]
    ]
    for r in pick(rows, step="validate", senders=50000):
        out.append(
            [
                f"validate 50,000 ({r['shape']}) ≤ 5 s, ≤ 500 MiB",
                f"{s(r['wall'])}, {mib(r['rss_mb'])}",
                ok(r["wall"] <= 5 and r["rss_mb"] <= 500),
            ]
        )
    return out


def _within_floor(rows: list[Row], lim: list[Row]) -> list[str]:
    over = [r for r in lim if r["wall"] > 1.1 * bound(r, rows)]
    return [
        "vendor's limits: plan and apply ≤ 110% of the floor (or of the same run with "
        "limits off, when that is longer)",
        f"{len(lim) - len(over)} of {len(lim)} runs",
        ok(not over),
    ]


def _against_naive(rows: list[Row]) -> list[list[str]]:
    out = []
    for r in pick(rows, step="naive"):
        a = one(rows, step="apply", senders=r["senders"], shape=r["shape"], drift=0.01)
        if a is None:
            continue
        w = r["calls"]["writes"] / max(1, a["calls"]["writes"])
        c = r["calls"]["total"] / max(1, a["calls"]["total"])
        out.append(
            [
                f"1% drift, {fleet_name(a)}: ≥ 50× fewer writes, ≥ 5× fewer calls than naive",
                f"{w:.0f}× fewer writes, {c:.1f}× fewer calls",
                ok(w >= 50 and c >= 5),
            ]
        )
    return out
