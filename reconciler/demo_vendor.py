"""``make demo``, second part: the vendor's truth, and how a person applies against it.

A server serving exactly what the vendor publishes (reads only) → plan, saved →
the checklist for the vendor's UI → the guided apply, on a pseudo-terminal, the
person's part played by the demo through the local API's UI route (said on
screen, line by line): one change right, one wrong then corrected, then the
person stops → the checklist since the saved plan, two boxes ticked → the
guided apply again for the rest → plan again: nothing left.

The guided apply is the real ``callfwd apply`` on a real pseudo-terminal
(``pty``): the demo reads what it shows and types what a person would (``y``,
``q``); nothing in callfwd knows it is a demo.
"""

from __future__ import annotations

import os
import re
import select
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx

VENDOR_PORT = 8766  # the published-only server; .callfwd/vendor.yaml points there
CONFIG = ".callfwd/vendor.yaml"
SAVED = ".callfwd/vendor-plan.json"
POLL = "1"  # seconds between the guide's reads of a sender (callfwd's default is 2)
_STEP = re.compile(
    r"Step (?P<n>\d+) of \d+: account .*?\(id (?P<account>[^)]+)\).*?"
    r"Sender [^\n]*\((?P<sender>\+\d+)\)\n(?P<todo>.*?)Enter: check now, s: skip, q: quit",
    re.DOTALL,
)
_E164 = re.compile(r"\((\+\d{11})\)")


def vendor_config(url: str) -> str:
    """The demo accounts on the published-only server, known to be the published API."""
    return (
        "# Written by `make demo`: the demo accounts on a server that publishes reads only.\n"
        "manifests: [../manifests/]\nexclude: [sandbox-seed.yaml]\n"
        "defaults: {api: published}   # the default for https://a.klaviyo.com itself\n"
        f"accounts:\n  acme-us: {{api_url: {url}, api_key_env: ACME_US_KEY}}\n"
        f"  globex: {{api_url: {url}, api_key_env: GLOBEX_KEY}}\n"
    )


