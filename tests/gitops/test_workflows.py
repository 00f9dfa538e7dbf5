"""The GitHub workflows: schema-valid, zizmor-clean, pinned, least privilege, secrets in env."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gitops_helpers import ACTION, VENV_BIN, WORKFLOWS, load_workflow

REQUIRED = ("ci.yml", "pull-request.yml", "apply.yml", "drift.yml")
# Every workflow in the folder gets the checks below, not only ours.
PATHS = sorted(p for p in WORKFLOWS.iterdir() if p.suffix in (".yml", ".yaml"))
NAMES = tuple(p.name for p in PATHS)
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$")
PINNED = re.compile(r"^(?P<action>[\w.-]+/[\w.-]+(?:/[\w./-]+)?)@(?P<sha>[0-9a-f]{40})$")
VERSION_COMMENT = re.compile(r"^\s+#\s+(?P<version>v\d+\.\d+\.\d+)\s*$")
EXPRESSION = re.compile(r"\$\{\{")
FORBIDDEN_IN_CODE = re.compile(r"\$\{\{\s*(secrets\.|secrets\[|github\.event)")


def _tool(name: str) -> str:
    return str(VENV_BIN / name)


def _steps(workflow: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_name, step


def _walk(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, str(key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, (*path, str(i)))
    elif isinstance(node, str):
        yield path, node


def _check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _zizmor(target: Path) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [
            _tool("zizmor"),
            "--offline",
            "--persona",
            "auditor",  # the strictest persona short of pedantic
            "--format",
            "json",
            "--no-exit-codes",
            "--no-progress",
            str(target),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    findings = json.loads(proc.stdout)
    assert isinstance(findings, list)
    return findings


def test_the_callfwd_workflows_exist() -> None:
    assert set(REQUIRED) <= set(NAMES)


@pytest.mark.parametrize(
    "schema", ["vendor.github-workflows", "custom.github-workflows-require-timeout"]
)
def test_workflows_validate_against_the_github_workflow_schema(schema: str) -> None:
    proc = _check_jsonschema(schema, *PATHS)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n"
        "    steps:\n      - uses: actions/checkout@v4\n        run: echo both\n",
        encoding="utf-8",
    )
    proc = _check_jsonschema("vendor.github-workflows", bad)
    assert proc.returncode == 1, proc.stdout


def test_zizmor_finds_nothing_above_low() -> None:
    findings = _zizmor(WORKFLOWS)
    serious = [
        f"{f['ident']} ({f['determinations']['severity']}): "
        f"{f['locations'][0]['symbolic']['key']} {f['desc']}"
        for f in findings
        if f["determinations"]["severity"] not in ("Unknown", "Informational", "Low")
        and not f.get("ignored")
    ]
    assert serious == []


def test_zizmor_would_catch_a_template_injection(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "bad.yml").write_text(
        "on: pull_request_target\npermissions: {}\njobs:\n  x:\n    runs-on: ubuntu-latest\n"
        "    timeout-minutes: 5\n    steps:\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n",
        encoding="utf-8",
    )
    idents = {
        f["ident"]
        for f in _zizmor(workflows)
        if f["determinations"]["severity"] in ("Medium", "High")
    }
    assert "template-injection" in idents


def test_every_action_is_pinned_to_a_commit_with_its_version_in_a_comment() -> None:
    seen: dict[str, set[tuple[str, str]]] = {}
    count = 0
    for path in (*PATHS, ACTION):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = USES.match(line)
            if not m or m["ref"] == "./":  # ./ is this repository's own action, same commit
                continue
            count += 1
            where = f"{path.name}:{n}"
            pinned = PINNED.match(m["ref"].strip("'\""))
            assert pinned, f"{where}: {m['ref']} is not pinned to a 40-hex commit SHA"
            comment = VERSION_COMMENT.match(m["rest"])
            assert comment, f"{where}: add the release as a comment, e.g. `# v1.2.3`"
            seen.setdefault(pinned["action"], set()).add((pinned["sha"], comment["version"]))
    assert count >= 10
    drifting = {action: pins for action, pins in seen.items() if len(pins) > 1}
    assert drifting == {}, "one action, one pin: update every workflow together"


@pytest.mark.parametrize("name", NAMES)
def test_no_expression_inside_run_scripts(name: str) -> None:
    """Values reach scripts through env only (zizmor's template-injection rule)."""
    for job, step in _steps(load_workflow(name)):
        code = [step.get("run", "")]
        if str(step.get("uses", "")).startswith("actions/github-script@"):
            code.append(step["with"]["script"])
        for text in code:
            assert not FORBIDDEN_IN_CODE.search(text), f"{name}: job {job}: {step.get('name')}"
            assert not EXPRESSION.search(text), f"{name}: job {job}: {step.get('name')}"


@pytest.mark.parametrize("name", NAMES)
def test_secrets_appear_only_in_step_env(name: str) -> None:
    places = [
        path for path, value in _walk(load_workflow(name)) if re.search(r"\bsecrets\b", value)
    ]
    for path in places:
        assert path[0] == "jobs" and path[2] == "steps" and path[4] == "env", path
        assert len(path) == 6, path


@pytest.mark.parametrize("name", NAMES)
def test_checkout_never_keeps_the_token(name: str) -> None:
    checkouts = [
        step
        for _, step in _steps(load_workflow(name))
        if str(step.get("uses", "")).startswith("actions/checkout@")
    ]
    assert checkouts
    for step in checkouts:
        assert step["with"]["persist-credentials"] == "false"


def test_permissions_are_least_privilege() -> None:
    writes = set()
    for name in NAMES:
        workflow = load_workflow(name)
        assert workflow["permissions"] in ({}, {"contents": "read"}), name
        for job_name, job in workflow["jobs"].items():
            perms = job.get("permissions")
            assert isinstance(perms, dict), f"{name}: job {job_name} must set its permissions"
            assert set(perms.values()) <= {"read", "write", "none"}, f"{name}: {job_name}"
            writes |= {(name, job_name, scope) for scope, v in perms.items() if v == "write"}
    # Only the job that posts the sticky comment, the one that uploads SARIF and the one
    # that keeps the drift issue write.
    assert writes == {
        ("pull-request.yml", "comment", "pull-requests"),
        ("pull-request.yml", "code-scanning", "security-events"),
        ("drift.yml", "issue", "issues"),
    }


@pytest.mark.parametrize("name", NAMES)
def test_every_job_has_a_short_timeout(name: str) -> None:
    for job_name, job in load_workflow(name)["jobs"].items():
        assert 0 < int(job["timeout-minutes"]) <= 60, f"{name}: {job_name}"


def test_triggers() -> None:
    pr = load_workflow("pull-request.yml")["on"]
    assert set(pr) == {"pull_request"}
    assert set(pr["pull_request"]["paths"]) == {"manifests/**", "callfwd.yaml"}
    apply = load_workflow("apply.yml")["on"]
    assert apply["push"]["branches"] == ["main"]
    assert set(apply["push"]["paths"]) == {"manifests/**", "callfwd.yaml"}
    drift = load_workflow("drift.yml")["on"]
    assert set(drift) == {"schedule", "workflow_dispatch"}
    ci = load_workflow("ci.yml")
    assert {"push", "pull_request"} <= set(ci["on"])
    runs = [s["run"] for _, s in _steps(ci) if "run" in s]
    assert runs[0] == "make test"
    assert runs[1].startswith("python -m pip wheel")  # the wheel artifact docs/ci.md names


def test_apply_runs_one_deploy_at_a_time_behind_an_environment() -> None:
    workflow = load_workflow("apply.yml")
    assert workflow["concurrency"] == {"group": "callfwd-apply", "cancel-in-progress": "false"}
    job = workflow["jobs"]["apply"]
    assert job["environment"] == {"name": "callfwd"}
    assert job["strategy"]["fail-fast"] == "false"
    steps = {s.get("name"): s for s in job["steps"]}
    plan, apply = steps["Plan"], steps["Apply the saved plan"]
    assert (plan["uses"], plan["with"]["command"]) == ("./", "plan")
    assert (apply["uses"], apply["with"]["command"]) == ("./", "apply")
    for flag in ("--plan ${{ steps.plan.outputs.plan-file }}", "--auto-approve"):
        assert flag in apply["with"]["args"]
    upload = steps["Upload the plan and the audit log"]
    assert upload["if"] == "always()"
    assert upload["with"]["path"] == "${{ runner.temp }}/callfwd/"  # the action's out-dir


def test_read_only_jobs_use_the_read_environment() -> None:
    for name, job in (("pull-request.yml", "plan"), ("drift.yml", "drift")):
        env = load_workflow(name)["jobs"][job]["environment"]
        assert env == {"name": "callfwd-read"}, name


def _actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_tool("actionlint"), "-no-color", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_actionlint_finds_nothing() -> None:
    proc = _actionlint(*PATHS)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_would_catch_an_unknown_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    environment:\n"
        "      name: e\n      deploymnet: false\n    steps:\n      - run: echo\n",
        encoding="utf-8",
    )
    proc = _actionlint(bad)
    assert proc.returncode == 1
    assert 'unexpected key "deploymnet" for "environment"' in proc.stdout


