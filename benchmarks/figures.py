"""Every block and figure docs/benchmarks.md names, and what makes each.

Three sources, each written by a command, never by hand:

- ``docs/img/benchmarks.json``: the last ``make bench`` (``python -m benchmarks.run``);
- ``docs/img/ab.json``: A/B comparisons recorded for a change
  (``python -m benchmarks.ab --record NAME``), each with its command and date;
- the code itself, for the few constants the prose explains figures with
  (how many accounts callfwd works on at once), so a change to one shows here.

``registries`` gives ``benchmarks.document.fill`` its two name → function maps.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks import client_tables, tables
from benchmarks import target_tables as tt
from benchmarks.document import Make, fill, names
from benchmarks.fmt import mib, ratio, s, table

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "img" / "benchmarks.json"
RECORDED = ROOT / "docs" / "img" / "ab.json"
DOCUMENT = ROOT / "docs" / "benchmarks.md"


def read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def run_header(res: dict[str, Any]) -> str:
    m = res["machine"]
    load = " / ".join(str(x) for x in m["load_at_start"])
    end = " / ".join(str(x) for x in res.get("load_at_end") or [])
    return (
        f"_Last run: {m['date']}, {res['seconds']} s. Machine: {m['nproc']} × {m['cpu']}, "
        f"{m['memory_gib']} GiB, Python {m['python']}, {m['platform']}. Load average at the "
        f"start {load}, at the end {end}._"
    )


def skipped(res: dict[str, Any]) -> str:
    if not res.get("skipped"):
        return "_Nothing was skipped in this run._"
    return "_Skipped in this run for time: " + ", ".join(res["skipped"]) + "._"


def recorded_table(entry: dict[str, Any]) -> str:
    """One recorded A/B comparison: each side's code and medians, and their ratios."""
    a, b = entry["A"], entry["B"]
    body = [
        [
            k,
            f"`{v['command']}`",
            v.get("label") or v["code"],
            s(v["wall"]),
            s(v["cpu"]),
            mib(v["rss_mb"]),
        ]
        for k, v in (("A", a), ("B", b))
    ]
    body.append(
        [
            "B ÷ A",
            "",
            "",
            ratio(b["wall"] / a["wall"]),
            ratio(b["cpu"] / a["cpu"]),
            ratio(b["rss_mb"] / a["rss_mb"]),
        ]
    )
    load = " / ".join(str(x) for x in entry["load_average"])
    head = ["", "command", "code", "wall, median", "CPU, median", "peak RSS, median"]
    return (
        f"`{entry['command']}` on {entry['date']}: {entry['fleet']} fleet, "
        f"{entry['pairs']} interleaved pairs, load average {load} at the end.\n\n"
        + table(head, body)
    )


def _code_facts() -> dict[str, Make]:
    from reconciler.api.pacing import DEFAULT_CONCURRENCY
    from reconciler.engine.fanout import ACCOUNTS_AT_ONCE

    return {
        "code.accounts_at_once": lambda: f"{ACCOUNTS_AT_ONCE}",
        "code.in_flight_per_account": lambda: f"{DEFAULT_CONCURRENCY}",
    }


def _recorded_figures(recorded: dict[str, Any]) -> dict[str, Make]:
    out: dict[str, Make] = {}
    for name, entry in recorded.items():
        for side in ("A", "B"):
            v = entry[side]
            out[f"ab.{name}.{side}.wall"] = lambda v=v: s(v["wall"])
            out[f"ab.{name}.{side}.cpu"] = lambda v=v: s(v["cpu"])
            out[f"ab.{name}.{side}.rss"] = lambda v=v: mib(v["rss_mb"])
        a, b = entry["A"], entry["B"]
        for key, field in (("wall", "wall"), ("cpu", "cpu"), ("rss", "rss_mb")):
            out[f"ab.{name}.ratio.{key}"] = lambda a=a, b=b, f=field: ratio(b[f] / a[f])
    return out


def _run_figures(res: dict[str, Any]) -> dict[str, Make]:
    # a figure the run did not measure (``--quick`` leaves some out) reads "–"
    def big(key: str) -> Make:
        def make() -> str:
            r = next(iter(tt.cells(res, "fleet-50k")), None)
            return "–" if r is None else mib(r[key]) if key == "rss_mb" else s(r[key])

        return make

    def validate(name: str) -> Make:
        def make() -> str:
            c = {c["name"]: c for c in res.get("bench_validate") or []}.get(name)
            return "–" if c is None else s(c["median_s"])

        return make

    return {
        "run.50k.rss": big("rss_mb"),
        "run.50k.wall": big("wall"),
        "run.validate.1000x10": validate("1,000 files x 10 senders"),
    }


def registries(
    res: dict[str, Any], recorded: dict[str, Any]
) -> tuple[dict[str, Make], dict[str, Make]]:
    rows, lim = res.get("rows") or [], res.get("limited") or []
    blocks: dict[str, Make] = {
        "run": lambda: run_header(res),
        "targets": lambda: tt.summary(res),
        "plan-limits-off": lambda: tt.plan_cells(res, "fleet-off"),
        "plan-remote": lambda: tt.plan_cells(res, "fleet-remote"),
        "plan-50k": lambda: tt.plan_cells(res, "fleet-50k"),
        "report-vs-plan": lambda: tt.report_table(res),
        "other-targets": lambda: tables.other_targets(res),
        "validate": lambda: tt.validate_table(res),
        "server": lambda: tt.server_table(res),
        "matrix-many": lambda: tables.matrix_table(rows, tables.MANY),
        "matrix-one": lambda: tables.matrix_table(rows, tables.ONE),
        "naive": lambda: tables.naive_table(rows),
        "octodns": lambda: tables.octodns_table(rows),
        "limited": lambda: tables.limited_table(lim, rows),
        "floors": tables.analytic_floors,
        "skipped": lambda: skipped(res),
        "client": lambda: client_tables.client_table(res),
    }
    for name, entry in recorded.items():
        blocks[f"ab-{name}"] = lambda entry=entry: recorded_table(entry)
    figures = {**_code_facts(), **_recorded_figures(recorded), **_run_figures(res)}
    return blocks, figures


def refill(text: str, res: dict[str, Any], recorded: dict[str, Any]) -> str:
    """The document ``text`` with every block and figure made from these results."""
    blocks, figures = registries(res, recorded)
    return fill(text, blocks, figures)


def unknown_names(text: str, recorded: dict[str, Any]) -> list[str]:
    """The blocks and figures ``text`` names that no function makes (none are measured)."""
    blocks, figures = registries({}, recorded)
    named_blocks, named_figures = names(text)
    return [b for b in named_blocks if b not in blocks] + [
        f for f in named_figures if f not in figures
    ]
