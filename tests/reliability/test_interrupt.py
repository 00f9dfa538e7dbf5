"""Ctrl-C during a paced apply says what was done, and the next apply converges.

``callfwd apply`` runs as a real process against a local API that allows one
write a second, so its writes go out one by one. As soon as the server's audit
log shows the first accepted write (polled, never slept on), the process gets
SIGINT. It must exit 130 and say what it applied, what it did not attempt, and
that running apply again converges; every write it reports applied is in its
``--audit-log``; the next apply finishes the job.
"""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from reliability_helpers import POOL, json_lines
from sandbox_fixtures import TLS, key_for, make_seed
from workspace import AccountSpec, output_of, run_cli, start_process, write_workspace

ACCOUNT = "sigint-0000"
SPEC = AccountSpec(ACCOUNT, "SIGINT_KEY", key_for("sigint", 0))
SEED = make_seed(1, 4, forwarding=0, prefix="sigint")


def _writes(admin: Any) -> list[dict[str, Any]]:
    events = admin.get("/_sandbox/audit-events").json()["events"]
    return [e for e in events if e["status"] == 200]


def _listed(stderr: str, label: str) -> set[str]:
    """The senders a line ``  LABEL: N (acct +1..., acct +1...)`` names."""
    m = re.search(rf"^  {re.escape(label)}: \d+(?: \((.*)\))?$", stderr, re.MULTILINE)
    assert m is not None, f"no {label!r} line in:\n{stderr}"
    return {item.split()[-1] for item in (m.group(1) or "").split(", ") if item}


@pytest.mark.timeout(120)
def test_ctrl_c_during_a_paced_apply_says_what_was_done_and_the_next_run_converges(
    tmp_path: Path, server_factory: Any
) -> None:
    server = server_factory("--admin", "--rate-limit", "1/60")
    with httpx.Client(base_url=server.url, verify=TLS, timeout=30) as admin:
        assert admin.post("/_sandbox/reset", json=SEED).status_code == 200
        numbers = sorted(s["number"] for s in SEED["accounts"][0]["senders"])
        want = {ACCOUNT: {n: POOL[i] for i, n in enumerate(numbers)}}
        env = write_workspace(tmp_path, server.url, [SPEC], want, max_attempts=8, max_total=60)
        cfg, log = str(tmp_path / "callfwd.yaml"), tmp_path / "audit.jsonl"
        args = ["apply", "--config", cfg, "--auto-approve", "--audit-log", str(log)]
        proc = start_process(args, env, tmp_path)
        try:
            deadline = time.monotonic() + 60
            while not _writes(admin):
                assert proc.poll() is None, output_of(tmp_path)
                assert time.monotonic() < deadline, "no write reached the server"
                time.sleep(0.02)
            proc.send_signal(signal.SIGINT)
            code = proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        _out, err = output_of(tmp_path)
        assert code == 130, err
        assert "Traceback" not in err
        assert "Apply was interrupted:" in err
        assert "Running apply again converges" in err
        applied = _listed(err, "applied")
        untouched = _listed(err, "not attempted")
        in_flight = (
            _listed(err, "in flight, may or may not have been applied")
            if "in flight" in err
            else set()
        )
        state = admin.get("/_sandbox/state").json()["accounts"][0]["senders"]
        number = {s["id"]: s["number"] for s in state}
        accepted = {number[e["sender_id"]] for e in _writes(admin)}
        assert applied, err
        assert accepted <= applied | in_flight, (accepted, err)  # nothing done unsaid
        patches = sum(
            r["count"]
            for r in admin.get("/_sandbox/metrics").json()["requests"]
            if r["method"] == "PATCH"
        )
        # "in flight" only for a write that went out: one held by the rate limits is not
        assert len(applied | in_flight) <= patches, (patches, err)
        assert not (applied & untouched)
        logged = {x["sender"] for x in json_lines(log) if x["result"] == "applied"}
        assert applied <= logged  # each write it reports applied is in the audit log

        again = run_cli(*args, env=env)
        assert again.code == 0, again.stdout + again.stderr
        plan = run_cli("plan", "--config", cfg, "--detailed-exitcode", env=env)
        assert plan.code == 0, plan.stdout
