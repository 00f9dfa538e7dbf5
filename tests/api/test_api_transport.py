"""The shared per-origin pool and the asyncio network backend, over real loopback sockets."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from sandbox_fixtures import Sandbox, key_for, make_seed

from reconciler.api import SettingsClient, transport
from reconciler.api.transport import AsyncioTransport, pooled, shared_pools, ssl_context

pytestmark = pytest.mark.anyio

TWO = make_seed(2, 3)


def limits() -> httpx.Limits:
    return httpx.Limits(max_connections=1, max_keepalive_connections=1)


def pools() -> dict[str, transport.Pool]:
    return transport._registry().pools


class RawServer:
    """An HTTP/1.1 server on 127.0.0.1 that records what it receives.

    ``answer(n)`` gives the bytes to send for the ``n``-th request of a connection
    (None: say nothing), and ``close_after`` closes a connection after that many.
    """

    def __init__(self, answer: Callable[[int], bytes | None], close_after: int = 0) -> None:
        self.answer = answer
        self.close_after = close_after
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
                out = self.answer(n)
                if out is None:
                    await asyncio.sleep(10)
                    break
                writer.write(out)
                await writer.drain()
                if self.close_after and n >= self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    @classmethod
    def ok(cls, body: bytes = b"{}", extra: bytes = b"") -> bytes:
        return (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + extra
            + b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )


@pytest.fixture
async def raw() -> AsyncIterator[Callable[..., asyncio.Future[RawServer]]]:
    servers: list[asyncio.Server] = []

    async def start(answer: Callable[[int], bytes | None], close_after: int = 0) -> RawServer:
        state = RawServer(answer, close_after)
        server = await asyncio.start_server(state._serve, "127.0.0.1", 0)
        servers.append(server)
        state.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        return state

    yield start  # type: ignore[misc]
    for s in servers:
        s.close()
        await s.wait_closed()


# -- the asyncio backend -------------------------------------------------------------


async def test_the_asyncio_backend_talks_to_the_real_server(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(
        transport=AsyncioTransport(verify=ssl_context(), limits=limits())
    ) as http:
        headers = sandbox.headers("sandbox-acme-manager")
        first = await http.get(f"{sandbox.url}/api/accounts", headers=headers)
        second = await http.get(f"{sandbox.url}/api/accounts", headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json()["data"][0]["id"] == "acme-us"


async def test_a_refused_connection_is_an_httpx_connect_error() -> None:
    async with httpx.AsyncClient(
        transport=AsyncioTransport(verify=ssl_context(), limits=limits())
    ) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get("http://127.0.0.1:9/", timeout=2)  # the discard port: nobody listens


async def test_a_silent_server_is_an_httpx_read_timeout(raw) -> None:  # type: ignore[no-untyped-def]
    server = await raw(lambda n: None)
    async with httpx.AsyncClient(
        transport=AsyncioTransport(verify=ssl_context(), limits=limits())
    ) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get(server.url, timeout=0.2)


async def test_a_connection_the_server_closed_is_not_reused(raw) -> None:  # type: ignore[no-untyped-def]
    server = await raw(lambda n: RawServer.ok(), close_after=1)
    async with httpx.AsyncClient(
        transport=AsyncioTransport(verify=ssl_context(), limits=limits())
    ) as http:
        first = await http.get(server.url)
        await asyncio.sleep(0.05)  # let the server's FIN arrive
        second = await http.get(server.url)
    assert first.status_code == second.status_code == 200
    assert server.connections == 2


# -- one pool per origin, keys per request --------------------------------------------


@pytest.mark.parametrize("sandbox_seed", [TWO])
async def test_two_accounts_over_one_pool_each_see_their_own_account(sandbox: Sandbox) -> None:
    keys = [key_for("acct", 0), key_for("acct", 1)]
    async with shared_pools():
        clients = [SettingsClient(base_url=sandbox.url, api_key=k) for k in keys]
        try:
            # Interleaved on the same connections: each answer must be its own key's.
            found = await asyncio.gather(*(clients[i % 2].get_account() for i in range(20)))
            assert len(pools()) == 1
        finally:
            for c in clients:
                await c.aclose()
    assert [a.id for a in found] == ["acct-0000", "acct-0001"] * 10
    assert pools() == {}


async def test_no_cookie_crosses_from_one_account_to_another(raw) -> None:  # type: ignore[no-untyped-def]
    server = await raw(lambda n: RawServer.ok(b'{"data": []}', b"Set-Cookie: session=a1\r\n"))
    async with shared_pools():
        for key in ("key-one", "key-two"):
            async with SettingsClient(base_url=server.url, api_key=key) as client:
                await client.audit_events()
    assert len(server.requests) == 2
    assert b"Klaviyo-API-Key key-one" in server.requests[0]
    assert b"Klaviyo-API-Key key-two" in server.requests[1]
    assert b"key-one" not in server.requests[1]
    assert not any(b"cookie:" in r.lower() for r in server.requests)


async def test_a_pool_closes_with_its_last_client_and_shared_pools_keeps_it(raw) -> None:  # type: ignore[no-untyped-def]
    server = await raw(lambda n: RawServer.ok(b'{"data": []}'))
    async with SettingsClient(base_url=server.url, api_key="k") as client:
        await client.audit_events()
        assert len(pools()) == 1
    assert pools() == {}  # the last client out closed it

    async with shared_pools():
        for _ in range(3):
            async with SettingsClient(base_url=server.url, api_key="k") as client:
                await client.audit_events()
            assert len(pools()) == 1  # kept between clients
    assert pools() == {}
    assert server.connections == 2  # one for the first client, one for the three in the block


async def test_the_pool_holds_no_key(raw) -> None:  # type: ignore[no-untyped-def]
    server = await raw(lambda n: RawServer.ok(b'{"data": []}'))
    async with (
        shared_pools(),
        SettingsClient(base_url=server.url, api_key="sekret-key-1") as client,
    ):
        await client.audit_events()
        (pool,) = pools().values()
        assert "sekret" not in repr(vars(pool))


async def test_pooled_holds_one_pool_for_a_whole_run_and_closes_it(raw) -> None:  # type: ignore[no-untyped-def]
    server = await raw(lambda n: RawServer.ok(b'{"data": []}'))

    async def run() -> int:
        for _ in range(2):  # two phases, clients opened and closed in each
            async with SettingsClient(base_url=server.url, api_key="k") as client:
                await client.audit_events()
        return len(pools())

    assert await pooled(run()) == 1
    assert pools() == {}
    assert server.connections == 1


async def test_each_exchange_is_logged_as_httpx_logs_it_without_the_key(  # type: ignore[no-untyped-def]
    raw, caplog: pytest.LogCaptureFixture
) -> None:
    server = await raw(lambda n: RawServer.ok(b'{"data": []}'))
    with caplog.at_level(logging.INFO, logger="httpx"):
        async with SettingsClient(base_url=server.url, api_key="sekret-key-2") as client:
            await client.audit_events()
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert len(lines) == 1
    assert lines[0].startswith("HTTP Request: GET ")
    assert lines[0].endswith('"HTTP/1.1 200 OK"')
    assert "sekret" not in caplog.text
