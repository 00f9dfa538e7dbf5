"""The hostile fault kinds: each answer is what a broken or hostile server sends, over real HTTP.

Client tests use these to check their bounds (waits, bytes, depth, pages, ids,
non-JSON answers, hostile text); here each kind is checked at the HTTP level,
and so is its scope (method and path) where it matters.
"""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import httpx
import pytest
from sandbox_fixtures import Sandbox, patch_body

SENDERS = "/api/text-messaging-senders"
NUMBER = "+18555550122"  # acme-us, forwards to +13125550100 in the demo seed
DAY = 86_399


def _sid(sandbox: Sandbox) -> str:
    return sandbox.sender_id("acme-us", NUMBER)


def test_rate_headers_say_wait_a_day_on_a_success(sandbox: Sandbox) -> None:
    sandbox.set_faults({"kind": "rate_headers", "reset": DAY, "path": SENDERS})
    api = sandbox.client()
    r = api.get(SENDERS)
    assert r.status_code == 200 and len(r.json()["data"]) == 9
    assert (r.headers["ratelimit-remaining"], r.headers["ratelimit-reset"]) == ("0", str(DAY))
    assert r.headers.get_list("ratelimit-reset") == [str(DAY)]  # replaced, not added
    assert "ratelimit-reset" not in api.get("/api/accounts").headers  # only the path asked for


def test_rate_headers_replace_the_servers_own(sandbox: Sandbox) -> None:
    sandbox.set_rate_limit("100/1000")
    sandbox.set_faults({"kind": "rate_headers", "reset": 7, "method": "GET"})
    r = sandbox.client().get(SENDERS)
    assert r.headers.get_list("ratelimit-remaining") == ["0"]
    assert r.headers.get_list("ratelimit-reset") == ["7"]


def test_a_429_may_ask_for_a_day(sandbox: Sandbox) -> None:
    sandbox.set_faults({"kind": "rate_limit", "retry_after": DAY, "times": 1})
    api = sandbox.client()
    r = api.get(SENDERS)
    assert (r.status_code, r.headers["retry-after"]) == (429, str(DAY))
    assert api.get(SENDERS).status_code == 200


def test_trickle_sends_one_byte_per_interval_and_the_whole_answer(sandbox: Sandbox) -> None:
    expected = sandbox.client().get("/api/accounts").content
    sandbox.set_faults({"kind": "trickle", "interval_ms": 1, "path": "/api/accounts"})
    with sandbox.client().stream("GET", "/api/accounts") as r:
        chunks = list(r.iter_raw())
    assert b"".join(chunks) == expected
    assert len(chunks) > len(expected) // 4  # arrived in small pieces, not at once


def test_trickle_is_slow_and_stops_when_the_client_goes(sandbox: Sandbox) -> None:
    sandbox.set_faults({"kind": "trickle", "interval_ms": 100, "path": SENDERS})
    api = sandbox.client()
    started = time.monotonic()
    received = 0
    with api.stream("GET", SENDERS) as r:
        assert r.status_code == 200
        assert int(r.headers["content-length"]) > 1000  # the full length, announced
        for chunk in r.iter_raw():
            received += len(chunk)
            if time.monotonic() - started > 0.5:
                break
    api.close()
    assert 2 <= received <= 10  # about one byte per 100 ms
    sandbox.wait_idle(timeout=3.0)  # the server stopped trickling to nobody


def test_oversize_pads_a_valid_document_to_the_size_asked(sandbox: Sandbox) -> None:
    normal = sandbox.client().get(SENDERS).json()
    sandbox.set_faults({"kind": "oversize", "size_mb": 1, "path": SENDERS})
    r = sandbox.client().get(SENDERS)
    assert r.status_code == 200
    assert len(r.content) == int(r.headers["content-length"]) == 1024 * 1024
    doc = r.json()
    assert doc["data"] == normal["data"] and doc["links"] == normal["links"]
    assert set(doc["meta"]["padding"]) == {"x"}


def test_deep_json_answers_in_place_of_a_read(sandbox: Sandbox) -> None:
    sandbox.set_faults({"kind": "deep", "depth": 50_000, "path": "/api/accounts"})
    r = sandbox.client().get("/api/accounts")
    assert r.status_code == 200
    assert r.content == b'{"data":' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    with pytest.raises(RecursionError):
        json.loads(r.content)


def test_deep_json_after_a_patch_the_server_applied_and_audited(sandbox: Sandbox) -> None:
    sid = _sid(sandbox)
    sandbox.set_faults({"kind": "deep", "when": "after", "method": "PATCH", "depth": 1000})
    r = sandbox.client().patch(f"{SENDERS}/{sid}", json=patch_body(sid, "+13125550175"))
    assert r.status_code == 200
    assert r.content.startswith(b'{"data":[[[') and len(r.content) == 2009
    assert sandbox.sender("acme-us", NUMBER)["forward_to"] == "+13125550175"
    (event,) = sandbox.audit_events("acme-us")
    assert (event["outcome"], event["after"], event["status"]) == ("updated", "+13125550175", 200)


