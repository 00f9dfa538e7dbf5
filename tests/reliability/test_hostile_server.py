"""A hostile (or badly broken) settings API, through the CLI as users run it.

Each fault mode of the local API (``PUT /_sandbox/faults``, docs/api.md) is
met by ``callfwd plan`` or ``apply`` with a small ``retry.max_total``: every
run ends (the timeout mark is the bound: a wait the server asks for would
otherwise last a day), with exit 1, a clear message naming what the server did,
no traceback and no ``internal error``; nothing is written that a plan did not
ask for; a write the server accepted is in the ``--audit-log`` even when its
answer is garbage, and the next plan shows the truth. The same sweep gives the
CLI files and an environment no one should: a plan file of 100,000 ``[``,
``/dev/zero``, a missing ``--plan`` file, CR/LF in ``CALLFWD_API_URL``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from reliability_helpers import POOL, json_lines
from sandbox_fixtures import ROOT, Sandbox, key_for, make_seed
from workspace import AccountSpec, Run, run_cli, write_workspace

ACCOUNT, EMPTY = "hostile-0000", "hostile-0001"
SPEC = AccountSpec(ACCOUNT, "HOSTILE_KEY", key_for("hostile", 0))
EMPTY_SPEC = AccountSpec(EMPTY, "EMPTY_KEY", key_for("hostile", 1))
SENDERS = "/api/text-messaging-senders"
ONE_SENDER = "/api/text-messaging-senders/*"
BUDGET = 2.0  # retry.max_total of every run here: each call ends within it
CHANGES = 3


def seed(ids: Sequence[str] = ()) -> dict[str, Any]:
    """Two accounts: 25 senders (two pages; the first five forward), and one with none.

    ``ids``: the ids of the senders ``wanted`` changes, in the order of the plan's changes.
    """
    doc = make_seed(2, 25, forwarding=5, prefix="hostile")
    doc["accounts"][1]["senders"] = []
    rows = sorted(
        (r for r in doc["accounts"][0]["senders"] if "forward_to" not in r),
        key=lambda r: r["number"],
    )
    for row, ident in zip(rows, ids, strict=False):
        row["id"] = ident
    return doc


@pytest.fixture
def sandbox_seed() -> dict[str, Any]:
    return seed()


def wanted(sandbox: Sandbox) -> dict[str, str | None]:
    """Three senders without forwarding, each to be given one: three creates."""
    numbers = sorted(s["number"] for s in sandbox.senders(ACCOUNT) if s["forward_to"] is None)
    return {n: POOL[i] for i, n in enumerate(numbers[:CHANGES])}


@dataclass
class Case:
    """One hostile input: what the server does, what the user runs, what they must see."""

    faults: Sequence[dict[str, Any]]
    message: str
    command: str = "plan"  # plan | apply | apply-saved (plan --out, faults, apply --plan)
    writes: int = 0  # accepted writes on the server afterwards
    accounts: Sequence[AccountSpec] = (SPEC,)
    stdout: str = ""  # also expected on stdout (an outcome)


CASES: dict[str, Case] = {
    "ratelimit-reset-a-day": Case(
        [{"kind": "rate_headers", "reset": 86399, "method": "GET", "path": SENDERS}],
        "the server asks to wait 86,399 s (RateLimit-Reset), more than retry.max_total 2 s",
    ),
    "retry-after-ten-days": Case(
        [{"kind": "rate_limit", "retry_after": 864000, "path": SENDERS}],
        "the server asks to wait 864,000 s (Retry-After), more than retry.max_total 2 s",
    ),
    "trickle": Case(
        [{"kind": "trickle", "interval_ms": 1000, "path": SENDERS}],
        "no whole answer within retry.max_total 2 s (the answer came too slowly)",
    ),
    "oversize-80-mib": Case(
        [{"kind": "oversize", "size_mb": 80, "path": SENDERS}],
        "is 83,886,080 bytes long (Content-Length), more than the 4 MiB",
    ),
    "oversize-80-mib-chunked": Case(
        [{"kind": "oversize", "size_mb": 80, "chunked": True, "path": SENDERS}],
        "is longer than the 4 MiB a client of this API reads",
    ),
    "deep-accounts": Case(
        [{"kind": "deep", "depth": 100_000, "path": "/api/accounts"}],
        "GET /api/accounts: the answer from http://127.0.0.1",
    ),
    "endless-pages": Case(
        [{"kind": "endless_pages", "path": SENDERS}],
        "the listing was stopped: it lists",
    ),
    "repeated-cursor": Case(
        [{"kind": "repeated_cursor", "path": SENDERS}],
        "the listing was stopped: its links.next leads to a page already read",
        accounts=(EMPTY_SPEC,),
    ),
    "more-than-max-pages": Case(
        [{"kind": "endless_pages", "path": SENDERS}],
        "the listing was stopped: it has more than 3 pages (max_pages",
        accounts=(AccountSpec(EMPTY, "EMPTY_KEY", key_for("hostile", 1), extra=("max_pages: 3",)),),
    ),
    "html": Case(
        [{"kind": "html", "path": "/api/accounts"}],
        "(an answer in text/html, not from a settings API)",
    ),
    "error-with-terminal-codes": Case(
        [{"kind": "error", "status": 418, "code": "teapot", "detail": "\x1b]8;;http://x\x07hi"}],
        "HTTP 418 teapot",
    ),
    "other-id-on-reread": Case(
        [{"kind": "other_id", "method": "GET", "path": ONE_SENDER}],
        "Not everything applied",
        command="apply-saved",
        stdout="the answer is about sender",
    ),
    "other-id-on-write": Case(
        [{"kind": "other_id", "method": "PATCH", "path": ONE_SENDER}],
        "",
        command="apply",
        writes=CHANGES,
        stdout="the server accepted the write (HTTP 200), but its answer could not be checked",
    ),
    "deep-answer-to-a-write": Case(
        [{"kind": "deep", "when": "after", "method": "PATCH", "depth": 100_000}],
        "",
        command="apply",
        writes=CHANGES,
        stdout="is JSON nested deeper than 1,024 levels",
    ),
    "trickled-answer-to-a-write": Case(
        [{"kind": "trickle", "interval_ms": 1000, "method": "PATCH"}],
        "",
        command="apply",
        writes=CHANGES,
        stdout="the answer came too slowly",
    ),
}


def _run(sandbox: Sandbox, tmp_path: Path, case: Case, log: Path) -> Run:
    # The account without senders is planned for a sender it lacks: its listing comes first.
    desired = (
        {ACCOUNT: wanted(sandbox)}
        if case.accounts == (SPEC,)
        else {EMPTY: {"+18005550199": POOL[0]}}
    )
    env = write_workspace(
        tmp_path, sandbox.url, case.accounts, desired, max_attempts=3, max_total=BUDGET
    )
    cfg = str(tmp_path / "callfwd.yaml")
    applying = ["--auto-approve", "--format", "text", "--audit-log", str(log)]
    if case.command == "apply-saved":
        out = str(tmp_path / "plan.json")
        assert run_cli("plan", "--config", cfg, "--out", out, env=env).code == 0
        sandbox.set_faults(*case.faults)
        return run_cli("apply", "--config", cfg, "--plan", out, *applying, env=env)
    sandbox.set_faults(*case.faults)
    if case.command == "apply":
        return run_cli("apply", "--config", cfg, *applying, env=env)
    return run_cli("plan", "--config", cfg, env=env)


def assert_clear(run: Run, code: int = 1) -> None:
    """Exit ``code``, no traceback, no internal error, nothing a terminal would obey."""
    assert run.code == code, run.stdout + run.stderr
    for text in (run.stdout, run.stderr):
        assert "Traceback" not in text and "internal error" not in text, text
        assert "\x1b" not in text and "\x07" not in text, text


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", sorted(CASES))
def test_every_hostile_mode_ends_with_a_clear_error(
    sandbox: Sandbox, tmp_path: Path, name: str
) -> None:
    case = CASES[name]
    log = tmp_path / "audit.jsonl"
    run = _run(sandbox, tmp_path, case, log)
    assert_clear(run)
    assert case.message in run.stderr, run.stderr
    assert case.stdout in run.stdout, run.stdout
    accepted = sandbox.writes()
    assert len(accepted) == case.writes
    if case.writes:
        # Each accepted write was on record before its answer was read, and is reported
        # applied-but-unverified: the run says "check" (exit 1).
        lines = json_lines(log)
        logged = {(x["sender_id"], x["result"]) for x in lines}
        assert {(e["sender_id"], "applied") for e in accepted} <= logged
        assert {x["result"] for x in lines} == {"applied", "unverified"}
        sandbox.clear_faults()
        cfg = str(tmp_path / "callfwd.yaml")
        env = {SPEC.env: SPEC.key}
        again = run_cli("plan", "--config", cfg, "--detailed-exitcode", env=env)
        assert again.code == 0, again.stdout + again.stderr  # the truth: nothing left to do


@pytest.mark.timeout(60)
@pytest.mark.parametrize("first", ["..", ".", "a/b", "%2e%2e", "a\\b", "a?b", "a\x1bb"])
def test_a_sender_id_that_is_no_path_segment_is_never_sent(
    sandbox: Sandbox, tmp_path: Path, first: str
) -> None:
    sandbox.reset(seed([first]))
    env = write_workspace(
        tmp_path, sandbox.url, [SPEC], {ACCOUNT: wanted(sandbox)}, max_total=BUDGET
    )
    cfg = str(tmp_path / "callfwd.yaml")
    run = run_cli("apply", "--config", cfg, "--auto-approve", env=env)
    assert_clear(run)
    assert "is not a plain path segment" in run.stderr + run.stdout
    # The bad id is the plan's first change: the write probe asks about another sender,
    # and the other two changes apply; nothing at all is sent for the bad id.
    written = [e["sender_id"] for e in sandbox.writes()]
    assert len(written) == CHANGES - 1 and first not in written
    assert all(e["sender_id"] != first for e in sandbox.audit_events())


@pytest.mark.timeout(60)
def test_a_bad_id_fails_its_own_change_and_the_others_apply(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.reset(seed(["01GOOD0", "01GOOD1", ".."]))  # the last of the three changes
    env = write_workspace(
        tmp_path, sandbox.url, [SPEC], {ACCOUNT: wanted(sandbox)}, max_total=BUDGET
    )
    run = run_cli("apply", "--config", str(tmp_path / "callfwd.yaml"), "--auto-approve", env=env)
    assert_clear(run)
    assert "failed" in run.stdout and "is not a plain path segment" in run.stdout
    assert len(sandbox.writes()) == CHANGES - 1
    assert ".." not in {e["sender_id"] for e in sandbox.writes()}


# -- the sweep: files and the environment -------------------------------------------------------


@dataclass
class Input:
    make: Callable[[Path], list[str]]  # writes what it needs under tmp; the CLI's arguments
    message: str
    code: int = 1
    env: dict[str, str] = field(default_factory=dict)


def _plan_file(text: str) -> Callable[[Path], list[str]]:
    def make(tmp: Path) -> list[str]:
        (tmp / "plan.json").write_text(text)
        return ["apply", "--plan", str(tmp / "plan.json"), "--auto-approve"]

    return make


NESTED = json.dumps({"kind": "callfwd-plan", "format_version": 3, "x": 0})[:-1]
INPUTS: dict[str, Input] = {
    "plan-of-100000-brackets": Input(
        _plan_file("[" * 100_000), "not a callfwd plan (JSON nested deeper than 1,024 levels)"
    ),
    "plan-nested-300-deep": Input(
        _plan_file(NESTED + ', "y": ' + "[" * 300 + "]" * 300 + "}"),
        "not a callfwd plan (JSON nested deeper than",
    ),
    "plan-of-dev-zero": Input(
        lambda tmp: ["apply", "--plan", "/dev/zero", "--auto-approve"],
        "not a callfwd plan (larger than 64 MiB",
    ),
    "missing-plan-file": Input(
        lambda tmp: ["apply", "--plan", str(tmp / "nowhere.json"), "--auto-approve"],
        "does not exist",
        code=64,
    ),
    "cr-lf-in-callfwd-api-url": Input(
        lambda tmp: ["plan", str(tmp / "manifests")],
        "CALLFWD_API_URL holds the control character U+000D (carriage return)",
        env={"CALLFWD_API_URL": "http://127.0.0.1:9/\r\nX-Evil: 1", "CALLFWD_API_KEY": "k" * 20},
    ),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(INPUTS))
def test_files_and_the_environment_never_crash_the_cli(
    sandbox: Sandbox, tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = INPUTS[name]
    env = write_workspace(tmp_path, sandbox.url, [SPEC], {ACCOUNT: wanted(sandbox)})
    if case.env:  # the environment alone configures the account
        (tmp_path / "callfwd.yaml").write_text("manifests: [manifests/]\n")
        (tmp_path / "manifests" / f"{ACCOUNT}.yaml").rename(tmp_path / "manifests" / "only.yaml")
    monkeypatch.chdir(tmp_path)
    run = run_cli(*case.make(tmp_path), env={**env, **case.env})
    assert_clear(run, case.code)
    assert case.message in run.stderr, run.stderr
    assert sandbox.writes() == []


# -- memory -------------------------------------------------------------------------------------

MEASURE = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_rss_mib(args: list[str], env: dict[str, str], cwd: Path) -> float:
    """The peak resident memory of ``python -m reconciler ARGS``, as the kernel counted it
    (a wrapper process whose only child it is reads ``RUSAGE_CHILDREN``)."""
    full = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, sys.executable, "-m", "reconciler", *args],
        cwd=cwd, env=full, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return int(out.stdout.split()[-1]) / 1024  # Linux reports KiB


@pytest.mark.timeout(180)
def test_an_80_mib_page_cannot_take_plan_to_hundreds_of_mib(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    env = write_workspace(tmp_path, sandbox.url, [SPEC], {ACCOUNT: wanted(sandbox)}, max_total=30)
    args = ["plan", "--config", str(tmp_path / "callfwd.yaml")]
    plain = peak_rss_mib(args, env, tmp_path)
    sandbox.set_faults({"kind": "oversize", "size_mb": 80, "chunked": True, "path": SENDERS})
    hostile = peak_rss_mib(args, env, tmp_path)
    assert sandbox.faults()["faults"][0]["fired"] >= 1
    # Refused while it streams, at 4 MiB: a few MiB above a plain plan, never the page's 80.
    print(f"peak RSS: plain plan {plain:.0f} MiB, with an 80 MiB page {hostile:.0f} MiB")
    assert hostile < plain + 40, (plain, hostile)
