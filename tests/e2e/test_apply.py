"""callfwd apply against the real local settings API (the sandbox server)."""

from __future__ import annotations

import json
from pathlib import Path

from sandbox_fixtures import ACME_ANALYST, ACME_MANAGER, GLOBEX_OWNER, patch_body
from workspace import Workspace, manifest_text

DEMO_WRITES = {
    ("acme-us", "+18445550111", None, "+12125550142"),
    ("acme-us", "+18555550122", "+13125550100", "+13125550175"),
    ("acme-us", "+18665550133", "+16175550100", None),
    ("globex", "+18885550160", None, "+14155550123"),
}


def writes(workspace: Workspace) -> set[tuple[str, str, str | None, str | None]]:
    return {
        (e["account_id"], e["sender_identifier"], e["before"], e["after"])
        for e in workspace.sandbox.writes()
    }


def test_calls_made_are_exactly_the_plans_changes(workspace: Workspace) -> None:
    run = workspace.run("apply", "--auto-approve")
    assert run.code == 0, run.stderr
    assert "Apply: 4 applied." in run.stdout
    assert writes(workspace) == DEMO_WRITES
    assert workspace.sandbox.count(method="PATCH") == 4  # none for the unchanged senders

    again = workspace.run("apply", "--auto-approve")
    assert again.code == 0
    assert "No changes" in again.stdout
    assert workspace.sandbox.count(method="PATCH") == 4


def test_saved_plan_applies_exactly_and_reports_json(workspace: Workspace) -> None:
    assert workspace.run("plan", "--out", "plan.json").code == 0
    run = workspace.run("apply", "--plan", "plan.json", "--auto-approve", "--format", "json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["summary"] == {
        "applied": 4, "already set": 0, "unverified": 0, "failed": 0, "stale": 0, "skipped": 0
    }  # fmt: skip
    assert {r["result"] for r in doc["results"]} == {"applied"}
    assert writes(workspace) == DEMO_WRITES


def test_out_of_band_edit_after_the_plan_is_stale_and_kept(workspace: Workspace) -> None:
    assert workspace.run("plan", "--out", "plan.json").code == 0
    sid = workspace.sandbox.sender_id("acme-us", "+18555550122")
    with workspace.sandbox.client(ACME_MANAGER) as api:  # someone edits it in the UI
        r = api.patch(f"/api/text-messaging-senders/{sid}", json=patch_body(sid, "+13125550111"))
        assert r.status_code == 200
    run = workspace.run("apply", "--plan", "plan.json", "--auto-approve")
    assert run.code == 1
    assert "stale" in run.stdout and "+18555550122" in run.stdout
    assert "Apply: 3 applied, 1 stale." in run.stdout
    assert workspace.sandbox.sender("acme-us", "+18555550122")["forward_to"] == "+13125550111"


def test_manifests_changed_since_the_saved_plan_are_refused(workspace: Workspace) -> None:
    assert workspace.run("plan", "--out", "plan.json").code == 0
    path = Path("manifests/globex/support.yaml")
    path.write_text(path.read_text().replace("+1 415 555 0123", "+1 415 555 0124"))
    run = workspace.run("apply", "--plan", "plan.json", "--auto-approve")
    assert run.code == 1
    assert "the manifests changed since this plan was made" in run.stderr
    assert workspace.sandbox.writes() == []


def test_a_role_that_may_not_configure_forwarding_is_refused_before_any_write(
    workspace: Workspace,
) -> None:
    workspace.env["ACME_US_KEY"] = ACME_ANALYST
    run = workspace.run("apply", "--auto-approve")
    assert run.code == 1
    assert "refusing to apply, nothing was changed" in run.stderr
    assert "role analyst" in run.stderr
    assert workspace.sandbox.audit_events() == []  # not even globex was written


