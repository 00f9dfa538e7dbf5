"""Fault injection for the sandbox: off by default, switched on per test.

A fault set is a list of rules and an RNG seed (``PUT /_sandbox/faults``)::

    {"seed": 7, "faults": [
        {"kind": "error", "probability": 0.3, "status": 503},
        {"kind": "rate_limit", "times": 5, "retry_after": 1},
        {"kind": "latency", "latency_ms": 200, "method": "GET"},
        {"kind": "drop", "when": "after", "method": "PATCH", "times": 1},
        {"kind": "truncate", "path": "/api/text-messaging-senders", "times": 1},
        {"kind": "deep", "when": "after", "method": "PATCH", "depth": 100000}
    ]}

Kinds of a server that fails:

- ``error``: a JSON:API error answer (``status`` 400-599, default 503). ``when:
  before`` (default) answers without running the request; ``when: after`` runs it
  (a write commits) and then answers the error instead of the real answer.
  ``detail`` and ``code`` replace the error object's (default: a server error), so
  a test can send any text a server might, markup, control characters or a piece
  of a key included.
- ``rate_limit``: a 429 with ``Retry-After: retry_after`` (0 allowed, to keep
  tests fast; up to ten days) without running the request.
- ``latency``: waits ``latency_ms`` before running the request (adds up with
  other latency rules; never the only effect that stops a request).
- ``drop``: closes the connection without any HTTP answer, before the request
  runs (``when: before``) or after it ran and its write committed (``after``).
- ``truncate``: runs the request, sends the status line, the headers with the
  full ``Content-Length`` and half the body, then closes the connection.

Kinds of a hostile (or badly broken) server, to test a client's bounds:

- ``rate_headers``: runs the request and answers it with ``RateLimit-Remaining:
  0`` and ``RateLimit-Reset: reset`` (seconds; up to ten days): "wait this long".
- ``trickle``: runs the request and sends its answer one byte every
  ``interval_ms``, headers first (with the full ``Content-Length``); it stops
  when the client goes away.
- ``oversize``: runs the request and pads its JSON:API answer to ``size_mb``
  MiB with a top-level ``meta.padding`` string (still a valid document),
  streamed in chunks; with ``chunked: true`` without a ``Content-Length``, so
  a client learns the size only by reading.
- ``deep``: a JSON body nested ``depth`` arrays deep, ``{"data": [[[...]]]}``,
  with a 200 (``when: before``, default: the request does not run) or with the
  real answer's status (``when: after``: the request ran; a PATCH's write is
  committed and audited, then this garbage is its answer).
- ``endless_pages``: a listing that never ends: the request runs as a first
  page (its ``page[cursor]`` is ignored) and ``links.next`` always holds a
  cursor never seen before, so every page brings the same senders again.
- ``repeated_cursor``: like ``endless_pages``, but ``links.next`` always holds
  the same cursor.
- ``other_id``: runs the request and answers about another resource: the
  answer's ``data.id`` becomes ``echo_id`` (default: the asked id with
  ``-other`` appended). For a GET or PATCH of one sender; a PATCH's write is
  committed.
- ``html``: a plain web server's HTML error page (``status``, default 404,
  ``Content-Type: text/html``) without running the request.

Hostile strings in the data itself (a sender id, an alpha sender's name, an
account name holding markup or control characters) come from the seed.

Each rule applies to requests whose method equals ``method`` (any when
unset) and whose path matches the glob ``path`` (default ``/api/*``), with
``probability`` (default 1), at most ``times`` times (unlimited when unset).
Rules are tried in order; latencies add up and the first matching rule of
any other kind wins. Admin endpoints are never faulted.
"""

from __future__ import annotations

import fnmatch
import random
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Kind = Literal[
    "error",
    "rate_limit",
    "latency",
    "drop",
    "truncate",
    "rate_headers",
    "trickle",
    "oversize",
    "deep",
    "endless_pages",
    "repeated_cursor",
    "other_id",
    "html",
]
TEN_DAYS = 10 * 86_400
# The statuses a rule of these kinds may answer with, and their defaults.
_STATUSES = {"error": (400, 599, 503), "html": (200, 599, 404)}


class FaultRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Kind
    probability: float = Field(default=1.0, ge=0.0, le=1.0)
    times: int | None = Field(default=None, ge=1)
    method: str | None = Field(default=None, pattern=r"^[A-Za-z]+$")
    path: str = Field(default="/api/*", min_length=1, max_length=300)
    when: Literal["before", "after"] = "before"
    status: int | None = Field(default=None, ge=200, le=599)
    code: str | None = Field(default=None, min_length=1, max_length=100)
    detail: str | None = Field(default=None, max_length=10_000)
    retry_after: int = Field(default=1, ge=0, le=TEN_DAYS)
    latency_ms: int = Field(default=0, ge=0, le=60_000)
    reset: int = Field(default=60, ge=0, le=TEN_DAYS)
    interval_ms: int = Field(default=1000, ge=1, le=60_000)
    size_mb: float = Field(default=8.0, gt=0, le=1024)
    chunked: bool = False  # oversize: no Content-Length (chunked transfer encoding)
    depth: int = Field(default=100_000, ge=1, le=10_000_000)
    echo_id: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _status_fits_the_kind(self) -> FaultRule:
        bounds = _STATUSES.get(self.kind)
        if bounds is None:
            if self.status is not None:
                raise ValueError(f"status: a {self.kind} rule takes no status")
        elif self.status is not None and not bounds[0] <= self.status <= bounds[1]:
            raise ValueError(f"status: a {self.kind} rule answers {bounds[0]}-{bounds[1]}")
        return self

    @property
    def answer_status(self) -> int:
        """The status an ``error`` or ``html`` rule answers with."""
        bounds = _STATUSES.get(self.kind)
        if self.status is not None:
            return self.status
        return bounds[2] if bounds else 500

    @property
    def answers_before(self) -> bool:
        """True when the rule answers without running the request."""
        if self.kind in ("rate_limit", "html"):
            return True
        return self.kind in ("error", "drop", "deep") and self.when == "before"


class FaultConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = 0
    faults: list[FaultRule] = Field(default_factory=list, max_length=100)


class Faults:
    """The active rules, how often each fired, and the seeded RNG that decides."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._fired: list[int] = []
        self._seed = 0
        self._rng = random.Random(0)

    @property
    def active(self) -> bool:
        return bool(self._rules)

    def configure(self, config: FaultConfig) -> None:
        self._rules = list(config.faults)
        self._fired = [0] * len(self._rules)
        self._seed = config.seed
        self._rng = random.Random(config.seed)

    def clear(self) -> None:
        self.configure(FaultConfig())

    def describe(self) -> dict[str, Any]:
        return {
            "seed": self._seed,
            "faults": [
                {**rule.model_dump(), "fired": fired}
                for rule, fired in zip(self._rules, self._fired, strict=True)
            ],
        }

    def pick(self, method: str, path: str) -> tuple[float, FaultRule | None]:
        """(seconds of added latency, the terminal fault to apply or None) for one request."""
        latency = 0.0
        for i, rule in enumerate(self._rules):
            if rule.times is not None and self._fired[i] >= rule.times:
                continue
            if rule.method is not None and rule.method.upper() != method:
                continue
            if not fnmatch.fnmatchcase(path, rule.path):
                continue
            if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                continue
            self._fired[i] += 1
            if rule.kind == "latency":
                latency += rule.latency_ms / 1000.0
                continue
            return latency, rule
        return latency, None
