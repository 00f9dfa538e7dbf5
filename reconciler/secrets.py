"""Keep API keys out of everything callfwd prints, logs or writes.

Keys come from the environment only. Whoever reads a key registers it here;
``scrub`` then replaces it wherever it would appear, and a logging filter
does the same for every log record.
"""

from __future__ import annotations

import logging
import os
import threading

_lock = threading.Lock()
_secrets: set[str] = set()
REDACTED = "***"


def register(secret: str) -> None:
    if len(secret) >= 4:  # scrubbing a 1-3 character "key" would mangle all output
        with _lock:
            _secrets.add(secret)


def read_key(env_var: str) -> str | None:
    """Read an API key from the environment and register it for scrubbing."""
    value = os.environ.get(env_var)
    if value:
        value = value.strip()
        register(value)
    return value or None


def scrub(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class _ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _secrets:
            record.msg = scrub(record.getMessage())
            record.args = None
        return True


def install_log_scrubber() -> None:
    filt = _ScrubFilter()
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, _ScrubFilter) for f in handler.filters):
            handler.addFilter(filt)