def test_mass_changes_are_refused_unless_allowed(workspace: Workspace) -> None:
    workspace.use_generated("mass", 1, 20, forwarding=20)
    rows: dict[str, str | None] = {
        s["number"]: None for s in workspace.sandbox.senders("mass-0000")
    }
    workspace.write("manifests/mass.yaml", manifest_text("mass-0000", rows, owner="u@x.example"))
    run = workspace.run("apply", "--auto-approve")
    assert run.code == 1
    assert (
        "delete 20 of 20 managed forwardings (100%), above the 30% safety threshold" in run.stderr
    )
    assert workspace.sandbox.audit_events() == []

    run = workspace.run("apply", "--auto-approve", "--allow-mass-changes")
    assert run.code == 0, run.stderr
    assert len(workspace.sandbox.writes()) == 20


def test_thresholds_can_be_raised_per_account(workspace: Workspace) -> None:
    workspace.use_generated("loose", 1, 20, forwarding=20)
    workspace.thresholds["loose-0000"] = {"delete_share": 1.0}
    rows: dict[str, str | None] = {
        s["number"]: None for s in workspace.sandbox.senders("loose-0000")
    }
    workspace.write("manifests/m.yaml", manifest_text("loose-0000", rows, owner="u@x.example"))
    assert workspace.run("apply", "--auto-approve").code == 0


def test_429_storms_and_503s_end_in_success(workspace: Workspace) -> None:
    workspace.sandbox.set_faults(
        {"kind": "rate_limit", "times": 4, "retry_after": 0},
        {"kind": "error", "status": 503, "probability": 0.3},
        seed=3,
    )
    run = workspace.run("apply", "--auto-approve")
    assert run.code == 0, run.stdout + run.stderr
    assert writes(workspace) == DEMO_WRITES
    assert workspace.sandbox.faults()["faults"][0]["fired"] == 4


def test_a_patch_whose_answer_is_lost_after_commit_counts_as_applied(workspace: Workspace) -> None:
    workspace.sandbox.set_faults({"kind": "drop", "when": "after", "method": "PATCH", "times": 2})
    run = workspace.run("apply", "--auto-approve")
    assert run.code == 0, run.stdout + run.stderr
    assert "Apply: 4 applied." in run.stdout
    assert workspace.run("plan", "--detailed-exitcode").code == 0


def test_after_a_failure_a_second_apply_converges(workspace: Workspace) -> None:
    # More 500s than the retry budget for PATCH: some changes fail.
    workspace.sandbox.set_faults({"kind": "error", "status": 500, "method": "PATCH", "times": 30})
    first = workspace.run("apply", "--auto-approve")
    assert first.code == 1
    assert "failed" in first.stdout
    workspace.sandbox.clear_faults()
    second = workspace.run("apply", "--auto-approve")
    assert second.code == 0, second.stdout + second.stderr
    assert workspace.run("plan", "--detailed-exitcode").code == 0


def test_no_terminal_and_no_auto_approve_refuses(workspace: Workspace) -> None:
    run = workspace.run("apply")
    assert run.code == 1
    assert "without confirmation" in run.stderr
    assert workspace.sandbox.audit_events() == []


def test_audit_log_has_one_line_per_change_and_no_key(workspace: Workspace, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    run = workspace.run("--debug", "apply", "--auto-approve", "--audit-log", str(log))
    assert run.code == 0
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert {(x["account"], x["sender"], x["before"], x["after"]) for x in lines} == DEMO_WRITES
    assert {x["result"] for x in lines} == {"applied"}
    everything = log.read_text() + run.stdout + run.stderr
    for key in (ACME_MANAGER, GLOBEX_OWNER):
        assert key not in everything


def test_fail_fast_skips_the_rest(workspace: Workspace) -> None:
    workspace.sandbox.set_faults({"kind": "error", "status": 500, "method": "PATCH"})
    run = workspace.run("apply", "--auto-approve", "--fail-fast", "--format", "json")
    assert run.code == 1
    summary = json.loads(run.stdout)["summary"]
    assert summary["applied"] == 0
    assert summary["failed"] >= 1
    assert summary["failed"] + summary["skipped"] == 4
