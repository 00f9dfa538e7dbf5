"""Query parameters of every route, hostile and ordinary, against a real server: never a 5xx.

The schemathesis run (test_sandbox_schemathesis.py) draws from the OpenAPI document,
so it sends only the parameters the document declares, in their declared types. This
test draws what a client or an attacker can put in a query string: cursors this API
never gave out (a position past 2^63, another order's tag, base64 of anything),
page sizes of any size and form, sorts, sparse fieldsets and includes naming
anything, filters, parameters repeated or unknown, on every route the server has
(the published reads, the extensions, the OPTIONS probe and the admin reads), with
real and hostile path ids. The only thing asserted is the promise: 2xx or 4xx.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from budgets import LONG, budget, slow
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sandbox_fixtures import ACME_MANAGER, MEDIA_TYPE, Sandbox, patch_body
from starlette.routing import Route

from reconciler.sandbox.app import create_app
from reconciler.sandbox.openapi import document
from reconciler.sandbox.ratelimit import DEFAULT_POLICY
from reconciler.sandbox.store import Store

pytestmark = slow

MAX_EXAMPLES = budget(40, 500)  # per route
SENDERS = "/api/text-messaging-senders"
US_SENDER = "+18555550122"  # acme-us, a US toll-free sender in the demo seed
BIG_CURSOR = "YzkyMjMzNzIwMzY4NTQ3NzU4MDg"  # "c9223372036854775808": a position of 2^63
TYPES = (
    "text-messaging-sender",
    "text-messaging-sender-registration",
    "text-messaging-configuration",
    "account",
    "audit-event",
)
FIELDS = (
    "sender_identifier",
    "sender_type",
    "sender_details",
    "status",
    "forwarding_number",
    "created_at",
    "failures",
    "updated_at",
    "org_prefix",
)


def _routes() -> list[tuple[str, str]]:
    """(method, path template) of every route the server has: published, extension, admin."""
    store = Store(":memory:")
    try:
        app = create_app(store, rate_limit=DEFAULT_POLICY, admin=True)
    finally:
        store.close()
    out = []
    for route in app.router.routes:
        if not isinstance(route, Route):
            continue
        for method in sorted(route.methods or ()):
            # Admin writes replace the whole stage (reset, faults, limits): not a query's doing.
            if route.path.startswith("/_sandbox/") and method not in ("GET", "HEAD"):
                continue
            if method != "HEAD":
                out.append((method, route.path))
    return out


ROUTES = _routes()


def _cursor(tag: str, position: int) -> str:
    return base64.urlsafe_b64encode(f"{tag}{position}".encode()).decode().rstrip("=")


SORTS = {"created_at": "a", "-created_at": "d"}  # the cursor tag of each order
text = st.text(max_size=60)
positions = st.one_of(
    st.sampled_from([0, 1, 2**63 - 1, 2**63, 2**64, 10**30]),  # SQLite's edge and past it
    st.integers(min_value=0, max_value=2**80),
    st.integers(min_value=-(2**70), max_value=2**70),
)
tags = st.one_of(st.sampled_from(["c", *SORTS.values()]), st.sampled_from(["x", "", "c-"]), text)
cursors = st.one_of(
    st.builds(_cursor, tags, positions),
    st.binary(max_size=40).map(lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")),
    st.just(BIG_CURSOR),
    text,
)
sizes = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["1", "20", "21", "100", "101", "0", "1.5", "1e3", " 5", "0x10", "٣"]),
    text,
)
names_list = st.lists(st.one_of(st.sampled_from(FIELDS + TYPES), text), max_size=4).map(",".join)
filters = st.one_of(
    st.sampled_from(['equals(status,"active")', "any(id,[])", "greater-than(created_at,2026)"]),
    text,
)
PARAMETERS: dict[str, st.SearchStrategy[str]] = {
    "page[cursor]": cursors,
    "page[size]": sizes,
    "sort": st.one_of(st.sampled_from([*SORTS, "", "+created_at"]), text),
    "include": names_list,
    "filter": filters,
    "account": text,  # the admin audit read
    **{f"fields[{t}]": names_list for t in TYPES},
}
names = st.one_of(
    st.sampled_from([*PARAMETERS, "page[number]", "page[offset]", "filter[status]", "fields"]),
    text,
)
# What each route declares (the OpenAPI document; admin routes are not in it).
DECLARED = {
    (method.upper(), path): [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
    for path, item in document()["paths"].items()
    for method, op in item.items()
}
DECLARED[("GET", "/_sandbox/audit-events")] = ["account"]


@st.composite
def query(draw: st.DrawFn, route: tuple[str, str]) -> list[tuple[str, str]]:
    """Parameters as they go on the wire: the route's own, often, then anything, repeats too."""
    out = [
        (name, draw(PARAMETERS.get(name, text)))
        for name in DECLARED.get(route, [])
        if draw(st.booleans())
    ]
    if "page[cursor]" in DECLARED.get(route, []) and draw(st.booleans()):
        # A well-formed cursor of the order asked for, at any position: often enough.
        sort = next((v for k, v in out if k == "sort"), "")
        out.append(("page[cursor]", _cursor(SORTS.get(sort, "c"), draw(positions))))
    for name in draw(st.lists(names, max_size=4)):
        out.append((name, draw(PARAMETERS.get(name, text))))
    return draw(st.permutations(out))


