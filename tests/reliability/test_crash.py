"""SIGKILL in the middle of ``callfwd apply`` and ``callfwd plan --out``: nothing is left broken.

``callfwd apply`` runs as a real process (``python -m reconciler``) against the
sandbox with added latency on every PATCH, and is killed with SIGKILL at
points chosen from what the server and the audit log say, never by sleeping:
while its first writes are on the server and none is answered yet (the
server's in-flight count), and after a seeded number of changes were logged.
After each kill:

- every sender holds its old value or the new one, nothing else;
- the next apply converges (exit 0, the plan is empty afterwards), and across
  the killed run and the next one every sender was written exactly once (a
  write the killed run made is not made again);
- the audit log (``--audit-log``, appended to by every run) holds only whole
  JSON lines.

``callfwd plan --out`` killed while it reads (pages in flight on the server) or
while it writes leaves the previous plan file or a whole new one, never a cut one.
"""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import pytest
from reliability_helpers import POOL, json_lines
from sandbox_fixtures import Sandbox, key_for, make_seed
from workspace import AccountSpec, run_cli, start_process, write_workspace

from reconciler.errors import PlanFileError
from reconciler.plan import planfile

ACCOUNT = "crash-0000"
SENDERS = 32
SPEC = AccountSpec(ACCOUNT, "CRASH_KEY", key_for("crash", 0))
KILL_SEED = 7


@pytest.fixture
def sandbox_seed() -> dict[str, object]:
    return make_seed(1, SENDERS, forwarding=0, prefix="crash")


def numbers(sandbox: Sandbox) -> list[str]:
    return [s["number"] for s in sandbox.senders(ACCOUNT) if s["country"] == "US"]


def desired(sandbox: Sandbox, round_: int) -> dict[str, str | None]:
    """Every sender to another number each round, so each round has a full set of changes."""
    return {n: POOL[(i + round_) % len(POOL)] for i, n in enumerate(numbers(sandbox))}


def wait_for_lines(log: Path, start: int, n: int, proc: object, timeout: float = 20.0) -> None:
    """Until ``n`` lines were appended to ``log`` after byte ``start`` (or the run ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:  # type: ignore[attr-defined]
        if log.exists() and log.read_bytes()[start:].count(b"\n") >= n:
            return
        time.sleep(0.005)


def wait_until(cond: object, proc: object, what: str, timeout: float = 20.0) -> None:
    """Until ``cond()`` holds while ``proc`` still runs; fails if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:  # type: ignore[attr-defined]
        if cond():  # type: ignore[operator]
            return
        time.sleep(0.005)
    raise AssertionError(f"never reached the kill point: {what}")


def first_writes_in_flight(sandbox: Sandbox) -> bool:
    """apply's checks are answered (the write probe is its last read before writing) and
    requests are on the server, none of its PATCHes answered yet: its first writes."""
    metrics = sandbox.metrics()
    answered = {(r["method"], r["route"]) for r in metrics["requests"]}
    probed = any(method == "OPTIONS" for method, _ in answered)
    wrote = any(method == "PATCH" for method, _ in answered)
    return probed and not wrote and metrics["in_flight"] > 0


def live(sandbox: Sandbox) -> dict[str, str | None]:
    return {s["number"]: s["forward_to"] for s in sandbox.senders(ACCOUNT) if s["country"] == "US"}


