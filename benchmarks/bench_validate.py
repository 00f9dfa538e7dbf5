"""Time `callfwd validate` as a whole process on generated fleets, and `callfwd --help`.

    python -m benchmarks.bench_validate [--runs 7] [--json]

Each case runs the installed ``callfwd`` command as a fresh process (what a CI
job pays), several times, and reports the median wall time, the median CPU
time (user + system) and the peak RSS, with the load average around the run:
on a busy 2-core machine wall time says more about the neighbours than the code.
Targets: 1,000 files x 10 senders <= 1.0 s; ``--help`` <= 0.3 s;
50,000 senders <= 5 s and <= 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.fleet import write_fleet


@dataclass
class Case:
    name: str
    args: list[str]
    target_s: float | None
    target_mb: float | None = None


@dataclass
class Result:
    name: str
    command: str
    runs: int
    median_s: float
    min_s: float
    max_s: float
    median_cpu_s: float  # user + system: less sensitive than wall time to a busy machine
    peak_rss_mb: float
    exit_code: int
    target_s: float | None
    target_mb: float | None


def _callfwd() -> list[str]:
    script = Path(sys.executable).with_name("callfwd")
    return [str(script)] if script.exists() else [sys.executable, "-m", "reconciler"]


def _once(cmd: list[str], cwd: Path) -> tuple[float, float, float, int]:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, usage.ru_maxrss / 1024, proc.returncode


def run_case(case: Case, cwd: Path, runs: int) -> Result:
    cmd = _callfwd() + case.args
    _once(cmd, cwd)  # warm the OS file cache and Python's bytecode cache
    times, cpus, peak, code = [], [], 0.0, 0
    for _ in range(runs):
        elapsed, cpu, rss, code = _once(cmd, cwd)
        times.append(elapsed)
        cpus.append(cpu)
        peak = max(peak, rss)
    shown = "callfwd " + " ".join(case.args)
    return Result(
        case.name,
        shown,
        runs,
        round(statistics.median(times), 3),
        round(min(times), 3),
        round(max(times), 3),
        round(statistics.median(cpus), 3),
        round(peak, 1),
        code,
        case.target_s,
        case.target_mb,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.add_argument("--keep", type=Path, help="write the fleets here and keep them")
    args = parser.parse_args(argv)

    load = os.getloadavg()
    work = args.keep or Path(tempfile.mkdtemp(prefix="callfwd-bench-"))
    try:
        write_fleet(work / "fleet-1000x10", 1000, 10)
        write_fleet(work / "fleet-50x1000", 50, 1000)
        write_fleet(work / "fleet-10x10", 10, 10)
        cases = [
            Case("--help", ["--help"], 0.3),
            Case("10 files x 10 senders", ["validate", "fleet-10x10"], None),
            Case("1,000 files x 10 senders", ["validate", "fleet-1000x10"], 1.0),
            Case("50 files x 1,000 senders (50,000)", ["validate", "fleet-50x1000"], 5.0, 500),
        ]
        results = [run_case(c, work, args.runs) for c in cases]
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    if args.json:
        print(json.dumps([asdict(r) for r in results], indent=2))
    else:
        print(f"load average before: {load[0]:.2f}, after: {os.getloadavg()[0]:.2f}")
        print(f"{'case':36} {'median':>8} {'min':>7} {'max':>7} {'cpu':>7} {'peak RSS':>9}  target")
        for r in results:
            target = "" if r.target_s is None else f"<= {r.target_s} s"
            if r.target_mb:
                target += f", <= {r.target_mb:.0f} MB"
            print(
                f"{r.name:36} {r.median_s:7.3f}s {r.min_s:6.3f}s {r.max_s:6.3f}s "
                f"{r.median_cpu_s:6.3f}s {r.peak_rss_mb:7.1f}MB  {target}"
            )
    failed = [r for r in results if r.exit_code != 0]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
