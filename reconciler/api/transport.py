"""One connection pool per API origin, shared by every ``SettingsClient`` of a run.

A plan opens two clients per account (the key check, then the list). With a
pool each, 1,000 accounts cost 2,000 TCP connects and 2,000 pools built and
torn down. Here clients of the same origin in the same event loop share one
``httpx.AsyncClient`` that carries no credentials: each client sends its own
key as a per-request header, so two accounts over one pool each see their own
account. The shared client stores no cookies (one account's cookie must never
reach another) and follows no redirects (the key goes nowhere else).

A pool lives while a client uses it: ``lease`` counts the user in,
``release`` out, and the last one out closes it. ``shared_pools`` holds every
pool opened inside it until it exits, so a run whose phases open and close
clients in turn (preflight, then plan) keeps its connections between them.

    async with shared_pools():
        ...  # every SettingsClient in here shares one pool per origin

    asyncio.run(pooled(plan_async(desired, targets)))  # the same, around one coroutine
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import ssl
from collections.abc import AsyncIterator, Awaitable, Mapping
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import TypeVar

import httpcore
import httpx

from reconciler.api.asyncio_backend import AsyncioBackend

T = TypeVar("T")

# httpcore's pool scans every connection (and, for each idle one, every connection
# again) twice per request: its cost per request grows with the square of the
# connections it holds. Many one-connection pools keep each scan short while still
# letting SHARDS requests be in flight against a distant server. The planner works on
# as many accounts at once as there are shards (engine.planner.ACCOUNT_CONCURRENCY):
# with 50 ms of latency, 128 hides the network for a 1,000-account plan where 32 left
# it adding ~70% (docs/benchmarks.md). Each request goes to the least busy shard.
SHARDS = 128
CONNECTIONS = 1
KEEPALIVE_EXPIRY = 15.0


@functools.cache
def ssl_context() -> ssl.SSLContext:
    # Building a context costs ~50 ms (it loads the CA bundle): one per process.
    return httpx.create_ssl_context()


@functools.cache
def proxies_in_env() -> bool:
    # httpx scans the whole environment for proxy settings for every client it builds;
    # with one key variable per account that was quadratic. Look once.
    return any(name.lower().endswith("_proxy") for name in os.environ)


class AsyncioTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over ``AsyncioBackend`` instead of anyio (asyncio loops only)."""

    def __init__(self, *, verify: ssl.SSLContext, limits: httpx.Limits) -> None:
        super().__init__(verify=verify, limits=limits, trust_env=False)
        # httpx offers no network_backend option; the pool it built is replaced by the
        # same pool on our backend (httpx maps httpcore's exceptions either way).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=verify,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=AsyncioBackend(),
        )


def _limits() -> httpx.Limits:
    return httpx.Limits(
        max_connections=CONNECTIONS,
        max_keepalive_connections=CONNECTIONS,
        keepalive_expiry=KEEPALIVE_EXPIRY,
    )


def proxied_client(*, timeout: float) -> httpx.AsyncClient:
    """With proxy settings in the environment: httpx's own client, which honours them.

    No credentials, no cookies (one account's must never reach another), no redirects.
    """
    return httpx.AsyncClient(
        timeout=timeout,
        limits=_limits(),
        verify=ssl_context(),
        trust_env=True,
        follow_redirects=False,
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
    )


# httpx.AsyncClient logs every exchange on this logger at INFO (`callfwd -v` shows
# them); the shared path does the same, formatting only when someone listens.
_httpx_log = logging.getLogger("httpx")

# What httpx.AsyncClient would add to every request (Host comes from the URL).
_DEFAULT_HEADERS = {"Accept-Encoding": "gzip, deflate", "Connection": "keep-alive"}


