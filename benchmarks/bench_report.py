"""``callfwd report`` against ``callfwd plan``: the calls each costs, counted on the server.

    python -m benchmarks.bench_report --json          # 1,000 accounts x 10 (1-2 minutes)
    python -m benchmarks.bench_report --quick --json  # 100 x 10, to check the harness

The report is built from a plan, so it must cost exactly the calls of the plan
of the same accounts, bucket by bucket (``GET /api/accounts``, the list pages,
``/api/me`` and the write probe where there are changes). Each cell runs both,
whole processes, against the same server state (limits off, the default server
with its extensions), at 0 % and 10 % drift; the html report is written with
``--out`` and its size recorded.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.workload import Fleet, Server, run_cli

STEPS = {
    "plan": ["plan"],
    "report --format html": ["report", "--format", "html", "--out", "report.html"],
    "report --format json": ["report", "--format", "json", "--out", "report.json"],
}


def cell(ws: Path, server: Server, fleet: Fleet, drift: float, runs: int) -> list[dict[str, Any]]:
    seed = fleet.seed(drift)
    out = []
    for step, args in STEPS.items():
        walls, cpus, calls = [], [], None
        for _ in range(runs):
            server.reset(seed)
            server.reset_metrics()
            run = run_cli(args, cwd=ws, env=fleet.env())
            if run.code != 0:
                raise SystemExit(f"callfwd {' '.join(args)} exited {run.code}: {run.stderr}")
            walls.append(run.wall)
            cpus.append(run.cpu)
            calls = server.calls()
        assert calls is not None
        written = ws / args[-1] if "--out" in args else None
        out.append(
            {
                "step": step,
                "accounts": fleet.accounts,
                "per_account": fleet.per_account,
                "drift": drift,
                "calls": calls.total,
                "buckets": dict(sorted(calls.buckets.items())),
                "wall": round(statistics.median(walls), 3),
                "cpu": round(statistics.median(cpus), 3),
                "bytes": written.stat().st_size if written else None,
                "runs": runs,
            }
        )
    return out


def collect(quick: bool) -> list[dict[str, Any]]:
    fleet = Fleet(100, 10) if quick else Fleet(1000, 10)
    rows: list[dict[str, Any]] = []
    with (
        tempfile.TemporaryDirectory(prefix="callfwd-bench-report-") as tmp,
        Server(Path(tmp), rate_limit="off", name="report") as server,
    ):
        ws = fleet.write(Path(tmp) / "ws", server.url)
        for drift in (0.0, 0.1):
            rows += cell(ws, server, fleet, drift, runs=1)  # calls are exact
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = ap.parse_args(argv)
    rows = collect(args.quick)
    if args.json:
        json.dump(rows, sys.stdout, indent=1)
    else:
        from benchmarks.target_tables import report_table

        sys.stdout.write(report_table({"report_vs_plan": rows}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