def test_no_environment_sets_deployment() -> None:
    """rhysd's actionlint (current release) rejects `deployment:` under `environment:`."""
    for name in NAMES:
        for job_name, job in load_workflow(name)["jobs"].items():
            env = job.get("environment")
            assert not isinstance(env, dict) or "deployment" not in env, f"{name}: {job_name}"


@pytest.mark.parametrize(
    ("name", "lister", "step_id", "job_name"),
    [
        ("apply.yml", "accounts", "list", "apply"),
        ("drift.yml", "accounts", "list", "drift"),
        ("pull-request.yml", "validate", "scan", "plan"),
    ],
)
def test_every_matrix_is_a_list_of_account_groups(
    name: str, lister: str, step_id: str, job_name: str
) -> None:
    """GitHub runs at most 256 jobs per matrix: jobs run groups, each account in one."""
    jobs = load_workflow(name)["jobs"]
    step = next(s for s in jobs[lister]["steps"] if s.get("id") == step_id)
    assert (step["uses"], step["with"]["command"]) == ("./", "accounts")
    assert 1 <= int(step["with"]["groups"]) <= 256
    assert jobs[lister]["outputs"]["groups"] == f"${{{{ steps.{step_id}.outputs.accounts }}}}"
    job = jobs[job_name]
    matrix = f"${{{{ fromJSON(needs.{lister}.outputs.groups) }}}}"
    assert job["strategy"]["matrix"] == {"include": matrix}
    assert job["name"].endswith("${{ matrix.name }}")
    callfwd_steps = [s for s in job["steps"] if s.get("uses") == "./"]
    assert callfwd_steps
    for s in callfwd_steps:
        assert s["with"]["group"] == "${{ toJSON(matrix) }}", s["name"]
        assert s["env"]["CALLFWD_API_KEYS"] == "${{ secrets.CALLFWD_API_KEYS }}", s["name"]