class Pool:
    """One origin's shards (one-connection pools, built as needed).

    ``request`` sends on the shard with the fewest requests in flight, straight
    into its transport: what ``httpx.AsyncClient`` adds on top (URL merging,
    cookies, auth flows, redirects, event hooks) is nothing a ``SettingsClient``
    uses, and it cost about a fifth of the client's CPU per request.
    """

    def __init__(self, *, timeout: float, held: bool) -> None:
        self.timeout = timeout
        self.held = held
        self.users = 0
        self.proxied = proxied_client(timeout=timeout) if proxies_in_env() else None
        self.shards: list[httpx.AsyncBaseTransport] = []
        self.busy: list[int] = []
        self._timeouts: dict[float, dict[str, float | None]] = {}

    async def request(
        self,
        method: str,
        url: httpx.URL,
        *,
        params: Mapping[str, str] | None,
        content: bytes | None,
        headers: Mapping[str, str],
        timeout: float,
    ) -> httpx.Response:
        if self.proxied is not None:
            return await self.proxied.request(
                method, url, params=params, content=content, headers=headers, timeout=timeout
            )
        ext = self._timeouts.get(timeout)
        if ext is None:
            ext = self._timeouts[timeout] = httpx.Timeout(timeout).as_dict()
        request = httpx.Request(
            method,
            url,
            params=params,
            content=content,
            headers={**_DEFAULT_HEADERS, **headers},
            extensions={"timeout": ext},
        )
        busy = self.busy
        i = busy.index(min(busy)) if busy else -1
        if i < 0 or (busy[i] and len(busy) < SHARDS):
            self.shards.append(AsyncioTransport(verify=ssl_context(), limits=_limits()))
            busy.append(0)
            i = len(busy) - 1
        busy[i] += 1
        try:
            response = await self.shards[i].handle_async_request(request)
            response.request = request
            try:
                await response.aread()
            finally:
                await response.aclose()
        finally:
            busy[i] -= 1
        if _httpx_log.isEnabledFor(logging.INFO):
            _httpx_log.info(
                'HTTP Request: %s %s "%s %d %s"',
                request.method,
                request.url,
                response.http_version,
                response.status_code,
                response.reason_phrase,
            )
        return response

    async def aclose(self) -> None:
        shards, self.shards, self.busy = self.shards, [], []
        for shard in shards:
            await shard.aclose()
        if self.proxied is not None:
            await self.proxied.aclose()


@dataclass
class _Registry:
    pools: dict[str, Pool] = field(default_factory=dict)
    holds: int = 0


_registries: dict[asyncio.AbstractEventLoop, _Registry] = {}


def _registry() -> _Registry:
    loop = asyncio.get_running_loop()
    reg = _registries.get(loop)
    if reg is None:
        for old in [lp for lp in _registries if lp.is_closed()]:
            del _registries[old]  # a finished asyncio.run: nothing of it can be in use
        reg = _registries[loop] = _Registry()
    return reg


def lease(origin: str, *, timeout: float) -> Pool:
    """The shared pool for ``origin`` in this event loop; ``release`` it when done."""
    reg = _registry()
    pool = reg.pools.get(origin)
    if pool is None:
        pool = reg.pools[origin] = Pool(timeout=timeout, held=reg.holds > 0)
    pool.users += 1
    return pool


async def release(origin: str, pool: Pool) -> None:
    reg = _registry()
    pool.users -= 1
    if pool.users <= 0 and not pool.held and reg.pools.get(origin) is pool:
        del reg.pools[origin]
        await pool.aclose()


@contextlib.asynccontextmanager
async def shared_pools() -> AsyncIterator[None]:
    """Keep every pool opened inside this block until it exits; then close the idle ones."""
    reg = _registry()
    reg.holds += 1
    for pool in reg.pools.values():
        pool.held = True
    try:
        yield
    finally:
        reg.holds -= 1
        if reg.holds == 0:
            for origin, pool in list(reg.pools.items()):
                pool.held = False
                if pool.users <= 0:
                    del reg.pools[origin]
                    await pool.aclose()


async def pooled(aw: Awaitable[T]) -> T:
    """``aw`` awaited inside ``shared_pools()``: for ``asyncio.run(pooled(...))``."""
    async with shared_pools():
        return await aw
