"""The local settings API through a real server process: reads, writes, errors, call routing."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from sandbox_fixtures import (
    ACME_ANALYST,
    ACME_MANAGER,
    GLOBEX_OWNER,
    MEDIA_TYPE,
    Sandbox,
    api_headers,
    key_for,
    patch_body,
)

SENDERS = "/api/text-messaging-senders"
CANADA = (
    "calls from Canadian area codes are not forwarded; the line rings until the caller hangs up"
)


def error_of(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"] == MEDIA_TYPE
    body = response.json()
    (err,) = body["errors"]
    assert set(err) >= {"id", "status", "code", "title", "detail", "source"}
    assert err["status"] == response.status_code
    return dict(err)


def all_pages(api: httpx.Client, path: str, size: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    url: str | None = f"{path}?page[size]={size}"
    while url:
        r = api.get(url)
        assert r.status_code == 200, r.text
        assert len(r.json()["data"]) <= size
        items += r.json()["data"]
        url = r.json()["links"]["next"]
    return items


# -- reads ---------------------------------------------------------------------------


def test_list_shows_the_keys_account_only_with_vendor_shaped_resources(sandbox: Sandbox) -> None:
    r = sandbox.client(ACME_MANAGER).get(SENDERS)
    assert r.status_code == 200
    assert r.headers["content-type"] == MEDIA_TYPE
    doc = r.json()
    assert len(doc["data"]) == 9  # default page size 10, acme has 9 (one pending, no number)
    assert doc["links"]["next"] is None
    first = doc["data"][0]
    assert first["type"] == "text-messaging-sender"
    assert first["attributes"] == {
        "sender_identifier": "+18335550100",
        "sender_type": "toll_free",
        "sender_details": {"country": "US"},
        "status": "active",
        "forwarding_number": "+12125550199",
        "created_at": "2026-01-01T00:00:00Z",
    }
    assert first["links"]["self"] == f"{sandbox.url}{SENDERS}/{first['id']}"
    assert first["meta"]["etag"].startswith('"')
    rel = first["relationships"]["text-messaging-sender-registration"]
    assert rel["data"]["type"] == "text-messaging-sender-registration"
    assert rel["links"]["related"] == f"{first['links']['self']}/text-messaging-sender-registration"
    opaque = sandbox.client("sandbox-initech-admin").get(SENDERS).json()["data"]
    pending = [d for d in opaque if d["attributes"]["sender_identifier"] is None]
    assert [p["attributes"]["status"] for p in pending] == ["pending_registration"]
    numbers = {
        (d["attributes"]["sender_identifier"], d["attributes"]["sender_details"]["country"])
        for d in doc["data"]
    }
    assert ("+18335550100", "CA") in numbers and ("24680", "US") in numbers
    assert ("+18885550160", "US") not in numbers  # globex's


def test_pagination_walks_every_sender_once_in_a_stable_order(sandbox: Sandbox) -> None:
    sandbox.reset(sandbox.make_seed(accounts=2, senders=47))
    api = sandbox.client(key_for("acct", 1))
    by_3 = all_pages(api, SENDERS, 3)
    by_20 = all_pages(api, SENDERS, 20)
    assert len(by_3) == 47 == len({d["id"] for d in by_3})
    assert [d["id"] for d in by_3] == [d["id"] for d in by_20]
    first = api.get(SENDERS, params={"page[size]": 20}).json()
    assert first["links"]["self"] == f"{sandbox.url}{SENDERS}?page%5Bsize%5D=20"
    assert first["links"]["next"].startswith(f"{sandbox.url}{SENDERS}?")
    assert api.get(SENDERS).json()["links"]["next"] is not None  # default size 10 < 47


@pytest.mark.parametrize("size", ["0", "21", "-1", "abc", "1.5", ""])
def test_page_size_outside_1_to_20_is_a_400_naming_the_parameter(
    sandbox: Sandbox, size: str
) -> None:
    r = sandbox.client().get(SENDERS, params={"page[size]": size})
    assert r.status_code == 400
    assert error_of(r)["source"] == {"parameter": "page[size]"}


@pytest.mark.parametrize("cursor", ["nope", "Yzk5OTk5OTk5OTk5OTk5OTk5OTk5OQ!", "x" * 201, "eA"])
def test_a_cursor_the_api_did_not_give_out_is_a_400(sandbox: Sandbox, cursor: str) -> None:
    r = sandbox.client().get(SENDERS, params={"page[cursor]": cursor})
    assert r.status_code == 400
    assert error_of(r)["source"] == {"parameter": "page[cursor]"}


def test_get_one_sender_carries_its_etag(sandbox: Sandbox) -> None:
    sid = sandbox.sender_id("acme-us", "+18555550122")
    r = sandbox.client(ACME_ANALYST).get(f"{SENDERS}/{sid}")
    assert r.status_code == 200
    assert (
        r.headers["etag"]
        == r.json()["data"]["meta"]["etag"]
        == sandbox.sender("acme-us", "+18555550122")["etag"]
    )
    assert r.json()["data"]["attributes"]["forwarding_number"] == "+13125550100"


@pytest.mark.parametrize(
    "sid", ["NOSUCHSENDER", "a/b", "%00", "x" * 65, "'; DROP TABLE senders; --"]
)
def test_unknown_sender_is_a_404(sandbox: Sandbox, sid: str) -> None:
    r = sandbox.client().get(f"{SENDERS}/{httpx.URL(sid).raw_path.decode()}")
    assert r.status_code == 404
    error_of(r)


def test_another_accounts_sender_is_a_404_like_a_missing_one(sandbox: Sandbox) -> None:
    globex_sid = sandbox.sender_id("globex", "+18885550160")
    api = sandbox.client(ACME_MANAGER)
    r = api.get(f"{SENDERS}/{globex_sid}")
    missing = api.get(f"{SENDERS}/ZZZZZZZZZZZZZZZZZZZZZZZZZZ")
    assert r.status_code == missing.status_code == 404
    assert error_of(r)["code"] == error_of(missing)["code"] == "not_found"
    w = api.patch(f"{SENDERS}/{globex_sid}", json=patch_body(globex_sid, "+14155550123"))
    assert w.status_code == 404
    assert sandbox.sender("globex", "+18885550160")["forward_to"] is None


def test_accounts_and_me_describe_the_key(sandbox: Sandbox) -> None:
    api = sandbox.client(GLOBEX_OWNER)
    accounts = api.get("/api/accounts").json()
    assert [
        (a["type"], a["id"], a["attributes"]["contact_information"]["organization_name"])
        for a in accounts["data"]
    ] == [("account", "globex", "Globex Corp")]
    assert api.get(accounts["data"][0]["links"]["self"]).json()["data"]["id"] == "globex"
    assert api.get("/api/accounts/acme-us").status_code == 404
    me = api.get("/api/me").json()["data"]
    assert me["type"] == "user"
    assert me["attributes"] == {
        "email": "hank@globex.example",
        "role": "owner",
        "scopes": ["accounts:read", "sender-config:read", "sender-config:write"],
        "account_id": "globex",
        "key_id": me["id"],
    }
    assert len(me["id"]) == 8 and GLOBEX_OWNER not in json.dumps(me)


# -- writes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("(212) 555-0142", "+12125550142"),
        ("+1 212 555 0142", "+12125550142"),
        ("1-212-555-0142", "+12125550142"),
        ("212.555.0142", "+12125550142"),
    ],
)
def test_patch_accepts_any_common_format_and_stores_e164(
    sandbox: Sandbox, written: str, stored: str
) -> None:
    sid = sandbox.sender_id("acme-us", "+18445550111")
    before = sandbox.sender("acme-us", "+18445550111")["etag"]
    r = sandbox.client().patch(f"{SENDERS}/{sid}", json=patch_body(sid, written))
    assert r.status_code == 200, r.text
    assert r.json()["data"]["attributes"]["forwarding_number"] == stored
    assert r.headers["etag"] != before
    assert r.headers["etag"] == r.json()["data"]["meta"]["etag"]
    assert sandbox.sender("acme-us", "+18445550111")["forward_to"] == stored


def test_patch_null_removes_forwarding(sandbox: Sandbox) -> None:
    sid = sandbox.sender_id("acme-us", "+18665550133")
    r = sandbox.client().patch(f"{SENDERS}/{sid}", json=patch_body(sid, None))
    assert r.status_code == 200
    assert r.json()["data"]["attributes"]["forwarding_number"] is None
    assert sandbox.sender("acme-us", "+18665550133")["forward_to"] is None


def test_setting_the_same_value_changes_nothing_but_is_recorded(sandbox: Sandbox) -> None:
    sid = sandbox.sender_id("acme-us", "+18335550100")
    etag = sandbox.sender("acme-us", "+18335550100")["etag"]
    r = sandbox.client().patch(f"{SENDERS}/{sid}", json=patch_body(sid, "+1 212 555 0199"))
    assert r.status_code == 200
    assert r.headers["etag"] == etag
    (event,) = sandbox.audit_events("acme-us")
    assert (event["before"], event["after"], event["outcome"], event["status"]) == (
        "+12125550199",
        "+12125550199",
        "unchanged",
        200,
    )


def test_if_match_guards_against_lost_updates(sandbox: Sandbox) -> None:
    sid = sandbox.sender_id("acme-us", "+18555550122")
    api = sandbox.client()
    etag = api.get(f"{SENDERS}/{sid}").headers["etag"]
    first = api.patch(
        f"{SENDERS}/{sid}", json=patch_body(sid, "+13125550175"), headers={"If-Match": etag}
    )
    assert first.status_code == 200
    stale = api.patch(
        f"{SENDERS}/{sid}", json=patch_body(sid, "+13125550100"), headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    assert error_of(stale)["code"] == "precondition_failed"
    assert sandbox.sender("acme-us", "+18555550122")["forward_to"] == "+13125550175"
    fresh = first.headers["etag"]
    for header in ("*", f'"other", {fresh}', fresh.strip('"')):
        r = api.patch(
            f"{SENDERS}/{sid}", json=patch_body(sid, "+13125550175"), headers={"If-Match": header}
        )
        assert r.status_code == 200, header
    weak = api.patch(
        f"{SENDERS}/{sid}", json=patch_body(sid, None), headers={"If-Match": f"W/{fresh}"}
    )
    assert weak.status_code == 412


@pytest.mark.parametrize(
    ("number", "country", "problem"),
    [
        ("+18335550100", "CA", "outside-us"),
        ("24680", "US", "short-code"),
        ("+14165550100", "CA", "outside-us"),
    ],
)
def test_senders_that_cannot_forward_are_a_422(
    sandbox: Sandbox, number: str, country: str, problem: str
) -> None:
    sid = sandbox.sender_id("acme-us", number, country)
    r = sandbox.client().patch(f"{SENDERS}/{sid}", json=patch_body(sid, "+12125550142"))
    assert r.status_code == 422
    err = error_of(r)
    assert err["code"] == "sender_cannot_forward"
    assert err["source"] == {"pointer": "/data/attributes/forwarding_number"}
    assert err["meta"] == {"problem": problem}
    assert sandbox.sender("acme-us", number, country)["forward_to"] is None


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("+44 20 7946 0958", "outside-us"),
        ("+1 416 555 0100", "outside-us"),
        ("+1 900 555 0100", "premium-rate"),
        ("12345", "short-code"),
        ("+1 855 555 0122", "loop"),
        ("555-CALL-NOW", "letters"),
        ("２１２５５５０１４２", "hidden-character"),
        ("", "not-a-number"),
    ],
)
def test_forwarding_numbers_break_the_shared_rules_are_a_422(
    sandbox: Sandbox, number: str, problem: str
) -> None:
    sid = sandbox.sender_id("acme-us", "+18555550122")
    r = sandbox.client().patch(f"{SENDERS}/{sid}", json=patch_body(sid, number))
    assert r.status_code == 422, r.text
    err = error_of(r)
    assert (err["code"], err["meta"]["problem"]) == ("invalid_forwarding_number", problem)
    assert err["source"] == {"pointer": "/data/attributes/forwarding_number"}
    assert sandbox.sender("acme-us", "+18555550122")["forward_to"] == "+13125550100"


def _raw_patch(
    sandbox: Sandbox, body: bytes, content_type: str | None = MEDIA_TYPE
) -> httpx.Response:
    sid = sandbox.sender_id("acme-us", "+18555550122")
    headers = {"Content-Type": content_type} if content_type else {}
    return sandbox.client().patch(f"{SENDERS}/{sid}", content=body, headers=headers)


def _doc(**data: object) -> bytes:
    return json.dumps({"data": data}).encode()


SENDER_TYPE = "text-messaging-sender"
FWD = "/data/attributes/forwarding_number"


@pytest.mark.parametrize(
    ("body", "status", "source"),
    [
        (b"{not json", 400, {}),
        (b"", 400, {}),
        (b"[]", 400, {"pointer": ""}),
        (b'{"data": 1}', 400, {"pointer": "/data"}),
        (_doc(id="X", attributes={}), 400, {"pointer": "/data/type"}),
        (_doc(type="account", id="X", attributes={}), 409, {"pointer": "/data/type"}),
        (
            _doc(type=SENDER_TYPE, id="OTHER", attributes={"forwarding_number": None}),
            409,
            {"pointer": "/data/id"},
        ),
        (
            _doc(type=SENDER_TYPE, attributes={"forwarding_number": None}),
            400,
            {"pointer": "/data/id"},
        ),
        (_doc(type=SENDER_TYPE, id="@ID@", attributes={}), 400, {"pointer": FWD}),
        (
            _doc(type=SENDER_TYPE, id="@ID@", attributes={"forwarding_number": 2125550142}),
            400,
            {"pointer": FWD},
        ),
        (
            _doc(type=SENDER_TYPE, id="@ID@", attributes={"status": "active"}),
            400,
            {"pointer": "/data/attributes/status"},
        ),
        (
            _doc(type=SENDER_TYPE, id="@ID@", attributes={"forwarding_number": None, "x/y": 1}),
            400,
            {"pointer": "/data/attributes/x~1y"},
        ),
        (
            _doc(type=SENDER_TYPE, id="@ID@", attributes={"forwarding_number": "\ud800"}),
            422,
            {"pointer": FWD},
        ),
        (b"[" * 10_000 + b"]" * 10_000, 400, {}),
    ],
)
def test_malformed_documents_are_clear_4xx_errors(
    sandbox: Sandbox, body: bytes, status: int, source: dict[str, str]
) -> None:
    sid = sandbox.sender_id("acme-us", "+18555550122")
    r = _raw_patch(sandbox, body.replace(b"@ID@", sid.encode()))
    assert r.status_code == status, r.text
    assert error_of(r)["source"] == source
    assert sandbox.sender("acme-us", "+18555550122")["forward_to"] == "+13125550100"


@pytest.mark.parametrize(
    "ctype", ["text/plain", "application/x-www-form-urlencoded", None, "application/xml"]
)
def test_wrong_content_type_is_a_415(sandbox: Sandbox, ctype: str | None) -> None:
    sid = sandbox.sender_id("acme-us", "+18555550122")
    r = _raw_patch(sandbox, json.dumps(patch_body(sid, None)).encode(), ctype)
    assert r.status_code == 415
    assert error_of(r)["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "ctype", [MEDIA_TYPE, "application/json", "application/json; charset=utf-8"]
)
def test_both_json_media_types_are_accepted(sandbox: Sandbox, ctype: str) -> None:
    sid = sandbox.sender_id("acme-us", "+18555550122")
    r = _raw_patch(sandbox, json.dumps(patch_body(sid, None)).encode(), ctype)
    assert r.status_code == 200


def test_bodies_over_64_kib_are_a_413(sandbox: Sandbox) -> None:
    sid = sandbox.sender_id("acme-us", "+18555550122")
    doc = patch_body(sid, None)
    doc["meta"] = {"padding": "x" * 70_000}
    r = _raw_patch(sandbox, json.dumps(doc).encode())
    assert r.status_code == 413
    assert error_of(r)["code"] == "payload_too_large"

    def chunks() -> Any:  # no Content-Length: the limit holds while streaming too
        yield json.dumps(doc).encode()

    r = sandbox.client().patch(
        f"{SENDERS}/{sid}", content=chunks(), headers={"Content-Type": MEDIA_TYPE}
    )
    assert r.status_code == 413


# -- headers and keys ---------------------------------------------------------------


@pytest.mark.parametrize("revision", [None, "", "latest", "2026/10/15", "15-10-2026"])
def test_missing_or_malformed_revision_is_a_400(sandbox: Sandbox, revision: str | None) -> None:
    headers = {"Authorization": f"Klaviyo-API-Key {ACME_MANAGER}"}
    if revision is not None:
        headers["revision"] = revision
    r = sandbox.http.get(SENDERS, headers=headers)
    assert r.status_code == 400
    assert error_of(r)["source"] == {"header": "revision"}


def test_revision_with_a_suffix_is_accepted(sandbox: Sandbox) -> None:
    r = sandbox.client(headers={"revision": "2026-07-15.pre"}).get(SENDERS)
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "not_authenticated"),
        ("", "not_authenticated"),
        (f"Bearer {ACME_MANAGER}", "authentication_failed"),
        ("Klaviyo-API-Key", "authentication_failed"),
        ("Klaviyo-API-Key sandbox-acme-managerX", "authentication_failed"),
        ("Klaviyo-API-Key sandbox-acme-manage", "authentication_failed"),
        ("Klaviyo-API-Key pk_live_0123456789abcdef", "authentication_failed"),
    ],
)
def test_missing_or_wrong_key_is_a_401_that_never_echoes_the_key(
    sandbox: Sandbox, authorization: str | None, code: str
) -> None:
    headers = api_headers(None)
    if authorization is not None:
        headers["Authorization"] = authorization
    for method, path in [
        ("GET", SENDERS),
        ("GET", "/api/me"),
        ("GET", "/api/accounts"),
        ("POST", "/api/call-routes"),
    ]:
        r = sandbox.http.request(method, path, headers=headers)
        assert r.status_code == 401
        assert error_of(r)["code"] == code
        if authorization:
            assert (
                authorization.split()[-1] not in r.text
                or authorization.split()[-1] == "Klaviyo-API-Key"
            )
    assert not sandbox.audit_events()


def test_scheme_name_is_case_insensitive(sandbox: Sandbox) -> None:
    r = sandbox.http.get(
        "/api/me", headers={**api_headers(None), "Authorization": f"klaviyo-api-key {ACME_MANAGER}"}
    )
    assert r.status_code == 200


def test_unknown_routes_and_methods_are_json_api_errors(sandbox: Sandbox) -> None:
    api = sandbox.client()
    assert error_of(api.get("/api/nope"))["code"] == "not_found"
    r = api.delete(f"{SENDERS}/{sandbox.sender_id('acme-us', '+18555550122')}")
    assert r.status_code == 405
    assert error_of(r)["code"] == "method_not_allowed"
    assert set(r.headers["allow"].split(", ")) >= {"GET", "PATCH"}
    assert api.post(SENDERS, json={}).status_code == 405


def test_admin_endpoints_do_not_exist_without_admin() -> None:
    from reconciler.sandbox.app import create_app
    from reconciler.sandbox.store import Store

    async def calls() -> list[httpx.Response]:
        app = create_app(Store(":memory:"), rate_limit=None, admin=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
            return [await http.post("/_sandbox/reset", json={}), await http.get("/_sandbox/state")]

    for r in asyncio.run(calls()):
        assert r.status_code == 404
        assert error_of(r)["code"] == "not_found"


# -- audit log -----------------------------------------------------------------------


def test_audit_events_record_every_write_in_order_without_keys(sandbox: Sandbox) -> None:
    api = sandbox.client(ACME_MANAGER)
    a = sandbox.sender_id("acme-us", "+18445550111")
    b = sandbox.sender_id("acme-us", "+18665550133")
    api.patch(f"{SENDERS}/{a}", json=patch_body(a, "(212) 555-0142"))
    api.patch(f"{SENDERS}/{b}", json=patch_body(b, None))
    api.patch(f"{SENDERS}/{b}", json=patch_body(b, "+44 20 7946 0958"))
    sandbox.client(ACME_ANALYST).patch(f"{SENDERS}/{a}", json=patch_body(a, None))
    events = all_pages(sandbox.client(ACME_ANALYST), "/api/audit-events", 2)
    attrs = [e["attributes"] for e in events]
    assert [
        (e["sender_id"], e["before"], e["after"], e["status"], e["outcome"]) for e in attrs
    ] == [
        (a, None, "+12125550142", 200, "updated"),
        (b, "+16175550100", None, 200, "updated"),
        (b, None, None, 422, "rejected"),
        (a, "+12125550142", "+12125550142", 403, "forbidden"),
    ]
    assert [e["sender_identifier"] for e in attrs] == [
        "+18445550111",
        "+18665550133",
        "+18665550133",
        "+18445550111",
    ]
    assert all(
        e["account_id"] == "acme-us" and len(e["key_id"]) == 8 and e["method"] == "PATCH"
        for e in attrs
    )
    assert attrs[0]["key_id"] != attrs[3]["key_id"]
    assert int(events[0]["id"]) < int(events[1]["id"])
    text = json.dumps(events) + json.dumps(sandbox.audit_events())
    assert ACME_MANAGER not in text and ACME_ANALYST not in text
    # scoped to the key's account
    assert sandbox.client(GLOBEX_OWNER).get("/api/audit-events").json()["data"] == []
    assert sandbox.client().get("/api/audit-events", params={"page[size]": 101}).status_code == 400


# -- call routing --------------------------------------------------------------------


def route(sandbox: Sandbox, caller: str, to: str, key: str = ACME_ANALYST) -> httpx.Response:
    body = {"data": {"type": "call-route", "attributes": {"from": caller, "to": to}}}
    return sandbox.client(key).post("/api/call-routes", json=body)


@pytest.mark.parametrize(
    ("caller", "to", "outcome", "forwarded_to", "reason"),
    [
        ("+1 312 555 0100", "+1 (833) 555-0100", "forwarded", "+12125550199", None),
        ("(206) 555-0100", "833-555-0100", "forwarded", "+12125550199", None),
        ("+1 416 555 0100", "+18335550100", "ringing", None, CANADA),
        ("+1 604 555 0100", "+18555550122", "ringing", None, CANADA),
        ("+1 312 555 0100", "+18445550111", "ringing", None, "no forwarding number is set"),
        ("+1 312 555 0100", "24680", "ringing", None, "short code"),
        ("+1 312 555 0100", "+14165550100", "ringing", None, "outside the US"),
        ("+44 20 7946 0958", "+18335550100", "ringing", None, "outside the US (GB)"),
    ],
)
def test_call_routing_forwards_us_callers_and_rings_for_canadian_ones(
    sandbox: Sandbox,
    caller: str,
    to: str,
    outcome: str,
    forwarded_to: str | None,
    reason: str | None,
) -> None:
    r = route(sandbox, caller, to)
    assert r.status_code == 200, r.text
    attrs = r.json()["data"]["attributes"]
    assert r.json()["data"]["type"] == "call-route"
    assert (attrs["outcome"], attrs["forwarded_to"]) == (outcome, forwarded_to)
    if reason is None:
        assert attrs["reason"] is None
    else:
        assert reason in attrs["reason"]


def test_call_routing_follows_a_forwarding_change(sandbox: Sandbox) -> None:
    sid = sandbox.sender_id("acme-us", "+18445550111")
    assert (
        route(sandbox, "+13125550100", "+18445550111").json()["data"]["attributes"]["outcome"]
        == "ringing"
    )
    sandbox.client().patch(f"{SENDERS}/{sid}", json=patch_body(sid, "(212) 555-0142"))
    attrs = route(sandbox, "+13125550100", "+18445550111").json()["data"]["attributes"]
    assert (attrs["outcome"], attrs["forwarded_to"], attrs["sender_id"]) == (
        "forwarded",
        "+12125550142",
        sid,
    )


@pytest.mark.parametrize(
    ("caller", "to", "pointer", "code"),
    [
        ("not a number", "+18335550100", "/data/attributes/from", "invalid"),
        ("+13125550100", "nope", "/data/attributes/to", "invalid"),
        ("+13125550100", "+18885550160", "/data/attributes/to", "unknown_sender"),  # globex's
    ],
)
def test_call_routing_input_errors_are_422(
    sandbox: Sandbox, caller: str, to: str, pointer: str, code: str
) -> None:
    r = route(sandbox, caller, to)
    assert r.status_code == 422
    err = error_of(r)
    assert (err["source"], err["code"]) == ({"pointer": pointer}, code)


def test_metrics_count_requests_per_route_template_and_account(sandbox: Sandbox) -> None:
    api = sandbox.client(ACME_MANAGER)
    sid = sandbox.sender_id("acme-us", "+18555550122")
    api.get(SENDERS)
    api.get(SENDERS, params={"page[size]": 2})
    api.patch(f"{SENDERS}/{sid}", json=patch_body(sid, None))
    sandbox.client(GLOBEX_OWNER).get("/api/me")
    sandbox.state()  # admin requests are not counted
    assert sandbox.count(method="GET", route=SENDERS, account="acme-us") == 2
    assert sandbox.count(method="PATCH", route=f"{SENDERS}/{{sender_id}}") == 1
    assert sandbox.count(account="globex") == 1
    assert sandbox.metrics()["total"] == 4
    sandbox.reset_metrics()
    assert sandbox.count() == 0


def test_an_unexpected_error_is_a_json_api_500_without_details() -> None:
    # No input reaches this path (schemathesis checks that); a route that fails on
    # purpose shows what a bug would look like to a client.
    from reconciler.sandbox.app import create_app
    from reconciler.sandbox.store import Store

    app = create_app(Store(":memory:"), rate_limit=None, admin=False)

    async def boom() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/api/boom", boom)

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            return await client.get("/api/boom")

    r = asyncio.run(get())
    assert r.status_code == 500
    err = error_of(r)
    assert err["code"] == "server_error" and "secret internals" not in r.text
