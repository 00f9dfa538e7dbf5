"""`callfwd serve` and `callfwd route-call` as a user runs them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sandbox_fixtures import (
    ACME_ANALYST,
    ACME_MANAGER,
    DEFAULT_SEED,
    Sandbox,
    ServerFactory,
)
from workspace import Run, run_cli, run_process

CANADA = (
    "calls from Canadian area codes are not forwarded; the line rings until the caller hangs up"
)


def route_call(sandbox: Sandbox, caller: str, to: str, key: str = ACME_ANALYST) -> Run:
    """In process, through the same click group as the console script."""
    env = {"CALLFWD_API_URL": sandbox.url, "CALLFWD_API_KEY": key}
    return run_cli(*ROUTE, "--from", caller, "--to", to, env=env)


# An empty callfwd.yaml (the repository's names other ports): the environment serves.
ROUTE = ["route-call", "--config", os.devnull]


def test_route_call_prints_one_line_for_each_outcome(sandbox: Sandbox) -> None:
    us = route_call(sandbox, "+1 312 555 0100", "+1 (833) 555-0100")
    assert (us.code, us.stdout) == (
        0,
        "call from +13125550100 to +18335550100: forwarded to +12125550199\n",
    )
    ca = route_call(sandbox, "+1 416 555 0100", "+1 (833) 555-0100")
    assert (ca.code, ca.stdout) == (
        0,
        f"call from +14165550100 to +18335550100: rings: {CANADA}\n",
    )
    none = route_call(sandbox, "+1 312 555 0100", "+1 844 555 0111")
    assert none.stdout.startswith(
        "call from +13125550100 to +18445550111: rings: no forwarding number is set"
    )


def test_route_call_errors_are_one_clear_line_without_the_key(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    # the real console script once: exit code 1, one line on stderr, no traceback, no key
    wrong = run_process(
        "route-call",
        "--from",
        "+13125550100",
        "--to",
        "+18335550100",
        env={"CALLFWD_API_URL": sandbox.url, "CALLFWD_API_KEY": "sandbox-wrong-key-123"},
        cwd=tmp_path,
    )
    assert wrong.code == 1
    assert wrong.stderr == (
        "error: account default: GET /api/accounts: HTTP 401 authentication_failed: Incorrect "
        "authentication credentials; the API refused the key in CALLFWD_API_KEY: check that "
        "it is current and complete\n"
    )
    assert "sandbox-wrong-key-123" not in wrong.stderr + wrong.stdout
    # the rest in process, through the same group and its one error handler
    unknown = route_call(sandbox, "+13125550100", "+18005550000")
    assert (unknown.code, unknown.stderr) == (
        1,
        "error: account default: no sender of this account has the number +18005550000\n",
    )
    args = [*ROUTE, "--from", "+13125550100", "--to", "+18335550100"]
    no_url = run_cli(*args, env={"CALLFWD_API_URL": "", "CALLFWD_API_KEY": "x" * 10})
    no_key = run_cli(*args, env={"CALLFWD_API_URL": sandbox.url, "CALLFWD_API_KEY": ""})
    assert no_url.code == 1 and "CALLFWD_API_URL is not set" in no_url.stderr
    assert no_key.stderr == (
        "error: account default: environment variable CALLFWD_API_KEY is empty "
        "(it holds the account's API key)\n"
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    env = {"CALLFWD_API_URL": f"http://127.0.0.1:{closed_port}", "CALLFWD_API_KEY": ACME_ANALYST}
    config = tmp_path / "no-retry.yaml"
    config.write_text("retry: {max_connect_total: 0}\n", encoding="utf-8")
    args = ["route-call", "--config", str(config), *args[3:]]
    down = run_cli(*args, env=env)
    assert (down.code, down.stderr) == (
        1,
        f"error: account default: GET /api/accounts: could not connect to "
        f"http://127.0.0.1:{closed_port}: connection refused\n",
    )
    assert "Traceback" not in unknown.stderr + down.stderr


def test_serve_help_and_usage_errors(tmp_path: Path) -> None:
    help_ = run_process("serve", "--help")
    assert help_.code == 0
    for flag in (
        "--host",
        "--port",
        "--db",
        "--seed",
        "--rate-limit",
        "--admin",
        "--quiet",
        "--log-level",
    ):
        assert flag in help_.stdout
    assert "not the service itself" in " ".join(help_.stdout.split())
    bad = run_process(
        "serve", "--rate-limit", "fast", "--db", str(tmp_path / "db.sqlite"), cwd=tmp_path
    )
    assert bad.code == 64 and "BURST/STEADY" in bad.stderr


def test_serve_on_a_port_in_use_fails_clearly(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = run_process(
            "serve", "--port", str(port), "--db", str(tmp_path / "db.sqlite"), cwd=tmp_path
        )
    assert run.code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in run.stderr and "Traceback" not in run.stderr


def test_default_database_lives_under_dot_callfwd(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "serve", "--port", "0", "--seed", str(DEFAULT_SEED)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("callfwd serve: listening on http://127.0.0.1:")
        assert (tmp_path / ".callfwd" / "sandbox.db").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0
    assert "Traceback" not in err and "stopped" in err


def test_request_log_has_one_line_per_request_and_no_keys(server_factory: ServerFactory) -> None:
    server = server_factory("--seed", str(DEFAULT_SEED), "--rate-limit", "off")
    quiet = server_factory("--seed", str(DEFAULT_SEED), "--rate-limit", "off", "--quiet")
    for s in (server, quiet):
        with s.client(ACME_MANAGER) as api:
            api.get("/api/me")
            api.get("/api/text-messaging-senders?page[size]=2")
            api.get("/api/me", headers={"Authorization": "Klaviyo-API-Key sandbox-not-a-real-key"})
    server.stop()
    quiet.stop()
    lines = [line for line in server.log_text().splitlines() if '"GET /api/' in line]
    assert len(lines) == 3
    assert " 200 " in lines[0] and "account=acme-us" in lines[0] and "key=" in lines[0]
    assert " 401 " in lines[2]
    for text in (server.log_text(), quiet.log_text()):
        assert ACME_MANAGER not in text and "sandbox-not-a-real-key" not in text
    assert '"GET /api/' not in quiet.log_text()


# A Python whose import system refuses one package, as an install without the extra would.
WITHOUT = """
import sys
from importlib.abc import MetaPathFinder

BLOCKED = sys.argv[1]

class Missing(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Missing())
from reconciler.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("package", ["fastapi", "uvicorn", "starlette"])
def test_serve_without_the_server_extra_says_how_to_get_it(tmp_path: Path, package: str) -> None:
    db = tmp_path / "db.sqlite"
    args = ["serve", "--port", "0", "--db", str(db), "--seed", str(DEFAULT_SEED)]
    run = subprocess.run(
        [sys.executable, "-c", WITHOUT, package, *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert run.returncode == 1, run.stderr
    assert run.stderr == (
        "callfwd serve needs the local server's dependencies: pip install 'callfwd[serve]'\n"
    )
    assert run.stdout == "" and not db.exists()


def test_serve_help_needs_no_server_package(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", WITHOUT, "fastapi", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr  # the help needs none of them either
    assert "--seed" in run.stdout
