"""Interleaved A/B of two callfwd code trees (or command lines) on one fleet.

    python -m benchmarks.ab --a-code DIR [--b-code DIR] [--pairs 5] [--json]
                            [--record NAME --a-label TEXT --b-label TEXT] [ARGS ...]

    # the code before a change against the working tree, plan 1,000 x 10:
    git archive REV reconciler | tar -x -C /tmp/before
    python -m benchmarks.ab --a-code /tmp/before plan
    # validate needs no server:
    python -m benchmarks.ab --a-code /tmp/before --no-server validate

Each variant is a copy of callfwd's code (``--a-code DIR``: a directory
holding a ``reconciler`` package, put first on ``PYTHONPATH``; the installed
one when not given) and a command line (``ARGS``, the same for both unless
``--a``/``--b`` give their own). They run alternately (A B, B A, ...) in one
workspace (``benchmarks.workload.Fleet``: one manifest and one key per
account) against one ``callfwd serve``, reset to the fleet's live state before
every run, so a neighbour's load hits both alike. Prints the median wall time,
CPU (user + system) and peak RSS of each, and their ratios. Not part of
``make bench``: ``--record NAME`` keeps the result, with its command and date,
in docs/img/ab.json, where docs/benchmarks.md quotes it from (``ab-NAME``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.figures import RECORDED
from benchmarks.workload import Fleet, Run, Server, run_cli


@contextlib.contextmanager
def _server(tmp: Path, args: argparse.Namespace) -> Iterator[Server | None]:
    if args.no_server:
        yield None
        return
    with Server(
        tmp, rate_limit=args.rate_limit, published_only=args.published_only, latency=args.latency
    ) as server:
        yield server


def _env(base: dict[str, str], code: Path | None) -> dict[str, str]:
    if code is None:
        return base
    path = [str(code.resolve()), base.get("PYTHONPATH", "")]
    return {**base, "PYTHONPATH": os.pathsep.join(p for p in path if p)}


Variant = tuple[list[str], Path | None]  # callfwd's arguments, the code tree (None: installed)


def _alternate(
    args: argparse.Namespace, variants: dict[str, Variant]
) -> tuple[dict[str, list[Run]], str | None]:
    """``args.pairs`` runs of each variant, A B then B A, in one workspace and server;
    the server's options (None: no server)."""
    fleet = Fleet(args.accounts, args.per_account)
    runs: dict[str, list[Run]] = {k: [] for k in variants}
    with tempfile.TemporaryDirectory(prefix="callfwd-ab-") as tmp_dir:
        tmp = Path(tmp_dir)
        with _server(tmp, args) as server:
            ws = fleet.write(tmp / "ws", server.url if server else "http://127.0.0.1:9")
            seed, env = fleet.seed(args.drift), fleet.env()
            for i in range(args.pairs):
                for name in ("A", "B") if i % 2 == 0 else ("B", "A"):
                    cmd, code = variants[name]
                    if server is not None:
                        server.reset(seed)
                    r = run_cli(cmd, cwd=ws, env=_env(env, code))
                    if r.code not in (0, 2):
                        raise SystemExit(f"variant {name} failed ({r.code}):\n{r.stderr[-2000:]}")
                    runs[name].append(r)
            return runs, server.args if server else None


def _medians(variant: Variant, label: str | None, runs: list[Run]) -> dict[str, Any]:
    cmd, code = variant
    return {
        "command": "callfwd " + shlex.join(cmd),
        "code": str(code) if code else "installed",
        "label": label,
        "wall": round(statistics.median(r.wall for r in runs), 3),
        "cpu": round(statistics.median(r.cpu for r in runs), 3),
        "rss_mb": round(statistics.median(r.rss_mb for r in runs), 1),
        "walls": [round(r.wall, 3) for r in runs],
    }


def compare(args: argparse.Namespace) -> dict[str, Any]:
    common = args.command or ["plan"]
    variants: dict[str, Variant] = {
        "A": (shlex.split(args.a) if args.a else common, args.a_code),
        "B": (shlex.split(args.b) if args.b else common, args.b_code),
    }
    runs, server = _alternate(args, variants)
    return {
        "fleet": f"{args.accounts:,} × {args.per_account}",
        "server": server,
        "drift": args.drift,
        "pairs": args.pairs,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "A": _medians(variants["A"], args.a_label, runs["A"]),
        "B": _medians(variants["B"], args.b_label, runs["B"]),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("command", nargs="*", help="callfwd's arguments for both (default: plan)")
    ap.add_argument("--pairs", type=int, default=5)
    ap.add_argument("--latency", default="0")
    ap.add_argument("--rate-limit", default="off")
    ap.add_argument("--published-only", action="store_true")
    ap.add_argument("--no-server", action="store_true", help="for commands that send nothing")
    ap.add_argument("--drift", type=float, default=0.0)
    ap.add_argument("--accounts", type=int, default=1000)
    ap.add_argument("--per-account", type=int, default=10)
    ap.add_argument("--a", help="variant A's arguments, when not those of the command")
    ap.add_argument("--b", help="variant B's arguments, when not those of the command")
    ap.add_argument("--a-code", type=Path, help="a directory with variant A's reconciler/")
    ap.add_argument("--b-code", type=Path, help="a directory with variant B's reconciler/")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    ap.add_argument("--record", metavar="NAME", help="keep the result in docs/img/ab.json")
    ap.add_argument("--a-label", help="what variant A's code is, for the record")
    ap.add_argument("--b-label", help="what variant B's code is, for the record")
    args = ap.parse_args(argv)
    got = compare(args)
    if args.record:
        got["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        got["command"] = shlex.join(["python", "-m", "benchmarks.ab", *(argv or sys.argv[1:])])
        kept = json.loads(RECORDED.read_text(encoding="utf-8")) if RECORDED.exists() else {}
        kept[args.record] = got
        RECORDED.write_text(json.dumps(kept, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    if args.json:
        json.dump(got, sys.stdout, indent=1)
        return 0
    print(
        f"{got['fleet']}, server: {got['server'] or 'none'}, drift {got['drift']:.0%}; "
        f"{got['pairs']} pairs, interleaved; load average {got['load_average']}"
    )
    for name in ("A", "B"):
        v = got[name]
        print(f"  {name}: {v['command']} [code: {v['code']}]")
        print(
            f"     wall {v['wall']:.2f} s  CPU {v['cpu']:.2f} s  peak RSS {v['rss_mb']:.0f} MiB"
            f"  (walls: {', '.join(f'{w:.2f}' for w in v['walls'])})"
        )
    a, b = got["A"], got["B"]
    print(
        f"  B / A: wall x{b['wall'] / a['wall']:.2f}, CPU x{b['cpu'] / a['cpu']:.2f}, "
        f"RSS x{b['rss_mb'] / a['rss_mb']:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