@pytest.mark.parametrize("name", NAMES)
def test_nothing_is_written_into_the_checkout(name: str) -> None:
    """Outputs go under the runner's temp folder: an adopter's `git add -A` never takes them."""
    assert "callfwd-out" not in (WORKFLOWS / name).read_text(encoding="utf-8")


def test_callfwd_runs_only_through_the_action() -> None:
    """The workflows hold jobs, permissions, environments and the matrix; the action runs."""
    for name in ("pull-request.yml", "apply.yml", "drift.yml"):
        for job, step in _steps(load_workflow(name)):
            run = step.get("run", "")
            assert not re.search(r"\bcallfwd (validate|plan|apply|accounts)\b", run), (
                f"{name}: {job}: {step.get('name')}"
            )
            assert "pip install" not in step.get("run", ""), f"{name}: {job}"


def test_sarif_is_uploaded_by_a_pinned_upload_sarif_in_its_own_job() -> None:
    job = load_workflow("pull-request.yml")["jobs"]["code-scanning"]
    steps = job["steps"]
    sarif = next(s for s in steps if s.get("id") == "sarif")
    assert sarif["with"] == {"command": "validate", "format": "sarif"}
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "${{ steps.sarif.outputs.sarif-file }}"
    assert "!cancelled()" in upload["if"]  # invalid manifests are when SARIF matters


@pytest.mark.parametrize("name", NAMES)
def test_no_workflow_reaches_into_callfwd_internals(name: str) -> None:
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    assert not re.search(r"\b(from|import)\s+reconciler\b", text)
