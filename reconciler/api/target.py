"""A ``SettingsClient`` for one configured account: the one place that maps the two.

Every command's client carries the account's label and key variable (for its
messages), the whole ``retry:`` section of callfwd.yaml and the account's
``max_pages`` (how many pages one listing may take).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.api.client import SettingsClient
from reconciler.api.retry import RetryPolicy

if TYPE_CHECKING:
    import httpx

    from reconciler.api.pacing import EndpointPacers, Pacer
    from reconciler.config import AccountTarget, RetryConfig


def retry_policy(config: RetryConfig, **seams: object) -> RetryPolicy:
    """callfwd.yaml's ``retry:`` as a policy; ``seams`` (sleep, clock, rng, delays) for tests."""
    return RetryPolicy(
        max_attempts=config.max_attempts,
        max_total=config.max_total,
        max_connect_total=config.max_connect_total,
        **seams,  # type: ignore[arg-type]
    )


def client_for(
    target: AccountTarget,
    *,
    http: httpx.AsyncClient | None = None,
    pacer: Pacer | EndpointPacers | None = None,
    retry: RetryPolicy | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> SettingsClient:
    """A client for ``target``, sending through ``http`` (the origin's shared AsyncClient)."""
    return SettingsClient(
        base_url=target.api_url,
        api_key=target.api_key,
        http=http,
        pacer=pacer,
        retry=retry or retry_policy(target.retry),
        transport=transport,
        label=target.name,
        key_env=target.api_key_env,
        max_pages=target.max_pages,
    )
