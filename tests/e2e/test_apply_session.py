"""apply without a saved plan runs in its plan's session: no second key check, one probe."""

from __future__ import annotations

from workspace import Workspace


def test_apply_checks_each_key_once_when_it_plans_itself(workspace: Workspace) -> None:
    run = workspace.run("apply", "--auto-approve")
    assert run.code == 0, run.stderr
    # acme-us and globex both have changes: one preflight each (GET /api/accounts,
    # GET /api/me), from the plan; apply does not ask again.
    assert workspace.sandbox.count(route="/api/accounts") == 2
    assert workspace.sandbox.count(route="/api/me") == 2
    assert workspace.sandbox.count(method="OPTIONS") == 1  # the write probe: once a run
    assert workspace.sandbox.count(method="PATCH") == 4


def test_apply_of_a_saved_plan_checks_the_keys_itself(workspace: Workspace) -> None:
    assert workspace.run("plan", "--out", "plan.json").code == 0
    workspace.sandbox.reset_metrics()
    run = workspace.run("apply", "--plan", "plan.json", "--auto-approve")
    assert run.code == 0, run.stderr
    assert workspace.sandbox.count(route="/api/accounts") == 2
    assert workspace.sandbox.count(route="/api/me") == 2
    assert workspace.sandbox.count(method="OPTIONS") == 1
