"""callfwd plan against the real local settings API (the sandbox server)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sandbox_fixtures import ACME_ANALYST, ACME_MANAGER, GLOBEX_OWNER
from workspace import Workspace, manifest_text

GOLDEN = Path(__file__).parent / "golden"
KEYS = (ACME_MANAGER, ACME_ANALYST, GLOBEX_OWNER)


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("CALLFWD_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"differs from {path} (CALLFWD_UPDATE_GOLDEN=1 rewrites it)"


def test_demo_plan_shows_every_action_in_text(workspace: Workspace) -> None:
    run = workspace.run("plan")
    assert run.code == 0, run.stderr
    golden("plan.txt", run.stdout)


def test_demo_plan_in_markdown(workspace: Workspace) -> None:
    run = workspace.run("plan", "--format", "markdown")
    assert run.code == 0, run.stderr
    golden("plan.md", run.stdout)


def test_demo_plan_in_json(workspace: Workspace) -> None:
    run = workspace.run("plan", "--format", "json")
    doc = json.loads(run.stdout)
    got = {
        (c["account"], c["action"], c["sender"], c["before"], c["after"]) for c in doc["changes"]
    }
    assert got == {
        ("acme-us", "create", "+18445550111", None, "+12125550142"),
        ("acme-us", "update", "+18555550122", "+13125550100", "+13125550175"),
        ("acme-us", "delete", "+18665550133", "+16175550100", None),
        ("globex", "create", "+18885550160", None, "+14155550123"),
    }
    assert doc["summary"] == {
        "create": 2,
        "update": 1,
        "delete": 1,
        "unchanged": 2,
        "unmanaged": 1,
        "pending": 1,
    }
    assert doc["changes"][0]["source"] == {
        "path": "manifests/acme-us/customer-care.yaml",
        "line": 11,
    }


def test_same_inputs_give_byte_identical_plans(workspace: Workspace) -> None:
    for fmt in ("text", "json", "markdown"):
        first = workspace.run("plan", "--format", fmt, "--out", f"{fmt}-1.json")
        second = workspace.run("plan", "--format", fmt, "--out", f"{fmt}-2.json")
        assert first.stdout == second.stdout
        assert Path(f"{fmt}-1.json").read_bytes() == Path(f"{fmt}-2.json").read_bytes()


def test_format_only_differences_are_not_changes(workspace: Workspace) -> None:
    workspace.use_generated("fmt", 1, 3, forwarding=3)
    formats = ["({}) {}-{}", "{}.{}.{}", "1-{}-{}-{}"]
    rows = {}
    for s, f in zip(workspace.sandbox.senders("fmt-0000"), formats, strict=True):
        n, to = s["number"][2:], s["forward_to"][2:]
        rows[f.format(n[:3], n[3:6], n[6:])] = f"+1 {to[:3]} {to[3:6]} {to[6:]}"
    workspace.write("manifests/fmt.yaml", manifest_text("fmt-0000", rows))
    run = workspace.run("plan", "--detailed-exitcode")
    assert run.code == 0, run.stdout + run.stderr
    assert "3 unchanged" in run.stdout


def test_unmanaged_senders_are_counted_and_untouched_unless_pruned(workspace: Workspace) -> None:
    run = workspace.run("plan", "--format", "json")
    doc = json.loads(run.stdout)
    assert "+18775550144" not in {c["sender"] for c in doc["changes"]}
    assert doc["accounts"][0]["summary"]["unmanaged"] == 1

    workspace.prune["acme-us"] = True
    doc = json.loads(workspace.run("plan", "--format", "json").stdout)
    pruned = [c for c in doc["changes"] if c["sender"] == "+18775550144"]
    assert pruned == [
        {
            "action": "delete",
            "account": "acme-us",
            "sender": "+18775550144",
            "before": "+12065550100",
            "after": None,
            "source": None,
        }
    ]


def test_a_sender_the_account_does_not_have_is_an_error_at_its_line(workspace: Workspace) -> None:
    workspace.write(
        "manifests/acme-us/extra.yaml",
        manifest_text("acme-us", {"+1 800 555 0199": "+1 212 555 0100"}),
    )
    run = workspace.run("plan")
    assert run.code == 1
    assert (
        "manifests/acme-us/extra.yaml:8:13: error[CF501] account acme-us has no sender +18005550199"
        in run.stderr
    )
    assert run.stdout == ""


def test_a_key_of_another_account_is_refused_before_any_work(workspace: Workspace) -> None:
    workspace.env["ACME_US_KEY"] = GLOBEX_OWNER
    run = workspace.run("plan")
    assert run.code == 1
    assert "belongs to account globex" in run.stderr
    assert workspace.sandbox.count(route="/api/text-messaging-senders") == 0


def test_a_key_that_could_not_apply_gives_a_warning(workspace: Workspace) -> None:
    workspace.env["ACME_US_KEY"] = ACME_ANALYST
    run = workspace.run("plan")
    assert run.code == 0
    assert "warning[CF521]: the key's user ari@acme.example has role analyst" in run.stdout


def test_pagination_reads_every_page_with_the_minimum_calls(workspace: Workspace) -> None:
    workspace.use_generated("page", 1, 95, forwarding=0)
    rows = {s["number"]: "+1 212 555 0100" for s in workspace.sandbox.senders("page-0000")}
    workspace.write("manifests/page.yaml", manifest_text("page-0000", rows))
    workspace.sandbox.reset_metrics()
    run = workspace.run("plan", "--format", "json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["summary"]["create"] == 95
    assert workspace.sandbox.count(route="/api/text-messaging-senders") == 5  # ceil(95 / 20)
    # pages + preflight (accounts, me) + one probe per API for the forwarding write
    assert workspace.sandbox.count(method="OPTIONS") == 1
    assert workspace.sandbox.metrics()["total"] == 5 + 2 + 1


def test_retries_ride_out_injected_429_and_503(workspace: Workspace) -> None:
    workspace.sandbox.set_faults(
        {"kind": "rate_limit", "times": 2, "retry_after": 0},
        {"kind": "error", "status": 503, "times": 2},
    )
    run = workspace.run("plan", "--format", "json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["summary"]["create"] == 2
    assert all(f["fired"] == 2 for f in workspace.sandbox.faults()["faults"])


def test_detailed_exitcode_and_github_output(workspace: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "github_output"
    workspace.env.update({"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(out)})
    assert workspace.run("plan", "--detailed-exitcode").code == 2
    assert out.read_text() == "changes=true\n"
    assert workspace.run("apply", "--auto-approve").code == 0
    assert workspace.run("plan", "--detailed-exitcode").code == 0
    assert out.read_text().splitlines()[-1] == "changes=false"


def test_account_filter(workspace: Workspace) -> None:
    doc = json.loads(workspace.run("plan", "--account", "globex", "--format", "json").stdout)
    assert {c["account"] for c in doc["changes"]} == {"globex"}
    bad = workspace.run("plan", "--account", "nope")
    assert bad.code == 64
    assert "no manifest names this account" in bad.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_keys_never_appear_in_any_plan_output(workspace: Workspace, fmt: str) -> None:
    run = workspace.run("--debug", "plan", "--format", fmt, "--out", "saved.json")
    assert run.code == 0
    saved = (workspace.root / "saved.json").read_text()
    for key in KEYS:
        assert key not in run.stdout + run.stderr + saved


def test_drift_made_by_hand_is_detected_exactly(workspace: Workspace) -> None:
    assert workspace.run("apply", "--auto-approve").code == 0
    sid = workspace.sandbox.sender_id("acme-us", "+18335550100")
    with workspace.sandbox.client(ACME_MANAGER) as api:  # an edit in the UI, behind git's back
        body = {
            "data": {
                "type": "text-messaging-sender",
                "id": sid,
                "attributes": {"forwarding_number": "+1 646 555 0100"},
            }
        }
        assert api.patch(f"/api/text-messaging-senders/{sid}", json=body).status_code == 200
    run = workspace.run("plan", "--detailed-exitcode", "--format", "json")
    assert run.code == 2
    assert json.loads(run.stdout)["changes"] == [
        {
            "action": "update",
            "account": "acme-us",
            "sender": "+18335550100",
            "before": "+16465550100",
            "after": "+12125550199",
            "source": {"path": "manifests/acme-us/customer-care.yaml", "line": 9},
        }
    ]


def test_an_account_without_changes_costs_exactly_two_calls(workspace: Workspace) -> None:
    # The key check (GET /api/accounts) and one page: nothing else is asked when there is
    # nothing to apply (no /api/me, no write probe).
    workspace.use_generated("two", 3, 20, forwarding=20)
    for account in workspace.accounts:
        rows = {
            s["number"]: s["forward_to"]
            for s in workspace.sandbox.senders(account)
            if s["country"] == "US"
        }
        workspace.write(f"manifests/{account}.yaml", manifest_text(account, rows))
    workspace.sandbox.reset_metrics()
    run = workspace.run("plan", "--detailed-exitcode")
    assert run.code == 0, run.stdout + run.stderr
    assert workspace.sandbox.count(route="/api/accounts") == 3
    assert workspace.sandbox.count(route="/api/text-messaging-senders") == 3
    assert workspace.sandbox.metrics()["total"] == 6


def test_jobs_is_accepted_for_old_workflows_and_says_it_does_nothing(
    workspace: Workspace,
) -> None:
    plain = workspace.run("plan", "--format", "json")
    jobs = workspace.run("plan", "--jobs", "3", "--format", "json")
    assert plain.code == jobs.code == 0, plain.stderr + jobs.stderr
    assert jobs.stdout == plain.stdout
    assert jobs.stderr == (
        "note: --jobs no longer does anything: one process plans every account at once "
        "(the option is accepted so existing workflows keep working)\n"
    )
    assert "--jobs" not in workspace.run("plan", "--help").stdout


def test_a_wrong_key_is_reported_for_its_account_only(workspace: Workspace) -> None:
    workspace.use_generated("shk", 4, 3)
    for account in workspace.accounts:
        first = workspace.sandbox.senders(account)[0]
        workspace.write(
            f"manifests/{account}.yaml",
            manifest_text(account, {first["number"]: first["forward_to"]}),
        )
    workspace.env[workspace.accounts["shk-0002"]] = workspace.env[workspace.accounts["shk-0001"]]
    run = workspace.run("plan")
    assert run.code == 1
    (line,) = [x for x in run.stderr.splitlines() if x.startswith("error: ")]
    assert line.startswith(
        "error: account shk-0002: the API key in KEY_SHK_2 belongs to account shk-0001, "
        "not shk-0002; refusing to plan or apply shk-0002 with another account's key."
    )
    # the fix, with the lines to write and where
    assert (
        "If it is shk-0002's key and shk-0001 is that account's id at the vendor, write the id "
        "in its entry at callfwd.yaml:"
    ) in run.stderr
    assert "    accounts:\n      shk-0002:\n        account_id: shk-0001\n" in run.stderr


def test_a_key_without_accounts_read_gets_an_error_naming_the_scope(workspace: Workspace) -> None:
    workspace.use_generated("nos", 1, 2, scopes=["sender-config:read", "sender-config:write"])
    first = workspace.sandbox.senders("nos-0000")[0]
    workspace.write("manifests/nos.yaml", manifest_text("nos-0000", {first["number"]: None}))
    workspace.sandbox.reset_metrics()
    run = workspace.run("plan")
    assert run.code == 1
    assert "the key in KEY_NOS_0 may not read its account" in run.stderr
    assert "needs the accounts:read scope" in run.stderr
    # callfwd never works with a key it could not check: no sender was read
    assert workspace.sandbox.count(route="/api/text-messaging-senders") == 0
