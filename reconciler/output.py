"""The one place callfwd writes to the terminal: colour decision and writing.

Library code never prints; commands render a string and hand it here.
Colour is used only when the stream is a terminal, ``NO_COLOR`` is unset or
empty (https://no-color.org) and ``TERM`` is not ``dumb``.
"""

from __future__ import annotations

import os
import sys
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
