"""The "Client cost per call" table of docs/benchmarks.md, from ``benchmarks.bench_client``."""

from __future__ import annotations

from typing import Any

from benchmarks.fmt import n, table


def client_table(res: dict[str, Any]) -> str:
    data = res.get("bench_client")
    if not data:
        return "_Not run in this run._\n"
    head = ["variant", "what", "calls", "client CPU per call", "wall per call", "× first"]
    body = [
        [
            f"`{r['variant']}`",
            r["what"],
            n(r["calls"]),
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
        + table(head, body)
        + f"\nJSON parse of one 10-sender page ({parse['bytes']:.0f} bytes): "
        f"json {parse['json']} µs, orjson {parse.get('orjson', '–')} µs.\n"
    )