def _path(template: str, ids: dict[str, str], hostile: str | None) -> str:
    path = template
    for name, value in ids.items():
        path = path.replace("{" + name + "}", quote(hostile if hostile is not None else value, ""))
    return path


def _body(method: str, path: str, sid: str) -> bytes | None:
    if method == "PATCH":
        return json.dumps(patch_body(sid, "+13125550175")).encode()
    if method == "POST":
        attrs = {"from": "+13125550100", "to": US_SENDER}
        return json.dumps({"data": {"type": "call-route", "attributes": attrs}}).encode()
    return None


@pytest.fixture
def api(sandbox: Sandbox) -> httpx.Client:
    return sandbox.client(ACME_MANAGER, headers={"Content-Type": MEDIA_TYPE})


@pytest.fixture
def ids(sandbox: Sandbox) -> dict[str, str]:
    """Real ids for the path parameters: a sender, its registration, the account."""
    sid = sandbox.sender_id("acme-us", US_SENDER)
    rel = sandbox.client().get(f"{SENDERS}/{sid}").json()["data"]["relationships"]
    return {
        "sender_id": sid,
        "registration_id": rel["text-messaging-sender-registration"]["data"]["id"],
        "configuration_id": "acme-us",
        "account_id": "acme-us",
    }


def test_every_route_is_drawn_from() -> None:
    # The route list comes from the app itself: a new route is covered without a word.
    assert ("GET", SENDERS) in ROUTES and ("PATCH", SENDERS + "/{sender_id}") in ROUTES
    assert ("OPTIONS", SENDERS + "/{sender_id}") in ROUTES
    assert ("GET", "/api/audit-events") in ROUTES and ("GET", "/_sandbox/audit-events") in ROUTES
    assert ("GET", "/openapi.json") in ROUTES
    assert len(ROUTES) >= 20


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (SENDERS, {"page[cursor]": BIG_CURSOR}),
        (SENDERS, {"page[cursor]": BIG_CURSOR, "sort": "-created_at"}),
        (SENDERS, {"page[cursor]": _cursor("d", 2**63), "sort": "-created_at"}),
        (SENDERS, {"page[cursor]": _cursor("a", 10**30), "sort": "created_at"}),
        ("/api/audit-events", {"page[cursor]": BIG_CURSOR}),
    ],
)
def test_a_cursor_past_the_largest_row_id_is_a_400(
    sandbox: Sandbox, path: str, params: dict[str, str]
) -> None:
    r = sandbox.client().get(path, params=params)
    assert r.status_code == 400, r.text
    assert r.json()["errors"][0]["source"] == {"parameter": "page[cursor]"}


def test_the_largest_row_id_itself_is_an_empty_page(sandbox: Sandbox) -> None:
    for params in ({}, {"sort": "created_at"}, {"sort": "-created_at"}):
        last = _cursor(SORTS.get(params.get("sort", ""), "c"), 2**63 - 1)
        r = sandbox.client().get(SENDERS, params={**params, "page[cursor]": last})
        assert r.status_code == 200, r.text
        assert r.json()["data"] == [] and r.json()["links"]["next"] is None


@pytest.mark.parametrize("route", ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
@given(data=st.data(), hostile_id=st.one_of(st.none(), st.text(min_size=1, max_size=80)))
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=not LONG,
    # One server and one reset per route: the requests' writes change only forwarding
    # numbers, and only the status is asserted.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_query_string_makes_any_route_answer_a_5xx(
    api: httpx.Client,
    ids: dict[str, str],
    route: tuple[str, str],
    data: st.DataObject,
    hostile_id: str | None,
) -> None:
    method, template = route
    params = data.draw(query(route), label="query")
    path = _path(template, ids, hostile_id)
    body = _body(method, path, ids["sender_id"])
    try:
        r = api.request(method, path, params=httpx.QueryParams(params), content=body)
    except httpx.InvalidURL:
        return  # not a request httpx would send: nothing reached the server
    assert r.status_code < 500, f"{method} {r.request.url}: {r.status_code} {r.text[:300]}"
    assert r.status_code >= 200, r.status_code
    if r.status_code >= 400 and template.startswith("/api/"):
        detail: Any = r.json()["errors"][0]
        assert detail["status"] == r.status_code
