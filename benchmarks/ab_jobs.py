"""Interleaved A/B of ``callfwd plan`` variants on one fleet: where does ``--jobs`` pay?

    python -m benchmarks.ab_jobs [--pairs 5] [--latency 50ms] [--rate-limit vendor]
                                 [--published-only] [--drift 0]

Plan of 1,000 accounts x 10 with ``--jobs 1`` and with callfwd's default, run
alternately (A B, B A, ...) against one server so a neighbour's load hits both
alike; prints the median wall and CPU (user + system of the process tree) of each,
and their ratio. Not part of ``make bench`` (docs/benchmarks.md quotes its output).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from benchmarks.workload import Fleet, Server, run_cli


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--pairs", type=int, default=5)
    ap.add_argument("--latency", default="0")
    ap.add_argument("--rate-limit", default="off")
    ap.add_argument("--published-only", action="store_true")
    ap.add_argument("--drift", type=float, default=0.0)
    ap.add_argument("--accounts", type=int, default=1000)
    args = ap.parse_args(argv)
    fleet = Fleet(args.accounts, 10)
    variants = {"--jobs 1": ["plan", "--jobs", "1"], "default": ["plan"]}
    got: dict[str, list[tuple[float, float]]] = {k: [] for k in variants}
    with tempfile.TemporaryDirectory(prefix="callfwd-ab-") as tmp_dir:
        tmp = Path(tmp_dir)
        with Server(
            tmp,
            rate_limit=args.rate_limit,
            published_only=args.published_only,
            latency=args.latency,
        ) as server:
            ws = fleet.write(tmp / "ws", server.url)
            seed, env = fleet.seed(args.drift), fleet.env()
            names = list(variants)
            for i in range(args.pairs):
                for name in names if i % 2 == 0 else names[::-1]:
                    server.reset(seed)
                    r = run_cli(variants[name], cwd=ws, env=env)
                    got[name].append((r.wall, r.cpu))
            print(f"callfwd serve {server.args}; {fleet.accounts} x 10, drift {args.drift:.0%}")
    med = {
        k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
        for k, v in got.items()
    }
    for k, (w, c) in med.items():
        walls = ", ".join(f"{w:.2f}" for w, _ in got[k])
        print(f"  {k:9} wall {w:.2f} s  CPU {c:.2f} s  (walls: {walls})")
    print(f"  default / --jobs 1: wall x{med['default'][0] / med['--jobs 1'][0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
