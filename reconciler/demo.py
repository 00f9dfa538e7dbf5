"""``make demo``: the whole main job against a local settings API, in one command.

serve (sandbox seed) → validate → plan → apply --auto-approve → plan again
(no changes) → the coverage report (text, and one page: .callfwd/report.html)
→ route a call from a US and a Canadian number → stop the server.
Then the vendor's truth (``demo_vendor``): a second server serving exactly what
the vendor publishes (reads only) → plan → the checklist for the vendor's UI →
the guided apply, the person's part played by the demo → progress ticked in
the checklist → the rest, guided → plan again (no changes).
Every step is the real ``callfwd`` command, printed before it runs.

The vendor allows one ``GET /api/accounts`` (every command's key check) a
second per account: a command that starts within a second of the last one's
end waits out the rest of that second first, as a person at a keyboard does.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from contextlib import AbstractContextManager
from pathlib import Path

from reconciler import demo_vendor
from reconciler.api.limits import ACCOUNT_LIMITS, BURST_SECONDS
from reconciler.sandbox.process import ServeError, ServeProcess

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


# The key check's limit per account: the gap a command leaves before the next one's.
_KEY_CHECK_GAP = BURST_SECONDS / ACCOUNT_LIMITS.burst


class _Gap(AbstractContextManager[None]):
    """``with GAP:`` around a command: it starts no sooner than the key check allows."""

    def __init__(self) -> None:
        self._end = 0.0

    def __enter__(self) -> None:
        time.sleep(max(0.0, self._end + _KEY_CHECK_GAP - time.monotonic()))

    def __exit__(self, *exc: object) -> None:
        self._end = time.monotonic()


GAP = _Gap()


def _title(title: str) -> None:
    print(f"\n{BOLD}== {title}{RESET}", flush=True)


def _step(title: str, args: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> None:
    _title(title)
    print(f"$ callfwd {shlex.join(args)}", flush=True)
    # No terminal for the command: a step never waits for a key (the guided apply runs
    # on a pseudo-terminal of its own, in demo_vendor).
    with GAP:
        rc = subprocess.call(_callfwd(*args), cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
    if rc not in ok:
        raise SystemExit(f"demo: `callfwd {shlex.join(args)}` exited {rc}")


def start_server(
    env: dict[str, str],
    db: Path,
    *,
    port: int = PORT,
    flags: tuple[str, ...] = (),
    title: str = "Start the local settings API (a stand-in for the vendor's)",
) -> ServeProcess:
    db.parent.mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    args = ["--db", db.relative_to(ROOT).as_posix(), "--seed", SEED, "--quiet", *flags]
    _title(title)
    print(f"$ callfwd serve --port {port} {shlex.join(args)} &", flush=True)
    try:
        server = ServeProcess.start(*args, port=port, cwd=ROOT, env=env, timeout=15)
    except ServeError as exc:
        raise SystemExit(
            f"demo: the local settings API did not start on port {port}: {exc} "
            "(is something else using it? stop it and run `make demo` again)"
        ) from None
    print(f"callfwd serve: listening on {server.url}", flush=True)
    return server


def main() -> int:
    env = {**os.environ, **DEMO_ENV}
    proc = start_server(env, ROOT / ".callfwd" / "demo.db")
    try:
        _step("Validate the manifests", ["validate"], env)
        _step("Plan: what would change", ["plan"], env)
        _step("Apply it", ["apply", "--auto-approve"], env)
        _step("Plan again: nothing left to do", ["plan", "--detailed-exitcode"], env)
        _coverage_page(env)
        _step(
            "A call from a US area code is forwarded",
            [
                "route-call",
                "--account",
                "acme-us",
                "--from",
                "+1 212 555 0100",
                "--to",
                "+1 833 555 0100",
            ],
            env,
        )
        _step(
            "A call from a Canadian area code rings until the caller hangs up",
            [
                "route-call",
                "--account",
                "acme-us",
                "--from",
                "+1 416 555 0100",
                "--to",
                "+1 833 555 0100",
            ],
            env,
        )
    finally:
        proc.stop()
    demo_vendor.run(
        ROOT,
        env,
        step=lambda title, args, ok=(0,): _step(title, args, env, ok),
        title=_title,
        gap=GAP,
        start_server=start_server,
    )
    print(f"\n{BOLD}Demo done.{RESET} The servers are stopped; their data is in .callfwd/.")
    return 0


def _coverage_page(env: dict[str, str]) -> None:
    """The coverage report as one HTML page, to open in a browser."""
    out = ROOT / ".callfwd" / "report.html"
    rel = out.relative_to(ROOT).as_posix()
    _step("Coverage: which senders forward, which don't and why", ["report"], env)
    _step("The same as one HTML page", ["report", "--format", "html", "--out", rel], env)
    print(f"Open it in a browser: {out.as_uri()}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
