"""``callfwd.yaml``: where manifests are, which accounts exist, where their keys come from.

Example::

    manifests: [manifests/]            # default PATHs for validate/plan/apply
    exclude: [manifests/sandbox-seed.yaml]
    defaults:                          # optional; every account inherits these
      api_url: http://127.0.0.1:8765
      thresholds: {update_share: 0.3, delete_share: 0.3, min_existing: 10}
    accounts:
      acme-us:
        api_url: https://a.example.com # overrides defaults.api_url
        api_key_env: ACME_US_KEY       # the key itself only ever lives in the environment
        prune: false
        thresholds: {delete_share: 0.1}
    retry: {max_attempts: 8, max_total: 120}   # per failing call: attempts, seconds

Per account, each setting comes from the account, else ``defaults:``, else:

- ``api_url``: the ``CALLFWD_API_URL`` environment variable. It must be
  ``https://``, or ``http://`` to a loopback address (the key would travel in
  clear text otherwise), with no user name, password, query or fragment.
- ``api_key_env``: ``CALLFWD_API_KEY``. It names the variable; the key itself is
  never read from a file.
- ``prune``: false. When true, forwarding on senders no manifest declares is
  planned for deletion.
- ``thresholds`` (merged key by key): apply refuses, unless
  ``--allow-mass-changes``, a plan that would update more than ``update_share``
  (default 0.3) or delete more than ``delete_share`` (default 0.3) of an
  account's managed forwardings, when the account has at least
  ``min_existing`` (default 10) of them — octoDNS's rule and defaults.

Without a ``callfwd.yaml`` (or one with no ``accounts:``), ``CALLFWD_API_URL``
and ``CALLFWD_API_KEY`` serve a single account, whatever its name: the API's
``GET /api/accounts`` still has to agree with the manifests before any work.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from reconciler.errors import ConfigError
from reconciler.secrets import Secret, read_key

DEFAULT_CONFIG = "callfwd.yaml"
URL_ENV = "CALLFWD_API_URL"
KEY_ENV = "CALLFWD_API_KEY"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Thresholds(BaseModel):
    """Mass-change safety limits for one account (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    update_share: float = Field(default=0.3, ge=0, le=1)
    delete_share: float = Field(default=0.3, ge=0, le=1)
    min_existing: int = Field(default=10, ge=0)


class ThresholdsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    update_share: float | None = Field(default=None, ge=0, le=1)
    delete_share: float | None = Field(default=None, ge=0, le=1)
    min_existing: int | None = Field(default=None, ge=0)


class RetryConfig(BaseModel):
    """How hard to retry a failing call (429, 5xx, network) before giving up on it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_attempts: int = Field(default=8, ge=1, le=20)
    max_total: float = Field(default=120.0, ge=0, le=3600)


class AccountConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    api_url: str | None = None
    api_key_env: str | None = None
    prune: bool | None = None
    thresholds: ThresholdsConfig = Field(default_factory=ThresholdsConfig)

    @field_validator("api_key_env")
    @classmethod
    def _names_a_variable(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.fullmatch(value):
            # Never echo the value: it may be a key pasted in the wrong place.
            raise ValueError(
                "must be the name of an environment variable (letters, digits, _); "
                "the key itself never goes in callfwd.yaml"
            )
        return value


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    manifests: list[str] = Field(default_factory=lambda: ["manifests/"])
    exclude: list[str] = Field(default_factory=list)
    defaults: AccountConfig = Field(default_factory=AccountConfig)
    retry: RetryConfig = Field(default_factory=RetryConfig)
    accounts: dict[str, AccountConfig] = Field(default_factory=dict)
    source: str | None = Field(default=None, exclude=True)
    _lines: dict[tuple[str | int, ...], int] = PrivateAttr(default_factory=dict)

    def is_excluded(self, path: str | Path) -> bool:
        p = Path(path).as_posix()
        return any(
            fnmatch.fnmatch(p, pat) or fnmatch.fnmatch(Path(p).name, pat) for pat in self.exclude
        )

    def where(self, *loc: str | int) -> str:
        """``file:line`` of a setting (of its closest enclosing key), or just the file."""
        name = self.source or DEFAULT_CONFIG
        for end in range(len(loc), 0, -1):
            if (line := self._lines.get(tuple(loc[:end]))) is not None:
                return f"{name}:{line}"
        return name


@dataclass(frozen=True, slots=True)
class AccountTarget:
    """Everything needed to talk to one account. The key shows as ``Secret('***')``."""

    name: str
    api_url: str
    api_key: Secret
    api_key_env: str
    prune: bool = False
    thresholds: Thresholds = field(default_factory=Thresholds)
    retry: RetryConfig = field(default_factory=RetryConfig)


def load_config(path: str | Path | None = None) -> Config:
    """Read ``path`` (or ``./callfwd.yaml`` when it exists); defaults otherwise."""
    explicit = path is not None
    p = Path(path if path is not None else DEFAULT_CONFIG)
    if not p.exists():
        if explicit:
            raise ConfigError(f"{p}: config file not found")
        return Config()
    try:
        text = p.read_text(encoding="utf-8")
        data, root = _parse(text)
        data = data or {}
        lines, duplicates = _index(root)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: not valid YAML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror}") from exc
    if duplicates:
        line, key = duplicates[0]
        raise ConfigError(f"{p}:{line}: duplicate key {key!r} (YAML would keep only the last)")
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: expected a mapping at the top level")
    try:
        config = Config.model_validate({**data, "source": str(p)})
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        at = _closest_line(lines, loc)
        where = ".".join(str(x) for x in loc)
        msg = first["msg"].removeprefix("Value error, ")
        if loc and loc[-1] == "api_key":
            msg = (
                "keys are never read from callfwd.yaml; name an environment variable in api_key_env"
            )
        raise ConfigError(f"{p}{f':{at}' if at else ''}: {where}: {msg}") from None
    config._lines.update(lines)
    return config


# libyaml when PyYAML has it: a callfwd.yaml naming a thousand accounts loads in
# milliseconds instead of a second.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(text: str) -> tuple[Any, yaml.Node | None]:
    """The document's data and its node tree, from one parse."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        return (None if root is None else loader.construct_document(root)), root
    finally:
        loader.dispose()


def index_lines(text: str) -> tuple[dict[tuple[str | int, ...], int], list[tuple[int, str]]]:
    """The 1-based line of every key and list item, by path; and duplicate keys (line, key)."""
    return _index(_parse(text)[1])


def _index(
    root: yaml.Node | None,
) -> tuple[dict[tuple[str | int, ...], int], list[tuple[int, str]]]:
    lines: dict[tuple[str | int, ...], int] = {}
    duplicates: list[tuple[int, str]] = []

    def walk(node: yaml.Node, path: tuple[str | int, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                key = str(key_node.value)
                if key in seen:
                    duplicates.append((key_node.start_mark.line + 1, key))
                seen.add(key)
                lines[(*path, key)] = key_node.start_mark.line + 1
                walk(value, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for i, value in enumerate(node.value):
                lines[(*path, i)] = value.start_mark.line + 1
                walk(value, (*path, i))

    if root is not None:
        walk(root, ())
    return lines, duplicates


def _closest_line(
    lines: dict[tuple[str | int, ...], int], loc: tuple[str | int, ...]
) -> int | None:
    for end in range(len(loc), 0, -1):
        if (line := lines.get(loc[:end])) is not None:
            return line
    return None


def resolve_accounts(config: Config, names: Iterable[str]) -> dict[str, AccountTarget]:
    """Where each named account's API is and its key; every problem in one ``ConfigError``."""
    wanted = sorted(set(names))
    if not config.accounts:
        return _from_environment(config, wanted)
    problems: list[str] = []
    unknown = [n for n in wanted if n not in config.accounts]
    if unknown:
        problems.append(
            f"unknown account {', '.join(unknown)} ({config.where('accounts')}: accounts: "
            f"lists {', '.join(sorted(config.accounts))})"
        )
    targets: dict[str, AccountTarget] = {}
    for name in wanted:
        if name in config.accounts:
            target = _resolve_one(config, name, problems)
            if target is not None:
                targets[name] = target
    if problems:
        raise ConfigError("; ".join(problems))
    return targets


def _resolve_one(config: Config, name: str, problems: list[str]) -> AccountTarget | None:
    acct, dflt = config.accounts[name], config.defaults
    url_loc = ("accounts", name, "api_url") if acct.api_url else ("defaults", "api_url")
    url = acct.api_url or dflt.api_url
    url_where = config.where(*url_loc)
    if url is None:
        url, url_where = os.environ.get(URL_ENV) or None, f"environment variable {URL_ENV}"
        if url is None:
            problems.append(f"account {name}: no api_url in {config.where('accounts', name)} "
                            f"and {URL_ENV} is not set")  # fmt: skip
    env = acct.api_key_env or dflt.api_key_env or KEY_ENV
    key = read_key(env)
    if key is None:
        problems.append(
            f"account {name}: environment variable {env} is not set "
            f"(it holds the account's API key; see {config.where('accounts', name)})"
        )
    if url is not None and (bad := url_problem(url)):
        problems.append(f"account {name}: {url_where}: api_url {bad}")
        return None
    if url is None or key is None:
        return None
    return AccountTarget(
        name=name,
        api_url=url,
        api_key=Secret(key),
        api_key_env=env,
        prune=bool(acct.prune if acct.prune is not None else dflt.prune),
        thresholds=_thresholds(acct.thresholds, dflt.thresholds),
        retry=config.retry,
    )


def _thresholds(acct: ThresholdsConfig, dflt: ThresholdsConfig) -> Thresholds:
    merged = {**dflt.model_dump(exclude_none=True), **acct.model_dump(exclude_none=True)}
    return Thresholds(**merged)


def _from_environment(config: Config, wanted: list[str]) -> dict[str, AccountTarget]:
    if not wanted:
        return {}
    problems = []
    if len(wanted) > 1:
        problems.append(
            f"the manifests name {len(wanted)} accounts ({', '.join(wanted)}) but without "
            f"accounts: in {config.source or DEFAULT_CONFIG} only one can be used, with "
            f"{URL_ENV} and {KEY_ENV}; add them to callfwd.yaml or pick one with --account"
        )
    url = os.environ.get(URL_ENV) or None
    key = read_key(KEY_ENV)
    for var, value in ((URL_ENV, url), (KEY_ENV, key)):
        if value is None:
            problems.append(
                f"{var} is not set (without accounts: in {config.source or DEFAULT_CONFIG}, "
                f"{URL_ENV} and {KEY_ENV} name the settings API and its key)"
            )
    if url is not None and (bad := url_problem(url)):
        problems.append(f"{URL_ENV} {bad}")
    if problems or url is None or key is None:
        raise ConfigError("; ".join(problems))
    dflt = config.defaults
    return {
        wanted[0]: AccountTarget(
            name=wanted[0],
            api_url=url,
            api_key=Secret(key),
            api_key_env=KEY_ENV,
            prune=bool(dflt.prune),
            thresholds=_thresholds(ThresholdsConfig(), dflt.thresholds),
            retry=config.retry,
        )
    }


def url_problem(url: str) -> str | None:
    """What is wrong with an API URL, or None. Never repeats a password it may hold."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        return "is not a valid URL"
    if parts.username or parts.password:
        return "must not contain a user name or password"
    shown = repr(url)
    if parts.scheme not in ("http", "https") or not host:
        return f"{shown} must be an http(s) URL with a host"
    if parts.query or parts.fragment:
        return f"{shown} must not have a query or fragment"
    if parts.scheme == "http" and not _is_loopback(host):
        return f"{shown} must use https (http is allowed only to a loopback address)"
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
