"""pull-request.yml, run as GitHub runs it: what comes from the base, what from the change.

Every test builds a real git repository the way a PR job checks it out (HEAD the
merge commit of ``main`` and the change, see pr_workflow.py) and runs the
workflow's own steps: ``run:`` scripts in bash ``-eo pipefail``, callfwd steps
through action.yml's scripts. Plans run against the real local settings API.
The sticky-comment script runs under node with a stand-in for the GitHub REST
client (the only fake here: GitHub itself).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from gitops_helpers import (
    find_step,
    git,
    load_workflow,
    run_action,
    run_script_step,
    run_uses_step,
)
from markdown_check import balanced, structure
from pr_workflow import (
    RUN_URL,
    PullRequest,
    author_job,
    compose_job,
    demo_files,
    pull_request,
    run_pull_request,
    validate_job,
)
from sandbox_fixtures import ACME_ANALYST, GLOBEX_OWNER, Sandbox
from workspace import manifest_text

DANA, EVE = "dana@acme.example", "eve@acme.example"
ACTORS = "dana-acme: dana@acme.example\neve-acme: eve@acme.example\n"
CARE = "manifests/acme-us/care.yaml"


def _manifest(
    account: str = "acme-us",
    team: str = "care",
    owners: list[tuple[str, str]] | None = None,
    **senders: str | None,
) -> str:
    return manifest_text(
        account=account,
        team=team,
        owners=owners or [(DANA, "manager")],
        senders=senders or {"+1 833 555 0100": "+1 212 555 0199"},
    )


ACME_CONFIG = "accounts:\n  acme-us: {api_url: 'https://acme.example', api_key_env: ACME_US_KEY}\n"
BASE = {
    "callfwd.yaml": ACME_CONFIG,
    ".github/callfwd-actors.yaml": ACTORS,
    CARE: _manifest(),
}


def _base_step(pr: PullRequest, tmp: Path, job: str = "validate", sha: str | None = None) -> Any:
    return run_script_step(
        find_step("pull-request.yml", job, "base"),
        {"github.sha": sha or pr.merge},
        cwd=pr.ws,
        runner=tmp / "r",
        temp=tmp / "temp",
    )


# --- the base branch's callfwd.yaml: the trusted configuration -------------------------------


def test_both_jobs_find_the_base_the_same_way() -> None:
    jobs = load_workflow("pull-request.yml")["jobs"]
    validate, plan = (find_step("pull-request.yml", j, "base") for j in ("validate", "plan"))
    assert validate == plan
    for name in ("validate", "plan"):
        checkout = jobs[name]["steps"][0]
        assert checkout["uses"].startswith("actions/checkout@")
        assert checkout["with"]["fetch-depth"] == "2"  # the merge commit and the base


def test_the_trusted_config_is_the_base_branchs_written_outside_the_checkout(
    tmp_path: Path,
) -> None:
    evil = "accounts:\n  acme-us: {api_url: 'http://127.0.0.1:9', api_key_env: ACME_US_KEY}\n"
    pr = pull_request(tmp_path / "ws", BASE, {"callfwd.yaml": evil})
    run = _base_step(pr, tmp_path)
    assert run.returncode == 0, run.output
    trusted = Path(run.outputs["trusted-config"])
    assert run.outputs == {"sha": pr.base, "trusted-config": str(trusted)}
    assert trusted.read_text(encoding="utf-8") == BASE["callfwd.yaml"]
    assert trusted.is_relative_to(tmp_path / "temp")  # $RUNNER_TEMP, not the checkout
    assert git(pr.ws, "status", "--porcelain") == ""


def test_no_callfwd_yaml_on_the_base_is_an_empty_trusted_file(tmp_path: Path) -> None:
    base = {k: v for k, v in BASE.items() if k != "callfwd.yaml"}
    pr = pull_request(tmp_path / "ws", base, {"callfwd.yaml": BASE["callfwd.yaml"]})
    run = _base_step(pr, tmp_path)
    assert run.returncode == 0, run.output
    assert Path(run.outputs["trusted-config"]).read_bytes() == b""


def test_a_checkout_that_is_not_the_merge_commit_is_refused(tmp_path: Path) -> None:
    """Checked out at the PR's own commit, HEAD^1 would be the author's: never trusted."""
    pr = pull_request(tmp_path / "ws", BASE, {CARE: _manifest(owners=[(EVE, "owner")])})
    git(pr.ws, "checkout", "-q", "--detach", pr.head)
    run = _base_step(pr, tmp_path)
    assert run.returncode == 1
    assert (
        "::error title=callfwd::the checkout is not the pull request's merge commit" in run.stdout
    )
    assert run.outputs == {}


def test_a_symbolic_link_as_callfwd_yaml_on_the_base_is_refused(tmp_path: Path) -> None:
    pr = pull_request(tmp_path / "ws", {k: v for k, v in BASE.items() if k != "callfwd.yaml"}, {})
    git(pr.ws, "checkout", "-q", "main")
    (pr.ws / "callfwd.yaml").symlink_to("/etc/passwd")
    git(pr.ws, "add", "callfwd.yaml")
    git(pr.ws, "commit", "-q", "-m", "a link on the base")
    git(pr.ws, "checkout", "-q", "--detach", "main")
    git(pr.ws, "merge", "-q", "--no-ff", "-m", "merge", "change")
    run = _base_step(pr, tmp_path, sha=git(pr.ws, "rev-parse", "HEAD").strip())
    assert run.returncode == 1
    assert "callfwd.yaml on the base branch is not a regular file (mode 120000)" in run.stdout
    assert "root:" not in run.output and run.outputs == {}


# --- the account list: changed since the base, keys where the base says ------------------------


def test_the_scan_lists_only_the_manifests_the_pr_adds_or_changes(tmp_path: Path) -> None:
    base = {**BASE, "manifests/acme-us/b.yaml": _manifest(team="b", **{"+1 844 555 0111": None})}
    base["README.md"] = "hello\n"
    change = {
        CARE: _manifest(**{"+1 833 555 0100": "+1 212 555 0142"}),  # changed
        "manifests/acme-us/c.yaml": _manifest(team="c", **{"+1 855 555 0122": None}),  # added
        "manifests/acme-us/b.yaml": None,  # deleted: nothing to validate
        "README.md": "changed\n",  # not a manifest
    }
    pr = pull_request(tmp_path / "ws", base, change)
    job = validate_job(pr, tmp_path)
    assert job.ok, {k: r.output for k, r in job.runs.items()}
    scan = job["scan"]
    assert scan.outputs["changed-manifests"].splitlines() == ["manifests/acme-us/c.yaml", CARE]
    [group] = json.loads(scan.outputs["accounts"])
    [row] = group["accounts"]
    assert (row["account"], row["api_key_env"], row["changed"]) == ("acme-us", "ACME_US_KEY", True)


def test_where_keys_go_comes_from_the_base_and_an_added_account_is_marked(
    tmp_path: Path,
) -> None:
    change = {
        "callfwd.yaml": "accounts:\n"
        "  acme-us: {api_url: 'https://evil.example', api_key_env: EVIL_KEY}\n"
        "  newco: {api_url: 'https://evil.example', api_key_env: NEWCO_KEY}\n",
        "manifests/newco/care.yaml": _manifest(
            "newco", owners=[(EVE, "owner")], **{"+1 888 555 0160": None}
        ),
    }
    pr = pull_request(tmp_path / "ws", BASE, change)
    job = validate_job(pr, tmp_path)
    rows = [r for g in json.loads(job["scan"].outputs["accounts"]) for r in g["accounts"]]
    assert rows == [
        {
            "account": "acme-us",
            "api_url": "https://acme.example",
            "api_key_env": "ACME_US_KEY",
            "manifests": [CARE],
            "changed": True,  # callfwd.yaml changed: every account
            "changed_manifests": [],
        },
        {
            "account": "newco",
            "added": True,
            "manifests": ["manifests/newco/care.yaml"],
            "changed": True,
            "changed_manifests": ["manifests/newco/care.yaml"],
        },
    ]
    assert "evil" not in job["scan"].output.lower()


def test_an_empty_repository_fails_the_scan(tmp_path: Path) -> None:
    """Never green on nothing: no manifest found is CF002 and a red step, no matrix."""
    pr = pull_request(tmp_path / "ws", {"README.md": "hi\n"}, {"README.md": "hello\n"})
    job = validate_job(pr, tmp_path)
    assert list(job.runs) == ["base", "validate"]  # the job stops at the first red step
    assert job["validate"].returncode == 1
    assert "title=CF002::no manifests here" in job["validate"].stdout
    # The scan fails on its own too: no matrix, so no plan job, whatever runs first.
    values = {
        "steps.base.outputs.sha": job["base"].outputs["sha"],
        "steps.base.outputs.trusted-config": job["base"].outputs["trusted-config"],
    }
    step = find_step("pull-request.yml", "validate", "scan")
    scan = run_uses_step(step, values, cwd=pr.ws, runner=tmp_path / "scan", temp=job.temp)
    assert scan.returncode == 1
    assert "error[CF002]" in scan.stderr
    assert "accounts" not in scan.outputs


def test_outside_a_git_repository_nothing_is_listed(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "callfwd.yaml").write_text(BASE["callfwd.yaml"])
    run = run_script_step(
        find_step("pull-request.yml", "validate", "base"),
        {"github.sha": "0" * 40},
        cwd=ws,
        runner=tmp_path / "r",
    )
    assert run.returncode != 0
    assert run.outputs == {}


# --- the author check: owners and the actor map as they are on the base --------------------------


def _author(pr: PullRequest, tmp: Path, login: str) -> Any:
    validated = validate_job(pr, tmp)
    assert validated.ok, {k: r.output for k, r in validated.runs.items()}
    job = author_job(pr, tmp, validated, login=login)
    assert job is not None
    return job["author"]


def test_an_owner_on_the_base_may_change_a_manifest(tmp_path: Path) -> None:
    pr = pull_request(tmp_path / "ws", BASE, {CARE: _manifest(**{"+1 833 555 0100": None})})
    run = _author(pr, tmp_path, "Dana-Acme")
    assert run.returncode == 0, run.output
    assert "callfwd: Dana-Acme acts as dana@acme.example" in run.stdout


def test_an_owner_the_change_adds_for_itself_does_not_count(tmp_path: Path) -> None:
    selfish = _manifest(owners=[(DANA, "manager"), (EVE, "owner")], **{"+1 833 555 0100": None})
    pr = pull_request(tmp_path / "ws", BASE, {CARE: selfish})
    run = _author(pr, tmp_path, "eve-acme")
    assert run.returncode == 1
    line = next(x for x in run.stdout.splitlines() if x.startswith("::error file="))
    assert line.startswith(f"::error file={CARE},line=4,")
    assert "title=CF405" in line and "eve@acme.example is not an owner of this manifest" in line
    assert "owners added by the same change do not count" in line


def test_a_new_manifest_is_judged_by_its_accounts_owners_on_the_base(tmp_path: Path) -> None:
    new = "manifests/acme-us/billing.yaml"
    billing = _manifest(team="billing", owners=[(EVE, "owner")], **{"+1 844 555 0111": None})
    pr = pull_request(tmp_path / "ws", BASE, {new: billing})
    assert _author(pr, tmp_path / "eve", "eve-acme").returncode == 1
    assert _author(pr, tmp_path / "dana", "dana-acme").returncode == 0


def test_the_first_manifest_of_an_account_is_refused_whoever_it_names(tmp_path: Path) -> None:
    new = "manifests/newco/care.yaml"
    newco = _manifest("newco", owners=[(EVE, "owner")], **{"+1 888 555 0160": None})
    pr = pull_request(tmp_path / "ws", BASE, {new: newco})
    run = _author(pr, tmp_path, "eve-acme")
    assert run.returncode == 1
    assert "title=CF408" in run.stdout and "CODEOWNERS" in run.stdout


def test_the_actor_map_is_read_from_the_base_in_either_form(tmp_path: Path) -> None:
    long_form = (
        "dana-acme:\n  email: dana@acme.example\n  roles: {acme-us: manager}\n"
        "eve-acme: eve@acme.example\n"
    )
    # The change maps eve's login to dana's email: read from the base, it counts for nothing.
    change = {
        ".github/callfwd-actors.yaml": "eve-acme: dana@acme.example\n",
        CARE: _manifest(**{"+1 833 555 0100": None}),
    }
    pr = pull_request(tmp_path / "ws", {**BASE, ".github/callfwd-actors.yaml": long_form}, change)
    assert _author(pr, tmp_path / "dana", "dana-acme").returncode == 0
    eve = _author(pr, tmp_path / "eve", "eve-acme")
    assert eve.returncode == 1
    assert "callfwd: eve-acme acts as eve@acme.example" in eve.stdout


@pytest.mark.parametrize(
    ("actors", "expected"),
    [
        ("someone-else: x@acme.example\n", "GitHub user mallory has no email in"),
        ("mallory: not-an-email\n", "GitHub user mallory has no usable email in"),
        ("mallory: [1, 2]\n", "the entry of mallory must be an email or a mapping"),
        (None, ".github/callfwd-actors.yaml is missing on"),
    ],
)
def test_an_author_the_base_does_not_map_fails_with_an_annotation(
    tmp_path: Path, actors: str | None, expected: str
) -> None:
    base = {**BASE, ".github/callfwd-actors.yaml": actors}
    if actors is None:
        del base[".github/callfwd-actors.yaml"]
    pr = pull_request(tmp_path / "ws", base, {CARE: _manifest(**{"+1 833 555 0100": None})})
    run = _author(pr, tmp_path, "mallory")
    assert run.returncode == 1
    line = next(x for x in run.stdout.splitlines() if x.startswith("::error title=callfwd actor::"))
    assert expected in line
    assert run.outputs["exit-code"] == "1"
    assert "Traceback" not in run.output


def test_an_actor_login_without_a_base_is_a_usage_error(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "manifests" / "acme-us").mkdir(parents=True)
    (ws / CARE).write_text(_manifest())
    run = run_action({"command": "validate", "actor-login": "dana-acme"}, cwd=ws, runner=tmp_path)
    assert run.returncode == 64
    assert "actor-login needs base" in run.stdout


def test_a_fork_is_told_it_is_validated_not_planned(tmp_path: Path) -> None:
    step = find_step("pull-request.yml", "validate", "fork")
    assert step["if"] == "github.event.pull_request.head.repo.full_name != github.repository"
    run = run_script_step(step, {}, cwd=tmp_path, runner=tmp_path / "r")
    assert run.returncode == 0
    assert run.stdout.startswith("::warning title=callfwd::validated, not planned")
    assert "a pull request from a fork gets no keys" in run.summary


# --- plan, compose, comment: against the local settings API -------------------------------------


KEYS = {"ACME_KEY": ACME_ANALYST, "GLOBEX_KEY": GLOBEX_OWNER}


def _demo_base(sandbox: Sandbox) -> dict[str, str | None]:
    return demo_files(sandbox.url, ACTORS)


def _edit(files: dict[str, str | None], name: str, old: str, new: str) -> dict[str, str | None]:
    text = files[name]
    assert text is not None and old in text
    return {name: text.replace(old, new)}


def test_only_the_changed_account_is_planned_and_the_rest_listed_unchanged(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    base = _demo_base(sandbox)
    change = _edit(
        base, "manifests/acme-us/customer-care.yaml", "+1 212 555 0199", "+1 212 555 0177"
    )
    pr = pull_request(tmp_path / "ws", base, change)
    run = run_pull_request(pr, tmp_path, login="dana-acme", keys=KEYS)
    assert run.validate.ok, {k: r.output for k, r in run.validate.runs.items()}
    assert [p.ok for p in run.plans] == [True, True], [p.runs for p in run.plans]
    acme, globex = (json.loads(Path(p["plan"].outputs["plan-file"]).read_text()) for p in run.plans)
    assert [a["account"] for a in acme["accounts"]] == ["acme-us"]
    assert globex["accounts"] == []  # unchanged: not planned, no call made for it
    comment = run.comment
    assert comment.startswith("<!-- callfwd-plan -->\n### callfwd plan\n")
    assert "**Unchanged, not planned:** `globex`." in comment
    assert "#### `acme-us`" in comment and "+12125550177" in comment
    assert f"_For `{pr.head[:7]}`, [run]({RUN_URL})._" in comment
    assert "Not planned" not in comment and "Shortened" not in comment
    assert run.compose is not None and run.compose["comment"].outputs["cut"] == "false"
    assert balanced(comment)


def test_an_account_whose_plan_failed_is_named_in_the_comment(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    base = _demo_base(sandbox)
    change = _edit(
        base, "callfwd.yaml", "api_key_env: ACME_KEY", "api_key_env: ACME_KEY, prune: false"
    )
    pr = pull_request(tmp_path / "ws", base, change)
    run = run_pull_request(pr, tmp_path, login="dana-acme", keys={**KEYS, "GLOBEX_KEY": "nope"})
    assert [p.ok for p in run.plans] == [True, False]
    comment = run.comment
    assert "> **Not planned:** `globex`: their plan failed or did not run" in comment
    assert "#### `acme-us`" in comment
    assert "CF524" not in comment  # prune: false is the default: nothing differs


def test_the_comment_job_never_runs_callfwd_and_the_compose_job_has_no_key() -> None:
    jobs = load_workflow("pull-request.yml")["jobs"]
    assert jobs["compose"]["permissions"] == {"contents": "read"}
    assert "environment" not in jobs["compose"]
    assert "secrets" not in json.dumps(jobs["compose"])
    comment = jobs["comment"]
    assert comment["permissions"] == {"pull-requests": "write"}
    assert not any(s.get("uses") == "./" for s in comment["steps"])
    assert comment["needs"] == ["validate", "plan", "compose"]


# --- the sticky comment ---------------------------------------------------------------------------

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
const core = { info: () => {}, setFailed: (m) => { state.failed.push(m); } };
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
    jobs = load_workflow("pull-request.yml")["jobs"]
    step = next(
        s
        for s in jobs["comment"]["steps"]
        if s.get("uses", "").startswith("actions/github-script@")
    )
    (tmp_path / "script.js").write_text(step["with"]["script"], encoding="utf-8")
    (tmp_path / "harness.js").write_text(_HARNESS, encoding="utf-8")
    state_path = tmp_path / "state.json"
    human = {"id": 1, "body": "<!-- callfwd-plan --> quoted by a person", "user": {"type": "User"}}
    state = {"next": 100, "comments": [human], "calls": [], "failed": []}
    state_path.write_text(json.dumps(state))
    composed = tmp_path / "callfwd-comment" / "comment.md"

    def post(body: str | None, plan: str = "success", validated: str = "success") -> dict[str, Any]:
        shutil.rmtree(composed.parent, ignore_errors=True)
        if body is not None:
            composed.parent.mkdir()
            composed.write_text(body, encoding="utf-8")
        env = {
            "PLAN_RESULT": plan,
            "VALIDATE_RESULT": validated,
            "COMPOSE_RESULT": "success" if body is not None else "skipped",
            "COMMENT_FILE": str(composed),
            "PATH": "",
        }
        proc = subprocess.run(
            [node, "harness.js", "script.js", str(state_path)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(state_path.read_text())  # type: ignore[no-any-return]

    return post


def test_the_composed_comment_is_posted_once_then_edited_as_it_is(comment: Any) -> None:
    first = comment("<!-- callfwd-plan -->\n### callfwd plan\n\nplan A\n")
    second = comment("<!-- callfwd-plan -->\n### callfwd plan\n\nplan B\n")
    assert first["calls"] == [["create", 7]]
    assert second["calls"] == [["create", 7], ["update", 100]]
    ours = [c for c in second["comments"] if c["user"]["type"] == "Bot"]
    assert [c["body"] for c in ours] == ["<!-- callfwd-plan -->\n### callfwd plan\n\nplan B\n"]
    assert second["comments"][0]["body"] == "<!-- callfwd-plan --> quoted by a person"
    assert second["failed"] == []


def test_without_a_plan_the_comment_says_why_even_the_first_time(comment: Any) -> None:
    state = comment(None, plan="skipped", validated="failure")
    assert state["calls"] == [["create", 7]]
    body = state["comments"][-1]["body"]
    assert body.startswith("<!-- callfwd-plan -->\n### callfwd plan\n")
    assert "**No plan** for 0123456: validation failed" in body
    assert "(https://github.com/o/r/actions/runs/42)" in body


def test_a_comment_over_githubs_limit_is_refused_never_cut(comment: Any) -> None:
    huge = "<!-- callfwd-plan -->\n" + "| row |\n" * 10_000
    state = comment(huge)
    assert state["failed"] and "at most 65536 characters" in state["failed"][0]
    body = state["comments"][-1]["body"]
    assert "| row |" not in body
    assert "**No plan** for 0123456: the plan comment could not be made" in body


def test_the_compose_step_takes_the_plans_from_the_runner_temp(tmp_path: Path) -> None:
    step = find_step("pull-request.yml", "compose", "comment")
    assert step["with"]["paths"] == "${{ runner.temp }}/callfwd-plans"
    assert step["with"]["matrix"] == "${{ needs.validate.outputs.groups }}"
    download = next(
        s
        for s in load_workflow("pull-request.yml")["jobs"]["compose"]["steps"]
        if s.get("uses", "").startswith("actions/download-artifact@")
    )
    assert download["with"] == {
        "pattern": "callfwd-plan-*",
        "path": "${{ runner.temp }}/callfwd-plans",
    }
    pr = pull_request(tmp_path / "ws", BASE, {})
    job = compose_job(pr, tmp_path, "[]", [])  # no plan at all
    assert job.ok, job["comment"].output
    text = Path(job["comment"].outputs["comment-file"]).read_text(encoding="utf-8")
    assert structure(text).html == ["<!-- callfwd-plan -->"]
    assert git(pr.ws, "status", "--porcelain") == ""


def test_a_fleet_of_failed_plans_is_named_within_bounds(tmp_path: Path) -> None:
    """Every plan failed in a fleet of 300 changed accounts: 50 named, the rest counted."""
    rows = [{"account": f"acct-{i:04d}", "changed": True, "manifests": []} for i in range(300)]
    rows.append({"account": "quiet", "changed": False, "manifests": []})
    groups = json.dumps([{"group": 1, "groups": 1, "name": "all", "accounts": rows}])
    pr = pull_request(tmp_path / "ws", BASE, {})
    job = compose_job(pr, tmp_path, groups, [])
    assert job.ok, job["comment"].output
    text = Path(job["comment"].outputs["comment-file"]).read_text(encoding="utf-8")
    assert "> **Not planned:** `acct-0000`, `acct-0001`" in text
    assert "`acct-0049` and 250 more: their plan failed or did not run" in text
    assert "acct-0050" not in text and len(text) < 5_000
    assert "quiet" not in text  # unchanged is not "not planned"
