"""The workflows' steps, run for real: account lists, actor mapping, plan, apply, drift.

Each test takes a step out of the workflow file and runs it like a GitHub
runner would: a ``run:`` script directly, a ``uses: ./`` step through the
callfwd action's own scripts (see gitops_helpers), against real
manifests, a real git history and, for plan/apply/drift, the real local
settings API. The sticky-comment script runs under node with a stand-in for the
GitHub REST client (the only fake here: GitHub itself).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from gitops_helpers import (
    ROOT,
    StepRun,
    find_step,
    git,
    load_workflow,
    run_step,
    run_uses_step,
    write_manifest,
)
from sandbox_fixtures import ACME_ANALYST, ACME_MANAGER, Sandbox, patch_body

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


# --- pull requests: what changed, who is acting ---------------------------------------------


def test_pr_scan_lists_only_the_manifests_the_pr_adds_or_changes(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    git(ws, "init", "-q", "-b", "main")
    a = _acme(ws, "a")
    _acme(ws, "b", **{"+1 844 555 0111": None})
    (ws / "README.md").write_text("hello\n", encoding="utf-8")
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", "base")
    _acme(ws, "a", **{"+1 833 555 0100": "+1 212 555 0142"})  # changed
    _acme(ws, "c", **{"+1 855 555 0122": None})  # added
    (ws / "manifests" / "acme-us" / "b.yaml").unlink()  # deleted: nothing to validate
    (ws / "README.md").write_text("changed\n", encoding="utf-8")  # not a manifest
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", "the PR")
    assert a.exists()

    step = find_step("pull-request.yml", "validate", "scan")
    run = run_uses_step(step, {}, cwd=ws, runner=tmp_path / "r")
    assert run.returncode == 0, run.output
    assert run.outputs["changed-manifests"].splitlines() == [
        "manifests/acme-us/a.yaml",
        "manifests/acme-us/c.yaml",
    ]
    [group] = json.loads(run.outputs["accounts"])
    [row] = group["accounts"]
    assert (row["account"], row["api_key_env"], row["changed"]) == (
        "acme-us",
        "CALLFWD_API_KEY",
        True,
    )


def test_pr_scan_fails_when_the_account_list_cannot_be_made(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    _acme(ws)
    # Not a git repository: the PR's base cannot be found, so nothing is listed.
    step = find_step("pull-request.yml", "validate", "scan")
    run = run_uses_step(step, {}, cwd=ws, runner=tmp_path / "r")
    assert run.returncode == 1
    assert "accounts" not in run.outputs
    assert run.outputs["exit-code"] == "1"
    assert "not a git repository" in run.stderr


def _map_actor(tmp_path: Path, login: str, actors: str | None) -> StepRun:
    ws = tmp_path / "ws"
    base = ws / ".callfwd-base" / ".github"
    base.mkdir(parents=True)
    if actors is not None:
        (base / "callfwd-actors.yaml").write_text(actors, encoding="utf-8")
    step = find_step("pull-request.yml", "validate", "actor")
    env = {**step["env"], "PR_AUTHOR": login}
    return run_step(step, cwd=ws, runner=tmp_path / "r", env=env)


def test_actor_map_finds_the_login_case_insensitively(tmp_path: Path) -> None:
    run = _map_actor(tmp_path, "Dana-Acme", "# who is who\ndana-acme: dana@acme.example\n")
    assert run.returncode == 0, run.output
    assert run.outputs == {"email": DANA}


@pytest.mark.parametrize(
    ("actors", "expected"),
    [
        ("someone-else: x@acme.example\n", "GitHub user mallory has no email"),
        ("mallory: not-an-email\n", "GitHub user mallory has no email"),
        ("- mallory\n", "must map GitHub logins to emails"),
        (None, "missing on the base branch"),
    ],
)
def test_actor_map_fails_with_an_annotation(
    tmp_path: Path, actors: str | None, expected: str
) -> None:
    run = _map_actor(tmp_path, "mallory", actors)
    assert run.returncode == 1
    assert "::error title=callfwd actor::" in run.stdout
    assert expected in run.stdout
    assert "email" not in run.outputs


@pytest.mark.parametrize(("email", "ok"), [(DANA, True), ("ari@acme.example", False)])
def test_actor_check_validates_the_changed_manifests_as_that_email(
    tmp_path: Path, email: str, ok: bool
) -> None:
    ws = tmp_path / "ws"
    _acme(ws, "a")
    _acme(ws, "b", **{"+1 844 555 0111": None})
    (ws / "manifests" / "acme-us" / "b.yaml").write_text(
        (ws / "manifests" / "acme-us" / "b.yaml").read_text().replace(DANA, "x@acme.example")
    )
    step = next(
        s
        for s in _job("pull-request.yml", "validate")["steps"]
        if "--actor" in s.get("with", {}).get("args", "")
    )
    values = {
        "steps.scan.outputs.changed-manifests": "manifests/acme-us/a.yaml\n",
        "steps.actor.outputs.email": email,
    }
    run = run_uses_step(step, values, cwd=ws, runner=tmp_path / "r")
    assert (run.returncode == 0) is ok, run.output
    if not ok:
        assert "::error file=manifests/acme-us/a.yaml" in run.stdout
        assert "ari@acme.example" in run.stdout


# --- the sticky comment -------------------------------------------------------------------

_HARNESS = r"""
const fs = require('fs');
const [script, statePath] = process.argv.slice(2);
const state = JSON.parse(fs.readFileSync(statePath, 'utf8'));
const bot = { type: 'Bot', login: 'github-actions[bot]' };
const github = {
  rest: { issues: {
    listComments: 'listComments',
    createComment: async (p) => {
      const c = { id: state.next++, body: p.body, user: bot, html_url: 'u' };
      state.comments.push(c); state.calls.push(['create', p.issue_number]); return { data: c };
    },
    updateComment: async (p) => {
      const c = state.comments.find((x) => x.id === p.comment_id);
      c.body = p.body; state.calls.push(['update', p.comment_id]); return { data: c };
    },
  } },
  paginate: async (fn, p) => {
    if (fn !== 'listComments' || p.issue_number !== 7) throw new Error('unexpected call');
    return state.comments.map((c) => ({ ...c }));
  },
};
const context = {
  serverUrl: 'https://github.com', runId: 42, repo: { owner: 'o', repo: 'r' },
  payload: { pull_request: { number: 7, head: { sha: '0123456789abcdef' } } },
};
const core = { info: () => {} };
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('github', 'context', 'core', 'require', fs.readFileSync(script, 'utf8'))(
  github, context, core, require,
).then(() => fs.writeFileSync(statePath, JSON.stringify(state)));
"""


@pytest.fixture
def comment(tmp_path: Path) -> Any:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (actions/github-script runs the script under node)")
    step = next(
        s
        for s in _job("pull-request.yml", "comment")["steps"]
        if str(s.get("uses", "")).startswith("actions/github-script@")
    )
    (tmp_path / "script.js").write_text(step["with"]["script"], encoding="utf-8")
    (tmp_path / "harness.js").write_text(_HARNESS, encoding="utf-8")
    state_path = tmp_path / "state.json"
    human = {"id": 1, "body": "<!-- callfwd-plan --> quoted by a person", "user": {"type": "User"}}
    state_path.write_text(json.dumps({"next": 100, "comments": [human], "calls": []}))
    plans = tmp_path / "callfwd-plan"

    def post(
        result: str = "success", validated: str = "success", **by_account: str
    ) -> dict[str, Any]:
        shutil.rmtree(plans, ignore_errors=True)
        plans.mkdir()
        for account, text in by_account.items():
            (plans / f"{account}.md").write_text(text, encoding="utf-8")
        proc = subprocess.run(
            [node, "harness.js", "script.js", str(state_path)],
            cwd=tmp_path,
            env={"PLAN_RESULT": result, "VALIDATE_RESULT": validated, "PATH": ""},
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(state_path.read_text())  # type: ignore[no-any-return]

    return post


def test_sticky_comment_is_created_once_then_edited(comment: Any) -> None:
    first = comment(**{"acme-us": "<!-- callfwd-plan -->\n### plan A\n"})
    second = comment(
        **{
            "acme-us": "<!-- callfwd-plan -->\n### plan B\n",
            "globex": "<!-- callfwd-plan -->\n### plan G\n",
        }
    )
    assert first["calls"] == [["create", 7]]
    assert second["calls"] == [["create", 7], ["update", 100]]
    ours = [c for c in second["comments"] if c["user"]["type"] == "Bot"]
    assert len(ours) == 1
    body = ours[0]["body"]
    assert body.startswith("<!-- callfwd-plan -->\n")
    assert body.count("<!-- callfwd-plan -->") == 1
    assert "plan A" not in body and body.index("plan B") < body.index("plan G")
    assert "0123456" in body
    assert second["comments"][0]["body"] == "<!-- callfwd-plan --> quoted by a person"


def test_sticky_comment_warns_when_a_plan_failed_and_stays_under_the_limit(
    comment: Any,
) -> None:
    huge = "<!-- callfwd-plan -->\n" + "| row |\n" * 20_000
    state = comment("failure", **{"acme-us": huge})
    body = state["comments"][-1]["body"]
    assert len(body) <= 65_000
    assert "Not every account could be planned" in body
    assert body.endswith(
        "every plan is in full in the [run summary](https://github.com/o/r/actions/runs/42)."
    )


def test_after_a_failed_validation_an_earlier_plan_comment_is_marked_out_of_date(
    comment: Any,
) -> None:
    nothing = comment("skipped", "failure")
    assert nothing["calls"] == []  # no earlier plan comment: no new noise either
    comment(**{"acme-us": "<!-- callfwd-plan -->\n### plan A\n"})
    state = comment("skipped", "failure")
    assert state["calls"] == [["create", 7], ["update", 100]]
    body = state["comments"][-1]["body"]
    assert body.startswith("<!-- callfwd-plan -->")
    assert "No plan: validation failed" in body and "plan A" not in body


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


@pytest.mark.parametrize("exit_code", ["0", "1", ""])
def test_pr_plan_is_prepared_for_the_comment_under_the_runner_temp(
    tmp_path: Path, exit_code: str
) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    report = tmp_path / "temp" / "callfwd" / "plan.txt"
    report.parent.mkdir(parents=True)
    report.write_text("<!-- callfwd-plan -->\n### plan of the group\n", encoding="utf-8")
    step = next(
        s
        for s in _job("pull-request.yml", "plan")["steps"]
        if s.get("name") == "Prepare the plan for the PR comment"
    )
    env = {
        "GROUP": "3",
        "NAME": "acme-us..globex (2 accounts)",
        "EXIT_CODE": exit_code,
        "PLAN_TEXT": str(report),
        "RUNNER_TEMP": str(tmp_path / "temp"),
    }
    run = run_step(step, cwd=ws, runner=tmp_path / "r", env=env)
    assert run.returncode == 0, run.output
    assert sorted(p.name for p in ws.iterdir()) == []  # nothing in the checkout
    text = (tmp_path / "temp" / "callfwd-plan" / "0003.md").read_text(encoding="utf-8")
    if exit_code == "0":
        assert text == report.read_text(encoding="utf-8")
    else:
        assert text == (
            "<!-- callfwd-plan -->\n**acme-us..globex (2 accounts)**: the plan failed "
            f"(exit {exit_code or 'none'}); see the job log.\n"
        )
    upload = next(
        s
        for s in _job("pull-request.yml", "plan")["steps"]
        if s.get("name") == "Keep the plan for the PR comment"
    )
    assert upload["with"]["path"] == "${{ runner.temp }}/callfwd-plan/*.md"
