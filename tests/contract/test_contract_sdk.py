"""The local API against the vendor's own SDK (klaviyo-api 25.0.0), through a real server.

Every answer is parsed by the SDK's strict pydantic models (enums, nulls and
datetimes checked), in both modes: the default (with the local API's extensions)
and ``--published-only``. The SDK is pointed at the server with ``test_host``;
it extracts ``page[cursor]`` from ``links.next`` only for https links, so the
tests take the cursor from the link themselves.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import yaml
from klaviyo_api import KlaviyoAPI
from openapi_client.exceptions import ApiException
from openapi_client.models.get_accounts4_xx_response import GetAccounts4XXResponse
from openapi_client.models.text_messaging_sender_response_object_resource import (
    TextMessagingSenderResponseObjectResource,
)
from openapi_client.rest import RESTClientObject
from pydantic import ValidationError
from sandbox_fixtures import ServerFactory, ServerProcess, start_server

ACCOUNT = "Qz4nW8"  # an opaque, mixed-case vendor-style account id
KEY = "sandbox-contract-owner"
NO_ACCOUNTS_KEY = "sandbox-contract-noaccounts"
REG = "text-messaging-sender-registration"
SENDERS = [
    {"number": "+18335550100", "type": "toll_free", "country": "US", "forward_to": "+12125550199"},
    {"number": "+18335550100", "type": "toll_free", "country": "CA"},  # the Canadian sibling
    {"number": None, "type": "toll_free", "country": "US", "status": "pending_registration"},
    {"number": "24680", "type": "short_code", "country": "US"},
    {"number": "+18445550111", "type": "toll_free", "country": "US", "status": "registering"},
    {
        "number": "+18555550122",
        "type": "toll_free",
        "country": "US",
        "status": "registration_failed",
        "created_at": "2026-03-04T05:06:07Z",
    },
    {"number": "+18665550133", "type": "toll_free", "country": "US", "status": "suspended"},
    {"number": "+13125550100", "type": "long_code", "country": "US"},
]
SEED = {
    "accounts": [
        {
            "id": ACCOUNT,
            "name": "Contract Co",
            "configuration": {"org_prefix": "ContractCo", "opt_out_language": "Text STOP."},
            "users": [
                {
                    "email": "owner@contract.example",
                    "role": "owner",
                    "api_key": KEY,
                    "scopes": ["sender-config:read", "sender-config:write", "accounts:read"],
                },
                {
                    "email": "reader@contract.example",
                    "role": "analyst",
                    "api_key": NO_ACCOUNTS_KEY,
                    "scopes": ["sender-config:read"],
                },
            ],
            "senders": SENDERS,
        },
        {
            "id": "other-acct",
            "name": "Other",
            "senders": [{"number": "+18885550160", "type": "toll_free", "country": "US"}],
        },
    ]
}
MODES = {"extensions": (), "published-only": ("--published-only",)}


@pytest.fixture(scope="module")
def seed_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("contract") / "seed.yaml"
    path.write_text(yaml.safe_dump(SEED), encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=sorted(MODES))
def server(
    request: pytest.FixtureRequest, seed_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp(f"contract-{request.param}")
    flags = ("--seed", str(seed_file), "--rate-limit", "off", "--quiet", *MODES[request.param])
    proc = start_server(*flags, db=tmp / "db.sqlite", log=tmp / "server.log")
    yield proc
    proc.stop()


def sdk(url: str, key: str = KEY, retries: int = 0) -> KlaviyoAPI:
    """The SDK on the local server; its own retry policy only (``retries`` of them).

    urllib3 underneath would also retry a 429 that has Retry-After, by itself;
    that is turned off so what the tests see is the SDK's behaviour.
    """
    api = KlaviyoAPI(key, max_retries=retries, max_delay=1, test_host=url)
    api.configuration.retries = False
    api.api_client.rest_client = RESTClientObject(api.configuration)
    return api


def cursor_of(next_link: str | None) -> str | None:
    if next_link is None:
        return None
    return parse_qs(urlsplit(next_link).query)["page[cursor]"][0]


def all_senders(api: KlaviyoAPI, **kwargs: Any) -> list[TextMessagingSenderResponseObjectResource]:
    out: list[TextMessagingSenderResponseObjectResource] = []
    cursor = None
    while True:
        page = api.Text_Messaging.get_text_messaging_senders(
            page_size=3, page_cursor=cursor, **kwargs
        )
        assert len(page.data) <= 3
        out += page.data
        cursor = cursor_of(page.links.next if page.links else None)
        if cursor is None:
            return out


def by_identifier(senders: list[Any]) -> dict[tuple[str | None, str], Any]:
    return {
        (s.attributes.sender_identifier, s.attributes.sender_details.country): s for s in senders
    }


def test_the_sdk_models_are_strict() -> None:
    # What makes every other test here able to fail: a wrong enum, null or date is refused.
    good = {
        "type": "text-messaging-sender",
        "id": "S1",
        "attributes": {
            "sender_type": "toll_free",
            "sender_details": {"country": "US"},
            "status": "active",
            "created_at": "2026-01-01T00:00:00Z",
            "forwarding_number": None,
            "sender_identifier": None,
        },
        "links": {"self": "http://127.0.0.1/x"},
    }
    TextMessagingSenderResponseObjectResource.from_dict(good)
    for key, bad in [("status", "live"), ("created_at", "yesterday"), ("sender_type", None)]:
        doc = json.loads(json.dumps(good))
        doc["attributes"][key] = bad
        with pytest.raises(ValidationError):
            TextMessagingSenderResponseObjectResource.from_dict(doc)


def test_list_pages_through_every_sender_of_the_account(server: ServerProcess) -> None:
    senders = all_senders(sdk(server.url))
    assert len(senders) == len(SENDERS)
    assert len({s.id for s in senders}) == len(SENDERS)
    found = by_identifier(senders)
    assert set(found) == {
        ("+18335550100", "US"),
        ("+18335550100", "CA"),
        (None, "US"),
        ("24680", "US"),
        ("+18445550111", "US"),
        ("+18555550122", "US"),
        ("+18665550133", "US"),
        ("+13125550100", "US"),
    }
    pending = found[(None, "US")].attributes
    assert (pending.status, pending.sender_type) == ("pending_registration", "toll_free")
    assert found[("+18335550100", "US")].attributes.forwarding_number == "+12125550199"
    assert found[("+18335550100", "CA")].attributes.forwarding_number is None
    assert found[("24680", "US")].attributes.sender_type == "short_code"
    assert found[("24680", "US")].relationships.text_messaging_sender_registration.data is None
    failed = found[("+18555550122", "US")].attributes.created_at
    assert failed.isoformat() == "2026-03-04T05:06:07+00:00"


def test_sort_by_creation_time_either_way(server: ServerProcess) -> None:
    api = sdk(server.url)
    newest_first = all_senders(api, sort="-created_at")
    oldest_first = all_senders(api, sort="created_at")
    assert newest_first[0].attributes.sender_identifier == "+18555550122"  # created latest
    assert [s.id for s in newest_first] == [s.id for s in reversed(oldest_first)]
    with pytest.raises(ApiException) as info:
        api.Text_Messaging.get_text_messaging_senders(sort="forwarding_number")
    err = GetAccounts4XXResponse.from_json(info.value.body).errors[0]
    assert (info.value.status, err.source.parameter) == (400, "sort")


def test_one_sender_with_its_registration_included(server: ServerProcess) -> None:
    api = sdk(server.url)
    found = by_identifier(all_senders(api))
    sid = found[("+18555550122", "US")].id
    doc = api.Text_Messaging.get_text_messaging_sender(sid, include=[REG])
    rel = doc.data.relationships.text_messaging_sender_registration
    assert rel.links.related.endswith(f"/api/text-messaging-senders/{sid}/{REG}")
    (included,) = doc.included
    assert included.id == rel.data.id
    assert included.attributes.status == "rejected"
    assert included.attributes.failures and included.attributes.failures[0].detail
    page = api.Text_Messaging.get_text_messaging_senders(include=[REG], page_size=20)
    assert {r.id for r in page.included} == {
        s.relationships.text_messaging_sender_registration.data.id
        for s in page.data
        if s.attributes.sender_type == "toll_free"
    }
    with pytest.raises(ApiException) as info:
        api.Text_Messaging.get_text_messaging_sender(sid, include=["text-messaging-owner"])
    err = GetAccounts4XXResponse.from_json(info.value.body).errors[0]
    assert (info.value.status, err.source.parameter) == (400, "include")


@pytest.mark.parametrize(
    ("number", "country", "status"),
    [
        ("+18335550100", "US", "approved"),
        ("+18335550100", "CA", "approved"),
        (None, "US", "action_required"),
        ("+18445550111", "US", "in_review"),
        ("+18555550122", "US", "rejected"),
        ("+18665550133", "US", "approved"),  # suspended after approval
    ],
)
def test_registrations_by_both_routes(
    server: ServerProcess, number: str | None, country: str, status: str
) -> None:
    api = sdk(server.url)
    sender = by_identifier(all_senders(api))[(number, country)]
    via_sender = api.Text_Messaging.get_messaging_sender_registration_for_text_messaging_sender(
        sender.id
    )
    assert via_sender.data is not None and via_sender.data.attributes.status == status
    assert (via_sender.data.attributes.submitted_at is None) == (status == "action_required")
    assert (via_sender.data.attributes.decided_at is None) == (
        status not in ("approved", "rejected")
    )
    rel = api.Text_Messaging.get_messaging_sender_registration_id_for_text_messaging_sender(
        sender.id
    )
    assert rel.data is not None and rel.data.id == via_sender.data.id
    direct = api.Text_Messaging.get_text_messaging_sender_registration(
        rel.data.id, include=["text-messaging-sender"]
    )
    assert direct.data.attributes.status == status
    assert [s.id for s in direct.included] == [sender.id]


def test_a_sender_without_registration_has_null_data(server: ServerProcess) -> None:
    api = sdk(server.url)
    short_code = by_identifier(all_senders(api))[("24680", "US")]
    doc = api.Text_Messaging.get_messaging_sender_registration_for_text_messaging_sender(
        short_code.id
    )
    assert doc.data is None
    rel = api.Text_Messaging.get_messaging_sender_registration_id_for_text_messaging_sender(
        short_code.id
    )
    assert rel.data is None


def test_configuration_of_the_account(server: ServerProcess) -> None:
    api = sdk(server.url)
    doc = api.Text_Messaging.get_text_messaging_configuration(ACCOUNT)
    attrs = doc.data.attributes
    assert (doc.data.id, attrs.org_prefix, attrs.opt_out_language, attrs.status) == (
        ACCOUNT,
        "ContractCo",
        "Text STOP.",
        "active",
    )
    with pytest.raises(ApiException) as info:
        api.Text_Messaging.get_text_messaging_configuration("other-acct")
    assert info.value.status == 404


def test_accounts_need_accounts_read(server: ServerProcess) -> None:
    api = sdk(server.url)
    (account,) = api.Accounts.get_accounts().data
    assert account.id == ACCOUNT
    assert account.attributes.contact_information.organization_name == "Contract Co"
    assert isinstance(account.attributes.test_account, bool)
    assert api.Accounts.get_account(ACCOUNT).data.id == ACCOUNT
    with pytest.raises(ApiException) as info:
        sdk(server.url, NO_ACCOUNTS_KEY).Accounts.get_accounts()
    err = GetAccounts4XXResponse.from_json(info.value.body).errors[0]
    assert info.value.status == 403 and "accounts:read" in err.detail


def test_sparse_fieldsets(server: ServerProcess) -> None:
    api = sdk(server.url)
    # The SDK hands back plain dicts for sparse answers (its models need every field).
    page = api.Text_Messaging.get_text_messaging_senders(
        fields_text_messaging_sender=["status", "forwarding_number"],
        fields_text_messaging_sender_registration=["status"],
        include=[REG],
        page_size=20,
    )
    assert {frozenset(s["attributes"]) for s in page["data"]} == {
        frozenset({"status", "forwarding_number"})
    }
    assert {frozenset(r["attributes"]) for r in page["included"]} == {frozenset({"status"})}
    with pytest.raises(ApiException) as info:
        api.Text_Messaging.get_text_messaging_senders(fields_text_messaging_sender=["colour"])
    err = GetAccounts4XXResponse.from_json(info.value.body).errors[0]
    assert err.source.parameter == "fields[text-messaging-sender]"


def test_429_through_the_sdk(server_factory: ServerFactory, seed_file: Path) -> None:
    limited = server_factory("--seed", str(seed_file), "--rate-limit", "1/100", "--quiet")
    api = sdk(limited.url)
    assert api.Accounts.get_accounts().data[0].id == ACCOUNT
    with pytest.raises(ApiException) as info:
        api.Accounts.get_accounts()
    assert info.value.status == 429
    assert int(info.value.headers["Retry-After"]) == 1
    err = GetAccounts4XXResponse.from_json(info.value.body).errors[0]
    assert (err.code, err.title) == ("throttled", "Too Many Requests")
    # Another endpoint has its own bucket; and the SDK's own retry honours Retry-After.
    assert api.Text_Messaging.get_text_messaging_configuration(ACCOUNT).data.id == ACCOUNT
    patient = sdk(limited.url, retries=3)
    assert patient.Accounts.get_accounts().data[0].id == ACCOUNT


def test_published_only_serves_nothing_else(server_factory: ServerFactory, seed_file: Path) -> None:
    published = server_factory("--seed", str(seed_file), "--rate-limit", "off", "--published-only")
    api = sdk(published.url)
    senders = all_senders(api)
    sid = senders[0].id
    headers = {
        "Authorization": f"Klaviyo-API-Key {KEY}",
        "revision": "2026-10-15",
        "Accept": "application/vnd.api+json",
    }
    with httpx.Client(base_url=published.url, headers=headers) as http:
        body = {"data": {"type": "text-messaging-sender", "id": sid,
                         "attributes": {"forwarding_number": None}}}  # fmt: skip
        patch = http.patch(f"/api/text-messaging-senders/{sid}", json=body)
        assert patch.status_code == 405
        assert patch.headers["allow"] == "GET, OPTIONS"
        assert patch.json()["errors"][0]["code"] == "method_not_allowed"
        probe = http.options(f"/api/text-messaging-senders/{sid}")
        assert "PATCH" not in probe.headers["allow"] and "GET" in probe.headers["allow"]
        assert http.get("/api/me").status_code == 404
        assert http.get("/api/audit-events").status_code == 404
        call = {"data": {"type": "call-route",
                         "attributes": {"from": "+13125550100", "to": "+18335550100"}}}  # fmt: skip
        assert http.post("/api/call-routes", json=call).status_code == 404
        reg = senders[0].relationships.text_messaging_sender_registration.data.id
        urls = [
            "/api/text-messaging-senders?include=text-messaging-sender-registration",
            f"/api/text-messaging-senders/{sid}?include=text-messaging-sender-registration",
            f"/api/text-messaging-senders/{sid}/{REG}",
            f"/api/text-messaging-senders/{sid}/relationships/{REG}",
            f"/api/text-messaging-sender-registrations/{reg}?include=text-messaging-sender",
            f"/api/text-messaging-configurations/{ACCOUNT}",
            "/api/accounts",
            f"/api/accounts/{ACCOUNT}",
        ]
        for url in urls:
            r = http.get(url)
            assert r.status_code == 200, (url, r.text)
            assert "etag" not in {k.lower() for k in r.headers}, url
            assert "etag" not in r.text.lower(), url
    assert sdk(published.url).Text_Messaging.get_text_messaging_sender(sid).data.id == sid
