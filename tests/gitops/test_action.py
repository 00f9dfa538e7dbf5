"""action.yml: schema-valid, zizmor-clean, inputs only through env, and every command run.

The action's ``run:`` steps execute for real (gitops_helpers.run_action) with
the inputs handed over as the runner does, through each step's ``env:``. The
install step runs in test_install.py (a wheel into a fresh virtualenv); plan,
apply and drift against the local settings API run in test_workflow_steps.py
through the workflows that use them.
"""

from __future__ import annotations

import json
import re
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from gitops_helpers import (
    ACTION,
    VENV_BIN,
    git,
    load_action,
    path_without,
    run_action,
)
from workspace import write_manifest

DANA = "dana@acme.example"
INPUT = re.compile(r"^\$\{\{ inputs\.(?P<name>[\w-]+) \}\}$")


def _tool(name: str) -> str:
    return str(VENV_BIN / name)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    write_manifest(
        ws / "manifests" / "acme-us" / "care.yaml",
        account="acme-us",
        owner=DANA,
        role="manager",
        senders={"+1 833 555 0100": "+1 212 555 0199"},
    )
    return ws


def _broken(ws: Path) -> None:
    path = ws / "manifests" / "acme-us" / "care.yaml"
    path.write_text(path.read_text().replace('"+1 212 555 0199"', '"+44 20 7946 0958"'))


# --- static checks ----------------------------------------------------------------------------


def test_action_validates_against_the_github_action_schema(tmp_path: Path) -> None:
    proc = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(ACTION)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    bad = tmp_path / "action.yml"
    bad.write_text("name: x\ndescription: y\nruns:\n  using: composite\n  steps:\n    - run: x\n")
    proc = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1  # a composite run step without its shell


def test_zizmor_finds_nothing_in_the_action() -> None:
    proc = subprocess.run(
        [_tool("zizmor"), "--offline", "--persona", "auditor", "--format", "json",
         "--no-exit-codes", "--no-progress", str(ACTION)],
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    findings = [f for f in json.loads(proc.stdout) if not f.get("ignored")]
    assert [f["ident"] for f in findings] == []


def test_inputs_reach_scripts_only_through_env() -> None:
    action = load_action()
    declared = set(action["inputs"])
    used = set()
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], step["name"]
            assert step["shell"] == "bash"
            for name, value in step.get("env", {}).items():
                m = INPUT.match(value)
                assert m, f"{step['name']}: env {name} must be exactly one input"
                used.add(m["name"])
        for value in step.get("with", {}).values():
            used |= {m["name"] for m in map(INPUT.match, [value]) if m}
    assert used == declared


def test_outputs_and_commands_are_documented() -> None:
    action = load_action()
    assert set(action["outputs"]) >= {"changes", "plan-file", "exit-code"}
    described = action["inputs"]["command"]["description"]
    for command in ("validate", "plan", "apply", "drift", "checklist", "accounts"):
        assert command in described


# --- the run step, for real --------------------------------------------------------------------


def test_validate_annotates_by_default(ws: Path, tmp_path: Path) -> None:
    _broken(ws)
    run = run_action({"command": "validate"}, cwd=ws, runner=tmp_path / "r")
    assert run.returncode == 1
    assert run.outputs["exit-code"] == "1"
    assert "::error file=manifests/acme-us/care.yaml,line=9" in run.stdout


def test_validate_sarif_writes_a_file_and_still_fails_on_errors(ws: Path, tmp_path: Path) -> None:
    _broken(ws)
    temp = tmp_path / "runner-temp"
    run = run_action(
        {"command": "validate", "format": "sarif"}, cwd=ws, runner=tmp_path / "r", temp=temp
    )
    assert run.returncode == 1
    assert run.outputs["sarif-file"] == str(temp / "callfwd" / "callfwd.sarif")
    assert run.outputs["out-dir"] == str(temp / "callfwd")
    assert sorted(p.name for p in ws.iterdir()) == ["manifests"]  # nothing in the checkout
    log = json.loads((temp / "callfwd" / "callfwd.sarif").read_text())
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["CF301"]
    assert "error[CF301]" in run.stdout  # the text list for the job log


