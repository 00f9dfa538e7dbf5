"""``make demo``: the whole main job against a local settings API, in one command.

serve (sandbox seed) → validate → plan → apply --auto-approve → plan again
(no changes) → route a call from a US and a Canadian number → stop the server.
Every step is the real ``callfwd`` command, printed before it runs.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = "manifests/sandbox-seed.yaml"
PORT = 8765  # callfwd.yaml points the demo accounts here
# Sandbox-only keys from the seed; never real credentials.
DEMO_ENV = {
    "ACME_US_KEY": "sandbox-acme-manager",
    "GLOBEX_KEY": "sandbox-globex-owner",
    "CALLFWD_API_URL": f"http://127.0.0.1:{PORT}",
    "CALLFWD_API_KEY": "sandbox-acme-manager",
}
BOLD, RESET = (
    ("\x1b[1m", "\x1b[0m") if sys.stdout.isatty() and not os.environ.get("NO_COLOR") else ("", "")
)


def _callfwd(*args: str) -> list[str]:
    return [sys.executable, "-m", "reconciler", *args]


def _step(title: str, args: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> None:
    print(f"\n{BOLD}== {title}{RESET}\n$ callfwd {shlex.join(args)}", flush=True)
    rc = subprocess.call(_callfwd(*args), cwd=ROOT, env=env)
    if rc not in ok:
        raise SystemExit(f"demo: `callfwd {shlex.join(args)}` exited {rc}")


def _start_server(env: dict[str, str], db: Path) -> subprocess.Popen[str]:
    db.parent.mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    args = ["serve", "--port", str(PORT), "--db", str(db), "--seed", SEED, "--quiet"]
    print(f"{BOLD}== Start the local settings API (a stand-in for the vendor's){RESET}")
    print(f"$ callfwd {shlex.join(args)} &", flush=True)
    proc = subprocess.Popen(_callfwd(*args), cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 15
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        print(line, end="", flush=True)
        if "listening on" in line:
            return proc
    proc.kill()
    raise SystemExit(
        f"demo: the local settings API did not start on port {PORT} "
        "(is something else using it? stop it and run `make demo` again)"
    )


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> int:
    env = {**os.environ, **DEMO_ENV}
    proc = _start_server(env, ROOT / ".callfwd" / "demo.db")
    try:
        _step("Validate the manifests", ["validate"], env)
        _step("Plan: what would change", ["plan"], env)
        _step("Apply it", ["apply", "--auto-approve"], env)
        _step("Plan again: nothing left to do", ["plan", "--detailed-exitcode"], env)
        _step(
            "A call from a US area code is forwarded",
            ["route-call", "--from", "+1 212 555 0100", "--to", "+1 833 555 0100"],
            env,
        )
        _step(
            "A call from a Canadian area code rings until the caller hangs up",
            ["route-call", "--from", "+1 416 555 0100", "--to", "+1 833 555 0100"],
            env,
        )
    finally:
        _stop(proc)
    print(f"\n{BOLD}Demo done.{RESET} The server is stopped; its data is in .callfwd/demo.db.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
