"""``callfwd.yaml``: where manifests are, which accounts exist, where their keys come from.

Example::

    manifests: [manifests/]            # default PATHs for validate/plan/apply
    exclude: [manifests/sandbox-seed.yaml]
    accounts:
      acme-us:
        api_url: http://127.0.0.1:8765
        api_key_env: ACME_US_KEY       # the key itself only ever lives in the environment
        prune: false

Without a ``callfwd.yaml``, ``CALLFWD_API_URL`` and ``CALLFWD_API_KEY`` are
enough for a single account. Keys are never read from files.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reconciler.errors import ConfigError

DEFAULT_CONFIG = "callfwd.yaml"


class AccountConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    api_url: str | None = None
    api_key_env: str | None = None
    prune: bool = False


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    manifests: list[str] = Field(default_factory=lambda: ["manifests/"])
    exclude: list[str] = Field(default_factory=list)
    accounts: dict[str, AccountConfig] = Field(default_factory=dict)
    source: str | None = Field(default=None, exclude=True)

    def is_excluded(self, path: str | Path) -> bool:
        p = Path(path).as_posix()
        return any(fnmatch.fnmatch(p, pat) or fnmatch.fnmatch(Path(p).name, pat) for pat in self.exclude)


def load_config(path: str | Path | None = None) -> Config:
    """Read ``path`` (or ``./callfwd.yaml`` when it exists); defaults otherwise."""
    explicit = path is not None
    p = Path(path if path is not None else DEFAULT_CONFIG)
    if not p.exists():
        if explicit:
            raise ConfigError(f"{p}: config file not found")
        return Config()
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: expected a mapping at the top level")
    try:
        return Config.model_validate({**data, "source": str(p)})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise ConfigError(f"{p}: {where}: {first['msg']}") from exc
