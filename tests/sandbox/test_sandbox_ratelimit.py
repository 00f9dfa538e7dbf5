"""Rate limits per account and endpoint: RateLimit-* headers under, 429 with Retry-After over."""

from __future__ import annotations

import pytest
from sandbox_fixtures import (
    ACME_MANAGER,
    DEFAULT_SEED,
    GLOBEX_OWNER,
    Sandbox,
    ServerFactory,
    patch_body,
)

from reconciler.sandbox.ratelimit import (
    ACCOUNT_LIMITS,
    OFF,
    READ_LIMITS,
    Limits,
    RateLimiter,
    RatePolicy,
    parse_rate_limit,
    vendor_limits,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_window_then_steady_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RatePolicy(Limits(2, 5)), clock=clock)
    assert [limiter.hit("a")[0] for _ in range(2)] == [0, 0]
    retry, headers = limiter.hit("a")
    assert (retry, headers) == (1, [])
    assert limiter.hit("b")[0] == 0  # per account
    assert limiter.hit("a", "GET", "/api/accounts")[0] == 0  # per endpoint
    clock.now += 1.0
    retry, headers = limiter.hit("a")
    assert retry == 0
    assert dict(headers) == {
        b"ratelimit-limit": b"5",
        b"ratelimit-remaining": b"2",
        b"ratelimit-reset": b"59",
    }
    clock.now += 1.0
    limiter.hit("a")
    clock.now += 1.0
    limiter.hit("a")
    clock.now += 1.0
    retry, _ = limiter.hit("a")  # 5 used: steady window full until 60 s after the first
    assert retry == 56
    clock.now += 55.5
    assert limiter.hit("a")[0] == 1  # never 0 while limited: at least 1
    clock.now += 0.5
    assert limiter.hit("a")[0] == 0


def test_off_never_limits() -> None:
    limiter = RateLimiter(OFF)
    assert all(limiter.hit("a") == (0, []) for _ in range(1000))


def test_vendor_limits_per_endpoint() -> None:
    assert vendor_limits("GET", "/api/text-messaging-senders") == READ_LIMITS == Limits(3, 60)
    assert vendor_limits("GET", "/api/text-messaging-configurations/{configuration_id}") == (
        READ_LIMITS
    )
    assert vendor_limits("GET", "/api/accounts") == ACCOUNT_LIMITS == Limits(1, 15)
    assert vendor_limits("GET", "/api/accounts/{account_id}") == ACCOUNT_LIMITS
    assert vendor_limits("PATCH", "/api/text-messaging-senders/{sender_id}") == ACCOUNT_LIMITS
    assert vendor_limits("POST", "/api/call-routes") == READ_LIMITS  # a simulation: reads only
    assert str(RatePolicy()) == "vendor" and str(OFF) == "off"


@pytest.mark.parametrize(
    ("text", "limits"),
    [
        ("10/150", RatePolicy(Limits(10, 150))),
        (" 3 / 60 ", RatePolicy(Limits(3, 60))),
        ("off", OFF),
        ("OFF", OFF),
        ("vendor", RatePolicy()),
    ],
)
def test_parse_rate_limit(text: str, limits: RatePolicy) -> None:
    assert parse_rate_limit(text) == limits


@pytest.mark.parametrize("text", ["", "10", "0/10", "10/0", "-1/5", "a/b", "10/150/3", "1e3/5"])
def test_parse_rate_limit_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="BURST/STEADY"):
        parse_rate_limit(text)


def test_burst_limit_gives_429_with_retry_after(sandbox: Sandbox) -> None:
    sandbox.set_rate_limit("3/100")
    api = sandbox.client(ACME_MANAGER)
    answers = [api.get("/api/me") for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [r.headers["ratelimit-remaining"] for r in answers[:3]] == ["99", "98", "97"]
    assert all(r.headers["ratelimit-limit"] == "100" for r in answers[:3])
    assert all(1 <= int(r.headers["ratelimit-reset"]) <= 60 for r in answers[:3])
    over = answers[3]
    assert int(over.headers["retry-after"]) == 1
    assert "ratelimit-remaining" not in over.headers
    (err,) = over.json()["errors"]
    assert (err["status"], err["code"]) == (429, "throttled")
    # per account: another account is not affected; admin endpoints never limited
    assert sandbox.client(GLOBEX_OWNER).get("/api/me").status_code == 200
    assert all(sandbox.state() for _ in range(5))


def test_steady_limit_gives_retry_after_up_to_a_minute(sandbox: Sandbox) -> None:
    sandbox.set_rate_limit("50/4")
    api = sandbox.client(ACME_MANAGER)
    codes = [api.get("/api/text-messaging-senders").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    assert api.get("/api/accounts").status_code == 200  # each endpoint its own bucket
    r = api.get("/api/text-messaging-senders")
    assert r.status_code == 429
    assert 55 <= int(r.headers["retry-after"]) <= 60


def test_throttled_writes_change_nothing(sandbox: Sandbox) -> None:
    sandbox.set_rate_limit("1/100")
    api = sandbox.client(ACME_MANAGER)
    sid = sandbox.sender_id("acme-us", "+18665550133")
    url = f"/api/text-messaging-senders/{sid}"
    assert api.patch(url, json=patch_body(sid, "+16175550100")).status_code == 200  # unchanged
    assert api.patch(url, json=patch_body(sid, None)).status_code == 429
    assert sandbox.sender("acme-us", "+18665550133")["forward_to"] == "+16175550100"
    assert [e["outcome"] for e in sandbox.audit_events()] == ["unchanged"]


def test_reset_restores_the_servers_own_limit(sandbox: Sandbox) -> None:
    sandbox.set_rate_limit("1/1")
    sandbox.reset()
    api = sandbox.client(ACME_MANAGER)
    assert all(api.get("/api/me").status_code == 200 for _ in range(20))
    assert "ratelimit-limit" not in api.get("/api/me").headers  # the session server runs with off


def test_rate_limit_flag_and_vendor_default(server_factory: ServerFactory) -> None:
    # No --rate-limit: the vendor's published limits, endpoint by endpoint.
    vendor = server_factory("--seed", str(DEFAULT_SEED), "--quiet")
    with vendor.client(ACME_MANAGER) as api:
        accounts = [api.get("/api/accounts") for _ in range(2)]
        senders = [api.get("/api/text-messaging-senders") for _ in range(4)]
    assert [r.status_code for r in accounts] == [200, 429]
    assert accounts[0].headers["ratelimit-limit"] == "15"
    assert [r.status_code for r in senders] == [200, 200, 200, 429]
    assert senders[0].headers["ratelimit-limit"] == "60"
    assert int(senders[3].headers["retry-after"]) == 1
    limited = server_factory("--seed", str(DEFAULT_SEED), "--rate-limit", "2/30", "--quiet")
    with limited.client(ACME_MANAGER) as api:
        answers = [api.get("/api/me") for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 429]
    assert answers[0].headers["ratelimit-limit"] == "30"
