"""SettingsClient against the real local server (``callfwd serve``), faults injected there."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from sandbox_fixtures import ACME_ANALYST, ACME_MANAGER, Sandbox, key_for, make_seed

from reconciler.api import Pacer, RetryPolicy, SettingsClient
from reconciler.errors import AuthError, NotFoundError, PreconditionFailed

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(base_delay=0.01, max_delay=0.05)


def client_for(sandbox: Sandbox, key: str = ACME_MANAGER, **kwargs: Any) -> SettingsClient:
    kwargs.setdefault("retry", FAST)
    return SettingsClient(base_url=sandbox.url, api_key=key, **kwargs)


async def test_preflight_reads_account_and_me(sandbox: Sandbox) -> None:
    async with client_for(sandbox) as client:
        account = await client.get_account()
        me = await client.get_me()
    assert (account.id, account.name) == ("acme-us", "Acme US")
    assert me is not None and (me.email, me.role, me.account) == (
        "dana@acme.example",
        "manager",
        "acme-us",
    )
    assert "sender-config:write" in me.scopes


@pytest.mark.parametrize("sandbox_seed", [make_seed(1, 45, canadian_siblings=2)])
async def test_list_senders_reads_every_page(sandbox: Sandbox) -> None:
    async with client_for(sandbox, key_for("acct", 0)) as client:
        senders = await client.list_senders(page_size=20)
        assert client.calls == 1 + 3  # the account, then 47 senders in pages of 20
    live = {s["id"]: s for s in sandbox.senders("acct-0000")}
    assert sorted(s.id for s in senders) == sorted(live)
    for s in senders:
        assert s.account == "acct-0000"
        assert (s.number, s.country, s.forwarding_number, s.etag) == (
            live[s.id]["number"],
            live[s.id]["country"],
            live[s.id]["forward_to"],
            live[s.id]["etag"],
        )


async def test_injected_429s_and_503s_end_in_success(sandbox: Sandbox) -> None:
    sandbox.set_faults(
        {"kind": "rate_limit", "times": 2, "retry_after": 0},
        {"kind": "error", "status": 503, "times": 2},
        {"kind": "truncate", "path": "/api/text-messaging-senders", "times": 1},
    )
    async with client_for(sandbox) as client:
        senders = await client.list_senders()
        assert client.retries == 5 and client.throttled == 2
    assert len(senders) == len(sandbox.senders("acme-us"))
    assert [f["fired"] for f in sandbox.faults()["faults"]] == [2, 2, 1]


async def test_a_wrong_key_is_an_auth_error_that_does_not_show_the_key(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "sandbox-not-a-real-key-42"
    async with client_for(sandbox, wrong) as client:
        with pytest.raises(AuthError) as info:
            await client.get_account()
        assert client.calls == 1
    assert info.value.status == 401
    assert wrong not in str(info.value) and wrong not in repr(info.value)
    assert all(wrong not in r.getMessage() for r in caplog.records)


async def test_patch_with_if_match_and_a_stale_etag(sandbox: Sandbox) -> None:
    sid = sandbox.sender_id("acme-us", "+18555550122")
    async with client_for(sandbox) as client:
        await client.get_account()
        before = await client.get_sender(sid)
        after = await client.set_forwarding(sid, "+1 312 555 0175", if_match=before.etag)
        assert after.forwarding_number == "+13125550175" and after.etag != before.etag
        with pytest.raises(PreconditionFailed) as info:
            await client.set_forwarding(sid, "+13125550100", if_match=before.etag)
    assert info.value.status == 412 and info.value.after_retry is False
    assert sandbox.sender("acme-us", "+18555550122")["forward_to"] == "+13125550175"


async def test_a_lost_patch_answer_is_retried_and_its_412_marked(sandbox: Sandbox) -> None:
    sid = sandbox.sender_id("acme-us", "+18555550122")
    sandbox.set_faults({"kind": "drop", "when": "after", "method": "PATCH", "times": 1})
    async with client_for(sandbox) as client:
        before = await client.get_sender(sid)
        with pytest.raises(PreconditionFailed) as info:
            await client.set_forwarding(sid, "+13125550175", if_match=before.etag)
        assert info.value.after_retry is True  # our own first attempt committed
        assert (await client.get_sender(sid)).forwarding_number == "+13125550175"


async def test_a_lost_patch_answer_without_if_match_is_simply_repeated(sandbox: Sandbox) -> None:
    sid = sandbox.sender_id("acme-us", "+18665550133")
    sandbox.set_faults({"kind": "drop", "when": "after", "method": "PATCH", "times": 1})
    async with client_for(sandbox) as client:
        result = await client.set_forwarding(sid, None)
        assert result.forwarding_number is None and client.retries == 1
    assert sandbox.sender("acme-us", "+18665550133")["forward_to"] is None


async def test_role_refusal_and_unknown_sender_are_typed(sandbox: Sandbox) -> None:
    sid = sandbox.sender_id("acme-us", "+18555550122")
    async with client_for(sandbox, ACME_ANALYST) as client:
        with pytest.raises(AuthError) as info:
            await client.set_forwarding(sid, None)
        assert info.value.status == 403 and info.value.detail
        with pytest.raises(NotFoundError):
            await client.get_sender("no-such-sender")
    assert sandbox.writes("acme-us") == []


async def test_pacing_learns_the_burst_limit_of_a_real_server(sandbox: Sandbox) -> None:
    sandbox.set_rate_limit("3/1000")
    pacer = Pacer(concurrency=4)
    async with client_for(sandbox, pacer=pacer, retry=RetryPolicy()) as client:
        start = time.monotonic()
        for _ in range(9):
            await client.get_account()
        elapsed = time.monotonic() - start
    assert pacer.burst == 3
    assert client.throttled <= 1  # only the overshoot that taught it
    assert 2.0 <= elapsed < 4.0  # 9 requests at 3/s: three windows


async def test_a_spent_steady_window_holds_requests_back(sandbox: Sandbox) -> None:
    sandbox.set_rate_limit("100/3")
    pacer = Pacer()
    async with client_for(sandbox, pacer=pacer) as client:
        for _ in range(3):
            await client.get_account()
        assert client.throttled == 0
    assert pacer.delay(time.monotonic()) > 50  # the next would wait for the minute to end