class _Terminal:
    """``callfwd ARGS`` on a pseudo-terminal; everything it shows is echoed to the screen."""

    def __init__(self, args: list[str], *, cwd: Path, env: dict[str, str]) -> None:
        import pty

        master, slave = pty.openpty()
        self._fd = master
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reconciler", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env={**env, "NO_COLOR": "1"},
            start_new_session=True,
        )
        os.close(slave)
        self._seen = ""

    def expect(self, pattern: re.Pattern[str], timeout: float = 60.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while not (m := pattern.search(self._seen)):
            if time.monotonic() > deadline or not self._pump(0.2):
                raise SystemExit(f"demo: the guided apply did not show {pattern.pattern!r}")
        self._seen = self._seen[m.end() :]
        return m

    def send(self, keys: str) -> None:
        os.write(self._fd, keys.encode())

    def wait(self) -> int:
        while self._pump(0.2):
            pass
        os.close(self._fd)
        return self.proc.wait(timeout=30)

    def _pump(self, timeout: float) -> bool:
        if not select.select([self._fd], [], [], timeout)[0]:
            return self.proc.poll() is None
        try:
            data = os.read(self._fd, 65536)
        except OSError:  # the process closed the terminal
            return False
        sys.stdout.write(data.decode("utf-8", errors="replace"))
        sys.stdout.flush()
        self._seen += data.decode("utf-8", errors="replace").replace("\r\n", "\n")
        return bool(data)


class _Person:
    """What the person does in the vendor's UI, done through the local API's UI route."""

    def __init__(self, url: str, say: Callable[[str], None]) -> None:
        self._url, self._say = url, say

    def do(self, step: re.Match[str], *, slip: bool = False) -> str | None:
        todo = step["todo"]
        numbers: list[str] = _E164.findall(todo)
        to = None if "Delete the forwarding number" in todo else numbers[-1]
        if slip and to is not None:
            wrong = to[:-1] + str((int(to[-1]) + 1) % 10)
            self._say(f"types {wrong} by mistake, and saves")
            self._set(step["account"], step["sender"], wrong)
            return to
        self._say(f"{'deletes the number' if to is None else f'enters {to}'}, and saves")
        self._set(step["account"], step["sender"], to)
        return None

    def correct(self, step: re.Match[str], to: str) -> None:
        self._say(f"sees callfwd's report, corrects it to {to}, and saves")
        self._set(step["account"], step["sender"], to)

    def _set(self, account: str, number: str, to: str | None) -> None:
        with httpx.Client(base_url=self._url, timeout=10) as admin:
            state = admin.get("/_sandbox/state").json()
            (sid,) = [
                s["id"]
                for a in state["accounts"]
                if a["id"] == account
                for s in a["senders"]
                if s["number"] == number and s["country"] == "US"
            ]
            r = admin.put(f"/_sandbox/ui/senders/{sid}/forwarding", json={"forwarding_number": to})
            r.raise_for_status()


def guided_apply(
    root: Path,
    env: dict[str, str],
    url: str,
    gap: AbstractContextManager[None],
    *,
    steps: int,
    stop_after: int | None = None,
    slip: int | None = None,
) -> int:
    """``callfwd apply`` on a pseudo-terminal, the person played: returns its exit code.

    The person makes ``steps`` changes (the ``slip``-th wrong at first), or stops
    with ``q`` at the step after ``stop_after``.
    """
    args = ["apply", "--config", CONFIG, "--poll-interval", POLL]
    print(f"$ callfwd {shlex.join(args)}", flush=True)
    with gap:
        return _play(args, root, env, url, steps=steps, stop_after=stop_after, slip=slip)


def _play(
    args: list[str],
    root: Path,
    env: dict[str, str],
    url: str,
    *,
    steps: int,
    stop_after: int | None,
    slip: int | None,
) -> int:
    def say(what: str) -> None:
        print(f"\n    [demo, as the person in the vendor's UI: {what}]", flush=True)

    person = _Person(url, say)
    term = _Terminal(args, cwd=root, env=env)
    term.expect(re.compile(r"guided\? \[y/N\]: "))
    say("answers y")
    term.send("y\n")
    for n in range(1, steps + 1):
        step = term.expect(_STEP)
        if stop_after is not None and n > stop_after:
            say("stops here for now and presses q")
            term.send("q")
            break
        right = person.do(step, slip=n == slip)
        if right is not None:
            term.expect(re.compile(r"! the API shows .*\(still waiting\)\n"))
            person.correct(step, right)
        term.expect(re.compile(r"\[x\] done by hand"))
    return term.wait()


def run(
    root: Path,
    env: dict[str, str],
    *,
    step: Callable[..., None],
    title: Callable[[str], None],
    gap: AbstractContextManager[None],
    start_server: Callable[..., Any],
) -> None:
    """The second part of the demo against ``callfwd serve --published-only --admin``.

    ``step``, ``title``, ``gap`` and ``start_server`` are the demo's own (``reconciler.demo``).
    """
    url = f"http://127.0.0.1:{VENDOR_PORT}"
    (root / CONFIG).write_text(vendor_config(url), encoding="utf-8")
    proc = start_server(
        env,
        root / ".callfwd" / "vendor.db",
        port=VENDOR_PORT,
        flags=("--published-only", "--admin"),
        title="The vendor's truth: a server with only what the vendor publishes (reads)",
    )
    conf = ["--config", CONFIG]
    try:
        step(
            "Plan against it, saved: a person will make these changes in the vendor's UI",
            ["plan", *conf, "--out", SAVED],
        )
        step(
            "The changes as a checklist for the vendor's UI",
            ["plan", "--format", "checklist", *conf],
        )
        if sys.platform == "win32":  # no pseudo-terminals: the guide needs a POSIX terminal
            print("\n(The guided apply needs a POSIX terminal; skipped on Windows.)")
            return
        title(
            "Guided apply: a person makes each change in the vendor's UI, callfwd checks it "
            "in the API (the demo plays the person through the local API's UI route)"
        )
        if (rc := guided_apply(root, env, url, gap, steps=3, stop_after=2, slip=2)) != 3:
            raise SystemExit(f"demo: the guided apply exited {rc}, not 3 (changes left)")
        step(
            "Progress: the checklist since the saved plan ticks what is done",
            ["plan", "--format", "checklist", *conf, "--since", SAVED],
        )
        title("Guided apply again: the rest")
        if (rc := guided_apply(root, env, url, gap, steps=2)) != 0:
            raise SystemExit(f"demo: the guided apply exited {rc}, not 0")
        step("Plan again: nothing left to do", ["plan", "--detailed-exitcode", *conf])
    finally:
        proc.stop()
