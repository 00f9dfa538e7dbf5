"""schemas/settings-api.openapi.json is the app's own OpenAPI document, kept fresh."""

from __future__ import annotations

import json

from sandbox_fixtures import ROOT, Sandbox

from reconciler.sandbox.openapi import document, render

COMMITTED = ROOT / "schemas" / "settings-api.openapi.json"
EXTENSIONS = {"/api/me", "/api/audit-events", "/api/call-routes"}
REGENERATE = "python -m reconciler.sandbox.openapi > schemas/settings-api.openapi.json"


def test_committed_openapi_document_is_fresh() -> None:
    assert COMMITTED.exists(), f"missing; create it with: {REGENERATE}"
    assert json.loads(COMMITTED.read_text(encoding="utf-8")) == document(), (
        f"stale; run: {REGENERATE}"
    )
    assert COMMITTED.read_text(encoding="utf-8") == render()


def test_live_server_serves_the_same_document(sandbox: Sandbox) -> None:
    live = sandbox.http.get("/openapi.json").json()
    assert live == json.loads(COMMITTED.read_text(encoding="utf-8"))


def test_document_covers_the_contract() -> None:
    doc = document()
    paths = doc["paths"]
    assert set(paths) == {
        "/api/text-messaging-senders",
        "/api/text-messaging-senders/{sender_id}",
        "/api/text-messaging-senders/{sender_id}/text-messaging-sender-registration",
        "/api/text-messaging-senders/{sender_id}/relationships/text-messaging-sender-registration",
        "/api/text-messaging-sender-registrations/{registration_id}",
        "/api/text-messaging-configurations/{configuration_id}",
        "/api/accounts",
        "/api/accounts/{account_id}",
        "/api/me",
        "/api/audit-events",
        "/api/call-routes",
    }
    assert set(paths["/api/text-messaging-senders/{sender_id}"]) == {"get", "patch"}
    for path, item in paths.items():
        for method, op in item.items():
            extension = "extension" in op["summary"]
            assert extension == (path in EXTENSIONS or method == "patch"), (method, path)
    scheme = doc["components"]["securitySchemes"]["Klaviyo-API-Key"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    for path in paths.values():
        for op in path.values():
            revision = [p for p in op["parameters"] if p["name"] == "revision"]
            assert revision and revision[0]["required"] is True and revision[0]["in"] == "header"
            assert op["security"] == [{"Klaviyo-API-Key": []}]
            assert "application/vnd.api+json" in op["responses"]["200"]["content"]
    size = next(
        p
        for p in paths["/api/text-messaging-senders"]["get"]["parameters"]
        if p["name"] == "page[size]"
    )
    assert (size["schema"]["minimum"], size["schema"]["maximum"], size["schema"]["default"]) == (
        1,
        20,
        10,
    )
    assert not any(p.startswith("/_sandbox") for p in paths)
