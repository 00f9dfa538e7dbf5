"""The one HTTP path (one AsyncClient per origin in a session), over real loopback sockets."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

import pytest
from sandbox_fixtures import Sandbox, key_for, make_seed

from reconciler.api import SettingsClient
from reconciler.api.http import open_http
from reconciler.config import AccountTarget, RetryConfig
from reconciler.engine.session import Session
from reconciler.errors import AccountsFailed, TransportError
from reconciler.secrets import Secret

pytestmark = pytest.mark.anyio

TWO = make_seed(2, 3)


class RawServer:
    """An HTTP/1.1 server on 127.0.0.1 that records what it receives.

    ``answer(n)`` gives the bytes to send for the ``n``-th request of a connection.
    """

    def __init__(self, answer: Callable[[int], bytes]) -> None:
        self.answer = answer
        self.connections = 0
        self.requests: list[bytes] = []
        self.url = ""

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        n = 0
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                self.requests.append(head)
                n += 1
                writer.write(self.answer(n))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    @classmethod
    def ok(
        cls, body: bytes = b"{}", extra: bytes = b"", kind: bytes = b"application/json"
    ) -> bytes:
        return (
            b"HTTP/1.1 200 OK\r\nContent-Type: " + kind + b"\r\n"
            + extra
            + b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )  # fmt: skip


ACCOUNTS = b'{"data": [{"type": "account", "id": "acme-us"}]}'


@pytest.fixture
async def raw() -> AsyncIterator[Callable[..., asyncio.Future[RawServer]]]:
    servers: list[asyncio.Server] = []

    async def start(answer: Callable[[int], bytes]) -> RawServer:
        state = RawServer(answer)
        server = await asyncio.start_server(state._serve, "127.0.0.1", 0)
        servers.append(server)
        state.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        return state

    yield start  # type: ignore[misc]
    for s in servers:
        s.close()
        await s.wait_closed()


def target(name: str, url: str, key: str, **kw: object) -> AccountTarget:
    return AccountTarget(
        name=name,
        api_url=url,
        api_key=Secret(key),
        api_key_env=f"{name.upper().replace('-', '_')}_KEY",
        retry=RetryConfig(max_attempts=3, max_connect_total=1),
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("sandbox_seed", [TWO])
async def test_two_accounts_over_one_origins_client_each_see_their_own_account(
    sandbox: Sandbox,
) -> None:
    targets = {
        f"acct-000{i}": target(f"acct-000{i}", sandbox.url, key_for("acct", i)) for i in (0, 1)
    }
    async with Session(targets) as session:
        clients = [session.client(n) for n in sorted(targets)]
        # Interleaved on the same connections: each answer must be its own key's.
        found = await asyncio.gather(*(clients[i % 2].get_account() for i in range(20)))
    assert [a.id for a in found] == ["acct-0000", "acct-0001"] * 10


async def test_no_cookie_crosses_from_one_account_to_another(raw) -> None:  # type: ignore[no-untyped-def]
    server = await raw(lambda n: RawServer.ok(ACCOUNTS, b"Set-Cookie: session=a1\r\n"))
    targets = {
        "one": target("one", server.url, "key-one", account_id="acme-us"),
        "two": target("two", server.url, "key-two", account_id="acme-us"),
    }
    async with Session(targets) as session:
        assert await session.check_keys(["one"]) == []
        assert await session.check_keys(["two"]) == []
    assert len(server.requests) == 2
    assert b"Klaviyo-API-Key key-one" in server.requests[0]
    assert b"Klaviyo-API-Key key-two" in server.requests[1]
    assert b"key-one" not in server.requests[1]
    assert not any(b"cookie:" in r.lower() for r in server.requests)


async def test_a_session_keeps_one_connection_across_its_phases(raw) -> None:  # type: ignore[no-untyped-def]
    page = b'{"data": []}'
    server = await raw(lambda n: RawServer.ok(ACCOUNTS if n == 1 else page))
    targets = {"acme-us": target("acme-us", server.url, "k")}
    async with Session(targets) as session:
        assert await session.check_keys(["acme-us"]) == []  # the key check ...
        assert await session.client("acme-us").list_senders() == []  # ... then the reads
    assert server.connections == 1 and len(server.requests) == 2


async def test_requests_spread_over_the_pools_up_to_the_connections_allowed(raw) -> None:  # type: ignore[no-untyped-def]
    server = await raw(lambda n: RawServer.ok(ACCOUNTS))
    async with open_http(connections=2) as http:
        one = await http.get(server.url)  # one at a time: one connection, reused
        two = await http.get(server.url)
        assert server.connections == 1
        many = await asyncio.gather(*(http.get(server.url) for _ in range(6)))
    assert {r.status_code for r in [one, two, *many]} == {200}
    assert server.connections == 2  # six at once over at most two connections


async def test_the_shared_client_holds_no_key() -> None:
    http = open_http()
    client = SettingsClient(base_url="http://127.0.0.1:9", api_key="sekret-key-1", http=http)
    try:
        assert "sekret" not in repr(dict(http.headers)) + repr(http.cookies)
    finally:
        await client.aclose()
        assert not http.is_closed  # the session's to close, not the client's
        await http.aclose()


async def test_each_exchange_is_logged_as_httpx_logs_it_without_the_key(  # type: ignore[no-untyped-def]
    raw, caplog: pytest.LogCaptureFixture
) -> None:
    server = await raw(lambda n: RawServer.ok(ACCOUNTS))
    with caplog.at_level(logging.INFO, logger="httpx"):
        async with SettingsClient(base_url=server.url, api_key="sekret-key-2") as client:
            await client.get_account()
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert len(lines) == 1
    assert lines[0].startswith("HTTP Request: GET ")
    assert lines[0].endswith('"HTTP/1.1 200 OK"')
    assert "sekret" not in caplog.text


async def test_proxy_settings_of_the_environment_are_honoured(  # type: ignore[no-untyped-def]
    raw, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = await raw(lambda n: RawServer.ok(ACCOUNTS))
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    origin = "http://127.0.0.2:9"  # nobody listens: only the proxy can answer
    async with Session({"acme-us": target("acme-us", origin, "k")}) as session:
        assert await session.check_keys(["acme-us"]) == []
    assert proxy.requests[0].startswith(b"GET http://127.0.0.2:9/api/accounts HTTP/1.1")


async def test_https_to_a_plain_http_server_is_not_retried_and_names_the_fix(
    sandbox: Sandbox,
) -> None:
    https = sandbox.url.replace("http://", "https://")
    async with Session({"acme-us": target("acme-us", https, "k")}) as session:
        (failure,) = await session.check_keys(["acme-us"])
        calls = session.client("acme-us").calls
    assert calls == 1  # no retry: TLS does not fix itself
    assert failure.account == "acme-us"
    assert (
        "could not connect to " + https + ": TLS failed: the server does not speak TLS (https) "
        "there (wrong version number)" in failure.error
    )
    assert failure.error.endswith(f"api_url probably should be {sandbox.url} (as configured)")


async def test_another_web_server_is_named_as_such(raw) -> None:  # type: ignore[no-untyped-def]
    page = b"<html><body>File not found</body></html>"
    not_found = (
        b"HTTP/1.1 404 File not found\r\nContent-Type: text/html\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(page), page)
    )
    server = await raw(lambda n: not_found)
    async with Session({"acme-us": target("acme-us", server.url, "k")}) as session:
        (failure,) = await session.check_keys(["acme-us"])
    assert len(server.requests) == 1
    assert failure.error == (
        "GET /api/accounts: HTTP 404: File not found (an answer in text/html, not from a "
        "settings API); api_url probably points at another web server, not a settings API "
        f"({server.url}, as configured)"
    )


async def test_a_plain_web_page_with_200_is_not_taken_for_the_api(raw) -> None:  # type: ignore[no-untyped-def]
    server = await raw(lambda n: RawServer.ok(b"<html>hello</html>", kind=b"text/html"))
    async with SettingsClient(base_url=server.url, api_key="k") as client:
        with pytest.raises(Exception, match="answered HTTP 200 in text/html") as info:
            await client.get_account()
    assert getattr(info.value, "foreign", False) is True
    assert len(server.requests) == 1


async def test_a_refused_connection_after_the_key_check_is_an_account_failure() -> None:
    async with Session({"acme-us": target("acme-us", "http://127.0.0.1:9", "k")}) as session:
        (failure,) = await session.check_keys(["acme-us"])
        with pytest.raises(TransportError):
            await session.checked_client("acme-us")
    assert failure.error.startswith("GET /api/accounts: could not connect to http://127.0.0.1:9")
    assert not failure.error.startswith("acme-us")  # the name is data, not text


def test_accounts_failed_keeps_each_failure_as_data() -> None:
    from reconciler.errors import AccountFailure

    err = AccountsFailed("refusing", [AccountFailure("a", "x"), AccountFailure("b", "x", "s")])
    assert str(err) == "refusing"
    assert [(f.account, f.sender) for f in err.failures] == [("a", None), ("b", "s")]
