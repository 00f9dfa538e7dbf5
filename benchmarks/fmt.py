"""How docs/benchmarks.md writes a figure, and picks rows out of the results."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Row = dict[str, Any]


def s(x: float | None) -> str:
    """Seconds: two decimals below 10 s, one above."""
    if x is None:
        return "–"
    return f"{x:.2f} s" if x < 10 else f"{x:.1f} s"


def n(x: int | float) -> str:
    return f"{x:,}"


def mib(x: float | None) -> str:
    return "–" if x is None else f"{x:.0f} MiB"


def ratio(x: float) -> str:
    return f"×{x:.2f}"


def ok(flag: bool | None) -> str:
    return "–" if flag is None else ("met" if flag else "**missed**")


def pick(rows: Iterable[Row], **want: Any) -> list[Row]:
    return [r for r in rows if all(r.get(k) == v for k, v in want.items())]


def one(rows: Iterable[Row], **want: Any) -> Row | None:
    found = pick(rows, **want)
    return found[0] if found else None


def table(head: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines) + "\n"


def drift(r: Row) -> str:
    return "–" if r["drift"] is None else f"{r['drift']:.0%}"


def cpu_per_call(r: Row) -> str:
    """The process's CPU over the calls the server counted."""
    total = r["calls"].get("total") if r["calls"] else None
    if r.get("cpu") is None or not total:
        return "–"
    return f"{r['cpu'] / total * 1000:.2f} ms"


def fleet_name(r: Row) -> str:
    if r["accounts"] in (0, 1):
        return f"{n(r['senders'])} senders" + (" in one account" if r["accounts"] == 1 else "")
    return f"{n(r['senders'])} senders in {n(r['accounts'])} accounts"
