"""``--latency`` values: ``50ms``, ``0.05s``, ``0`` → seconds."""

from __future__ import annotations

import re

_DURATION = re.compile(r"\s*(\d{1,6}(?:\.\d{1,6})?)\s*(ms|s)?\s*", re.ASCII)
MAX_SECONDS = 60.0


def parse_duration(text: str) -> float:
    """Seconds from ``50ms``, ``0.05s`` or ``0`` (a bare number must be 0). ValueError otherwise."""
    m = _DURATION.fullmatch(text)
    if not m or (m[2] is None and float(m[1]) != 0):
        raise ValueError(
            f"{text!r} is not a latency; write milliseconds or seconds, e.g. 50ms, 0.05s or 0"
        )
    seconds = float(m[1]) / (1000.0 if m[2] == "ms" else 1.0)
    if seconds > MAX_SECONDS:
        raise ValueError(f"{text!r} is more than the {MAX_SECONDS:g} s a latency may be")
    return seconds