@pytest.mark.parametrize("kind", ["endless_pages", "repeated_cursor"])
def test_pages_that_never_end(sandbox: Sandbox, kind: str) -> None:
    sandbox.set_faults({"kind": kind, "path": SENDERS})
    api = sandbox.client()
    url: str = f"{SENDERS}?page[size]=3"
    pages, cursors = [], []
    for _ in range(5):
        doc = api.get(url).json()
        pages.append([d["id"] for d in doc["data"]])
        url = doc["links"]["next"]
        cursors.append(httpx.URL(url).params["page[cursor]"])
    assert all(p == pages[0] for p in pages) and len(pages[0]) == 3  # the same senders again
    if kind == "endless_pages":
        assert len(set(cursors)) == 5  # a new cursor every time
    else:
        assert len(set(cursors)) == 1  # the same cursor every time
    assert httpx.URL(url).params["page[size]"] == "3"


def test_other_id_answers_about_another_sender_on_get_and_patch(sandbox: Sandbox) -> None:
    sid = _sid(sandbox)
    sandbox.set_faults({"kind": "other_id", "path": f"{SENDERS}/*"})
    api = sandbox.client()
    assert api.get(f"{SENDERS}/{sid}").json()["data"]["id"] == f"{sid}-other"
    r = api.patch(f"{SENDERS}/{sid}", json=patch_body(sid, "+13125550175"))
    assert r.json()["data"]["id"] == f"{sid}-other"
    assert sandbox.sender("acme-us", NUMBER)["forward_to"] == "+13125550175"  # applied
    sandbox.set_faults({"kind": "other_id", "echo_id": "01SOMEONEELSE", "method": "GET"})
    assert api.get(f"{SENDERS}/{sid}").json()["data"]["id"] == "01SOMEONEELSE"
    assert [d["id"] for d in api.get(SENDERS).json()["data"]][:1] != ["01SOMEONEELSE"]


@pytest.mark.parametrize("path", [SENDERS, "/api/accounts", "/api/me", "/api/nowhere"])
def test_html_error_page_like_a_plain_web_server(sandbox: Sandbox, path: str) -> None:
    sandbox.set_faults({"kind": "html"})
    r = sandbox.client().get(path)
    assert r.status_code == 404
    assert r.headers["content-type"] == "text/html;charset=utf-8"
    assert r.text.startswith("<!DOCTYPE HTML>") and "Error code: 404" in r.text
    assert sandbox.state()["accounts"]  # the admin endpoints still answer JSON


def test_html_with_another_status(sandbox: Sandbox) -> None:
    sandbox.set_faults({"kind": "html", "status": 200, "method": "GET"})
    r = sandbox.client().get(SENDERS)
    assert (r.status_code, r.headers["content-type"]) == (200, "text/html;charset=utf-8")


HOSTILE = "<script>alert(1)</script>\x1b[31mred\x07 **bold** [link](http://x) sandbox-acme-ma"


def test_an_error_may_carry_any_detail_and_status(sandbox: Sandbox) -> None:
    sandbox.set_faults(
        {"kind": "error", "status": 401, "code": "authentication_failed", "detail": HOSTILE}
    )
    r = sandbox.client().get(SENDERS)
    assert r.status_code == 401
    (err,) = r.json()["errors"]
    assert (err["status"], err["code"], err["detail"]) == (401, "authentication_failed", HOSTILE)


MARKUP = "<img src=x onerror=alert(1)> **Acme** | `x`\x1b[31m\x07\u202e"
ALPHA = "<b>Acme</b>\x1b[31m|`x`"  # an alpha sender's name
HOSTILE_IDS = ["..", ".", "a/b", "%2e%2e", "<b>x</b>", "<i>", "id\x00nul", "line\nbreak", "é" * 200]


def test_a_seed_may_hold_hostile_but_valid_strings(sandbox: Sandbox) -> None:
    senders: list[dict[str, object]] = [
        {"number": "+18335550100", "type": "toll_free", "country": "US", "id": sid}
        for sid in HOSTILE_IDS[:1]
    ]
    senders += [
        {"number": f"+1844555{i:04d}", "type": "toll_free", "country": "US", "id": sid}
        for i, sid in enumerate(HOSTILE_IDS[1:])
    ]
    senders.append({"number": ALPHA, "type": "alpha", "country": "US", "id": "alpha"})
    key = "sandbox-hostile-key"
    user = {
        "email": "h@x.example",
        "role": "owner",
        "api_key": key,
        "scopes": ["sender-config:read", "accounts:read"],
    }
    sandbox.reset(
        {"accounts": [{"id": "hostile", "name": MARKUP, "users": [user], "senders": senders}]}
    )
    api = sandbox.client(key)
    assert (
        api.get("/api/accounts").json()["data"][0]["attributes"]["contact_information"][
            "organization_name"
        ]
        == MARKUP
    )
    data = api.get(SENDERS, params={"page[size]": 20}).json()["data"]
    assert [d["id"] for d in data] == [*HOSTILE_IDS, "alpha"]
    assert data[-1]["attributes"]["sender_identifier"] == ALPHA
    # Every id is one percent-encoded path segment in the links.
    assert data[2]["links"]["self"].endswith("/api/text-messaging-senders/a%2Fb")
    # An id that is a plain path segment can be read back by its id.
    for sid in ["<i>", "é" * 200, "%2e%2e", "line\nbreak", "id\x00nul"]:
        got = api.get(f"{SENDERS}/{quote(sid, safe='')}")
        assert got.status_code == 200 and got.json()["data"]["id"] == sid, sid
