"""``make bench``: every benchmark in one run → the figures of docs/benchmarks.md.

    python -m benchmarks.run            # the full run (about 10 minutes on 2 cores)
    python -m benchmarks.run --quick    # small sizes, to check the harness (no file written)
    python -m benchmarks.run --report   # refill the document from docs/img/benchmarks.json

A run writes docs/img/benchmarks.json and the plots (docs/img/*.png), then
refills docs/benchmarks.md: the tables and figures between its markers
(``benchmarks.document``), never its prose.

What runs, in this order (see docs/benchmarks.md for the definitions):
- ``benchmarks.bench_validate`` (validate and --help timing, fresh processes);
- ``benchmarks.bench_server --quick`` (list page and PATCH throughput of the local API);
- ``benchmarks.bench_report`` (``callfwd report`` against ``callfwd plan``, 1,000 x 10: calls);
- ``benchmarks.bench_client`` (the HTTP path's CPU per call, variants side by side);
- the fleet targets (``benchmarks.targets``): plan of 1,000 accounts x 10 against the
  published-only and the default server, limits off and at the vendor's limits with
  50 ms latency; 5,000 accounts x 10 (time and peak memory); alone, since they are
  CPU-bound;
- then, in a second thread while the matrix runs (they mostly wait on the windows),
  the runs at the server's default limits (``--rate-limit vendor``: the vendor's
  per-endpoint figures) that take tens of seconds: one account of 2,000 senders
  (the target), of 1,000, 100 senders with 10 writes;
- the matrix, limits off: fleets of 100 … 50,000 senders, 10 per account and all in
  one account; validate, plan, apply at 0/1/10/100 % drift, the naive script, and
  octodns-validate on a zone of as many records;
- the short runs at the vendor's limits (floor of seconds, so CPU-bound) after it, alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks import plan_apply as pa
from benchmarks import targets
from benchmarks.figures import DOCUMENT, RECORDED, RESULTS, ROOT, read, refill, unknown_names
from benchmarks.workload import Fleet, Server

DRIFTS = (0.0, 0.01, 0.1, 1.0)


def log(msg: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


OPTIONAL_AFTER = 420.0  # seconds into the run: later optional cells are skipped (stated)
STARTED = time.perf_counter()


def runs_for(senders: int) -> int:
    return 3 if senders <= 100 else 2 if senders <= 1000 else 1


def drifts_for(senders: int) -> tuple[float, ...]:
    # 100% drift at 10,000+ is 10,000+ writes (a minute or more); calls scale exactly
    return DRIFTS if senders <= 1000 else (0.0, 0.01, 0.1) if senders <= 10000 else (0.01,)


def in_budget(what: str, skipped: list[str]) -> bool:
    if time.perf_counter() - STARTED <= OPTIONAL_AFTER:
        return True
    skipped.append(what)
    log(f"skipped (time budget): {what}")
    return False


def machine() -> dict[str, Any]:
    mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(int(mem) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_at_start": [round(x, 2) for x in os.getloadavg()],
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def sub_json(module: str, *args: str) -> Any:
    out = subprocess.run(
        [sys.executable, "-m", module, *args, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        log(f"{module} failed: {out.stderr[-800:]}")
    return json.loads(out.stdout) if out.stdout.strip() else None


def fleets(sizes: list[int]) -> list[Fleet]:
    out = []
    for n in sizes:
        out += [Fleet(1, n), Fleet(max(1, n // 10), min(n, 10))]
    return out


def matrix(tmp: Path, sizes: list[int], rows: list[pa.Row], skipped: list[str]) -> None:
    """Limits off: every step at every size and shape (the costly cells trimmed, stated)."""
    with Server(tmp, name="off") as server:
        for n in sizes:
            if n < 50000 or in_budget(f"octodns-validate {n:,}", skipped):
                rows.append(pa.octodns_row(tmp, Fleet(1, n), runs_for(n)))
                log(f"octodns-validate {n}: {rows[-1].wall} s")
        for fleet in fleets(sizes):
            runs = runs_for(fleet.senders)
            ws = fleet.write(tmp / f"ws-{fleet.accounts}x{fleet.per_account}", server.url)
            rows.append(pa.validate_rows(ws, fleet, max(runs, 2)))
            seeds = {d: fleet.seed(d) for d in {0.01, *drifts_for(fleet.senders)}}
            rows.append(pa.plan_row(ws, server, fleet, seeds[0.01], runs, seeded=0.01))
            log(
                f"{fleet.senders} {fleet.shape}: validate {rows[-2].wall} s, plan {rows[-1].wall} s"
            )
            for d in drifts_for(fleet.senders):
                what = f"apply {fleet.senders:,} {fleet.shape} {d:.0%}"
                cheap = fleet.senders < 10000 or (fleet.senders < 50000 and d < 0.1)
                if cheap or in_budget(what, skipped):
                    rows.append(pa.apply_row(ws, server, fleet, d, runs, seeds[d]))
                    log(f"  apply {d:.0%}: {rows[-1].wall} s, calls {rows[-1].calls['total']}")
            if fleet.senders <= 1000:  # 2 sequential calls per sender: 10,000 take minutes
                rows.append(
                    pa.naive_row(
                        ws,
                        server,
                        fleet,
                        0.01,
                        min(runs, 3 if fleet.senders <= 100 else 1),
                        seeds[0.01],
                    )
                )
                log(f"  naive 1%: {rows[-1].wall} s, calls {rows[-1].calls['total']}")
        # limits-off twins of the limited runs below, for the comparison
        for fleet, drift in ((Fleet(1, 2000), None), (Fleet(200, 5), 1.0)):
            ws = fleet.write(tmp / f"ws-off-{fleet.accounts}x{fleet.per_account}", server.url)
            if drift is None:
                rows.append(pa.plan_row(ws, server, fleet, fleet.seed(0), 3))
            else:
                rows.append(pa.apply_row(ws, server, fleet, drift, 1, fleet.seed(drift)))
            rows[-1].note = "twin"


Case = tuple[Fleet, float | None, str]


def waiting_cases(quick: bool) -> list[Case]:
    """Limited runs bound by the windows (tens of seconds of waiting, little CPU).

    At the vendor's limits a write is 1/s and 15/min per account: 100 changes in one
    account take over 6 minutes of windows alone, so the runs here change at most 10
    senders per account; bigger ones are computed (docs: "Not run at the vendor's limits").
    """
    if quick:
        return [(Fleet(1, 200), None, ""), (Fleet(1, 100), 0.01, "")]
    return [
        (Fleet(1, 1000), None, ""),
        (Fleet(1, 1000), 0.01, ""),
        (Fleet(1, 100), 0.1, ""),
    ]


def busy_cases(quick: bool) -> list[Case]:
    """Limited runs whose floor is a few seconds: CPU-bound, so run alone, after the matrix."""
    cases: list[Case] = [(Fleet(200, 5), 1.0, "")]
    cases += [(Fleet(10, 10), d, "") for d in (None, 0.01, 0.1)]
    cases += [(Fleet(1, 100), d, "") for d in (None, 0.01)]
    if not quick:
        cases += [(Fleet(100, 10), None, ""), (Fleet(100, 10), 0.01, "")]
    return cases


def limited(tmp: Path, name: str, cases: list[Case], rows: list[pa.Row]) -> None:
    """The server's default limits (the vendor's, per endpoint), one run each."""
    with Server(tmp, rate_limit="vendor", name=name) as server:
        for fleet, drift, note in cases:
            ws = fleet.write(tmp / f"{name}-{fleet.accounts}x{fleet.per_account}", server.url)
            if drift is None:
                r = pa.plan_row(ws, server, fleet, fleet.seed(0), 1)
            else:
                r = pa.apply_row(ws, server, fleet, drift, 1, fleet.seed(drift))
            r.note = note
            rows.append(pa.with_floor(r))
            log(
                f"[vendor] {r.step} {fleet.senders} {fleet.shape} drift {drift}: "
                f"{r.wall} s, floor {r.floor} s, calls {r.calls['total']}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes; no file written")
    parser.add_argument("--report", action="store_true", help="only refill the document")
    args = parser.parse_args(argv)
    text = DOCUMENT.read_text(encoding="utf-8")
    recorded = read(RECORDED)
    unknown = unknown_names(text, recorded)  # before ten minutes of measuring, not after
    if unknown:
        raise SystemExit(f"{DOCUMENT.name} names what nothing makes: {', '.join(unknown)}")
    results = read(RESULTS) if args.report else collect(args.quick)
    filled = refill(text, results, recorded)
    if args.quick:
        json.dump(results, sys.stdout, indent=1)
        return 0
    if not args.report:
        RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        from benchmarks import plots  # matplotlib: the bench extra

        images = plots.draw(results, RESULTS.parent)
        log("drew " + ", ".join(p.name for p in images))
    DOCUMENT.write_text(filled, encoding="utf-8")
    log(f"refilled {DOCUMENT.relative_to(ROOT)}")
    return 0


def collect(quick: bool) -> dict[str, Any]:
    global STARTED
    started = STARTED = time.perf_counter()
    results: dict[str, Any] = {"machine": machine()}
    sizes = [100, 1000] if quick else [100, 1000, 10000, 50000]
    rows: list[pa.Row] = []
    limited_rows: list[pa.Row] = []
    waiting_targets: list[dict[str, Any]] = []
    all_cells = targets.cells(quick)
    busy_cells = [c for c in all_cells if c.group != "one-account"]
    with tempfile.TemporaryDirectory(prefix="callfwd-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        (tmp / "lim").mkdir()
        (tmp / "tgt").mkdir()
        (tmp / "one").mkdir()
        errors: list[BaseException] = []

        def background() -> None:
            try:
                one = [c for c in all_cells if c.group == "one-account"]
                waiting_targets.extend(targets.run_cells(tmp / "one", one, log))
                limited(tmp / "lim", "waiting", waiting_cases(quick), limited_rows)
            except BaseException as exc:  # reported after the join
                errors.append(exc)

        thread = threading.Thread(target=background, name="limited")
        if not quick:  # before the second thread starts: the most CPU-sensitive
            log("benchmarks.bench_validate")
            results["bench_validate"] = sub_json("benchmarks.bench_validate", "--runs", "3")
            log("benchmarks.bench_server --quick")
            results["bench_server"] = sub_json("benchmarks.bench_server", "--quick")
            log("benchmarks.bench_report (report against plan: calls)")
            results["report_vs_plan"] = sub_json("benchmarks.bench_report")
            log("benchmarks.bench_client (CPU per call of the HTTP path)")
            results["bench_client"] = sub_json(
                "benchmarks.bench_client", "--rounds", "3", "--budget", "60"
            )
        results["targets_load"] = [round(x, 2) for x in os.getloadavg()]
        results["targets"] = targets.run_cells(tmp / "tgt", busy_cells, log)
        thread.start()
        skipped: list[str] = []
        matrix(tmp, sizes, rows, skipped)
        results["skipped"] = skipped
        limited(tmp, "busy", busy_cases(quick), limited_rows)
        thread.join()
        if errors:
            raise errors[0]
    results["targets"] += waiting_targets
    results["load_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["rows"] = [r.as_dict() for r in rows]
    results["limited"] = [r.as_dict() for r in limited_rows]
    results["seconds"] = round(time.perf_counter() - started)
    return results


if __name__ == "__main__":
    raise SystemExit(main())
