"""``--trusted-config`` on every command that sends a key, against the real local API.

The working tree's callfwd.yaml is the change's: it points acme-us at a
loopback listener and adds an account ``newco`` there. The trusted file (the
base branch's, in CI) points at the local API. Every command must send every
key where the trusted file says, say where the two differ (CF524) and leave the
added account unplanned (CF525): the listener hears nothing, whatever runs.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import replace

import pytest
from listener import Listener
from sandbox_fixtures import ACME_ANALYST
from workspace import Workspace, manifest_text

from reconciler.plan import planfile
from reconciler.plan.model import AccountPlan, Action, Change, Summary

TRUSTED = "base/callfwd.yaml"
NEWCO = "manifests/newco/care.yaml"


@pytest.fixture
def change(workspace: Workspace) -> Iterator[Listener]:
    """The workspace as a pull request leaves it, and its trusted file under base/."""
    workspace.write_config()
    config = (workspace.root / "callfwd.yaml").read_text()
    workspace.write(TRUSTED, config)
    with Listener() as listener:
        url = workspace.sandbox.url
        evil = config.replace(f"api_url: {url}", f"api_url: {listener.url}", 1)  # acme-us
        evil += f"  newco:\n    api_url: {listener.url}\n    api_key_env: NEWCO_KEY\n"
        workspace.write("callfwd.yaml", evil)
        workspace.write_config = lambda: None  # type: ignore[method-assign]
        workspace.write(NEWCO, manifest_text("newco", {"+1 888 555 0199": "+1 212 555 0100"}))
        workspace.env["NEWCO_KEY"] = ACME_ANALYST  # a real key: it would show, were it sent
        yield listener
    assert listener.received == []  # after every test, whatever it ran


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "checklist"])
def test_plan_sends_keys_where_the_trusted_file_says_and_every_format_says_so(
    workspace: Workspace, change: Listener, fmt: str
) -> None:
    run = workspace.run("plan", "--format", fmt, "--trusted-config", TRUSTED)
    assert run.code == 0, run.stderr
    out = run.stdout
    assert "CF524" in out and "CF525" in out
    assert "fields api_url;" in out and "account added by this change" in out
    assert "+12125550142" in out or "212) 555-0142" in out  # acme-us's plan, from the local API
    assert change.url not in out + run.stderr


def test_plan_json_gives_the_added_account_a_plan_of_its_own(
    workspace: Workspace, change: Listener
) -> None:
    run = workspace.run("plan", "--format", "json", "--trusted-config", TRUSTED)
    doc = json.loads(run.stdout)
    newco = next(a for a in doc["accounts"] if a["account"] == "newco")
    assert newco["summary"] == {k: 0 for k in newco["summary"]}
    assert [w["code"] for w in newco["warnings"]] == ["CF525"]
    assert not [c for c in doc["changes"] if c["account"] == "newco"]


def test_without_the_trusted_file_the_working_tree_would_be_used(
    workspace: Workspace, change: Listener
) -> None:
    """The control: the same command without --trusted-config reaches for the listener
    (and fails there), so the tests above could fail."""
    run = workspace.run("plan", "--account", "acme-us")
    assert run.code == 1
    assert change.received  # the key check went to the change's URL
    change.received.clear()


def test_apply_writes_only_through_the_trusted_api(workspace: Workspace, change: Listener) -> None:
    run = workspace.run("apply", "--auto-approve", "--trusted-config", TRUSTED)
    assert run.code == 0, run.stderr
    assert {e["account_id"] for e in workspace.sandbox.writes()} == {"acme-us", "globex"}
    assert "CF525" in run.stdout


def test_apply_of_a_saved_plan_leaves_the_added_account_out(
    workspace: Workspace, change: Listener
) -> None:
    plan = workspace.run("plan", "--out", "plan.json", "--trusted-config", TRUSTED)
    assert plan.code == 0, plan.stderr
    run = workspace.run(
        "apply", "--plan", "plan.json", "--auto-approve", "--trusted-config", TRUSTED
    )
    assert run.code == 0, run.stderr
    assert {e["account_id"] for e in workspace.sandbox.writes()} == {"acme-us", "globex"}


def test_apply_refuses_a_saved_plan_that_changes_an_added_account(
    workspace: Workspace, change: Listener
) -> None:
    workspace.run("plan", "--out", "plan.json", "--trusted-config", TRUSTED)
    saved = planfile.loads((workspace.root / "plan.json").read_text(), name="plan.json")
    forged = AccountPlan(
        "newco",
        (Change(Action.CREATE, "newco", "+18885550199", "x1", None, "+12125550100", None),),
        Summary(create=1),
    )
    others = tuple(a for a in saved.accounts if a.account != "newco")
    (workspace.root / "forged.json").write_text(
        planfile.dumps(replace(saved, accounts=(*others, forged)))
    )
    run = workspace.run(
        "apply", "--plan", "forged.json", "--auto-approve", "--trusted-config", TRUSTED
    )
    assert run.code == 1
    assert (
        "the plan changes account newco, which only the working tree's callfwd.yaml" in run.stderr
    )
    assert workspace.sandbox.writes() == []


def test_plan_changed_since_plans_only_the_changed_accounts(
    workspace: Workspace, change: Listener
) -> None:
    root = workspace.root
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "base"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=root,
            check=True,
        )
    care = root / "manifests" / "acme-us" / "customer-care.yaml"
    care.write_text(care.read_text().replace("+1 212 555 0199", "+1 212 555 0177"))
    # globex's key is wrong: had globex been planned, its key check would fail the run.
    workspace.env["GLOBEX_KEY"] = "sandbox-not-a-key"
    args = ("plan", "--trusted-config", TRUSTED, "--changed-since", "HEAD")
    run = workspace.run(*args)
    assert run.code == 0, run.stderr
    assert "unchanged, not planned: globex, newco" in run.stdout
    md = workspace.run(*args, "--format", "markdown")
    assert "**Unchanged, not planned:** `globex`, `newco`." in md.stdout
    assert "#### `acme-us`" in md.stdout and "+12125550177" in md.stdout
    assert workspace.run("plan", "--trusted-config", TRUSTED).code == 1  # the control


def test_report_shows_the_added_account_as_not_planned(
    workspace: Workspace, change: Listener
) -> None:
    run = workspace.run("report", "--format", "json", "--trusted-config", TRUSTED)
    assert run.code == 0, run.stderr
    assert "CF525" in run.stdout and "CF524" in run.stdout
    assert "newco" in {a["account"] for a in json.loads(run.stdout)["accounts"]}


def test_import_refuses_an_added_account(workspace: Workspace, change: Listener) -> None:
    run = workspace.run(
        "import", "--account", "newco", "--out-dir", "imported", "--trusted-config", TRUSTED
    )
    assert run.code == 1
    assert "account newco is only in the working tree's callfwd.yaml" in run.stderr
    assert not (workspace.root / "imported").exists()


def test_route_call_asks_the_trusted_api(workspace: Workspace, change: Listener) -> None:
    run = workspace.run(
        "route-call",
        "--from", "+1 212 555 0100",
        "--to", "+1 833 555 0100",
        "--account", "acme-us",
        "--trusted-config", TRUSTED,
    )  # fmt: skip
    assert run.code == 0, run.stderr
    assert run.stdout.startswith("call from +12125550100 to +18335550100: ")


def test_accounts_tells_ci_the_trusted_key_variables(
    workspace: Workspace, change: Listener
) -> None:
    run = workspace.run("accounts", "--format", "json", "--trusted-config", TRUSTED)
    assert run.code == 0, run.stderr
    rows = {r["account"]: r for r in json.loads(run.stdout)}
    assert rows["acme-us"]["api_url"] == workspace.sandbox.url
    assert rows["newco"] == {"account": "newco", "added": True, "manifests": [NEWCO]}
    text = workspace.run("accounts", "--trusted-config", TRUSTED).stdout
    assert "newco (added by this change: validated, not planned)" in text
