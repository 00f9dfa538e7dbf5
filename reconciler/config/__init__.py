"""``callfwd.yaml``: where manifests are, which accounts exist, where their keys come from.

- ``model``     the pydantic models of the file (the schema, documented in docs/config.md)
- ``load``      bytes -> ``Config``, through the manifests' positioned loader; every
                problem at ``callfwd.yaml:line:col`` with a CF6xx code
- ``accounts``  ``Config`` + environment -> one ``AccountTarget`` per account
- ``urls``      what an API URL may look like (https, or http to loopback only)
"""

from __future__ import annotations

from reconciler.config.accounts import AccountTarget, resolve_accounts
from reconciler.config.load import ConfigFileError, ConfigNotFoundError, load_config
from reconciler.config.model import (
    DEFAULT_CONFIG,
    KEY_ENV,
    URL_ENV,
    AccountConfig,
    Config,
    DefaultsConfig,
    RetryConfig,
    Thresholds,
    ThresholdsConfig,
)
from reconciler.config.urls import url_problem

__all__ = [
    "DEFAULT_CONFIG",
    "KEY_ENV",
    "URL_ENV",
    "AccountConfig",
    "AccountTarget",
    "Config",
    "ConfigFileError",
    "ConfigNotFoundError",
    "DefaultsConfig",
    "RetryConfig",
    "Thresholds",
    "ThresholdsConfig",
    "load_config",
    "resolve_accounts",
    "url_problem",
]
