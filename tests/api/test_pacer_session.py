"""An account's pacer learns the burst limit nobody told it, and keeps it for the whole run.

A session (one event loop, one command) gives each account one set of pacers:
what the key check and the plan's reads taught holds for apply's calls later
in the same run. Against a real ``callfwd serve`` that refuses the third
request of each second: the pacer starts without a burst limit.
"""

from __future__ import annotations

import pytest
from sandbox_fixtures import ACME_MANAGER, Sandbox

from reconciler.config import AccountTarget
from reconciler.engine.session import Session
from reconciler.secrets import Secret

pytestmark = pytest.mark.anyio


async def test_the_pacer_learns_the_burst_in_one_phase_and_keeps_it_for_the_next(
    sandbox: Sandbox,
) -> None:
    sandbox.set_rate_limit("2/1000")
    acme = AccountTarget("acme-us", sandbox.url, Secret(ACME_MANAGER), "ACME_US_KEY")
    async with Session({"acme-us": acme}) as session:
        client = session.client("acme-us")
        pacer = session.pacers("acme-us").for_endpoint("/api/accounts")
        assert pacer.burst is None  # nobody told it

        assert await session.check_keys(["acme-us"]) == []  # the key check: one call
        for _ in range(3):  # the "plan": the third call of the second is refused once
            await client.get_account()
        assert client.throttled == 1
        assert pacer.burst == 2  # learned from that 429, not given

        waited = pacer.stats.waited
        for _ in range(4):  # a later phase of the same run: held back, not sent into 429s
            await client.get_account()
    assert session.pacers("acme-us").for_endpoint("/api/accounts") is pacer
    assert pacer.burst == 2
    assert pacer.stats.waited > waited  # it paced itself with what it had learned
    # At most one more refusal: the one a clock drift between us and the server may cost
    # (the pacer then widens its margin rather than lowering what it learned).
    assert client.throttled <= 2


async def test_a_known_api_is_paced_to_its_published_limits_from_the_first_request(
    sandbox: Sandbox,
) -> None:
    """The vendor's limits on the server; the session knows them: not one request refused."""
    sandbox.set_rate_limit("vendor")
    acme = AccountTarget(
        "acme-us", sandbox.url, Secret(ACME_MANAGER), "ACME_US_KEY", api="extended"
    )
    async with Session({"acme-us": acme}) as session:
        pacer = session.pacers("acme-us").for_endpoint("/api/accounts")
        assert (pacer.burst, pacer.steady) == (1, 15)  # told, before any request
        client = session.client("acme-us")
        assert await session.check_keys(["acme-us"]) == []
        await client.get_account()  # GET /api/accounts is 1/s: held back, never refused
        senders = session.pacers("acme-us").for_endpoint("sender")
        assert senders.burst == 3
        ids = [s.id for s in await client.list_senders()]
        for sid in ids[:4]:  # reads at 3/s
            await client.get_sender(sid)
    assert client.throttled == 0
    assert pacer.stats.waited >= 0.8  # the second call waited for the first's second to end
    assert sum(r["count"] for r in sandbox.metrics()["requests"] if r["status"] == 429) == 0
