"""Network and key failures speak: one notice line per retry, final errors that name everything."""

from __future__ import annotations

import asyncio
import logging
import random
import socket

import httpx
import pytest

from reconciler.api.pacing import Pacer
from reconciler.api.retry import RetryPolicy
from reconciler.api.target import client_for
from reconciler.config import AccountTarget, RetryConfig
from reconciler.errors import AuthError, ServerError, TransportError
from reconciler.notice import NOTICE
from reconciler.secrets import Secret

KEY = "sk_test_messages_0123456789"


class FakeTime:
    """A clock that moves only when the client sleeps: the budgets are exact and instant."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def target(url: str) -> AccountTarget:
    return AccountTarget(
        name="acme-us",
        api_url=url,
        api_key=Secret(KEY),
        api_key_env="ACME_US_KEY",
        retry=RetryConfig(max_connect_total=3),
    )


def policy(fake: FakeTime, **budget: float) -> RetryPolicy:
    return RetryPolicy(
        sleep=fake.sleep,
        clock=fake.clock,
        rng=random.Random(7),
        **budget,  # type: ignore[arg-type]
    )


def notices(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == NOTICE]


def test_a_closed_port_is_retried_briefly_one_line_each_then_named(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = closed_port()
    fake = FakeTime()
    account = target(f"http://127.0.0.1:{port}")

    async def go() -> None:
        retry = policy(fake, max_connect_total=account.retry.max_connect_total)
        async with client_for(account, retry=retry, pacer=Pacer(clock=fake.clock)) as client:
            await client.get_account()

    caplog.set_level(logging.WARNING, logger=NOTICE)
    with pytest.raises(TransportError) as info:
        asyncio.run(go())
    assert notices(caplog) == [
        "acme-us: GET /api/accounts: connection refused; retrying in 0.2 s (attempt 2 of 8)",
        "acme-us: GET /api/accounts: connection refused; retrying in 0.2 s (attempt 3 of 8)",
        "acme-us: GET /api/accounts: connection refused; retrying in 1.3 s (attempt 4 of 8)",
        "acme-us: GET /api/accounts: connection refused; retrying in 0.3 s (attempt 5 of 8)",
    ]
    assert str(info.value) == (
        f"acme-us: GET /api/accounts: could not connect to http://127.0.0.1:{port}: "
        "connection refused (gave up after 5 attempts in 1.9 s)"
    )
    assert fake.now <= 3  # the short budget for an unreachable server, not max_total


def test_a_503_keeps_the_long_budget(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeTime()
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(503, json={"errors": [{"detail": "maintenance"}]})

    async def go() -> None:
        retry = policy(fake, max_connect_total=0.0, max_attempts=4)
        transport = httpx.MockTransport(handler)
        account = target("https://api.acme.example")
        async with client_for(
            account, retry=retry, transport=transport, pacer=Pacer(clock=fake.clock)
        ) as client:
            await client.get_account()

    caplog.set_level(logging.WARNING, logger=NOTICE)
    with pytest.raises(ServerError) as info:
        asyncio.run(go())
    assert calls == 4  # not stopped by the connect budget of 0 s
    assert notices(caplog)[0] == (
        "acme-us: GET /api/accounts: HTTP 503; retrying in 0.2 s (attempt 2 of 4)"
    )
    assert str(info.value).startswith("acme-us: GET /api/accounts: HTTP 503: maintenance (gave up")


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        (401, "the API refused the key in ACME_US_KEY: check that it is current and complete"),
        (403, "the key in ACME_US_KEY is not allowed to do this: check its scopes"),
    ],
)
def test_a_refused_key_names_the_account_and_its_variable_never_the_key(
    status: int, hint: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"errors": [{"detail": f"No ({KEY})."}]})

    async def go() -> None:
        transport = httpx.MockTransport(handler)
        async with client_for(target("https://api.acme.example"), transport=transport) as client:
            await client.get_account()

    with pytest.raises(AuthError) as info:
        asyncio.run(go())
    assert str(info.value) == f"acme-us: GET /api/accounts: HTTP {status}: No (***); {hint}"
    assert (info.value.account, info.value.key_env) == ("acme-us", "ACME_US_KEY")
