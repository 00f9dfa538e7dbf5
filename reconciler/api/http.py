"""The one way callfwd sends HTTP: one ``httpx.AsyncClient`` per API origin and run.

Every ``SettingsClient`` of a run that talks to one origin sends through the
same ``AsyncClient`` (``reconciler.engine.session`` keeps them), so 1,000
accounts on one API share one connection pool instead of building 1,000. The
shared client carries no credentials: each ``SettingsClient`` sends its key as
a per-request header, so two accounts over one pool each see their own
account. It stores no cookies (one account's cookie must never reach
another), follows no redirects (the key goes to no other address) and honours
the proxy settings of the environment, as httpx does by default.

Tests inject a transport (``httpx.MockTransport``): it goes into this same
construction, so they exercise the path production takes.
"""

from __future__ import annotations

from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx

# Connections per origin. The planner works on ACCOUNTS_AT_ONCE accounts at once
# (reconciler.engine.fanout), each with one request in flight while it plans: with
# 50 ms of latency that many connections hide the network for a 1,000-account plan.
# httpcore scans its connections for every request, so more than are used cost CPU
# for nothing (docs/benchmarks.md has the measurement).
CONNECTIONS = 128
KEEPALIVE_EXPIRY = 15.0
TIMEOUT = 10.0


def no_cookies() -> CookieJar:
    """A cookie jar that accepts no cookie from any domain."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def request_timeout(seconds: float) -> httpx.Timeout:
    """``seconds`` for connecting, reading and writing; waiting for a free connection of
    the pool is not bounded (it is callfwd's own queue, bounded by its concurrency)."""
    return httpx.Timeout(seconds, pool=None)


def open_http(
    *, connections: int = CONNECTIONS, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The ``AsyncClient`` for one origin; ``transport`` replaces the network (tests)."""
    return httpx.AsyncClient(
        transport=transport,
        limits=httpx.Limits(
            max_connections=connections,
            max_keepalive_connections=connections,
            keepalive_expiry=KEEPALIVE_EXPIRY,
        ),
        timeout=request_timeout(TIMEOUT),
        cookies=no_cookies(),
        follow_redirects=False,
        trust_env=True,
    )


def origin_of(url: str | httpx.URL) -> str:
    """``scheme://host[:port]`` of ``url``: the unit of a connection pool."""
    u = httpx.URL(url)
    port = f":{u.port}" if u.port else ""
    return f"{u.scheme}://{u.host}{port}"
