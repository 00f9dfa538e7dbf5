"""From bytes to text: the checks a manifest's raw bytes must pass before YAML sees them.

Size (a limit, so a huge file is refused without being read), NUL bytes
(binary or UTF-16), a UTF-8 byte-order mark (a warning), strict UTF-8 (the
error names the byte offset, line and column) and control characters that
YAML forbids.
"""

from __future__ import annotations

import re

from reconciler.diagnostics import Diagnostic, Position, codes, error, warning

MAX_BYTES = 4 * 1024 * 1024
EXCERPT = 40  # the most of any value a message quotes
_BOM = b"\xef\xbb\xbf"
# What YAML 1.1 does not allow in a stream (besides NUL, caught earlier as binary).
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def decode(path: str, data: bytes, size: int, diags: list[Diagnostic]) -> str | None:
    """The text of a manifest's bytes, or None with the reason appended to ``diags``.

    ``size`` is the file's real size when only its first bytes were read.
    """

    def at(line: int, col: int) -> Position:
        return Position(path, line, col)

    if max(size, len(data)) > MAX_BYTES:
        diags.append(
            error(
                at(1, 1),
                codes.TOO_LARGE,
                f"file is {max(size, len(data)):,} bytes, over the limit of "
                f"{MAX_BYTES // (1024 * 1024)} MiB for one manifest; split it into several "
                "files (one per team)",
            )
        )
        return None
    if b"\x00" in data:
        hint = (
            "it looks UTF-16 encoded; save it as UTF-8"
            if data[:2] in (b"\xff\xfe", b"\xfe\xff")
            else "a manifest must be UTF-8 text"
        )
        nul = data.index(b"\x00")
        line = data.count(b"\n", 0, nul) + 1
        col = nul - (data.rfind(b"\n", 0, nul) + 1) + 1
        diags.append(error(at(line, col), codes.BINARY, f"file contains NUL bytes: {hint}"))
        return None
    if data.startswith(_BOM):
        diags.append(
            warning(at(1, 1), codes.BOM, "file starts with a UTF-8 byte-order mark; remove it")
        )
        data = data[len(_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\n") + 1
        col = len(head[head.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        diags.append(
            error(
                at(line, col),
                codes.NOT_UTF8,
                f"file is not valid UTF-8 (byte 0x{data[exc.start]:02X} at offset {exc.start}); "
                "save it as UTF-8",
            )
        )
        return None
    if (m := _CONTROL.search(text)) is not None:
        line, col = _line_col(text, m.start())
        diags.append(
            error(
                at(line, col),
                codes.CONTROL_CHAR,
                f"file contains the control character U+{ord(m.group()):04X}; remove it",
            )
        )
        return None
    return text


def shown(text: str, limit: int = EXCERPT) -> str:
    """``text`` quoted for a message, invisible characters escaped, long text cut.

    Every message that repeats a value from a file goes through here (or
    ``excerpt``), so none quotes more than ``EXCERPT`` characters of it.
    """
    if len(text) > limit:
        return repr(text[: limit - 1])[:-1] + "…" + repr(text)[-1] + f" ({len(text):,} characters)"
    return repr(text)


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """``text`` unquoted, cut to ``limit`` characters with an ellipsis (for names in prose)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
