"""The deploy and drift workflows' steps, run for real: account lists, plan, apply, drift.

Each test takes a step out of the workflow file and runs it like a GitHub
runner would: a ``run:`` script directly, a ``uses: ./`` step through the
callfwd action's own scripts (see gitops_helpers), against real manifests and
the real local settings API. The pull-request workflow is in test_pr_workflow.py.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from gitops_helpers import (
    ROOT,
    StepRun,
    find_step,
    load_workflow,
    run_action,
    run_step,
    run_uses_step,
)
from sandbox_fixtures import ACME_ANALYST, ACME_MANAGER, Sandbox, patch_body
from workspace import write_manifest

DANA = "dana@acme.example"


def _job(workflow: str, job: str) -> dict[str, Any]:
    return load_workflow(workflow)["jobs"][job]


def _acme(ws: Path, name: str = "care", **senders: str | None) -> Path:
    path = ws / "manifests" / "acme-us" / f"{name}.yaml"
    write_manifest(
        path,
        account="acme-us",
        owner=DANA,
        role="manager",
        senders=senders or {"+1 833 555 0100": "+1 212 555 0199"},
    )
    return path


# --- the account matrix -------------------------------------------------------------------


def _list(ws: Path, tmp_path: Path, workflow: str) -> StepRun:
    return run_uses_step(find_step(workflow, "accounts", "list"), {}, cwd=ws, runner=tmp_path / "r")


def test_account_list_gives_each_account_its_key_variable(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    _acme(ws)
    write_manifest(
        ws / "manifests" / "globex" / "support.yaml",
        account="globex",
        owner="hank@globex.example",
        role="owner",
        senders={"+1 888 555 0160": None},
    )
    (ws / "manifests" / "seed.yaml").write_text("accounts: []\n", encoding="utf-8")
    (ws / "callfwd.yaml").write_text(
        "exclude: [manifests/seed.yaml]\n"
        "accounts:\n"
        "  acme-us: {api_url: 'https://acme.example', api_key_env: ACME_US_KEY}\n"
        "  globex: {api_url: 'https://globex.example'}\n",
        encoding="utf-8",
    )
    run = _list(ws, tmp_path, "apply.yml")
    assert run.returncode == 0, run.output
    # Up to 64 accounts, a group each: one job per account, as the reader expects.
    assert json.loads(run.outputs["accounts"]) == [
        {
            "group": 1,
            "groups": 2,
            "name": "acme-us",
            "accounts": [
                {
                    "account": "acme-us",
                    "api_key_env": "ACME_US_KEY",
                    "api_url": "https://acme.example",
                    "manifests": ["manifests/acme-us/care.yaml"],
                }
            ],
        },
        {
            "group": 2,
            "groups": 2,
            "name": "globex",
            "accounts": [
                {
                    "account": "globex",
                    "api_key_env": "CALLFWD_API_KEY",
                    "api_url": "https://globex.example",
                    "manifests": ["manifests/globex/support.yaml"],
                }
            ],
        },
    ]


def test_account_list_without_callfwd_yaml_uses_callfwd_api_key(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    _acme(ws)
    run = _list(ws, tmp_path, "drift.yml")
    assert run.returncode == 0, run.output
    [group] = json.loads(run.outputs["accounts"])
    assert group["accounts"] == [
        {
            "account": "acme-us",
            "api_key_env": "CALLFWD_API_KEY",
            "manifests": ["manifests/acme-us/care.yaml"],
        }
    ]


@pytest.mark.parametrize("workflow", ["apply.yml", "drift.yml"])
@pytest.mark.parametrize("config", [None, "manifests: [infra/manifests/]\n"])
def test_account_list_fails_when_no_manifest_is_found(
    tmp_path: Path, workflow: str, config: str | None
) -> None:
    """Never green on nothing: no matrix, a red job, CF002 in the log."""
    ws = tmp_path / "ws"
    _acme(ws, "care").rename(ws / "care.yaml")  # a manifest, not where callfwd looks
    if config is not None:
        (ws / "callfwd.yaml").write_text(config, encoding="utf-8")
    run = _list(ws, tmp_path, workflow)
    assert run.returncode == 1
    assert "accounts" not in run.outputs
    assert "error[CF002]" in run.stderr


# --- apply and drift against the local settings API ------------------------------------------


@pytest.fixture
def acme_checkout(tmp_path: Path, sandbox: Sandbox) -> Path:
    """A checkout with the example acme-us manifests, its callfwd.yaml pointing at the sandbox."""
    ws = tmp_path / "ws"
    shutil.copytree(ROOT / "manifests" / "acme-us", ws / "manifests" / "acme-us")
    (ws / "callfwd.yaml").write_text(
        f"accounts:\n  acme-us: {{api_url: '{sandbox.url}', api_key_env: ACME_US_KEY}}\n",
        encoding="utf-8",
    )
    return ws


ACME_GROUP = {
    "group": 1,
    "groups": 1,
    "name": "acme-us",
    "accounts": [
        {"account": "acme-us", "api_key_env": "ACME_US_KEY", "manifests": []},
    ],
}


def _values(key: str, **extra: str) -> dict[str, str]:
    # What the ${{ }} expressions of a group job's step would give on the runner.
    return {
        "toJSON(matrix)": json.dumps(ACME_GROUP, indent=2),
        "matrix.group": "1",
        "matrix.name": "acme-us",
        "secrets.CALLFWD_API_KEYS": json.dumps({"ACME_US_KEY": key}),
        "vars.CALLFWD_API_URL": "",
        **extra,
    }


def _drift(ws: Path, runner: Path, key: str = ACME_ANALYST) -> StepRun:
    step = find_step("drift.yml", "drift", "drift")
    run = run_uses_step(step, _values(key), cwd=ws, runner=runner)
    assert key not in run.output.replace(f"::add-mask::{key}", "") + run.summary
    return run


def test_apply_then_drift_through_the_workflow_steps(
    acme_checkout: Path, tmp_path: Path, sandbox: Sandbox
) -> None:
    ws = acme_checkout
    temp = tmp_path / "job-temp"  # one RUNNER_TEMP for the job's steps
    out = temp / "callfwd"
    plan_step = find_step("apply.yml", "apply", "plan")
    plan = run_uses_step(
        plan_step, _values(ACME_MANAGER), cwd=ws, runner=tmp_path / "plan", temp=temp
    )
    assert plan.returncode == 0, plan.output
    assert plan.outputs == {
        "changes": "true",
        "plan-file": str(out / "plan.json"),
        "report-file": str(out / "plan.txt"),
        "out-dir": str(out),
        "exit-code": "0",
    }
    assert plan.summary.startswith("<!-- callfwd-plan -->")
    assert sorted(p.name for p in ws.iterdir()) == ["callfwd.yaml", "manifests"]

    apply_step = next(
        s for s in _job("apply.yml", "apply")["steps"] if s.get("name") == "Apply the saved plan"
    )
    assert apply_step["if"] == "steps.plan.outputs.changes == 'true'"
    values = _values(
        ACME_MANAGER,
        **{
            "steps.plan.outputs.plan-file": plan.outputs["plan-file"],
            # workflow_dispatch's box unticked (and on push): the expression gives ''.
            "inputs.allow-mass-changes && '--allow-mass-changes' || ''": "",
        },
    )
    apply = run_uses_step(apply_step, values, cwd=ws, runner=tmp_path / "apply", temp=temp)
    assert apply.returncode == 0, apply.output
    audit = [
        json.loads(line) for line in (out / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    # Changes within an account run concurrently: the log's order is the order they finished.
    assert sorted((e["action"], e["sender"], e["result"]) for e in audit) == [
        ("create", "+18445550111", "applied"),
        ("delete", "+18665550133", "applied"),
        ("update", "+18555550122", "applied"),
    ]
    assert "### Apply: `acme-us`" in apply.summary
    shown = apply.output + apply.summary + plan.output + plan.summary
    assert ACME_MANAGER not in shown.replace(f"::add-mask::{ACME_MANAGER}", "")
    assert sorted(p.name for p in ws.iterdir()) == ["callfwd.yaml", "manifests"]

    clean = _drift(ws, tmp_path / "drift0")
    assert clean.returncode == 0, clean.output
    assert "No drift in `acme-us`" in clean.summary

    # Someone edits one forwarding by hand, behind git's back.
    sid = sandbox.sender_id("acme-us", "+18555550122")
    with sandbox.client(ACME_MANAGER) as api:
        r = api.patch(f"/api/text-messaging-senders/{sid}", json=patch_body(sid, "+13125550100"))
    assert r.status_code == 200, r.text

    drift = _drift(ws, tmp_path / "drift1")
    assert drift.returncode == 2, drift.output
    assert "::error title=callfwd drift::acme-us" in drift.stdout
    assert "## Drift in `acme-us`" in drift.summary
    assert "`+18555550122` | `+13125550100` | `+13125550175`" in drift.summary
    for untouched in ("+18445550111", "+18665550133", "+18335550100"):
        assert untouched not in drift.summary


def test_drift_reports_an_error_as_an_error_not_as_drift(
    acme_checkout: Path, tmp_path: Path
) -> None:
    run = _drift(acme_checkout, tmp_path / "r", key="sandbox-not-a-key")
    assert run.returncode == 1, run.output
    assert "an error, not drift" in run.summary
    assert "::error title=callfwd drift check failed::acme-us" in run.stdout
    assert "Drift in" not in run.summary


@pytest.mark.parametrize(("ref", "ok"), [("refs/heads/main", True), ("refs/heads/mine", False)])
def test_drift_runs_on_main_only_where_callfwd_yaml_is_the_trusted_one(
    tmp_path: Path, ref: str, ok: bool
) -> None:
    step = _job("drift.yml", "accounts")["steps"][0]
    env = {"GITHUB_REF": ref, "GITHUB_REF_NAME": ref.rsplit("/", 1)[-1]}
    run = run_step(step, cwd=tmp_path, runner=tmp_path / "r", env=env)
    assert (run.returncode == 0) is ok, run.output
    if not ok:
        assert "::error title=callfwd drift::drift is checked on main only" in run.stdout
    assert all("trusted-config" not in json.dumps(s) for s in _job("drift.yml", "drift")["steps"])


def test_drift_publishes_the_coverage_report(acme_checkout: Path, tmp_path: Path) -> None:
    temp = tmp_path / "job-temp"
    step = find_step("drift.yml", "drift", "report")
    assert step["if"] == "${{ !cancelled() }}"  # drift (exit 2) or not
    run = run_uses_step(step, _values(ACME_ANALYST), cwd=acme_checkout, runner=tmp_path, temp=temp)
    assert run.returncode == 0, run.output
    page = temp / "callfwd" / "callfwd-report.html"
    assert run.outputs["report-file"] == str(temp / "callfwd" / "report.md")
    assert run.summary == (temp / "callfwd" / "report.md").read_text(encoding="utf-8")
    assert "acme-us" in run.summary and "(833) 555-0100" in page.read_text(encoding="utf-8")
    assert page.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html>")
    assert sorted(p.name for p in acme_checkout.iterdir()) == ["callfwd.yaml", "manifests"]
    upload = next(
        s
        for s in _job("drift.yml", "drift")["steps"]
        if s.get("name") == "Keep the coverage report page"
    )
    assert upload["with"]["name"] == "callfwd-report-${{ matrix.group }}"
    assert upload["with"]["path"] == "${{ runner.temp }}/callfwd/callfwd-report.html"
    assert upload["if"] == "${{ !cancelled() && steps.report.outputs.exit-code == '0' }}"
    assert ACME_ANALYST not in run.output.replace(f"::add-mask::{ACME_ANALYST}", "") + run.summary


# --- apply against an API without a write: the changes wait for a person -----------------------


@pytest.fixture
def vendor_checkout(tmp_path: Path, published_sandbox: Sandbox) -> Path:
    """The example acme-us manifests against an API that publishes reads only."""
    ws = tmp_path / "ws"
    shutil.copytree(ROOT / "manifests" / "acme-us", ws / "manifests" / "acme-us")
    (ws / "callfwd.yaml").write_text(
        "defaults: {api: published}\n"
        f"accounts:\n  acme-us: {{api_url: '{published_sandbox.url}', api_key_env: ACME_US_KEY}}\n",
        encoding="utf-8",
    )
    return ws


def test_apply_without_a_write_api_says_the_changes_wait_in_the_vendors_ui(
    vendor_checkout: Path, tmp_path: Path, published_sandbox: Sandbox
) -> None:
    ws, temp = vendor_checkout, tmp_path / "job-temp"
    plan_step = find_step("apply.yml", "apply", "plan")
    plan = run_uses_step(plan_step, _values(ACME_MANAGER), cwd=ws, runner=tmp_path / "p", temp=temp)
    assert plan.returncode == 0, plan.output
    apply_step = next(
        s for s in _job("apply.yml", "apply")["steps"] if s.get("name") == "Apply the saved plan"
    )
    assert apply_step["with"]["by-hand"] == "fail"
    values = _values(
        ACME_MANAGER,
        **{
            "steps.plan.outputs.plan-file": plan.outputs["plan-file"],
            "inputs.allow-mass-changes && '--allow-mass-changes' || ''": "",
        },
    )
    apply = run_uses_step(apply_step, values, cwd=ws, runner=tmp_path / "a", temp=temp)
    # Red by default, but as what it is: nothing failed, three changes wait for a person.
    assert apply.returncode == 3 and apply.outputs["exit-code"] == "3", apply.output
    assert (
        "::warning title=callfwd apply by hand::acme-us: 3 changes wait for a person in the "
        "vendor's UI (the API offers no forwarding write; nothing failed)"
    ) in apply.stdout
    assert "::error" not in apply.stdout
    summary = apply.summary
    assert summary.startswith(
        "### Apply: `acme-us`: 3 changes wait for a person in the vendor's UI\n"
    )
    checklist, transcript = summary.split("<details><summary>What callfwd apply printed")
    assert re.findall(r"^- \[(.)\] \*\*[^*]+\*\* \((\+1\d{10})\)", checklist, re.MULTILINE) == [
        (" ", "+18445550111"),
        (" ", "+18555550122"),
        (" ", "+18665550133"),
    ]
    assert "## Account `Acme US` (id `acme-us`)" in checklist  # the account to open
    assert "No terminal to guide you" not in checklist and "No terminal" in transcript
    assert published_sandbox.writes() == [] and published_sandbox.unpublished_requests() == []

    # by-hand: warn passes the step, and says the same.
    warn = run_uses_step(
        {**apply_step, "with": {**apply_step["with"], "by-hand": "warn"}},
        values,
        cwd=ws,
        runner=tmp_path / "w",
        temp=tmp_path / "warn-temp",
    )
    assert warn.returncode == 0 and warn.outputs["exit-code"] == "3", warn.output
    assert "::warning title=callfwd apply by hand::acme-us: 3 changes wait" in warn.stdout


def test_by_hand_takes_fail_or_warn_only(vendor_checkout: Path, tmp_path: Path) -> None:
    run = run_action(
        {"command": "apply", "by-hand": "ignore"}, cwd=vendor_checkout, runner=tmp_path / "r"
    )
    assert run.returncode == 64
    assert "::error title=callfwd::by-hand must be fail or warn" in run.stdout
