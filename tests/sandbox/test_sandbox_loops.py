"""Loops and chains are refused by the local API with the validator's own rule codes."""

from __future__ import annotations

import pytest
from sandbox_fixtures import ACME_MANAGER, Sandbox, patch_body

from reconciler.rules import codes

SENDER = "+18555550122"


@pytest.mark.parametrize(
    ("forward_to", "rule", "problem"),
    [
        ("+1 855 555 0122", codes.LOOP, "loop"),  # the sender itself, written differently
        ("(833) 555-0100", codes.CHAIN, "chain"),  # another toll-free sender of acme-us
        ("+18665550133", codes.CHAIN, "chain"),
    ],
)
def test_loops_and_chains_are_422_with_the_rule_code(
    sandbox: Sandbox, forward_to: str, rule: str, problem: str
) -> None:
    sid = sandbox.sender_id("acme-us", SENDER)
    r = sandbox.client(ACME_MANAGER).patch(
        f"/api/text-messaging-senders/{sid}", json=patch_body(sid, forward_to)
    )
    assert r.status_code == 422, r.text
    (err,) = r.json()["errors"]
    assert err["code"] == "invalid_forwarding_number"
    assert err["meta"] == {"problem": problem, "rule": rule}
    assert err["source"] == {"pointer": "/data/attributes/forwarding_number"}
    assert sandbox.sender("acme-us", SENDER)["forward_to"] == "+13125550100"
    (event,) = sandbox.audit_events("acme-us")
    assert (event["status"], event["outcome"]) == (422, "rejected")


def test_another_accounts_toll_free_number_is_not_a_chain(sandbox: Sandbox) -> None:
    sid = sandbox.sender_id("acme-us", SENDER)
    r = sandbox.client(ACME_MANAGER).patch(
        f"/api/text-messaging-senders/{sid}",
        json=patch_body(sid, "+18885550160"),  # globex's
    )
    assert r.status_code == 200, r.text
    assert sandbox.sender("acme-us", SENDER)["forward_to"] == "+18885550160"
