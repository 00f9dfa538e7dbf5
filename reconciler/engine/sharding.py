"""Plan a large fleet in several processes: accounts sharded, one merged, deterministic plan.

Each worker is forked from the planning process, so the account targets (and
their keys) are inherited, never sent through a pipe; only account names go
out and inert plan data comes back. Each worker plans its accounts as a
single process would: every account keeps its own pacer, so rate limits hold
per account. The merged plan is the same, byte for byte, as one process gives.

It pays where the API is remote (calls wait on the network and the client's
CPU is the limit); it does not where the server shares the machine's cores
(docs/benchmarks.md has both).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reconciler.diagnostics import Diagnostic
from reconciler.plan.model import AccountPlan

if TYPE_CHECKING:
    from reconciler.config import AccountTarget
    from reconciler.engine.planner import Desired, PlanResult
    from reconciler.errors import AccountFailure

SHARD_MIN_ACCOUNTS = 500  # below this, one process is as fast (forking costs ~0.1 s a worker)
MAX_JOBS = 4


def default_jobs(accounts: int) -> int:
    if accounts < SHARD_MIN_ACCOUNTS:
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_JOBS))


def split(names: Sequence[str], jobs: int) -> list[list[str]]:
    """Round-robin over the sorted names: shards of even size, each non-empty."""
    ordered = sorted(names)
    jobs = max(1, min(jobs, len(ordered)))
    return [ordered[i::jobs] for i in range(jobs)]


@dataclass(frozen=True)
class _Part:
    accounts: tuple[AccountPlan, ...]
    diagnostics: tuple[Diagnostic, ...]
    errors: tuple[AccountFailure, ...]


# Set in the parent just before the workers fork; read by them. Never pickled.
_STATE: tuple[Desired, Mapping[str, AccountTarget]] | None = None


def _plan_shard(names: list[str]) -> _Part:
    from reconciler.engine.planner import plan
    from reconciler.engine.session import run

    assert _STATE is not None, "a shard worker must be forked from plan_sharded"
    desired, targets = _STATE
    result = run({n: targets[n] for n in names}, lambda s: plan(s, desired))
    accounts = () if result.plan is None else result.plan.accounts
    return _Part(tuple(accounts), tuple(result.diagnostics), tuple(result.failures))


def plan_sharded(desired: Desired, targets: Mapping[str, AccountTarget], jobs: int) -> PlanResult:
    """``planner.make_plan`` over ``jobs`` worker processes."""
    from reconciler import __version__
    from reconciler.engine.planner import PlanResult
    from reconciler.plan.diff import assemble, manifest_digest, source_digests

    global _STATE
    shards = split(list(targets), jobs)
    _STATE = (desired, targets)
    try:
        with ProcessPoolExecutor(
            max_workers=len(shards), mp_context=multiprocessing.get_context("fork")
        ) as pool:
            parts = list(pool.map(_plan_shard, shards))
    finally:
        _STATE = None
    diagnostics = sorted((d for p in parts for d in p.diagnostics), key=lambda d: d.sort_key)
    order = {name: i for i, name in enumerate(sorted(targets))}
    errors = [e for p in parts for e in p.errors]
    errors.sort(key=lambda e: order[e.account])
    if errors or diagnostics:
        return PlanResult(None, diagnostics, errors)
    planned = [f for f in desired.forwardings if f.account in targets]
    digest = manifest_digest(planned, {n: t.prune and desired.prune for n, t in targets.items()})
    plan = assemble(
        (a for p in parts for a in p.accounts),
        digest=digest,
        tool_version=__version__,
        sources=source_digests(planned),
    )
    return PlanResult(plan)
