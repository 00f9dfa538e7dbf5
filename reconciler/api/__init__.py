"""The settings API client: requests, pacing, retries, typed errors, response models."""

from __future__ import annotations

from reconciler.api.client import DEFAULT_REVISION, SettingsClient
from reconciler.api.models import Account, Me
from reconciler.api.pacing import Pacer, PacerStats
from reconciler.api.retry import RetryPolicy

__all__ = [
    "DEFAULT_REVISION",
    "Account",
    "Me",
    "Pacer",
    "PacerStats",
    "RetryPolicy",
    "SettingsClient",
]
