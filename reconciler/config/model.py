"""The models of ``callfwd.yaml`` (documented key by key in docs/config.md).

Strict: a boolean is ``true`` or ``false``, a number is a number, text is text;
nothing is coerced, so ``prune: "false"`` cannot quietly mean true.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from reconciler.api.retry import DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_CONNECT_TOTAL, DEFAULT_MAX_TOTAL
from reconciler.manifest.nodes import MappingNode, find

DEFAULT_CONFIG = "callfwd.yaml"
URL_ENV = "CALLFWD_API_URL"
KEY_ENV = "CALLFWD_API_KEY"
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ACCOUNT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

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
    max_total: float = Field(default=DEFAULT_MAX_TOTAL, ge=0, le=3600)
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

    def is_excluded(self, path: str | Path) -> bool:
        p = Path(path).as_posix()
        return any(
            fnmatch.fnmatch(p, pat) or fnmatch.fnmatch(Path(p).name, pat) for pat in self.exclude
        )

    @property
    def name(self) -> str:
        return self.source or DEFAULT_CONFIG

    def where(self, *loc: str | int) -> str:
        """``file:line`` of the key of a setting (or of its closest written ancestor)."""
        if self._root is None or not loc:
            return self.name
        node, key, reached = find(self._root, loc)
        if reached == 0:
            return self.name
        line = key.line if key is not None else node.line
        return f"{self.name}:{line}"
