"""Hostile requests to the local settings API: never a 5xx, never a write, never a leak.

What tests/sandbox/ already covers is not repeated here: every role and scope
set on every route (test_sandbox_authz.py), seven kinds of bad key on four
routes and 64 KiB PATCH bodies (test_sandbox_api.py), a schemathesis run of
25 examples per operation (test_sandbox_schemathesis.py). Added here:

- every route without a key, with a wrong key, with a key one character off,
  and with SQL in the key: 401, nothing recorded, the key never echoed;
- every route with another account's key: that account's senders, audit log
  and account are invisible (404 / 422 / its own data only) and unchanged;
- oversized bodies on every route that takes one (with and without
  Content-Length), oversized headers, paths and query strings;
- SQL metacharacters in every field a request can carry (path ids, numbers,
  data.id/type, If-Match, revision, cursors, page sizes, call-route numbers,
  admin query and every field of an admin seed): clear 4xx or a faithful
  round trip, the database unchanged;
- a schemathesis *stateful* run (links inferred from the schema: list →
  get → patch → get, accounts → account) with more calls than the default suite.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from reliability_helpers import LONG
from sandbox_fixtures import (
    ACME_MANAGER,
    GLOBEX_OWNER,
    MEDIA_TYPE,
    Sandbox,
    api_headers,
    patch_body,
)
from schemathesis.specs.openapi.checks import positive_data_acceptance

from reconciler.sandbox.openapi import document

SENDERS = "/api/text-messaging-senders"
US_SENDER = "+18555550122"  # acme-us, forwards to +13125550100 in the demo seed


def routes(sid: str) -> list[tuple[str, str, Any]]:
    """Every /api/ route of the contract, with a body where it takes one."""
    call = {"data": {"type": "call-route", "attributes": {"from": "+13125550100", "to": US_SENDER}}}
    return [
        ("GET", SENDERS, None),
        ("GET", f"{SENDERS}/{sid}", None),
        ("PATCH", f"{SENDERS}/{sid}", patch_body(sid, "+13125550175")),
        ("GET", "/api/accounts", None),
        ("GET", "/api/accounts/acme-us", None),
        ("GET", "/api/me", None),
        ("GET", "/api/audit-events", None),
        ("POST", "/api/call-routes", call),
    ]


ROUTE_IDS = ["list", "get", "patch", "accounts", "account", "me", "audit", "route"]


def send(
    sandbox: Sandbox, method: str, path: str, body: Any, headers: dict[str, str]
) -> httpx.Response:
    content = None if body is None else json.dumps(body).encode()
    if content is not None:
        headers = {**headers, "Content-Type": MEDIA_TYPE}
    return sandbox.http.request(method, path, content=content, headers=headers)


@pytest.fixture
def before(sandbox: Sandbox) -> Iterator[dict[str, Any]]:
    """The state at the start; after the test, nothing may have changed."""
    state = sandbox.state()
    yield state
    assert sandbox.state() == state, "a hostile request changed the database"


# ------------------------------------------------------------------ keys


BAD_KEYS = {
    "missing": None,
    "wrong": "Klaviyo-API-Key pk_0123456789abcdef0123456789abcdef",
    "one-off": f"Klaviyo-API-Key {ACME_MANAGER[:-1]}X",
    "sql": "Klaviyo-API-Key ' OR '1'='1' --",
    "sql-union": "Klaviyo-API-Key x' UNION SELECT key_hash FROM users --",
}


@pytest.mark.parametrize("auth", list(BAD_KEYS), ids=list(BAD_KEYS))
def test_every_route_refuses_a_missing_or_wrong_key(
    sandbox: Sandbox, before: dict[str, Any], auth: str
) -> None:
    headers = api_headers(None)
    if BAD_KEYS[auth] is not None:
        headers["Authorization"] = BAD_KEYS[auth]
    for (method, path, body), name in zip(
        routes(sandbox.sender_id("acme-us", US_SENDER)), ROUTE_IDS, strict=True
    ):
        r = send(sandbox, method, path, body, headers)
        assert r.status_code == 401, (name, r.status_code, r.text)
        assert r.json()["errors"][0]["code"] in ("not_authenticated", "authentication_failed")
        if BAD_KEYS[auth]:
            assert BAD_KEYS[auth].split(" ", 1)[1] not in r.text, name
    assert sandbox.audit_events() == []


def test_another_accounts_key_sees_and_changes_nothing_of_this_account(
    sandbox: Sandbox, before: dict[str, Any]
) -> None:
    acme = {s["id"] for s in sandbox.senders("acme-us")}
    sid = sandbox.sender_id("acme-us", US_SENDER)
    headers = api_headers(GLOBEX_OWNER)
    answers = {
        name: send(sandbox, method, path, body, headers)
        for (method, path, body), name in zip(routes(sid), ROUTE_IDS, strict=True)
    }
    assert answers["get"].status_code == 404
    assert answers["patch"].status_code == 404
    assert answers["account"].status_code in (403, 404)
    assert answers["route"].status_code == 422
    assert answers["route"].json()["errors"][0]["code"] == "unknown_sender"
    listed = {s["id"] for s in answers["list"].json()["data"]}
    assert listed and not listed & acme
    assert answers["accounts"].json()["data"][0]["id"] == "globex"
    assert answers["me"].json()["data"]["attributes"]["account_id"] == "globex"
    for text in (answers["get"].text, answers["patch"].text):
        assert US_SENDER not in text and "acme" not in text  # indistinguishable from missing
    # The refused PATCH is globex's own call: recorded on globex, never on acme-us.
    assert sandbox.audit_events("acme-us") == []
    assert [e["status"] for e in sandbox.audit_events("globex")] == [404]


# ------------------------------------------------------------------ sizes


def test_oversized_bodies_on_every_route_that_takes_one(
    sandbox: Sandbox, before: dict[str, Any]
) -> None:
    sid = sandbox.sender_id("acme-us", US_SENDER)
    api = sandbox.client(ACME_MANAGER)
    big = {"meta": {"padding": "x" * 200_000}}
    for path, method, body in [
        (f"{SENDERS}/{sid}", "PATCH", {**patch_body(sid, None), **big}),
        ("/api/call-routes", "POST", {**routes(sid)[-1][2], **big}),
    ]:
        data = json.dumps(body).encode()
        r = api.request(method, path, content=data, headers={"Content-Type": MEDIA_TYPE})
        assert r.status_code == 413, (path, r.status_code)

        def chunks(data: bytes = data) -> Iterator[bytes]:  # no Content-Length
            for i in range(0, len(data), 16_384):
                yield data[i : i + 16_384]

        r = api.request(method, path, content=chunks(), headers={"Content-Type": MEDIA_TYPE})
        assert r.status_code == 413, (path, "chunked", r.status_code)
    # An admin seed is allowed up to 64 MiB; one a little over is refused without a 5xx.
    r = sandbox.http.post(
        "/_sandbox/reset",
        content=b'{"accounts": [], "x": "' + b"x" * (64 * 1024 * 1024 + 10) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413, r.status_code


@pytest.mark.parametrize(
    "what",
    ["path", "query", "if-match", "revision", "authorization", "many-headers", "many-params"],
)
def test_oversized_urls_and_headers_are_refused_without_a_5xx(
    sandbox: Sandbox, before: dict[str, Any], what: str
) -> None:
    sid = sandbox.sender_id("acme-us", US_SENDER)
    headers = api_headers(ACME_MANAGER)
    path, params = f"{SENDERS}/{sid}", None
    long = "9" * 20_000
    if what == "path":
        path = f"{SENDERS}/{long}"
    elif what == "query":
        path, params = SENDERS, {"page[cursor]": long}
    elif what == "if-match":
        headers["If-Match"] = f'"{long}"'
    elif what == "revision":
        headers["revision"] = f"2026-10-15.{long}"
    elif what == "authorization":
        headers["Authorization"] = f"Klaviyo-API-Key {long}"
    elif what == "many-headers":
        headers.update({f"X-Pad-{i}": "y" * 100 for i in range(300)})
    else:
        path, params = SENDERS, {f"p{i}": "z" for i in range(3000)}
    # A write where the oversized part should stop it; else a read (a long revision
    # suffix or many headers may rightly be served).
    write = what in ("path", "if-match", "authorization")
    body = json.dumps(patch_body(sid, "+13125550175")).encode()
    try:
        r = sandbox.http.request(
            "PATCH" if write else "GET",
            path,
            params=params,
            content=body if write else None,
            headers={**headers, "Content-Type": MEDIA_TYPE},
        )
    except (httpx.RemoteProtocolError, httpx.ReadError):
        return  # the HTTP layer closed the connection (FIN or reset): refused, nothing ran
    assert r.status_code < 500, (what, r.status_code, r.text[:300])
    if write or what == "query":
        assert 400 <= r.status_code < 500, (what, r.status_code)
    assert long not in r.text  # never echoed back
    assert sandbox.writes() == []


# ------------------------------------------------------------------ SQL


SQL = [
    "' OR '1'='1",
    "'; DROP TABLE senders; --",
    '" OR ""="',
    "1; SELECT * FROM users",
    "x' UNION SELECT key_hash, 1, 1 FROM users --",
    "%' --",
    "_",
    "\\'",
    "');DELETE FROM audit_events;--",
]


def _answers(sandbox: Sandbox, bad: str) -> list[tuple[str, httpx.Response]]:
    sid = sandbox.sender_id("acme-us", US_SENDER)
    api = sandbox.client(ACME_MANAGER)

    def call(frm: str, to: str) -> dict[str, Any]:
        return {"data": {"type": "call-route", "attributes": {"from": frm, "to": to}}}

    def body(**kw: Any) -> dict[str, Any]:
        doc = patch_body(sid, "+13125550175")
        doc["data"].update(kw.pop("data", {}))
        doc["data"]["attributes"].update(kw)
        return doc

    quoted = httpx.URL(SENDERS).copy_with(path=f"{SENDERS}/{bad}").raw_path.decode()
    return [
        ("get id", api.get(quoted)),
        ("patch id", api.patch(quoted, json=patch_body(bad, None))),
        (
            "account id",
            api.get(httpx.URL("/api/accounts/x").copy_with(path=f"/api/accounts/{bad}")),
        ),
        ("forwarding_number", api.patch(f"{SENDERS}/{sid}", json=body(forwarding_number=bad))),
        ("data.id", api.patch(f"{SENDERS}/{sid}", json=body(data={"id": bad}))),
        ("data.type", api.patch(f"{SENDERS}/{sid}", json=body(data={"type": bad}))),
        ("unknown attribute", api.patch(f"{SENDERS}/{sid}", json=body(**{bad: "1"}))),
        ("if-match", api.patch(f"{SENDERS}/{sid}", json=body(), headers={"If-Match": bad})),
        ("revision", api.get(SENDERS, headers={"revision": bad})),
        ("cursor", api.get(SENDERS, params={"page[cursor]": bad})),
        ("page size", api.get(SENDERS, params={"page[size]": bad})),
        ("audit cursor", api.get("/api/audit-events", params={"page[cursor]": bad})),
        ("audit size", api.get("/api/audit-events", params={"page[size]": bad})),
        ("route from", api.post("/api/call-routes", json=call(bad, US_SENDER))),
        ("route to", api.post("/api/call-routes", json=call("+13125550100", bad))),
        ("admin account", sandbox.http.get("/_sandbox/audit-events", params={"account": bad})),
    ]


@pytest.mark.parametrize("bad", SQL)
def test_sql_metacharacters_in_every_field_are_plain_text(
    sandbox: Sandbox, before: dict[str, Any], bad: str
) -> None:
    for name, r in _answers(sandbox, bad):
        assert r.status_code < 500, (name, r.status_code, r.text[:300])
        if name == "admin account":
            assert r.status_code == 200 and r.json() == {"events": []}
        else:
            assert 400 <= r.status_code < 500, (name, r.status_code, r.text[:300])
    assert sandbox.writes() == []  # every PATCH above was refused
    listed = sandbox.client(ACME_MANAGER).get(SENDERS, params={"page[size]": "20"}).json()
    assert len(listed["data"]) == len(before["accounts"][0]["senders"])


@pytest.mark.parametrize("bad", SQL)
def test_sql_metacharacters_in_a_seed_are_stored_as_text_or_refused(
    sandbox: Sandbox, bad: str
) -> None:
    seed = {
        "accounts": [
            {
                "id": bad,
                "name": bad,
                "users": [
                    {
                        "email": f"{bad}@x.example",
                        "role": "owner",
                        "api_key": f"k-{bad}",
                        "scopes": ["sender-config:read", "sender-config:write", "accounts:read"],
                    },
                ],
                "senders": [{"number": "+18335550100", "type": "toll_free", "country": "US"}],
            }
        ]
    }
    r = sandbox.http.post("/_sandbox/reset", json=seed)
    assert r.status_code in (200, 400), (r.status_code, r.text[:300])
    if r.status_code == 400:
        assert r.json()["errors"][0]["code"] == "invalid_seed"
        assert f"k-{bad}" not in r.text  # keys are never echoed
    else:
        (acct,) = sandbox.state()["accounts"]
        assert (acct["id"], acct["name"]) == (bad, bad)
        me = sandbox.client(f"k-{bad}").get("/api/me")
        assert me.status_code == 200 and me.json()["data"]["attributes"]["account_id"] == bad
    for field in ("number", "forward_to", "id", "created_at", "type", "country", "status"):
        broken = json.loads(json.dumps(seed))
        broken["accounts"][0]["id"] = "plain"
        broken["accounts"][0]["senders"][0][field] = bad
        r = sandbox.http.post("/_sandbox/reset", json=broken)
        assert r.status_code in (200, 400), (field, r.status_code, r.text[:300])
    sandbox.reset()  # the database still takes a normal seed
    assert sandbox.sender("acme-us", US_SENDER)["forward_to"] == "+13125550100"


# ------------------------------------------------------------------ schemathesis


STATEFUL_EXAMPLES = 300 if LONG else 30  # scenarios of up to 8 calls: ~240 calls
_config = schemathesis.Config.from_dict(
    {
        "auth": {"openapi": {"Klaviyo-API-Key": {"api_key": f"Klaviyo-API-Key {ACME_MANAGER}"}}},
    }
)
_workflow = schemathesis.openapi.from_dict(document(), config=_config).as_state_machine()


def test_a_stateful_schemathesis_run_finds_no_5xx_and_no_nonconforming_answer(
    sandbox: Sandbox,
) -> None:
    calls: list[tuple[str, int]] = []

    class Workflow(_workflow):  # type: ignore[misc,valid-type]
        def setup(self) -> None:
            sandbox.reset()  # each scenario starts from the demo seed

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"base_url": sandbox.url}

        def validate_response(self, response: Any, case: Any, *a: Any, **kw: Any) -> None:
            calls.append((case.operation.label, response.status_code))
            assert response.status_code < 500, (case.operation.label, response.text[:300])
            case.validate_response(response, excluded_checks=[positive_data_acceptance])

    Workflow.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    # The links were followed: real ids reached the id routes, and some writes succeeded.
    ok = {label for label, status in calls if status == 200}
    assert any(label.startswith("GET /api/text-messaging-senders/{sender_id}") for label in ok), (
        sorted(set(calls))
    )
    assert "PATCH /api/text-messaging-senders/{sender_id}" in {label for label, _ in calls}
    assert len(calls) > 25 * 8  # more calls than the default suite makes
