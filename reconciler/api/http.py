"""The one way callfwd sends HTTP: one ``httpx.AsyncClient`` per API origin and run.

Every ``SettingsClient`` of a run that talks to one origin sends through the
same ``AsyncClient`` (``reconciler.engine.session`` keeps them), so 1,000
accounts on one API share one set of connections instead of building 1,000.
The shared client carries no credentials: each ``SettingsClient`` sends its
key as a per-request header, so two accounts over one connection each see
their own account. It stores no cookies (one account's cookie must never
reach another), follows no redirects (the key goes to no other address) and
honours the proxy settings of the environment, as httpx does by default.

Under the client, the origin's connections are split over several small
pools (``Pools``, an ``httpx.AsyncBaseTransport`` over httpx's own
``AsyncHTTPTransport``): httpcore scans every connection of a pool, and for
each idle one asks the operating system whether it is still open, each time a
request starts or ends. With 128 connections in one pool a 1,000-account plan
spent most of its CPU in those scans and took 3 to 4 times longer
(docs/benchmarks.md); pools of one connection keep each scan trivial. Each
request goes to the least busy pool.

Tests inject a transport (``httpx.MockTransport``): it goes into this same
``AsyncClient`` construction, so they exercise the path production takes.
"""

from __future__ import annotations

import functools
import ssl
import urllib.request
from collections.abc import AsyncIterator
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx

# Connections per origin: the planner works on ACCOUNTS_AT_ONCE accounts at once
# (reconciler.engine.fanout), one request in flight each while it plans; with 50 ms of
# latency that many hide the network for a 1,000-account plan.
CONNECTIONS = 128
PER_POOL = 1  # connections per httpcore pool (its scans grow with its connections)
KEEPALIVE_EXPIRY = 15.0
TIMEOUT = 10.0


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's default TLS context (honouring ``SSL_CERT_FILE``), built once a process:
    building one loads the CA bundle, tens of milliseconds."""
    return httpx.create_ssl_context(trust_env=True)


def no_cookies() -> CookieJar:
    """A cookie jar that accepts no cookie from any domain."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def request_timeout(seconds: float) -> httpx.Timeout:
    """``seconds`` for connecting, reading and writing; waiting for a free connection of
    the pool is not bounded (it is callfwd's own queue, bounded by its concurrency)."""
    return httpx.Timeout(seconds, pool=None)


def _limits(connections: int) -> httpx.Limits:
    return httpx.Limits(
        max_connections=connections,
        max_keepalive_connections=connections,
        keepalive_expiry=KEEPALIVE_EXPIRY,
    )


class _Counted(httpx.AsyncByteStream):
    """A response body that tells its pool when it is closed (the connection is free)."""

    def __init__(self, stream: httpx.AsyncByteStream, done: Pools, index: int) -> None:
        self._stream = stream
        self._done = done
        self._index: int | None = index

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if self._index is not None:
                self._done.finished(self._index)
                self._index = None


class Pools(httpx.AsyncBaseTransport):
    """One origin's ``connections``, as pools of ``PER_POOL`` built as they are needed.

    Each request goes to the pool with the fewest exchanges in flight (a new
    pool while all are busy and there is room for one); an exchange ends when
    its answer's body is closed.
    """

    def __init__(self, *, connections: int = CONNECTIONS, per_pool: int = PER_POOL) -> None:
        self._per_pool = max(1, min(per_pool, connections))
        self._max_pools = max(1, -(-connections // self._per_pool))
        self._pools: list[httpx.AsyncHTTPTransport] = []
        self._busy: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        i = self._pick()
        self._busy[i] += 1
        try:
            response = await self._pools[i].handle_async_request(request)
        except BaseException:
            self.finished(i)
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_Counted(response.stream, self, i),
            extensions=response.extensions,
        )

    def finished(self, index: int) -> None:
        self._busy[index] -= 1

    def _pick(self) -> int:
        busy = self._busy
        i = busy.index(min(busy)) if busy else -1
        if i < 0 or (busy[i] >= self._per_pool and len(busy) < self._max_pools):
            self._pools.append(
                httpx.AsyncHTTPTransport(
                    verify=tls_context(), limits=_limits(self._per_pool), trust_env=False
                )
            )
            busy.append(0)
            i = len(busy) - 1
        return i

    async def aclose(self) -> None:
        pools, self._pools, self._busy = self._pools, [], []
        for pool in pools:
            await pool.aclose()


def proxies_in_env() -> bool:
    """Whether the environment names a proxy (``HTTPS_PROXY`` and the like)."""
    return bool(urllib.request.getproxies())


def open_http(
    *, connections: int = CONNECTIONS, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The ``AsyncClient`` for one origin; ``transport`` replaces the network (tests).

    With a proxy in the environment, httpx's own transport takes the proxy
    settings (they all lead to the proxy's connections anyway).
    """
    if transport is None and not proxies_in_env():
        transport = Pools(connections=connections)
    return httpx.AsyncClient(
        transport=transport,
        limits=_limits(connections),
        timeout=request_timeout(TIMEOUT),
        verify=tls_context(),
        cookies=no_cookies(),
        follow_redirects=False,
        trust_env=True,
    )


def origin_of(url: str | httpx.URL) -> str:
    """``scheme://host[:port]`` of ``url``: the unit of a connection pool."""
    u = httpx.URL(url)
    port = f":{u.port}" if u.port else ""
    return f"{u.scheme}://{u.host}{port}"
