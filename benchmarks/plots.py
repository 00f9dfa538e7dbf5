"""PNG plots for docs/benchmarks.md: time and API calls against fleet size."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from benchmarks.tables import MANY, ONE, naive_calls

Row = dict[str, Any]


def _pick(rows: Iterable[Row], **want: Any) -> list[Row]:
    out = [r for r in rows if all(r.get(k) == v for k, v in want.items()) and not r.get("note")]
    return sorted(out, key=lambda r: r["senders"])


def _line(
    ax: Any, rows: list[Row], label: str, value: Callable[[Row], float], **style: Any
) -> None:
    if rows:
        xs = [r["senders"] for r in rows]
        ax.plot(xs, [value(r) for r in rows], label=label, **{"marker": "o", **style})


def _axes(ax: Any, title: str, ylabel: str, loc: str = "best") -> None:
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("toll-free senders in the fleet")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    fmt = matplotlib.ticker.FuncFormatter(lambda v, _pos: f"{v:g}")
    ax.xaxis.set_major_formatter(fmt)
    ax.yaxis.set_major_formatter(fmt)
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc=loc)


def time_plot(rows: list[Row], out: Path) -> Path:
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    wall = lambda r: r["wall"]  # noqa: E731
    for ax, shape in zip(axes, (MANY, ONE), strict=True):
        _line(ax, _pick(rows, step="validate", shape=shape), "callfwd validate", wall)
        _line(
            ax,
            _pick(rows, step="octodns-validate"),
            "octodns-validate (peer)",
            wall,
            linestyle="--",
        )
        _line(ax, _pick(rows, step="plan", shape=shape), "callfwd plan", wall)
        _line(
            ax, _pick(rows, step="apply", shape=shape, drift=0.01), "callfwd apply, 1% drift", wall
        )
        _line(
            ax, _pick(rows, step="apply", shape=shape, drift=1.0), "callfwd apply, 100% drift", wall
        )
        _line(
            ax,
            _pick(rows, step="naive", shape=shape),
            "naive script, 1% drift",
            wall,
            linestyle=":",
            color="black",
        )
        _axes(ax, f"Wall time, whole process ({shape}; limits off)", "seconds (median)")
    fig.tight_layout()
    path = out / "time.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def calls_plot(rows: list[Row], out: Path) -> Path:
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    for ax, shape in zip(axes, (MANY, ONE), strict=True):
        apply = _pick(rows, step="apply", shape=shape, drift=0.01)
        # measured up to 1,000 senders, where it equals this count exactly
        naive = [naive_calls(a) for a in apply]
        _line(
            ax,
            naive,
            "naive script: all calls (run up to 1,000; exact count beyond)",
            lambda r: r["calls"]["total"],
            linestyle=":",
            color="black",
        )
        _line(
            ax,
            naive,
            "naive script: writes",
            lambda r: r["calls"]["writes"],
            linestyle="--",
            color="grey",
        )
        _line(
            ax,
            apply,
            "callfwd plan+apply: all calls (verify excluded)",
            lambda r: r["calls"]["total"] - r["verify"],
        )
        _line(
            ax,
            apply,
            "minimum: preflight + pages + changes",
            lambda r: r["minimum"],
            linestyle="none",
            marker="x",
            markersize=10,
        )
        _line(ax, apply, "callfwd: writes", lambda r: max(r["calls"]["writes"], 0.5))
        _axes(ax, f"API calls at 1% drift ({shape})", "calls counted on the server", "upper left")
    fig.tight_layout()
    path = out / "calls.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def draw(results: dict[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    rows = results["rows"]
    return [time_plot(rows, out), calls_plot(rows, out)]
