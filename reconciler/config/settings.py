"""One account's settings as a callfwd.yaml gives them: the account, else ``defaults:``.

The one place that merges an account with the defaults, so that the targets
(``accounts``) and the comparison of two files (``trust``) cannot disagree.
Nothing here reads the environment: an ``api_url`` of None means
``CALLFWD_API_URL``, and ``api`` None means "by the URL's origin".
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from reconciler.config.model import (
    DEFAULT_MAX_PAGES,
    KEY_ENV,
    AccountConfig,
    ApiMode,
    Config,
    RetryConfig,
    Thresholds,
    ThresholdsConfig,
)


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """What callfwd.yaml decides for one account: where its key goes and how it is used."""

    api_url: str | None
    api_key_env: str
    account_id: str
    prune: bool
    thresholds: Thresholds
    retry: RetryConfig
    api: ApiMode | None
    max_pages: int


# The settings a trusted callfwd.yaml decides, in the order messages list them.
SETTINGS: tuple[str, ...] = tuple(f.name for f in fields(AccountSettings))


def account_settings(config: Config, name: str) -> AccountSettings:
    """``name``'s settings in ``config``: its entry under ``accounts:`` (when listed), else
    ``defaults:``, else the built-in defaults; ``thresholds`` merge key by key."""
    acct = config.accounts.get(name) or AccountConfig()
    dflt = config.defaults
    return AccountSettings(
        api_url=acct.api_url or dflt.api_url,
        api_key_env=acct.api_key_env or dflt.api_key_env or KEY_ENV,
        account_id=acct.account_id or name,
        prune=bool(acct.prune if acct.prune is not None else dflt.prune),
        thresholds=_thresholds(acct.thresholds, dflt.thresholds),
        retry=config.retry,
        api=acct.api or dflt.api,
        max_pages=acct.max_pages or dflt.max_pages or DEFAULT_MAX_PAGES,
    )


def _thresholds(acct: ThresholdsConfig, dflt: ThresholdsConfig) -> Thresholds:
    merged = {**dflt.model_dump(exclude_none=True), **acct.model_dump(exclude_none=True)}
    return Thresholds(**merged)
