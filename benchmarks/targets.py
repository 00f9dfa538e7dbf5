"""The fleet targets: plan at fleet scale, each cell a whole ``callfwd plan`` process.

    python -m benchmarks.targets --json          # every cell (about 3 minutes on 2 cores)
    python -m benchmarks.targets --quick --json  # small fleets, one run each (harness check)

Cells (``Cell``): a fleet, the live state's drift, the server's mode
(``callfwd serve --published-only`` or the default with the extensions), its
``--rate-limit`` (``off`` or ``vendor``, the server's default) and ``--latency``.
Each cell runs ``callfwd plan`` on a server of its own kind, reset to the
fleet's state before every run; wall, CPU (user + system, from ``wait4``) and
peak RSS are medians; calls are counted on the server.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import plan_apply as pa
from benchmarks.workload import Fleet, Server


@dataclass(frozen=True)
class Cell:
    fleet: Fleet
    drift: float
    published_only: bool
    limits: str  # off | vendor
    latency: str  # 0 | 50ms
    runs: int
    group: str  # which target the cell answers

    @property
    def server_key(self) -> tuple[bool, str, str]:
        return (self.published_only, self.limits, self.latency)


def cells(quick: bool) -> list[Cell]:
    fleet = Fleet(100, 10) if quick else Fleet(1000, 10)
    big = Fleet(200, 10) if quick else Fleet(5000, 10)
    one = Fleet(1, 200) if quick else Fleet(1, 2000)
    runs = 1 if quick else 3
    out: list[Cell] = []
    for published in (True, False):
        for drift in (0.0, 0.1):
            out.append(Cell(fleet, drift, published, "off", "0", runs, "fleet-off"))
        out.append(Cell(fleet, 0.0, published, "vendor", "50ms", runs, "fleet-remote"))
    out.append(Cell(big, 0.1, False, "off", "0", 1, "fleet-50k"))
    out.append(Cell(one, 0.0, True, "vendor", "0", 1 if quick else 2, "one-account"))
    return out


def run_cells(tmp: Path, todo: list[Cell], log: Any = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    order: list[tuple[bool, str, str]] = []
    for c in todo:
        if c.server_key not in order:
            order.append(c.server_key)
    for key in order:
        published, limits, latency = key
        name = f"t-{'pub' if published else 'ext'}-{limits}-{latency}"
        with Server(
            tmp, rate_limit=limits, name=name, published_only=published, latency=latency
        ) as server:
            for c in (c for c in todo if c.server_key == key):
                ws = tmp / f"{name}-{c.fleet.accounts}x{c.fleet.per_account}"
                if not ws.exists():
                    c.fleet.write(ws, server.url)
                r = pa.plan_row(ws, server, c.fleet, c.fleet.seed(c.drift), c.runs, seeded=c.drift)
                r.drift = c.drift
                r.note = c.group
                pa.with_floor(r)
                d = r.as_dict() | {"latency": latency, "published_only": published}
                rows.append(d)
                if log:
                    log(
                        f"[targets] {c.group} {server.args} plan "
                        f"{c.fleet.accounts}x{c.fleet.per_account} drift {c.drift:.0%}: "
                        f"{r.wall} s, cpu {r.cpu} s, calls {r.calls['total']}, "
                        f"floor {r.floor} s"
                    )
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", help="comma-separated groups")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = ap.parse_args(argv)
    todo = cells(args.quick)
    if args.only:
        todo = [c for c in todo if c.group in args.only.split(",")]

    def log(msg: str) -> None:
        sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {msg}\n")
        sys.stderr.flush()

    with tempfile.TemporaryDirectory(prefix="callfwd-targets-") as tmp:
        rows = run_cells(Path(tmp), todo, log)
    if args.json:
        json.dump(rows, sys.stdout, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
