"""The settings API client: requests, pacing, retries, typed errors, response models.

Names are imported on first use: ``reconciler.config`` reads the retry defaults
from ``reconciler.api.retry``, and ``callfwd validate`` must not pay for httpx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reconciler.api.client import DEFAULT_REVISION, SettingsClient
    from reconciler.api.models import Account, Me
    from reconciler.api.pacing import Pacer, PacerStats
    from reconciler.api.retry import RetryPolicy

_HOMES = {
    "DEFAULT_REVISION": "client",
    "SettingsClient": "client",
    "Account": "models",
    "Me": "models",
    "Pacer": "pacing",
    "PacerStats": "pacing",
    "RetryPolicy": "retry",
}

__all__ = [
    "DEFAULT_REVISION",
    "Account",
    "Me",
    "Pacer",
    "PacerStats",
    "RetryPolicy",
    "SettingsClient",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"reconciler.api.{home}"), name)
