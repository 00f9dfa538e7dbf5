"""Every role and scope against every route: who may read, who may write, and why not."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sandbox_fixtures import Sandbox, patch_body

ROLES = [
    "owner",
    "admin",
    "manager",
    "campaign_coordinator",
    "analyst",
    "content_creator",
    "support",
]
WRITE_ROLES = {"owner", "admin", "manager", "campaign_coordinator"}
READ, WRITE, ACCOUNTS = "sender-config:read", "sender-config:write", "accounts:read"
SCOPE_SETS = [(), (READ,), (WRITE,), (READ, WRITE), (ACCOUNTS,), (READ, WRITE, ACCOUNTS)]
USERS = list(itertools.product(ROLES, SCOPE_SETS))
SENDER = "+18555550122"


def key(role: str, scopes: tuple[str, ...]) -> str:
    return f"sandbox-matrix-{role}-" + "-".join(s.replace(":", "_") for s in scopes or ("none",))


SEED: dict[str, Any] = {
    "accounts": [
        {
            "id": "matrix",
            "name": "Matrix",
            "users": [
                {
                    "email": f"{role}.{i}@matrix.example",
                    "role": role,
                    "api_key": key(role, scopes),
                    "scopes": list(scopes),
                }
                for i, (role, scopes) in enumerate(USERS)
            ],
            "senders": [
                {
                    "number": SENDER,
                    "type": "toll_free",
                    "country": "US",
                    "forward_to": "+13125550100",
                }
            ],
        }
    ]
}


@pytest.fixture
def sandbox_seed() -> dict[str, Any]:
    return SEED


@pytest.mark.parametrize(
    ("role", "scopes"), USERS, ids=[f"{r}-{'+'.join(s) or 'none'}" for r, s in USERS]
)
def test_role_and_scope_matrix(sandbox: Sandbox, role: str, scopes: tuple[str, ...]) -> None:
    api = sandbox.client(key(role, scopes))
    sid = sandbox.sender_id("matrix", SENDER)
    can_read = READ in scopes
    can_write = WRITE in scopes and role in WRITE_ROLES
    can_read_account = ACCOUNTS in scopes
    call = {"data": {"type": "call-route", "attributes": {"from": "+13125550100", "to": SENDER}}}
    answers = {
        "list": api.get("/api/text-messaging-senders"),
        "get": api.get(f"/api/text-messaging-senders/{sid}"),
        "audit": api.get("/api/audit-events"),
        "route": api.post("/api/call-routes", json=call),
        "accounts": api.get("/api/accounts"),
        "account": api.get("/api/accounts/matrix"),
        "me": api.get("/api/me"),
        "patch": api.patch(
            f"/api/text-messaging-senders/{sid}", json=patch_body(sid, "+13125550175")
        ),
    }
    expected = {
        "list": can_read,
        "get": can_read,
        "audit": can_read,
        "route": can_read,
        "accounts": can_read_account,  # the vendor's scope for GET /api/accounts
        "account": can_read_account,
        "me": True,
        "patch": can_write,
    }
    for route, response in answers.items():
        assert (response.status_code == 200) == expected[route], (
            route,
            response.status_code,
            response.text,
        )
        if not expected[route]:
            assert response.status_code == 403, route
            (err,) = response.json()["errors"]
            assert err["code"] == "permission_denied"
    patch = answers["patch"]
    if not can_read_account:
        assert ACCOUNTS in answers["accounts"].json()["errors"][0]["detail"]
    if patch.status_code == 403:
        detail = patch.json()["errors"][0]["detail"]
        assert (WRITE in detail) == (WRITE not in scopes)
        assert (f"role {role}" in detail) == (role not in WRITE_ROLES)
    forward = sandbox.sender("matrix", SENDER)["forward_to"]
    assert forward == ("+13125550175" if can_write else "+13125550100")
    (event,) = sandbox.audit_events("matrix")
    assert event["status"] == patch.status_code
    assert event["outcome"] == ("updated" if can_write else "forbidden")
