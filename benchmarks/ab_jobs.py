"""Interleaved A/B of two ``callfwd plan`` variants on one fleet and one server.

    python -m benchmarks.ab_jobs [--pairs 5] [--latency 50ms] [--rate-limit vendor]
                                 [--published-only] [--drift 0] [--accounts 1000]
                                 [--a 'plan --jobs 1'] [--b 'plan --jobs 2']
                                 [--a-code DIR] [--b-code DIR]

Each variant is a command line (``--a``, ``--b``) and, optionally, another copy
of callfwd's code (``--a-code DIR``: a directory holding a ``reconciler``
package, put first on ``PYTHONPATH``; e.g. ``git archive REV reconciler | tar -x
-C DIR`` for the code before a change). They run alternately (A B, B A, ...)
against one server so a neighbour's load hits both alike; prints the median
wall, CPU (user + system of the process tree) and peak RSS of each, and their
ratios. Not part of ``make bench`` (docs/benchmarks.md quotes its output).
"""

from __future__ import annotations

import argparse
import os
import shlex
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
    ap.add_argument("--per-account", type=int, default=10)
    ap.add_argument("--a", default="plan --jobs 1", help="variant A's arguments")
    ap.add_argument("--b", default="plan", help="variant B's arguments")
    ap.add_argument("--a-code", type=Path, help="a directory with variant A's reconciler/")
    ap.add_argument("--b-code", type=Path, help="a directory with variant B's reconciler/")
    args = ap.parse_args(argv)
    fleet = Fleet(args.accounts, args.per_account)
    variants = {
        "A": (shlex.split(args.a), args.a_code),
        "B": (shlex.split(args.b), args.b_code),
    }
    got: dict[str, list[tuple[float, float, float]]] = {k: [] for k in variants}
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
                    cmd, code = variants[name]
                    run_env = dict(env)
                    if code is not None:
                        path = [str(code.resolve()), env.get("PYTHONPATH", "")]
                        run_env["PYTHONPATH"] = os.pathsep.join(p for p in path if p)
                    server.reset(seed)
                    r = run_cli(cmd, cwd=ws, env=run_env)
                    if r.code not in (0, 2):
                        raise SystemExit(f"variant {name} failed ({r.code}):\n{r.stderr[-2000:]}")
                    got[name].append((r.wall, r.cpu, r.rss_mb))
            print(
                f"callfwd serve {server.args}; {fleet.accounts} x {fleet.per_account}, "
                f"drift {args.drift:.0%}; {args.pairs} pairs, interleaved"
            )
    med = {k: tuple(statistics.median(x[i] for x in v) for i in range(3)) for k, v in got.items()}
    for k, (w, c, m) in med.items():
        cmd, code = variants[k]
        walls = ", ".join(f"{x[0]:.2f}" for x in got[k])
        where = f" [code: {code}]" if code else ""
        print(f"  {k}: {shlex.join(cmd)}{where}")
        print(f"     wall {w:.2f} s  CPU {c:.2f} s  peak RSS {m:.0f} MiB  (walls: {walls})")
    a, b = med["A"], med["B"]
    print(f"  B / A: wall x{b[0] / a[0]:.2f}, CPU x{b[1] / a[1]:.2f}, RSS x{b[2] / a[2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
