"""Fault injection: each kind is something a client really sees, and it is off unless asked for."""

from __future__ import annotations

import time

import httpx
import pytest
from sandbox_fixtures import ACME_MANAGER, Sandbox, patch_body

SENDERS = "/api/text-messaging-senders"
NUMBER = "+18555550122"  # forwards to +13125550100 in the demo seed

NO_ANSWER = (httpx.RemoteProtocolError, httpx.ReadError)


def _patch(sandbox: Sandbox, value: str | None) -> httpx.Response:
    sid = sandbox.sender_id("acme-us", NUMBER)
    # A fresh connection each time: a dropped connection must not be retried by a pool.
    with sandbox.server.client(ACME_MANAGER) as api:
        return api.patch(f"{SENDERS}/{sid}", json=patch_body(sid, value))


def _forward(sandbox: Sandbox) -> str | None:
    value = sandbox.sender("acme-us", NUMBER)["forward_to"]
    return None if value is None else str(value)


def test_faults_are_off_by_default(sandbox: Sandbox) -> None:
    assert sandbox.faults() == {"seed": 0, "faults": []}
    api = sandbox.client()
    assert all(api.get("/api/me").status_code == 200 for _ in range(20))


def test_error_before_answers_5xx_and_changes_nothing(sandbox: Sandbox) -> None:
    sandbox.set_faults({"kind": "error", "status": 503, "times": 1})
    r = _patch(sandbox, "+13125550175")
    assert r.status_code == 503
    (err,) = r.json()["errors"]
    assert (err["status"], err["code"]) == (503, "server_error")
    assert _forward(sandbox) == "+13125550100"
    assert sandbox.audit_events() == []
    assert _patch(sandbox, "+13125550175").status_code == 200  # times: 1
    assert sandbox.faults()["faults"][0]["fired"] == 1


def test_error_after_commits_the_write_but_answers_5xx(sandbox: Sandbox) -> None:
    sandbox.set_faults({"kind": "error", "when": "after", "status": 500, "method": "PATCH"})
    r = _patch(sandbox, "+13125550175")
    assert r.status_code == 500
    assert _forward(sandbox) == "+13125550175"
    assert [e["outcome"] for e in sandbox.audit_events()] == ["updated"]
    assert sandbox.client().get("/api/me").status_code == 200  # only PATCH


def test_rate_limit_storm_then_recovery(sandbox: Sandbox) -> None:
    sandbox.set_faults({"kind": "rate_limit", "times": 3, "retry_after": 2})
    api = sandbox.client()
    answers = [api.get("/api/me") for _ in range(4)]
    assert [r.status_code for r in answers] == [429, 429, 429, 200]
    assert all(r.headers["retry-after"] == "2" for r in answers[:3])
    assert answers[0].json()["errors"][0]["code"] == "throttled"


def test_latency_is_added(sandbox: Sandbox) -> None:
    sandbox.set_faults({"kind": "latency", "latency_ms": 300, "path": "/api/me"})
    api = sandbox.client()
    started = time.perf_counter()
    assert api.get("/api/me").status_code == 200
    assert time.perf_counter() - started >= 0.3
    started = time.perf_counter()
    assert api.get("/api/accounts").status_code == 200
    assert time.perf_counter() - started < 0.3


def test_drop_before_closes_without_an_answer_and_writes_nothing(sandbox: Sandbox) -> None:
    sandbox.set_faults({"kind": "drop", "method": "PATCH", "times": 1})
    # The socket closes with no answer: a FIN (RemoteProtocolError) or, when the request's
    # bytes were still unread, a reset (ReadError) -- the same fault as the client sees it.
    with pytest.raises(NO_ANSWER):
        _patch(sandbox, "+13125550175")
    assert _forward(sandbox) == "+13125550100"
    assert sandbox.audit_events() == []


def test_drop_after_commits_then_closes_without_an_answer(sandbox: Sandbox) -> None:
    sandbox.set_faults({"kind": "drop", "when": "after", "method": "PATCH", "times": 1})
    with pytest.raises(NO_ANSWER):
        _patch(sandbox, "+13125550175")
    assert _forward(sandbox) == "+13125550175"
    assert [e["outcome"] for e in sandbox.audit_events()] == ["updated"]
    assert _patch(sandbox, "+13125550175").status_code == 200  # the server is fine afterwards


def test_drop_on_a_kept_alive_connection_is_still_an_error(sandbox: Sandbox) -> None:
    api = sandbox.client()
    assert api.get("/api/me").status_code == 200  # the pool now holds a live connection
    sandbox.set_faults({"kind": "drop", "path": "/api/me", "times": 1})
    with pytest.raises(NO_ANSWER):
        api.get("/api/me")
    assert api.get("/api/me").status_code == 200


def test_truncated_body_is_seen_as_an_incomplete_answer(sandbox: Sandbox) -> None:
    sandbox.set_faults({"kind": "truncate", "path": SENDERS, "times": 1})
    api = sandbox.client()
    with pytest.raises(httpx.RemoteProtocolError, match=r"incomplete|complete message body"):
        api.get(SENDERS)
    assert api.get(SENDERS).status_code == 200


def test_probability_is_reproducible_with_a_seed(sandbox: Sandbox) -> None:
    def run() -> list[int]:
        sandbox.set_faults({"kind": "error", "probability": 0.5, "status": 502}, seed=42)
        api = sandbox.client()
        return [api.get("/api/me").status_code for _ in range(40)]

    first, second = run(), run()
    assert first == second
    assert 5 < first.count(502) < 35
    assert set(first) == {200, 502}
    assert sandbox.faults()["faults"][0]["fired"] == first.count(502)


def test_admin_endpoints_are_never_faulted_and_reset_clears_faults(sandbox: Sandbox) -> None:
    sandbox.set_faults({"kind": "error", "path": "*"})
    assert sandbox.state()["accounts"]  # admin works
    assert sandbox.client().get("/api/me").status_code == 503
    sandbox.reset()
    assert sandbox.faults()["faults"] == []
    assert sandbox.client().get("/api/me").status_code == 200


@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "explode"},
        {"kind": "error", "status": 302},
        {"kind": "drop", "status": 503},
        {"kind": "html", "status": 100},
        {"kind": "deep", "depth": 0},
        {"kind": "rate_limit", "retry_after": 10 * 86400 + 1},
        {"kind": "error", "probability": 2},
        {"kind": "drop", "times": 0},
        {"kind": "error", "bogus": 1},
    ],
)
def test_bad_fault_rules_are_refused(sandbox: Sandbox, rule: dict[str, object]) -> None:
    r = sandbox.http.put("/_sandbox/faults", json={"faults": [rule]})
    assert r.status_code == 400
    assert sandbox.faults()["faults"] == []