def test_validate_with_paths_and_args(ws: Path, tmp_path: Path) -> None:
    write_manifest(
        ws / "manifests" / "other team" / "x.yaml",
        account="acme-us",
        owner="ari@acme.example",
        role="manager",
        senders={"+1 844 555 0111": None},
    )
    run = run_action(
        {
            "command": "validate",
            "format": "text",
            "paths": "\n  manifests/acme-us/care.yaml  \n\n",
            "args": f" --actor  {DANA} ",
        },
        cwd=ws,
        runner=tmp_path / "r",
    )
    assert run.returncode == 0, run.output
    assert "ok: 1 file" in run.stdout
    every = run_action(
        {"command": "validate", "format": "text", "args": f"--actor {DANA}"},
        cwd=ws,
        runner=tmp_path / "r2",
    )
    assert every.returncode == 1  # ari's manifest in a folder with a space is checked too
    assert "manifests/other team/x.yaml" in every.stdout


def test_accounts_gives_the_matrix_and_the_changed_manifests(ws: Path, tmp_path: Path) -> None:
    run = run_action({"command": "accounts"}, cwd=ws, runner=tmp_path / "r")
    assert run.returncode == 0, run.output
    assert json.loads(run.outputs["accounts"]) == [
        {
            "account": "acme-us",
            "api_key_env": "CALLFWD_API_KEY",
            "manifests": ["manifests/acme-us/care.yaml"],
        }
    ]
    assert run.outputs["changed-manifests"] == ""


def test_an_unknown_command_is_a_usage_error(ws: Path, tmp_path: Path) -> None:
    run = run_action({"command": "destroy"}, cwd=ws, runner=tmp_path / "r")
    assert run.returncode == 64
    assert "::error title=callfwd::unknown command" in run.stdout
    assert "destroy" not in run.stdout


def test_a_bad_key_variable_name_is_refused_without_echoing_the_key(
    ws: Path, tmp_path: Path
) -> None:
    run = run_action(
        {"command": "plan", "api-key-env": "X; echo pwned"},
        cwd=ws,
        runner=tmp_path / "r",
        env={"CALLFWD_API_KEY": "pk_secret_value"},
    )
    assert run.returncode == 64
    assert "pwned" not in run.output  # neither run nor echoed
    assert "pk_secret_value" not in run.output


