"""The one launcher of ``callfwd serve`` as a child process: the demo, the tests and the
benchmarks all start the local API here, and read its ready line the same way.

    with ServeProcess.start("--seed", "manifests/sandbox-seed.yaml") as server:
        server.url   # http://127.0.0.1:PORT
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

READY_PREFIX = "callfwd serve: listening on "
START_TIMEOUT = 30.0


class ServeError(RuntimeError):
    """``callfwd serve`` did not start; the message ends with what it printed."""


class ServeProcess:
    """One ``callfwd serve`` subprocess, started and ready (its ready line read)."""

    def __init__(self, proc: subprocess.Popen[str], url: str) -> None:
        self.proc = proc
        self.url = url
        self.port = int(url.rsplit(":", 1)[1])

    @classmethod
    def start(
        cls,
        *flags: str,
        port: int = 0,
        cwd: Path | None = None,
        stderr: IO[bytes] | int | None = None,
        stop_with_parent: bool = True,
        timeout: float = START_TIMEOUT,
        env: dict[str, str] | None = None,
    ) -> ServeProcess:
        """``callfwd serve --port PORT FLAGS...``, waiting up to ``timeout`` for its ready line.

        ``stderr``: where the request log goes (a file, ``subprocess.DEVNULL``, or None to
        inherit). ``stop_with_parent``: the server exits when this process dies, so a killed
        test or benchmark run leaves no server behind.
        """
        cmd = [sys.executable, "-m", "reconciler", "serve", "--port", str(port), *flags]
        if stop_with_parent:
            cmd.append("--stop-with-parent")
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=cwd,
            env={**(env if env is not None else os.environ), "PYTHONUNBUFFERED": "1"},
        )
        lines: queue.Queue[str] = queue.Queue()

        def read() -> None:
            assert proc.stdout is not None
            lines.put(proc.stdout.readline())

        threading.Thread(target=read, daemon=True).start()
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            _end(proc)
            raise ServeError(f"callfwd serve gave no ready line in {timeout:g} s") from None
        if not line.startswith(READY_PREFIX):
            _end(proc)
            raise ServeError(f"callfwd serve did not start (it printed {line.strip()!r})")
        return cls(proc, line[len(READY_PREFIX) :].strip())

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        """Stop with ``sig`` (SIGTERM: a clean shutdown) and return the exit code."""
        if self.alive:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        return self.proc.returncode

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _end(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.wait()
    if proc.stdout:
        proc.stdout.close()
