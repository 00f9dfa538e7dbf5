"""What an ``auto`` API offers, asked of the real local API: an error answer means "not
offered"; a server error or a rate limit that outlasts the retries means "not now"."""

from __future__ import annotations

import random

import pytest
from sandbox_fixtures import ACME_MANAGER, Sandbox

from reconciler.api import RetryPolicy, SettingsClient
from reconciler.engine.capabilities import Capabilities
from reconciler.errors import RateLimited, ServerError

pytestmark = pytest.mark.anyio

QUICK = RetryPolicy(max_attempts=2, base_delay=0.01, rng=random.Random(3))


def _client(sandbox: Sandbox) -> SettingsClient:
    return SettingsClient(base_url=sandbox.url, api_key=ACME_MANAGER, retry=QUICK)


def _sender(sandbox: Sandbox) -> str:
    return str(sandbox.senders("acme-us")[0]["id"])


async def test_a_server_error_on_the_write_probe_fails_and_is_asked_again(
    sandbox: Sandbox,
) -> None:
    caps = Capabilities("auto")
    sandbox.set_faults({"kind": "error", "status": 503, "method": "OPTIONS"})
    async with _client(sandbox) as client:
        with pytest.raises(ServerError):
            await caps.write(client, _sender(sandbox))
        sandbox.clear_faults()
        assert await caps.write(client, _sender(sandbox)) is True  # not cached as "no"


async def test_a_rate_limit_on_me_fails_and_is_asked_again(sandbox: Sandbox) -> None:
    caps = Capabilities("auto")
    sandbox.set_faults({"kind": "rate_limit", "retry_after": 0, "path": "/api/me"})
    async with _client(sandbox) as client:
        await client.get_account()
        with pytest.raises(RateLimited):
            await caps.me(client)
        sandbox.clear_faults()
        me = await caps.me(client)
    assert me is not None and me.role == "manager"


@pytest.mark.parametrize("status", [400, 403, 404, 405])
async def test_an_error_answer_to_the_probe_means_no_write(sandbox: Sandbox, status: int) -> None:
    caps = Capabilities("auto")
    sandbox.set_faults({"kind": "error", "status": status, "method": "OPTIONS"})
    async with _client(sandbox) as client:
        assert await caps.write(client, _sender(sandbox)) is False
        sandbox.clear_faults()
        assert await caps.write(client, _sender(sandbox)) is False  # asked once per run
