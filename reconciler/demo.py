"""``make demo``: the whole main job against a local settings API, in one command.

serve (sandbox seed) → validate → plan → apply --auto-approve → plan again
(no changes) → the coverage report (text, and one page: .callfwd/report.html)
→ route a call from a US and a Canadian number → stop the server.
Then the vendor's truth: a second server serving exactly what the vendor
publishes (reads only) → plan warns that apply would refuse → the checklist
for the vendor's UI → apply refuses with nothing written.
Every step is the real ``callfwd`` command, printed before it runs.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from reconciler.sandbox.process import ServeError, ServeProcess

ROOT = Path(__file__).resolve().parent.parent
SEED = "manifests/sandbox-seed.yaml"
PORT = 8765  # callfwd.yaml points the demo accounts here
VENDOR_PORT = 8766  # the published-only server; .callfwd/vendor.yaml points there
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


def _start_server(
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
    print(f"\n{BOLD}== {title}{RESET}")
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
    proc = _start_server(env, ROOT / ".callfwd" / "demo.db")
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
    _vendor_truth(env)
    print(f"\n{BOLD}Demo done.{RESET} The servers are stopped; their data is in .callfwd/.")
    return 0


def _coverage_page(env: dict[str, str]) -> None:
    """The coverage report as one HTML page, to open in a browser."""
    out = ROOT / ".callfwd" / "report.html"
    rel = out.relative_to(ROOT).as_posix()
    _step("Coverage: which senders forward, which don't and why", ["report"], env)
    _step("The same as one HTML page", ["report", "--format", "html", "--out", rel], env)
    print(f"Open it in a browser: {out.as_uri()}", flush=True)


def _vendor_truth(env: dict[str, str]) -> None:
    """The same manifests against an API that publishes reads only, as the vendor's does."""
    config = ROOT / ".callfwd" / "vendor.yaml"
    url = f"http://127.0.0.1:{VENDOR_PORT}"
    config.write_text(
        "# Written by `make demo`: the demo accounts on a server that publishes reads only.\n"
        "manifests: [manifests/]\nexclude: [manifests/sandbox-seed.yaml]\n"
        f"accounts:\n  acme-us: {{api_url: {url}, api_key_env: ACME_US_KEY}}\n"
        f"  globex: {{api_url: {url}, api_key_env: GLOBEX_KEY}}\n",
        encoding="utf-8",
    )
    proc = _start_server(
        env,
        ROOT / ".callfwd" / "vendor.db",
        port=VENDOR_PORT,
        flags=("--published-only",),
        title="The vendor's truth: a server with only what the vendor publishes (reads)",
    )
    conf = ["--config", ".callfwd/vendor.yaml"]
    try:
        _step("Plan: it warns that this API offers no write", ["plan", *conf], env)
        _step(
            "The changes as a checklist for the vendor's UI",
            ["plan", "--format", "checklist", *conf],
            env,
        )
        _step(
            "Apply refuses before writing anything (exit 1 expected)",
            ["apply", "--auto-approve", *conf],
            env,
            ok=(1,),
        )
    finally:
        proc.stop()


if __name__ == "__main__":
    raise SystemExit(main())
