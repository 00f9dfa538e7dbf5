"""From ``Config`` and the environment to one ``AccountTarget`` per account.

One builder serves both ways of naming accounts. With ``accounts:`` in
callfwd.yaml, each setting comes from the account, else ``defaults:``, else
the environment (``CALLFWD_API_URL``; the key in ``CALLFWD_API_KEY``).
Without ``accounts:``, the one account the manifests name is built the same
way from ``defaults:`` and the environment.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from reconciler.config.model import (
    KEY_ENV,
    URL_ENV,
    AccountConfig,
    Config,
    RetryConfig,
    Thresholds,
    ThresholdsConfig,
)
from reconciler.config.urls import url_problem
from reconciler.errors import ConfigError
from reconciler.secrets import Secret, read_key


@dataclass(frozen=True, slots=True)
class AccountTarget:
    """Everything needed to talk to one account. The key shows as ``Secret('***')``.

    ``name`` is what manifests call the account; ``account_id`` is the vendor's id
    (``GET /api/accounts``), the configured ``account_id`` or else the name.
    """

    name: str
    api_url: str
    api_key: Secret
    api_key_env: str
    prune: bool = False
    thresholds: Thresholds = field(default_factory=Thresholds)
    retry: RetryConfig = field(default_factory=RetryConfig)
    account_id: str = ""

    def __post_init__(self) -> None:
        if not self.account_id:
            object.__setattr__(self, "account_id", self.name)


def resolve_accounts(config: Config, names: Iterable[str]) -> dict[str, AccountTarget]:
    """Where each named account's API is and its key; every problem in one ``ConfigError``."""
    wanted = sorted(set(names))
    problems: list[str] = []
    chosen: list[tuple[str, AccountConfig, bool]] = []
    if config.accounts:
        unknown = [n for n in wanted if n not in config.accounts]
        if unknown:
            problems.append(
                f"unknown account {', '.join(unknown)} ({config.where('accounts')}: accounts: "
                f"lists {', '.join(sorted(config.accounts))})"
            )
        chosen = [(n, config.accounts[n], True) for n in wanted if n in config.accounts]
    elif wanted:
        if len(wanted) > 1:
            problems.append(
                f"the manifests name {len(wanted)} accounts ({', '.join(wanted)}) but without "
                f"accounts: in {config.name} only one can be used, with {URL_ENV} and "
                f"{KEY_ENV}; add them to callfwd.yaml or pick one with --account"
            )
        chosen = [(wanted[0], AccountConfig(), False)]
    targets: dict[str, AccountTarget] = {}
    for name, acct, listed in chosen:
        target = _build(config, name, acct, listed, problems)
        if target is not None:
            targets[name] = target
    if problems:
        raise ConfigError("; ".join(problems))
    return targets


def _build(
    config: Config, name: str, acct: AccountConfig, listed: bool, problems: list[str]
) -> AccountTarget | None:
    dflt = config.defaults

    def origin(setting: str) -> str | None:
        """``callfwd.yaml:LINE`` of the line that sets ``setting`` for this account."""
        if listed and getattr(acct, setting) is not None:
            return config.where("accounts", name, setting)
        if getattr(dflt, setting) is not None:
            return config.where("defaults", setting)
        return None

    url = acct.api_url or dflt.api_url  # checked when callfwd.yaml was loaded
    if url is None:
        url = os.environ.get(URL_ENV, "").strip() or None
        if url is None:
            problems.append(
                f"account {name}: {URL_ENV} is not set and {config.name} gives no api_url "
                f"(set one in {_section(config, name, listed)})"
            )
        elif bad := url_problem(url):
            problems.append(f"account {name}: {URL_ENV} {bad}")
            url = None
    env = acct.api_key_env or dflt.api_key_env or KEY_ENV
    key = read_key(env)
    if key is None:
        state = "is empty" if env in os.environ else "is not set"
        named = f"; named at {at}" if (at := origin("api_key_env")) else ""
        problems.append(
            f"account {name}: environment variable {env} {state} "
            f"(it holds the account's API key{named})"
        )
    if url is None or key is None:
        return None
    return AccountTarget(
        name=name,
        account_id=acct.account_id or name,
        api_url=url,
        api_key=Secret(key),
        api_key_env=env,
        prune=bool(acct.prune if acct.prune is not None else dflt.prune),
        thresholds=_thresholds(acct.thresholds, dflt.thresholds),
        retry=config.retry,
    )


def _section(config: Config, name: str, listed: bool) -> str:
    return config.where("accounts", name) if listed else f"{config.name} under defaults:"


def _thresholds(acct: ThresholdsConfig, dflt: ThresholdsConfig) -> Thresholds:
    merged = {**dflt.model_dump(exclude_none=True), **acct.model_dump(exclude_none=True)}
    return Thresholds(**merged)