def test_apply_killed_at_chosen_points_converges_on_the_next_run(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    rng = random.Random(KILL_SEED)
    log = tmp_path / "audit.jsonl"
    cfg = tmp_path / "callfwd.yaml"
    # With the first writes on the server, then after a seeded number of changes, up to
    # half of them (the rest take 150 ms a wave, so the run is still going at the kill).
    kill_after = [0, *sorted(rng.sample(range(1, SENDERS // 2), 3))]
    for round_, lines in enumerate(kill_after):
        old = live(sandbox)
        want = desired(sandbox, round_ + 1)
        env = write_workspace(tmp_path, sandbox.url, [SPEC], {ACCOUNT: want})
        sandbox.set_faults({"kind": "latency", "latency_ms": 150, "method": "PATCH"})
        sandbox.reset_metrics()
        start = log.stat().st_size if log.exists() else 0
        events_before = len(sandbox.audit_events(ACCOUNT))
        args = ["apply", "--config", str(cfg), "--auto-approve", "--allow-mass-changes"]
        args += ["--audit-log", str(log)]
        proc = start_process(args, env, tmp_path)
        try:
            if lines:
                wait_for_lines(log, start, lines, proc)
            else:
                wait_until(lambda: first_writes_in_flight(sandbox), proc, "first writes")
            assert proc.poll() is None, f"apply ended before the kill point {lines}"
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        # A PATCH in flight when the client died still finishes on the server: wait for it.
        sandbox.wait_idle()

        now = live(sandbox)
        assert all(now[n] in (old[n], want[n]) for n in want), "a sender holds a third value"
        if log.exists():  # a run killed before its first change may not have opened it
            json_lines(log)  # whole lines only

        sandbox.clear_faults()
        again = run_cli(*args, env=env)
        assert again.code == 0, again.stdout + again.stderr
        assert live(sandbox) == want
        check = run_cli("plan", "--config", str(cfg), "--detailed-exitcode", env=env)
        assert check.code == 0, check.stdout + check.stderr

        accepted = [e for e in sandbox.audit_events(ACCOUNT)[events_before:] if e["status"] == 200]
        assert sorted(e["sender_identifier"] for e in accepted) == sorted(
            n for n in want if old[n] != want[n]
        ), "a sender was written twice, or not at all, across the kill and the next run"
        assert {e["outcome"] for e in accepted} == {"updated"}
        entries = json_lines(log)
        assert all(e["account"] == ACCOUNT and "result" in e for e in entries)


def _plan_files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.name.startswith((".plan.json", "plan.json"))}


def test_plan_killed_leaves_the_old_plan_file_or_a_whole_new_one(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.reset(make_seed(1, 600, forwarding=0, prefix="crash"))  # a plan of ~130 KB
    cfg, out = tmp_path / "callfwd.yaml", tmp_path / "plan.json"
    env = write_workspace(tmp_path, sandbox.url, [SPEC], {ACCOUNT: desired(sandbox, 0)})
    assert run_cli("plan", "--config", str(cfg), "--out", str(out), env=env).code == 0
    for round_, when in enumerate(["while-writing", "while-reading", "while-writing"], start=1):
        old_text, old_stat = out.read_text(), out.stat()
        env = write_workspace(tmp_path, sandbox.url, [SPEC], {ACCOUNT: desired(sandbox, round_)})
        reading = when == "while-reading"
        if reading:  # slow pages, so that the kill comes with reads on the server
            sandbox.set_faults({"kind": "latency", "latency_ms": 100, "method": "GET"})
        sandbox.reset_metrics()
        proc = start_process(["plan", "--config", str(cfg), "--out", str(out)], env, tmp_path)
        try:
            if reading:  # three pages read, the next one on the server

                def mid_read() -> bool:
                    pages = sandbox.count(method="GET", route="/api/text-messaging-senders")
                    return pages >= 3 and sandbox.metrics()["in_flight"] > 0

                wait_until(mid_read, proc, "mid-read")
            else:  # as soon as the new plan starts to reach the disk
                deadline = time.monotonic() + 30
                while proc.poll() is None and time.monotonic() < deadline:
                    st = out.stat()
                    if _plan_files(tmp_path) != {"plan.json"} or (
                        (st.st_ino, st.st_size, st.st_mtime_ns)
                        != (old_stat.st_ino, old_stat.st_size, old_stat.st_mtime_ns)
                    ):
                        break
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait(timeout=30)
        sandbox.clear_faults()
        sandbox.wait_idle()
        text = out.read_text()
        if reading:
            assert text == old_text, "a plan killed while reading changed the plan file"
        try:
            plan = planfile.loads(text)
        except PlanFileError as exc:
            raise AssertionError(f"{when}: the kill left a damaged plan file: {exc}") from None
        assert text == old_text or plan.manifest_digest != planfile.loads(old_text).manifest_digest
        for leftover in tmp_path.glob(".plan.json.*"):
            leftover.unlink()  # a temp file the killed run could not remove; never the plan
