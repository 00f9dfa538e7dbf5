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
from benchmarks.workload import (
    GET_ONE,
    PAGE,
    PAGES,
    WRITE,
    Calls,
    Fleet,
    Run,
    Server,
    floor_seconds,
    run_cli,
    run_cmd,
)

ROOT = Path(__file__).resolve().parents[1]
APPLY = ["apply", "--auto-approve", "--allow-mass-changes"]


@dataclass
class Row:
    step: str  # validate, octodns-validate, plan, apply, naive
    shape: str
    senders: int
    accounts: int
    drift: float | None
    limits: str  # the server's --rate-limit: off, vendor, 10/150; - for no server
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
    probes: int = 0  # OPTIONS write probes and /api/me 404s (once per process)
    buckets: dict[str, int] = field(default_factory=dict)  # answered calls by endpoint
    server: str = ""  # callfwd serve's options
    args: list[str] = field(default_factory=list)  # callfwd's options after the step
    seeded: float | None = None  # the live state's drift (plan rows)
    cpus: list[float] = field(default_factory=list)  # every run's CPU seconds
    walls: list[float] = field(default_factory=list)  # every run's wall seconds

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
    r = Row(
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
    r.walls = [round(x.wall, 3) for x in runs]
    r.cpus = [round(x.cpu, 3) for x in runs]
    return r


def split_calls(
    r: Row, fleet: Fleet, calls: Calls, *, apply: bool, drift: float, published_only: bool = False
) -> None:
    """Fill calls, minimum, probes and verify: verify = reads beyond the plan's pages."""
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
    r.buckets = dict(sorted(calls.buckets.items()))
    # where /api/me is absent it is a 404 (no route), asked once per process
    me_absent = calls.buckets.get("GET (no route)", 0) if published_only else 0
    r.probes = calls.options + me_absent
    r.minimum = fleet.min_read_calls(drift, published_only=published_only) + (
        r.changes if apply else 0
    )
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


def plan_row(
    ws: Path,
    server: Server,
    fleet: Fleet,
    seed: dict[str, Any],
    runs: int,
    *,
    seeded: float = 0.0,
    args: list[str] | None = None,
) -> Row:
    """``callfwd plan [args]`` against ``seed`` (whose drift is ``seeded``)."""
    env, cli = fleet.env(), ["plan", *(args or [])]
    res, calls = measure(
        lambda: server.reset(seed), lambda: run_cli(cli, cwd=ws, env=env), runs, server
    )
    r = row("plan", fleet, None, server.limits, res)
    assert calls is not None
    split_calls(r, fleet, calls, apply=False, drift=seeded, published_only=server.published_only)
    r.seeded, r.server, r.args = seeded, server.args, list(args or [])
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
    split_calls(r, fleet, calls, apply=True, drift=drift, published_only=server.published_only)
    r.server = server.args
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
    split_calls(r, fleet, calls, apply=False, drift=drift)
    r.minimum = fleet.min_read_calls(drift) + r.changes
    r.server = server.args
    return r


def with_floor(r: Row) -> Row:
    """The windows' floor for one account's calls (every account the same), per endpoint."""
    per_account = {b: -(-n // max(1, r.accounts)) for b, n in r.buckets.items()}
    if r.step != "apply":
        r.floor = floor_seconds(per_account, r.limits)
        return r
    # the plan's reads first; then the writes and the reads of one sender that go with
    # them (verify pages, in the plan's bucket, are left out: still a lower bound)
    writes = {b: per_account.pop(b) for b in (WRITE, GET_ONE) if b in per_account}
    pages = -(-(r.senders // max(1, r.accounts)) // PAGE)
    per_account[PAGES] = min(per_account.get(PAGES, 0), pages)
    r.floor = floor_seconds(per_account, r.limits, then=writes)
    return r