def _recording_callfwd(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A stand-in callfwd that records its arguments and the key variables it was given."""
    stub_dir = tmp_path / "stub"
    stub_dir.mkdir()
    record = tmp_path / "seen.json"
    stub = stub_dir / "callfwd"
    stub.write_text(
        "#!/bin/sh\n"
        'exec python3 -c \'import json, os, sys; json.dump({"argv": sys.argv[1:], "env": '
        '{k: v for k, v in os.environ.items() if k.endswith("KEY") or k.endswith("KEYS")}}, '
        f'open("{record}", "w"))\' "$@"\n'
    )
    stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
    return {"PATH": f"{stub_dir}:{VENV_BIN}:/usr/bin:/bin"}, record


OUT = "@OUT@"  # the action's output folder, $RUNNER_TEMP/callfwd


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (
            {"command": "checklist", "account": "acme-us"},
            ["plan", "--account", "acme-us", "--format", "checklist",
             "--out", f"{OUT}/plan.json", "--"],
        ),
        (
            {"command": "plan", "paths": "a b.yaml\nc.yaml", "args": "--config x.yaml"},
            ["plan", "--format", "markdown", "--out", f"{OUT}/plan.json",
             "--config", "x.yaml", "--", "a b.yaml", "c.yaml"],
        ),
        (
            {"command": "drift", "account": "globex initech"},
            ["plan", "--account", "globex", "--account", "initech", "--detailed-exitcode",
             "--format", "markdown", "--out", f"{OUT}/plan.json", "--"],
        ),
        (
            {"command": "apply", "account": "globex", "args": "--plan p.json --auto-approve"},
            ["apply", "--account", "globex", "--audit-log", f"{OUT}/audit.jsonl",
             "--plan", "p.json", "--auto-approve", "--"],
        ),
        (
            {"command": "accounts", "groups": "64", "format": "text"},
            ["accounts", "--format", "text", "--groups", "64", "--"],
        ),
        (
            {"command": "plan", "trusted-config": "/t/callfwd.yaml", "changed-since": "abc123"},
            ["plan", "--format", "markdown", "--out", f"{OUT}/plan.json",
             "--trusted-config", "/t/callfwd.yaml", "--changed-since", "abc123", "--"],
        ),
        (
            {"command": "accounts", "format": "text", "trusted-config": "/t/c.yaml",
             "changed-since": "abc123"},
            ["accounts", "--format", "text", "--trusted-config", "/t/c.yaml",
             "--changed-since", "abc123", "--"],
        ),
        (
            {"command": "drift", "trusted-config": "/t/c.yaml"},
            ["plan", "--detailed-exitcode", "--format", "markdown", "--out",
             f"{OUT}/plan.json", "--trusted-config", "/t/c.yaml", "--"],
        ),
        (
            {"command": "apply", "trusted-config": "/t/c.yaml"},
            ["apply", "--audit-log", f"{OUT}/audit.jsonl", "--trusted-config", "/t/c.yaml", "--"],
        ),
        (
            {"command": "report", "account": "acme-us"},
            ["report", "--account", "acme-us", "--out", f"{OUT}/report.md",
             "--out", f"{OUT}/callfwd-report.html", "--"],
        ),
        (
            {"command": "validate", "base": "abc123", "paths": "m.yaml"},
            ["validate", "--format", "github", "--base", "abc123", "--", "m.yaml"],
        ),
    ],
)  # fmt: skip
def test_commands_map_to_callfwd_arguments(
    ws: Path, tmp_path: Path, inputs: dict[str, str], expected: list[str]
) -> None:
    env, record = _recording_callfwd(tmp_path)
    temp = tmp_path / "temp"
    run = run_action(inputs, cwd=ws, runner=tmp_path / "r", env=env, temp=temp)
    assert run.returncode == 0, run.output
    argv: Any = json.loads(record.read_text())["argv"]
    assert argv == [a.replace(OUT, str(temp / "callfwd")) for a in expected]


# --- a group of accounts, each with its own key -----------------------------------------------


def _group(*rows: tuple[str, str], name: str | None = None) -> str:
    accounts = [{"account": a, "api_key_env": k, "manifests": []} for a, k in rows]
    return json.dumps(
        {"group": 1, "groups": 1, "name": name or rows[0][0], "accounts": accounts}, indent=2
    )


def test_a_group_plans_its_accounts_each_with_its_key_from_the_bundle(
    ws: Path, tmp_path: Path
) -> None:
    env, record = _recording_callfwd(tmp_path)
    keys = {"ACME_KEY": "pk_acme_secret", "GLOBEX_KEY": "pk_globex_secret", "OTHER": "pk_other"}
    run = run_action(
        {"command": "plan", "group": _group(("acme-us", "ACME_KEY"), ("globex", "GLOBEX_KEY"),
                                            name="acme-us..globex (2 accounts)")},
        cwd=ws,
        runner=tmp_path / "r",
        env={**env, "CALLFWD_API_KEYS": json.dumps(keys), "GLOBEX_KEY": "pk_from_the_env"},
    )  # fmt: skip
    assert run.returncode == 0, run.output
    seen = json.loads(record.read_text())
    assert seen["argv"][:4] == ["plan", "--account", "acme-us", "--account"]
    assert seen["argv"][4] == "globex"
    # Each account's key under its own variable; one already in the env wins; the
    # bundle itself never reaches callfwd.
    assert seen["env"] == {"ACME_KEY": "pk_acme_secret", "GLOBEX_KEY": "pk_from_the_env"}
    # Every key of the bundle is masked before anything else is printed, none shown.
    masks = [line for line in run.stdout.splitlines() if line.startswith("::add-mask::")]
    assert sorted(masks) == sorted(f"::add-mask::{v}" for v in keys.values())
    assert run.stdout.index("::add-mask::") == 0
    rest = run.output.replace("\n".join(masks), "")
    assert not any(v in rest for v in keys.values())
    assert not list((tmp_path / "r").rglob(".keys"))  # the hand-over file is gone


def test_an_account_the_change_adds_needs_no_key_and_is_still_planned(
    ws: Path, tmp_path: Path
) -> None:
    """`accounts --trusted-config` marks it added (no api_key_env): plan shows it as CF525."""
    env, record = _recording_callfwd(tmp_path)
    rows = [
        {"account": "acme-us", "api_key_env": "ACME_KEY", "manifests": []},
        {"account": "newco", "added": True, "manifests": []},
    ]
    group = json.dumps({"group": 1, "groups": 1, "name": "acme-us..newco", "accounts": rows})
    run = run_action(
        {"command": "plan", "group": group},
        cwd=ws,
        runner=tmp_path / "r",
        env={**env, "CALLFWD_API_KEYS": json.dumps({"ACME_KEY": "pk_acme_secret"})},
    )
    assert run.returncode == 0, run.output
    seen = json.loads(record.read_text())
    assert seen["argv"][:5] == ["plan", "--account", "acme-us", "--account", "newco"]
    assert seen["env"] == {"ACME_KEY": "pk_acme_secret"}


def test_a_group_without_a_key_for_each_account_fails_naming_them(ws: Path, tmp_path: Path) -> None:
    env, record = _recording_callfwd(tmp_path)
    run = run_action(
        {"command": "plan", "group": _group(("acme-us", "ACME_KEY"), ("globex", "GLOBEX_KEY"))},
        cwd=ws,
        runner=tmp_path / "r",
        env={**env, "CALLFWD_API_KEYS": json.dumps({"ACME_KEY": "pk_acme_secret"})},
    )
    assert run.returncode == 1
    assert "::error title=callfwd::no key for globex ($GLOBEX_KEY)" in run.stdout
    assert "pk_acme_secret" not in run.output.replace("::add-mask::pk_acme_secret", "")
    assert not record.exists()  # callfwd never ran


@pytest.mark.parametrize(
    ("group", "keys", "expected"),
    [
        ("not json", "", "group must be one entry"),
        ('{"accounts": []}', "", "group: no accounts"),
        (_group(("Acme; rm -rf /", "K")), "", "not a name callfwd accounts gives"),
        (_group(("acme-us", "K; x")), "", "not a name callfwd accounts gives"),
        (_group(("acme-us", "K")), '{"K": "pk_x", ', "CALLFWD_API_KEYS must be a JSON object"),
        (_group(("acme-us", "K")), '["pk_x"]', "CALLFWD_API_KEYS must be a JSON object"),
        (_group(("acme-us", "K")), '{"K": "pk\\nx"}', "CALLFWD_API_KEYS must be a JSON object"),
    ],
)
def test_a_bad_group_or_key_bundle_is_refused_without_echoing_it(
    ws: Path, tmp_path: Path, group: str, keys: str, expected: str
) -> None:
    env, record = _recording_callfwd(tmp_path)
    run = run_action(
        {"command": "plan", "group": group},
        cwd=ws,
        runner=tmp_path / "r",
        env={**env, "CALLFWD_API_KEYS": keys},
    )
    assert run.returncode == 1
    assert expected in run.stdout
    assert "pk_x" not in run.output and "Traceback" not in run.output
    assert not record.exists()


# --- accounts: python only, never green on nothing ----------------------------------------------


def test_accounts_needs_no_jq(ws: Path, tmp_path: Path) -> None:
    git(ws, "init", "-q", "-b", "main")
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", "base")
    write_manifest(
        ws / "manifests" / "globex" / "new.yaml",
        account="globex",
        owner="hank@globex.example",
        role="owner",
        senders={"+1 888 555 0160": None},
    )
    path = path_without(tmp_path, "jq")
    assert shutil.which("jq", path=path) is None
    run = run_action(
        {"command": "accounts", "groups": "1", "args": "--changed-since HEAD"},
        cwd=ws,
        runner=tmp_path / "r",
        env={"PATH": path},
    )
    assert run.returncode == 0, run.output
    [group] = json.loads(run.outputs["accounts"])
    assert [r["account"] for r in group["accounts"]] == ["acme-us", "globex"]
    assert run.outputs["changed-manifests"] == "manifests/globex/new.yaml"


def test_accounts_fails_where_callfwd_yaml_points_at_no_manifests(ws: Path, tmp_path: Path) -> None:
    """Never green on nothing: manifests are not where callfwd.yaml says."""
    (ws / "callfwd.yaml").write_text("manifests: [infra/manifests/]\n")
    run = run_action(
        {"command": "accounts", "groups": "64"},
        cwd=ws,
        runner=tmp_path / "r",
        env={"PATH": path_without(tmp_path, "jq")},
    )
    assert run.returncode == 1
    assert run.outputs["exit-code"] == "1"
    assert "accounts" not in run.outputs  # no matrix to run (or skip) jobs from
    assert "error[CF002]" in run.stderr
