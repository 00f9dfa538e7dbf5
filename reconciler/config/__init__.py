"""``callfwd.yaml``: where manifests are, which accounts exist, where their keys come from.

- ``model``     the pydantic models of the file (the schema, documented in docs/config.md)
- ``load``      bytes -> ``Config``, through the manifests' positioned loader; every
                problem at ``callfwd.yaml:line:col`` with a CF6xx code
- ``settings``  one account's settings: its entry, else ``defaults:``
- ``trust``     working tree + trusted file -> ``TrustedConfig`` (what keys may follow),
                the settings the working tree changes, the accounts it adds
- ``accounts``  ``TrustedConfig`` + environment -> one ``AccountTarget`` per account
- ``urls``      what an API URL may look like (https, or http to loopback only)
"""

from __future__ import annotations

from reconciler.config.accounts import AccountTarget, default_api, resolve_accounts
from reconciler.config.load import ConfigFileError, ConfigNotFoundError, load_config
from reconciler.config.model import (
    API_MODES,
    DEFAULT_CONFIG,
    DEFAULT_MAX_PAGES,
    KEY_ENV,
    URL_ENV,
    AccountConfig,
    ApiMode,
    Config,
    DefaultsConfig,
    RetryConfig,
    Thresholds,
    ThresholdsConfig,
)
from reconciler.config.settings import SETTINGS, AccountSettings, account_settings
from reconciler.config.trust import TrustedConfig, TrustNotice, load_trusted, trust
from reconciler.config.urls import VENDOR_ORIGIN, url_problem

__all__ = [
    "API_MODES",
    "DEFAULT_CONFIG",
    "DEFAULT_MAX_PAGES",
    "KEY_ENV",
    "SETTINGS",
    "URL_ENV",
    "VENDOR_ORIGIN",
    "AccountConfig",
    "AccountSettings",
    "AccountTarget",
    "ApiMode",
    "Config",
    "ConfigFileError",
    "ConfigNotFoundError",
    "DefaultsConfig",
    "RetryConfig",
    "Thresholds",
    "ThresholdsConfig",
    "TrustNotice",
    "TrustedConfig",
    "account_settings",
    "default_api",
    "load_config",
    "load_trusted",
    "resolve_accounts",
    "trust",
    "url_problem",
]
