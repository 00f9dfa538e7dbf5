"""Keep API keys out of everything callfwd prints, logs or writes.

Keys come from the environment only. Whoever reads a key registers it here;
``scrub`` then hides every registered key wherever it would appear, and a
logging filter does the same for every log record.

Text a server sent (an error's ``detail``, ``title``, ``code``) goes through
``scrub_echo`` instead, which also hides a key *in part*: any run of ``PART``
(6) or more characters of a registered key, so a server that echoes the key's
first 14 characters is shown as ``***``. One exception keeps words readable
where a key is made of words (``sandbox-acme-manager``): a word of a key
(between its separators) of one kind of character only (lower-case letters,
upper-case letters or digits) and shorter than ``WHOLE_WORD``
(10), is left alone, and so is a run of six or more characters of such a
word, so "role manager" stays "role manager". Runs inside a random key
(``pk_…``) are always hidden. callfwd's own text (file names,
account names) is never cut up this way: only whole keys are hidden there.

How: every key's 6-character pieces go in one set; the text is scanned only
where it holds a run of characters that occur in keys (one compiled
character class), with a window of 6 looked up in the set; overlapping hits
merge into one hidden span. The cost is one regex pass plus one set lookup
per character of such runs, whatever the number of keys.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import threading

_lock = threading.Lock()
_secrets: set[str] = set()
REDACTED = "***"
PART = 6  # the shortest run of a key's characters that counts as part of the key
WHOLE_WORD = 10  # a run of one kind of character this long is hidden too


class _Index:
    """Every key's PART-character pieces, its characters, and the keys found only whole.

    Grows one key at a time: a key adds its pieces to the set, and the pattern of
    runs is recompiled only when the key brings a character no other key has.
    """

    def __init__(self) -> None:
        self.pieces: set[str] = set()
        self.chars: set[str] = set()
        self.runs: re.Pattern[str] | None = None  # runs of PART or more key characters
        self.plain: tuple[str, ...] = ()  # keys a run may leave visible: found whole
        # Runs a part may leave visible: pieces of a key's own words (see the docstring).
        self.words: set[str] = set()

    def add(self, secret: str) -> None:
        self.pieces.update(secret[i : i + PART] for i in range(len(secret) - PART + 1))
        if not self.chars.issuperset(secret):
            self.chars.update(secret)
            chars = "".join(re.escape(c) for c in sorted(self.chars))
            self.runs = re.compile(f"[{chars}]{{{PART},}}")
        if len(secret) < PART or _one_kind(secret):
            self.plain = (*self.plain, secret)
        for word in re.split(r"[^A-Za-z0-9]+", secret):
            if len(word) >= PART and _one_kind(word):
                self.words.update(
                    word[i:j] for i in range(len(word)) for j in range(i + PART, len(word) + 1)
                )


_index = _Index()


def register(secret: str) -> None:
    if len(secret) >= 4:  # scrubbing a 1-3 character "key" would mangle all output
        with _lock:
            if secret not in _secrets:
                _secrets.add(secret)
                _index.add(secret)


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


def _one_kind(run: str) -> bool:
    """A run of lower-case letters only, upper-case only or digits only, shorter than
    WHOLE_WORD: what ordinary words and numbers share with keys made of words."""
    if len(run) >= WHOLE_WORD or not run.isascii():
        return False
    return run.isdigit() or (run.isalpha() and (run.islower() or run.isupper()))


def _spans(text: str, index: _Index, *, parts: bool) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    if parts and index.runs is not None:
        pieces = index.pieces
        for m in index.runs.finditer(text):
            start = end = -1
            for i in range(m.start(), m.end() - PART + 1):
                if text[i : i + PART] not in pieces:
                    continue
                if i <= end:  # overlaps or touches the span being built
                    end = i + PART
                    continue
                if end > start >= 0 and text[start:end] not in index.words:
                    spans.append((start, end))
                start, end = i, i + PART
            if end > start >= 0 and text[start:end] not in index.words:
                spans.append((start, end))
    for key in index.plain if parts else _secrets:
        at = text.find(key)  # whole keys (with ``parts``, only those a run may miss)
        while at != -1:
            spans.append((at, at + len(key)))
            at = text.find(key, at + len(key))
    return spans


def scrub(text: str) -> str:
    """``text`` with every registered key replaced by ``***``."""
    return _hide(text, parts=False)


def scrub_echo(text: str) -> str:
    """Text a server sent: every registered key, and every run of PART or more of a
    key's characters (see the module docstring), replaced by ``***``."""
    return _hide(text, parts=True)


def _hide(text: str, *, parts: bool) -> str:
    if not _secrets or not text:
        return text
    with _lock:
        spans = _spans(text, _index, parts=parts)
    if not spans:
        return text
    spans.sort()
    out: list[str] = []
    pos = 0
    for start, end in spans:
        if end <= pos:
            continue
        if start > pos:
            out.append(text[pos:start])
            out.append(REDACTED)
        elif not out or out[-1] != REDACTED:
            out.append(REDACTED)
        pos = end
    out.append(text[pos:])
    return "".join(out)


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
