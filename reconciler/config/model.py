"""The models of ``callfwd.yaml`` (documented key by key in docs/config.md).

Strict: a boolean is ``true`` or ``false``, a number is a number, text is text;
nothing is coerced, so ``prune: "false"`` cannot quietly mean true.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from reconciler.api.protocol import MAX_PAGES
from reconciler.api.retry import (
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_CONNECT_TOTAL,
    DEFAULT_MAX_TOTAL,
    MIN_MAX_TOTAL,
)
from reconciler.manifest.nodes import MappingNode, find

DEFAULT_CONFIG = "callfwd.yaml"
URL_ENV = "CALLFWD_API_URL"
KEY_ENV = "CALLFWD_API_KEY"
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ACCOUNT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

# Which face of the API an account has: the vendor's published reads only, the local
# API's extensions too (PATCH, ETags, /api/me), or unknown and probed.
ApiMode = Literal["published", "extended", "auto"]
API_MODES: tuple[str, ...] = ("published", "extended", "auto")
# max_pages: the client's bound by default (api/protocol.py); the limits keep a typo harmless.
DEFAULT_MAX_PAGES = MAX_PAGES
MAX_PAGES_LIMIT = 1_000_000

_STRICT = ConfigDict(extra="forbid", frozen=True, strict=True)


class Thresholds(BaseModel):
    """Mass-change safety limits for one account (see docs/config.md)."""

    model_config = _STRICT

    update_share: float = Field(default=0.3, ge=0, le=1)
    delete_share: float = Field(default=0.3, ge=0, le=1)
    min_existing: int = Field(default=10, ge=0)


class ThresholdsConfig(BaseModel):
    model_config = _STRICT

    update_share: float | None = Field(default=None, ge=0, le=1)
    delete_share: float | None = Field(default=None, ge=0, le=1)
    min_existing: int | None = Field(default=None, ge=0)


class RetryConfig(BaseModel):
    """How hard to retry a failing call (429, 5xx, network) before giving up on it."""

    model_config = _STRICT

    max_attempts: int = Field(default=DEFAULT_MAX_ATTEMPTS, ge=1, le=20)
    max_total: float = Field(default=DEFAULT_MAX_TOTAL, ge=MIN_MAX_TOTAL, le=3600)
    max_connect_total: float = Field(default=DEFAULT_MAX_CONNECT_TOTAL, ge=0, le=3600)


class NumbersConfig(BaseModel):
    """Policy choices in the number rules (``numbers:``; docs/rules.md CF310)."""

    model_config = _STRICT

    # deny: forwarding numbers in the 50 states and DC only (the safest reading of the
    # vendor's "a US number"); allow: PR, VI, GU, AS and MP numbers pass too.
    us_territories: Literal["deny", "allow"] = "deny"


class DefaultsConfig(BaseModel):
    """What every account inherits (``defaults:``)."""

    model_config = _STRICT

    api_url: str | None = None
    api_key_env: str | None = None
    prune: bool | None = None
    thresholds: ThresholdsConfig = Field(default_factory=ThresholdsConfig)
    api: ApiMode | None = None
    max_pages: int | None = Field(default=None, ge=1, le=MAX_PAGES_LIMIT)

    @field_validator("api_key_env")
    @classmethod
    def _names_a_variable(cls, value: str | None) -> str | None:
        if value is not None and not ENV_NAME.fullmatch(value):
            # Never echo the value: it may be a key pasted in the wrong place.
            raise ValueError(
                "must be the name of an environment variable (letters, digits, _); "
                "the key itself never goes in callfwd.yaml"
            )
        return value


class AccountConfig(DefaultsConfig):
    """One account (``accounts: NAME:``); NAME is what manifests write as ``account``."""

    account_id: str | None = None

    @field_validator("account_id")
    @classmethod
    def _is_an_id(cls, value: str | None) -> str | None:
        if value is not None and not ACCOUNT_ID.fullmatch(value):
            raise ValueError(
                "must be the vendor's account id: 1 to 64 letters, digits, '-', '_' or '.' "
                "(e.g. Qz4nW8)"
            )
        return value


class Config(BaseModel):
    model_config = _STRICT

    manifests: list[str] = Field(default_factory=lambda: ["manifests/"])
    exclude: list[str] = Field(default_factory=list)
    defaults: DefaultsConfig = Field(default_factory=DefaultsConfig)
    retry: RetryConfig = Field(default_factory=RetryConfig)
    numbers: NumbersConfig = Field(default_factory=NumbersConfig)
    accounts: dict[str, AccountConfig] = Field(default_factory=dict)
    source: str | None = Field(default=None, exclude=True)
    _root: MappingNode | None = PrivateAttr(default=None)
    # Set once this (a working tree's file) is paired with a trusted one: see config/trust.py.
    _untrusted: bool = PrivateAttr(default=False)

    def is_excluded(self, path: str | Path) -> bool:
        """Whether ``exclude:`` skips ``path`` (as written, or relative to callfwd.yaml)."""
        return self.excluder()(Path(path).as_posix())

    def excluder(self) -> Callable[[str], bool]:
        """``is_excluded`` for many paths, with the patterns compiled once.

        Each pattern is matched against the path, its file name, the path relative
        to callfwd.yaml's folder and that path's file name.
        """
        matchers = [re.compile(fnmatch.translate(os.path.normcase(p))).match for p in self.exclude]
        base = os.path.abspath(os.path.dirname(self.source) if self.source else os.curdir)
        here = os.path.abspath(os.curdir)

        def excluded(display: str) -> bool:
            if not matchers:
                return False
            candidates = {display, display.rsplit("/", 1)[-1]}
            if base == here and not os.path.isabs(display):
                rel = os.path.normpath(display)
            else:
                try:
                    rel = os.path.relpath(os.path.abspath(display), base)
                except ValueError:  # another drive on Windows
                    rel = display
            rel = Path(rel).as_posix()
            candidates |= {rel, rel.rsplit("/", 1)[-1]}
            return any(m(os.path.normcase(c)) for m in matchers for c in candidates)

        return excluded

    @property
    def name(self) -> str:
        return self.source or DEFAULT_CONFIG

    def where(self, *loc: str | int) -> str:
        """``file:line:col`` of the key of a setting (or of its closest written ancestor)."""
        if self._root is None or not loc:
            return self.name
        node, key, reached = find(self._root, loc)
        if reached == 0:
            return self.name
        at = key if key is not None else node
        return f"{self.name}:{at.line}:{at.column}"
