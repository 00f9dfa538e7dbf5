"""callfwd in a pseudo-terminal, as a person runs it: what it shows, the keys they press.

The command runs as a real process (``python -m reconciler``) whose stdin,
stdout and stderr are the slave side of a pty (``pty.openpty``), so it sees a
terminal (``isatty``, cbreak mode) exactly as at a person's desk; the test
reads the master side and types into it.
"""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import subprocess
import sys
import termios
import time
from collections.abc import Mapping
from pathlib import Path

# Escape sequences a terminal program may write (colour, cursor): not part of the text.
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    def __init__(self, args: list[str], *, cwd: Path, env: Mapping[str, str]) -> None:
        master, slave = pty.openpty()
        self._master = master
        full_env = {**os.environ, **env, "NO_COLOR": "1", "COLUMNS": "200"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reconciler", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env=full_env,
            start_new_session=True,
        )
        os.close(slave)
        self.text = ""  # everything shown so far (\r\n as \n, escapes removed)
        self.lflag_at_exit = 0  # the terminal's local modes once the process ended
        self._pos = 0  # where the next expect starts looking

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self._master], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self._master, 65536)
        except OSError:  # EIO: the process closed the terminal
            data = b""
        if not data:
            return False
        chunk = data.decode("utf-8", errors="replace").replace("\r\n", "\n")
        self.text += _ANSI.sub("", chunk)
        return True

    def expect(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        """Wait until the terminal shows ``pattern`` (a regex) after the last match."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        open_ = True
        while True:
            m = rx.search(self.text, self._pos)
            if m:
                self._pos = m.end()
                return m
            left = deadline - time.monotonic()
            if left <= 0 or not open_:
                raise AssertionError(
                    f"the terminal never showed {pattern!r}; it shows:\n{self.text}"
                )
            open_ = self._read(min(left, 0.2))

    def send(self, keys: str) -> None:
        os.write(self._master, keys.encode())

    def wait(self, timeout: float = 30.0) -> int:
        """The exit code, once the process has ended (everything it showed read)."""
        deadline = time.monotonic() + timeout
        while self._read(0.2) and time.monotonic() < deadline:
            if self.proc.poll() is not None and not select.select([self._master], [], [], 0)[0]:
                break
        try:
            return self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        finally:
            self.lflag_at_exit = termios.tcgetattr(self._master)[3]
            os.close(self._master)

    @property
    def cooked(self) -> bool:
        """Whether the process left the terminal as it found it: line mode, echo on."""
        return bool(self.lflag_at_exit & termios.ICANON and self.lflag_at_exit & termios.ECHO)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        with contextlib.suppress(OSError):  # closed by wait() already
            os.close(self._master)
