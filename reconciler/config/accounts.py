"""From the trusted configuration and the environment to one ``AccountTarget`` per account.

One builder serves both ways of naming accounts. With ``accounts:`` in
callfwd.yaml, each setting comes from the account, else ``defaults:``, else
the environment (``CALLFWD_API_URL``; the key in ``CALLFWD_API_KEY``).
Without ``accounts:``, the one account the manifests name is built the same
way from ``defaults:`` and the environment.

Targets are built only from a ``TrustedConfig`` (``reconciler.config.trust``):
where a trusted callfwd.yaml was given, a key never goes to a URL, a variable
or an account id that the working tree's callfwd.yaml chose.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from reconciler.config.model import (
    DEFAULT_MAX_PAGES,
    KEY_ENV,
    URL_ENV,
    ApiMode,
    Config,
    RetryConfig,
    Thresholds,
)
from reconciler.config.settings import account_settings
from reconciler.config.trust import TrustedConfig
from reconciler.config.urls import is_vendor, url_problem
from reconciler.errors import ConfigError
from reconciler.manifest.text import excerpt
from reconciler.secrets import Secret, read_key


@dataclass(frozen=True, slots=True)
class AccountTarget:
    """Everything needed to talk to one account. The key shows as ``Secret('***')``.

    ``name`` is what manifests call the account; ``account_id`` is the vendor's id
    (``GET /api/accounts``), the configured ``account_id`` or else the name.
    ``api`` is the API's face: ``published`` (the vendor's reads only), ``extended``
    (the local API's extensions too) or ``auto`` (probe); unset, it is ``published``
    for the vendor's own origin and ``auto`` elsewhere. ``max_pages`` bounds one
    listing of the senders.
    """

    name: str
    api_url: str
    api_key: Secret
    api_key_env: str
    prune: bool = False
    thresholds: Thresholds = field(default_factory=Thresholds)
    retry: RetryConfig = field(default_factory=RetryConfig)
    account_id: str = ""
    api: ApiMode | None = None
    max_pages: int = DEFAULT_MAX_PAGES

    def __post_init__(self) -> None:
        if not self.account_id:
            object.__setattr__(self, "account_id", self.name)
        if self.api is None:
            object.__setattr__(self, "api", default_api(self.api_url))


def default_api(api_url: str) -> ApiMode:
    """``published`` for the vendor's own origin (known, nothing to probe), else ``auto``."""
    return "published" if is_vendor(api_url) else "auto"


def resolve_accounts(view: TrustedConfig, names: Iterable[str]) -> dict[str, AccountTarget]:
    """Where each named account's API is and its key; every problem in one ``ConfigError``.

    ``view`` is the trusted view and nothing else: ``trust(working, trusted)`` with a
    trusted file, or ``trust(config)`` where a command has none (a person running their
    own configuration). A plain ``Config`` is refused (``TypeError``), so no code path
    can build a target from the working tree's file by accident. Accounts that only
    the working tree lists are refused: they are validated, never planned
    (``TrustedConfig.plannable`` leaves them out).
    """
    if not isinstance(view, TrustedConfig):
        raise TypeError(
            "resolve_accounts takes a TrustedConfig (reconciler.config.trust), never a "
            "plain Config: say which callfwd.yaml keys may follow"
        )
    problems: list[str] = []
    wanted = _not_added(view, sorted(set(names)), problems)
    targets: dict[str, AccountTarget] = {}
    for name, listed in _chosen(view.config, wanted, problems):
        target = _build(view.config, name, listed, problems)
        if target is not None:
            targets[name] = target
    if problems:
        raise ConfigError("; ".join(problems))
    return targets


def _not_added(view: TrustedConfig, wanted: list[str], problems: list[str]) -> list[str]:
    """``wanted`` without the accounts only the working tree lists (a problem if any)."""
    added = [n for n in wanted if view.is_added(n)]
    if added:
        problems.append(
            f"account {', '.join(excerpt(n) for n in added)} is only in the working tree's "
            f"callfwd.yaml, not in the trusted {view.config.name}: it is validated, not "
            "planned, until the change that adds it is merged"
        )
    return [n for n in wanted if n not in added]


def _chosen(config: Config, wanted: list[str], problems: list[str]) -> list[tuple[str, bool]]:
    """(name, listed under accounts:) of each account a target can be built for."""
    if config.accounts:
        unknown = [n for n in wanted if n not in config.accounts]
        if unknown:
            problems.append(
                f"unknown account {', '.join(unknown)} ({config.where('accounts')}: accounts: "
                f"lists {', '.join(sorted(config.accounts))})"
            )
        return [(n, True) for n in wanted if n in config.accounts]
    if len(wanted) > 1:
        problems.append(
            f"the manifests name {len(wanted)} accounts ({', '.join(wanted)}) but without "
            f"accounts: in {config.name} only one can be used, with {URL_ENV} and "
            f"{KEY_ENV}; add them to callfwd.yaml or pick one with --account"
        )
    return [(wanted[0], False)] if wanted else []


def _build(config: Config, name: str, listed: bool, problems: list[str]) -> AccountTarget | None:
    settings = account_settings(config, name)
    url = settings.api_url  # checked when callfwd.yaml was loaded
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
    env = settings.api_key_env
    key = read_key(env)
    if key is None:
        state = "is empty" if env in os.environ else "is not set"
        named = f"; named at {at}" if (at := _origin(config, name, listed, "api_key_env")) else ""
        problems.append(
            f"account {name}: environment variable {env} {state} "
            f"(it holds the account's API key{named})"
        )
    if url is None or key is None:
        return None
    return AccountTarget(
        name=name,
        account_id=settings.account_id,
        api_url=url,
        api_key=Secret(key),
        api_key_env=env,
        prune=settings.prune,
        thresholds=settings.thresholds,
        retry=settings.retry,
        api=settings.api,
        max_pages=settings.max_pages,
    )


def _origin(config: Config, name: str, listed: bool, setting: str) -> str | None:
    """``callfwd.yaml:LINE`` of the line that sets ``setting`` for this account."""
    acct = config.accounts.get(name) if listed else None
    if acct is not None and getattr(acct, setting) is not None:
        return config.where("accounts", name, setting)
    if getattr(config.defaults, setting) is not None:
        return config.where("defaults", setting)
    return None


def _section(config: Config, name: str, listed: bool) -> str:
    return config.where("accounts", name) if listed else f"{config.name} under defaults:"
