"""Keep API keys out of everything callfwd prints, logs or writes.

Keys come from the environment only. Whoever reads a key registers it here;
``scrub`` then replaces it wherever it would appear, and a logging filter
does the same for every log record.
"""

from __future__ import annotations

import hmac
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
        if not sendable(value):
            from reconciler.errors import ConfigError

            raise ConfigError(f"environment variable {env_var}: {UNSENDABLE}")
    return value or None


UNSENDABLE = (
    "the API key has a line break, a control character or a non-ASCII character "
    "inside, which cannot be sent in an HTTP header; set it again, copied exactly"
)


def sendable(key: str) -> bool:
    """Whether ``key`` can go in an HTTP header. One that cannot must never be tried:
    the HTTP layer's error (and its debug log) would show it, escaped past ``scrub``."""
    return key.isascii() and key.isprintable()


class Secret:
    """A key that never shows itself: ``repr`` is ``Secret('***')``, ``str`` is ``***``.

    ``reveal()`` is the one way to the value; only the HTTP client calls it, to build
    the ``Authorization`` header. Constructing one registers the value for scrubbing.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        register(value)
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{REDACTED}')"

    def __str__(self) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Secret:
        return self

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")  # keeps keys out of files


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
    """Scrub every record on the root handlers and on the notice logger's own."""
    from reconciler.notice import notice_logger

    filt = _ScrubFilter()
    for handler in [*logging.getLogger().handlers, *notice_logger().handlers]:
        if not any(isinstance(f, _ScrubFilter) for f in handler.filters):
            handler.addFilter(filt)
