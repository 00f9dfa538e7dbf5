"""The UI route (a person's change in the vendor's UI) and the published flag of the metrics."""

from __future__ import annotations

import pytest
from sandbox_fixtures import ACME_MANAGER, MEDIA_TYPE, Sandbox, ServerFactory, patch_body

SENDERS = "/api/text-messaging-senders"
NUMBER = "+18555550122"  # acme-us, US toll-free, forwards to +13125550100 in the demo seed
UI = "/_sandbox/ui/senders/{}/forwarding"


def _published_value(sandbox: Sandbox, number: str = NUMBER) -> str | None:
    sid = sandbox.sender_id("acme-us", number)
    attrs = sandbox.client().get(f"{SENDERS}/{sid}").json()["data"]["attributes"]
    value = attrs["forwarding_number"]
    return None if value is None else str(value)


def test_a_person_sets_edits_and_deletes_on_a_published_only_server(
    published_sandbox: Sandbox,
) -> None:
    box = published_sandbox
    sid = box.sender_id("acme-us", NUMBER)
    assert box.client().patch(f"{SENDERS}/{sid}", json=patch_body(sid, None)).status_code == 405

    edited = box.ui_set_forwarding("acme-us", NUMBER, "(212) 555-0175")  # as typed in the UI
    assert edited["outcome"] == "updated" and edited["account"] == "acme-us"
    assert edited["sender"]["forward_to"] == "+12125550175"
    assert _published_value(box) == "+12125550175"  # the published read shows it

    assert box.ui_set_forwarding("acme-us", NUMBER, None)["sender"]["forward_to"] is None
    assert _published_value(box) is None
    unset = "+18445550111"  # no forwarding in the seed
    assert box.ui_set_forwarding("acme-us", unset, "+16175550100")["outcome"] == "updated"
    assert box.ui_set_forwarding("acme-us", unset, "+16175550100")["outcome"] == "unchanged"

    events = box.audit_events("acme-us")
    assert [(e["by"], e["key_id"], e["before"], e["after"], e["outcome"]) for e in events] == [
        ("ui", "-", "+13125550100", "+12125550175", "updated"),
        ("ui", "-", "+12125550175", None, "updated"),
        ("ui", "-", None, "+16175550100", "updated"),
        ("ui", "-", "+16175550100", "+16175550100", "unchanged"),
    ]
    assert box.metrics()["total"] == 3  # the PATCH and two reads: admin and UI routes are not


def test_the_ui_and_the_api_write_the_same_audit_log(sandbox: Sandbox) -> None:
    sid = sandbox.sender_id("acme-us", NUMBER)
    r = sandbox.client(ACME_MANAGER).patch(f"{SENDERS}/{sid}", json=patch_body(sid, None))
    assert r.status_code == 200
    etag = r.headers["etag"]
    after = sandbox.ui_set_forwarding("acme-us", NUMBER, "+12125550175")
    assert after["sender"]["etag"] != etag  # a UI change makes earlier reads stale, too
    stale = sandbox.client().patch(
        f"{SENDERS}/{sid}", json=patch_body(sid, None), headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    assert [e["by"] for e in sandbox.audit_events("acme-us")] == ["api", "ui", "api"]
    api_events = sandbox.client().get("/api/audit-events").json()["data"]
    assert [e["attributes"]["by"] for e in api_events] == ["api", "ui", "api"]


@pytest.mark.parametrize(
    ("number", "value", "status", "code", "problem"),
    [
        (NUMBER, "+44 20 7946 0958", 422, "invalid_forwarding_number", "outside-us"),
        (NUMBER, "not a number", 422, "invalid_forwarding_number", "letters"),
        (NUMBER, "+18555550122", 422, "invalid_forwarding_number", "loop"),
        (NUMBER, "+18665550133", 422, "invalid_forwarding_number", "chain"),
        ("+18335550100", "+12125550175", 422, "sender_cannot_forward", "outside-us"),  # CA
        ("24680", "+12125550175", 422, "sender_cannot_forward", None),  # a short code
    ],
)
def test_the_ui_refuses_what_the_api_refuses(
    sandbox: Sandbox, number: str, value: str, status: int, code: str, problem: str | None
) -> None:
    country = "CA" if number == "+18335550100" else "US"
    sid = sandbox.sender_id("acme-us", number, country)
    before = sandbox.state()
    r = sandbox.http.put(UI.format(sid), json={"forwarding_number": value})
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == MEDIA_TYPE
    (err,) = r.json()["errors"]
    assert err["code"] == code
    if problem is not None:
        assert err["meta"]["problem"] == problem
    assert sandbox.state() == before and sandbox.audit_events() == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"forwarding_number": 5},
        {"forward_to": "+12125550175"},
        [],
        "x",
        {"forwarding_number": "1" * 101},
    ],
)
def test_a_bad_ui_body_is_a_400(sandbox: Sandbox, body: object) -> None:
    sid = sandbox.sender_id("acme-us", NUMBER)
    r = sandbox.http.put(UI.format(sid), json=body)
    assert r.status_code == 400, r.text
    assert sandbox.audit_events() == []


def test_an_unknown_sender_is_a_404(sandbox: Sandbox) -> None:
    r = sandbox.http.put(UI.format("NOPE"), json={"forwarding_number": None})
    assert r.status_code == 404 and "NOPE" in r.json()["errors"][0]["detail"]


def test_the_ui_route_needs_admin(server_factory: ServerFactory) -> None:
    server = server_factory("--published-only")
    with server.client() as api:
        r = api.put(UI.format("x"), json={"forwarding_number": None})
    assert r.status_code == 404


def test_metrics_say_which_requests_were_published(published_sandbox: Sandbox) -> None:
    box = published_sandbox
    api = box.client()
    sid = box.sender_id("acme-us", NUMBER)
    assert api.get(SENDERS).status_code == 200
    assert api.get("/api/accounts").status_code == 200
    assert api.get(f"{SENDERS}/{sid}").status_code == 200
    assert box.unpublished_requests() == []
    assert box.metrics()["unpublished"] == 0

    assert api.get("/api/me").status_code == 404  # an extension: not served here
    assert api.options(f"{SENDERS}/{sid}").status_code == 204  # the probe: not published
    assert api.patch(f"{SENDERS}/{sid}", json=patch_body(sid, None)).status_code == 405
    rows = {(r["method"], r["route"]) for r in box.unpublished_requests()}
    assert rows == {
        ("GET", "(no route)"),
        ("OPTIONS", f"{SENDERS}/{{sender_id}}"),
        ("PATCH", f"{SENDERS}/{{sender_id}}"),  # the read's path, a method it lacks
    }
    assert box.metrics()["unpublished"] == 3


def test_a_faulted_request_keeps_its_route_and_published_flag(sandbox: Sandbox) -> None:
    sandbox.set_faults({"kind": "rate_limit", "retry_after": 0, "times": 2})
    api = sandbox.client()
    assert api.get(SENDERS).status_code == 429
    assert api.get("/api/me").status_code == 429
    rows = {(r["route"], r["status"], r["published"]) for r in sandbox.metrics()["requests"]}
    assert rows == {(SENDERS, 429, True), ("/api/me", 429, False)}
