"""Fault injection for the sandbox: off by default, switched on per test.

A fault set is a list of rules and an RNG seed (``PUT /_sandbox/faults``)::

    {"seed": 7, "faults": [
        {"kind": "error", "probability": 0.3, "status": 503},
        {"kind": "rate_limit", "times": 5, "retry_after": 1},
        {"kind": "latency", "latency_ms": 200, "method": "GET"},
        {"kind": "drop", "when": "after", "method": "PATCH", "times": 1},
        {"kind": "truncate", "path": "/api/text-messaging-senders", "times": 1}
    ]}

Kinds:
- ``error``: a JSON:API 5xx answer (``status``, default 503). ``when: before``
  (default) answers without running the request; ``when: after`` runs it (a
  write commits) and then answers the 5xx instead of the real answer.
- ``rate_limit``: a 429 with ``Retry-After: retry_after`` (0 allowed, to keep
  tests fast) without running the request.
- ``latency``: waits ``latency_ms`` before running the request (adds up with
  other latency rules; never the only effect that stops a request).
- ``drop``: closes the connection without any HTTP answer, before the request
  runs (``when: before``) or after it ran and its write committed (``after``).
- ``truncate``: runs the request, sends the status line, the headers with the
  full ``Content-Length`` and half the body, then closes the connection.

Each rule applies to requests whose method equals ``method`` (any when
unset) and whose path matches the glob ``path`` (default ``/api/*``), with
``probability`` (default 1), at most ``times`` times (unlimited when unset).
Rules are tried in order; the first matching ``error``/``rate_limit``/
``drop``/``truncate`` rule wins. Admin endpoints are never faulted.
"""

from __future__ import annotations

import fnmatch
import random
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["error", "rate_limit", "latency", "drop", "truncate"]


class FaultRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Kind
    probability: float = Field(default=1.0, ge=0.0, le=1.0)
    times: int | None = Field(default=None, ge=1)
    method: str | None = Field(default=None, pattern=r"^[A-Za-z]+$")
    path: str = Field(default="/api/*", min_length=1, max_length=300)
    when: Literal["before", "after"] = "before"
    status: int = Field(default=503, ge=500, le=599)
    retry_after: int = Field(default=1, ge=0, le=3600)
    latency_ms: int = Field(default=0, ge=0, le=60_000)


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
