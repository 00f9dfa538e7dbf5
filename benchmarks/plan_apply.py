"""validate, plan, apply and the naive script on generated fleets, against ``callfwd serve``.

Each step runs as a whole process (``callfwd …`` or ``python -m benchmarks.naive``)
in a workspace with manifests and a callfwd.yaml; the server is reset to the
fleet's live state (with drift) before every run, and the calls are counted on
the server (``/_sandbox/metrics``).
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import octodns_peer
from benchmarks.workload import PAGE, Calls, Fleet, Run, Server, floor_seconds, run_cli, run_cmd

ROOT = Path(__file__).resolve().parents[1]
APPLY = ["apply", "--auto-approve", "--allow-mass-changes"]


@dataclass
class Row:
    step: str  # validate, octodns-validate, plan, apply, naive
    shape: str
    senders: int
    accounts: int
    drift: float | None
    limits: str  # off, 10/150, -
    runs: int
    wall: float  # median seconds, whole process
    wall_min: float
    wall_max: float
    rss_mb: float
    changes: int = 0
    calls: dict[str, int] = field(default_factory=dict)
    minimum: int | None = None  # the fewest calls that can do this step
    verify: int = 0  # apply's re-reads of touched senders (not part of the minimum)
    floor: float | None = None  # seconds the rate-limit windows force
    wall_off: float | None = None  # the same step with limits off
    code: int = 0
    note: str = ""
    cpu: float | None = None  # median user + system seconds of the whole process

    @property
    def cpu_per_call(self) -> float | None:
        """Client CPU per call: the process's CPU over the calls the server counted."""
        total = self.calls.get("total") if self.calls else None
        return None if self.cpu is None or not total else self.cpu / total

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _stats(runs: list[Run]) -> tuple[float, float, float, float, int]:
    walls = [r.wall for r in runs]
    bad = [r for r in runs if r.code not in (0, 2)]
    if bad:
        sys.stderr.write(f"  exit {bad[0].code}: {bad[0].stderr[-600:]}\n")
    return (
        round(statistics.median(walls), 3),
        round(min(walls), 3),
        round(max(walls), 3),
        round(max(r.rss_mb for r in runs), 1),
        bad[0].code if bad else 0,
    )


def measure(
    prepare: Callable[[], None], run: Callable[[], Run], runs: int, server: Server | None
) -> tuple[list[Run], Calls | None]:
    """``runs`` timed runs, each after ``prepare``; the calls of the last one."""
    out, calls = [], None
    for _ in range(runs):
        prepare()
        if server is not None:
            server.reset_metrics()
        out.append(run())
        if server is not None:
            calls = server.calls()
    return out, calls


def row(step: str, fleet: Fleet, drift: float | None, limits: str, runs: list[Run]) -> Row:
    wall, lo, hi, rss, code = _stats(runs)
    return Row(
        step,
        fleet.shape,
        fleet.senders,
        fleet.accounts,
        drift,
        limits,
        len(runs),
        wall,
        lo,
        hi,
        rss,
        code=code,
        cpu=round(statistics.median(r.cpu for r in runs), 3),
    )


def split_calls(r: Row, fleet: Fleet, calls: Calls, *, apply: bool) -> None:
    """Fill calls, minimum and verify: verify = reads beyond the plan's pages."""
    plan_pages = fleet.accounts * -(-fleet.per_account // PAGE)
    r.calls = {
        "total": calls.total,
        "preflight": calls.preflight,
        "pages": calls.pages,
        "gets": calls.gets,
        "writes": calls.writes,
        "throttled": calls.throttled,
        "failed": calls.failed,
    }
    r.minimum = fleet.min_read_calls() + (r.changes if apply else 0)
    if apply:
        r.verify = calls.pages - plan_pages + calls.gets


def validate_rows(ws: Path, fleet: Fleet, runs: int) -> Row:
    res, _ = measure(lambda: None, lambda: run_cli(["validate"], cwd=ws), runs, None)
    return row("validate", fleet, None, "-", res)


def octodns_row(tmp: Path, fleet: Fleet, runs: int) -> Row:
    out = tmp / f"octodns-{fleet.senders}"
    cmd = octodns_peer.command(octodns_peer.write_zone(out, fleet.senders))
    res, _ = measure(lambda: None, lambda: run_cmd(cmd, cwd=out), runs, None)
    r = row("octodns-validate", fleet, None, "-", res)
    r.shape = "one zone"
    r.accounts = 0
    return r


def plan_row(ws: Path, server: Server, fleet: Fleet, seed: dict[str, Any], runs: int) -> Row:
    env = fleet.env()
    res, calls = measure(
        lambda: server.reset(seed), lambda: run_cli(["plan"], cwd=ws, env=env), runs, server
    )
    r = row("plan", fleet, None, server.limits, res)
    assert calls is not None
    split_calls(r, fleet, calls, apply=False)
    return r


def apply_row(
    ws: Path, server: Server, fleet: Fleet, drift: float, runs: int, seed: dict[str, Any]
) -> Row:
    env = fleet.env()
    res, calls = measure(
        lambda: server.reset(seed), lambda: run_cli(APPLY, cwd=ws, env=env), runs, server
    )
    r = row("apply", fleet, drift, server.limits, res)
    r.changes = fleet.changes(drift)
    assert calls is not None
    split_calls(r, fleet, calls, apply=True)
    return r


def naive_row(
    ws: Path, server: Server, fleet: Fleet, drift: float, runs: int, seed: dict[str, Any]
) -> Row:
    env = {**fleet.env(), "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "benchmarks.naive"]
    res, calls = measure(
        lambda: server.reset(seed), lambda: run_cmd(cmd, cwd=ws, env=env), runs, server
    )
    r = row("naive", fleet, drift, server.limits, res)
    r.changes = fleet.changes(drift)
    assert calls is not None
    split_calls(r, fleet, calls, apply=False)
    r.minimum = fleet.min_read_calls() + r.changes
    return r


def with_floor(r: Row, burst: int = 10, steady: int = 150) -> Row:
    """Per account, the windows' floor for the calls the slowest account made."""
    per_account = -(-(r.calls.get("total", 0)) // max(1, r.accounts))
    r.floor = floor_seconds(per_account, burst, steady)
    return r
