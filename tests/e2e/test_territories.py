"""US territories: one policy, applied alike by the validator, the saved-plan check and the API."""

from __future__ import annotations

import pytest
from sandbox_fixtures import ACME_MANAGER, DEFAULT_SEED, ServerFactory, patch_body
from workspace import Workspace, manifest_text

PUERTO_RICO = "+17875550100"


def test_the_validator_refuses_a_territory_by_default_and_says_how_to_allow_it(
    workspace: Workspace,
) -> None:
    workspace.write("manifests/pr.yaml", manifest_text("acme-us", {"+18775550144": PUERTO_RICO}))
    run = workspace.run("validate")
    assert run.code == 1
    assert "error[CF310] forward_to +17875550100 is a number in Puerto Rico (PR), a US " in (
        run.stdout
    )
    assert "set numbers: {us_territories: allow} in callfwd.yaml" in run.stdout


def test_allowed_in_callfwd_yaml_a_territory_validates_and_plans(workspace: Workspace) -> None:
    workspace.write("manifests/pr.yaml", manifest_text("acme-us", {"+18775550144": PUERTO_RICO}))
    workspace.extra_config.append("numbers: {us_territories: allow}")
    assert workspace.run("validate").code == 0
    saved = workspace.run("plan", "manifests/pr.yaml", "--out", "plan.json")
    assert saved.code == 0, saved.stderr
    assert "+12065550100 -> +17875550100" in saved.stdout
    # The session's server denies territories (its default): the write fails there,
    # loudly, with the same rule; nothing is written.
    unnarrowed = workspace.run("apply", "--plan", "plan.json", "--auto-approve")
    assert unnarrowed.code == 1
    assert "give apply the same PATHs" in unnarrowed.stderr
    denied = workspace.run("apply", "manifests/pr.yaml", "--plan", "plan.json", "--auto-approve")
    assert denied.code == 1
    assert "Puerto Rico" in denied.stdout + denied.stderr
    assert workspace.sandbox.writes() == []


@pytest.mark.parametrize(("policy", "status"), [("deny", 422), ("allow", 200)])
def test_the_local_api_applies_the_same_policy(
    server_factory: ServerFactory, policy: str, status: int
) -> None:
    server = server_factory(
        "--us-territories", policy, "--rate-limit", "off", "--seed", str(DEFAULT_SEED)
    )
    with server.client(ACME_MANAGER) as api:
        senders = api.get("/api/text-messaging-senders").json()["data"]
        sid = next(
            s["id"] for s in senders if s["attributes"]["sender_identifier"] == "+18775550144"
        )
        r = api.patch(f"/api/text-messaging-senders/{sid}", json=patch_body(sid, PUERTO_RICO))
    assert r.status_code == status, r.text
    if status == 422:
        assert r.json()["errors"][0]["meta"]["rule"] == "CF310"
