"""The one place callfwd writes for people and for CI: the terminal, GitHub's step outputs, files.

Library code never prints; commands render a string and hand it here. A file
(a saved plan, a manifest, a workflow) is written whole or not at all
(``write_file``). Colour
is used only when the stream is a terminal, ``NO_COLOR`` is unset or empty
(https://no-color.org) and ``TERM`` is not ``dumb``; ``style`` is the one
way to colour text.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TextIO

_SGR = {"red": "31", "green": "32", "yellow": "33", "cyan": "36"}


def _stream(stdout: bool) -> TextIO:
    return sys.stdout if stdout else sys.stderr


def use_colour(*, stdout: bool = True) -> bool:
    """Whether to colour what is written to stdout (or stderr when ``stdout=False``)."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(_stream(stdout), "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except ValueError:  # a closed stream
        return False


def style(text: str, *, fg: str | None = None, bold: bool = False, enabled: bool = True) -> str:
    """``text`` in ANSI colour when ``enabled``; unchanged otherwise.

    ``fg`` is one of red, green, yellow, cyan.
    """
    sgr = ([_SGR[fg]] if fg else []) + (["1"] if bold else [])
    if not enabled or not sgr:
        return text
    return f"\x1b[{';'.join(sgr)}m{text}\x1b[0m"


def write(text: str, *, stdout: bool = True) -> None:
    """Write ``text`` as is (include the newline), never failing on an unencodable character."""
    stream = _stream(stdout)
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
    stream.flush()


def line(text: str) -> None:
    """One line on stdout: what the command produces."""
    write(text + "\n")


def note(message: str) -> None:
    """A line for the person at the terminal; stderr, so stdout stays machine-readable."""
    write(message + "\n", stdout=False)


def error(message: str) -> None:
    """``error: message`` on stderr."""
    note(f"error: {message}")


def under_github_actions() -> bool:
    """Whether callfwd runs in a GitHub Actions job (the runner sets ``GITHUB_ACTIONS=true``)."""
    return os.environ.get("GITHUB_ACTIONS", "").lower() == "true"


def github_output(name: str, value: str) -> None:
    """Set a step output under GitHub Actions (``$GITHUB_OUTPUT``); nothing elsewhere."""
    path = os.environ.get("GITHUB_OUTPUT")
    if under_github_actions() and path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"{name}={value}\n")


def write_file(path: str | Path, text: str) -> None:
    """Write a whole file or nothing: a temp file in the same folder, then rename."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
