"""Single keys from the terminal, read without blocking the event loop (the guided apply).

``TerminalKeys`` puts the terminal in cbreak mode (each key arrives at once,
not echoed; Ctrl-C still interrupts) and hands every key to the event loop
through ``loop.add_reader``; the terminal's settings are put back on every way
out: the end of the ``with``, an exception, Ctrl-C. SIGTERM and SIGHUP (the
terminal closed) read as ``q``: the guide stops, says what is left, and the
``with`` restores the terminal before the process ends.

POSIX terminals only (``termios``); ``available()`` says whether stdin is one.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from types import TracebackType
from typing import Any

QUIT_KEY = "q"
_SIGNALS = (signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM))


def available() -> bool:
    """Whether keys can be read one at a time: stdin is a terminal with ``termios``."""
    try:
        import termios  # noqa: F401
    except ImportError:
        return False
    return sys.stdin.isatty()


class TerminalKeys:
    """``async get() -> str``: the next key pressed (``\\n`` for Enter)."""

    def __init__(self, fd: int | None = None) -> None:
        self._fd = sys.stdin.fileno() if fd is None else fd
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._saved: list[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def get(self) -> str:
        return await self._queue.get()

    def __enter__(self) -> TerminalKeys:
        import termios
        import tty

        self._loop = asyncio.get_running_loop()
        self._saved = termios.tcgetattr(self._fd)
        try:
            tty.setcbreak(self._fd, termios.TCSANOW)
            self._loop.add_reader(self._fd, self._readable)
            for sig in _SIGNALS:
                self._loop.add_signal_handler(sig, self._queue.put_nowait, QUIT_KEY)
        except BaseException:
            self._restore()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._restore()

    def _readable(self) -> None:
        try:
            data = os.read(self._fd, 64)
        except OSError:
            data = b""
        if not data:  # the terminal went away: nobody is left to make the changes
            assert self._loop is not None
            self._loop.remove_reader(self._fd)
            self._queue.put_nowait(QUIT_KEY)
            return
        for key in data.decode("utf-8", errors="replace"):
            self._queue.put_nowait(key)

    def _restore(self) -> None:
        import termios

        if self._loop is not None:
            self._loop.remove_reader(self._fd)
            for sig in _SIGNALS:
                self._loop.remove_signal_handler(sig)
        if self._saved is not None:
            termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)
            self._saved = None
