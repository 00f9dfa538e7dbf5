"""The key check: a server's account id in the refusal is shown as server text is.

The local API only serves valid account ids, so the hostile answers here come from
an ``httpx.MockTransport``: the shape of an answer no real server of ours can give.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from reconciler.api.client import SettingsClient
from reconciler.config import AccountTarget
from reconciler.engine.preflight import check_key
from reconciler.errors import AuthError
from reconciler.render.escape import terminal_lines
from reconciler.secrets import Secret

KEY = "sk_test_preflight_Zq81Lm0Pw3"


def _refusal(account_id: str, *, configured: str = "acme-us") -> str:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/accounts"
        doc = {"data": [{"type": "account", "id": account_id, "attributes": {}}]}
        return httpx.Response(200, json=doc, headers={"Content-Type": "application/vnd.api+json"})

    target = AccountTarget(
        name="acme-us",
        account_id=configured,
        api_url="https://api.example",
        api_key=Secret(KEY),
        api_key_env="ACME_US_KEY",
    )

    async def run() -> str:
        async with SettingsClient(
            base_url=target.api_url, api_key=target.api_key, transport=httpx.MockTransport(answer)
        ) as client:
            with pytest.raises(AuthError) as caught:
                await check_key(client, target)
        return str(caught.value)

    return asyncio.run(run())


def test_another_accounts_id_is_named_with_the_lines_to_write() -> None:
    message = _refusal("Qz4nW8")
    assert "belongs to account Qz4nW8, not acme-us" in message
    assert "account_id: Qz4nW8" in message


def test_a_hostile_account_id_is_scrubbed_bounded_and_never_offered_as_yaml() -> None:
    hostile = "\x1b]0;owned\x07" + KEY[:14] + "x" * 500 + "\n  account_id: evil"
    message = _refusal(hostile)
    assert KEY[:14] not in message and "***" in message  # a key's part hidden
    assert "x" * 100 not in message  # bounded as every echo of a server's text
    assert "account_id: evil" not in message and "accounts:\n" not in message
    assert "none callfwd.yaml could name" in message
    shown = terminal_lines(f"error: {message}")  # what the CLI's one handler prints
    assert "\x1b" not in shown and "\x07" not in shown


def test_an_id_that_is_part_of_the_key_is_hidden_and_never_offered_as_yaml() -> None:
    message = _refusal(KEY[-12:])  # a valid account id, and a run of the key's characters
    assert KEY[-12:] not in message
    assert "belongs to account ***, not acme-us" in message
    assert "account_id:" not in message
