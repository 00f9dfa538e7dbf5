"""Helpers for the GitOps tests: read the workflows and the action, run their steps for real.

A step's ``run:`` script is executed the way a GitHub runner does for ``shell:
bash`` (``bash --noprofile --norc -eo pipefail``), with ``GITHUB_OUTPUT``,
``GITHUB_STEP_SUMMARY`` and ``RUNNER_TEMP`` pointing into a temp dir (one
``RUNNER_TEMP`` for every step of a job, as on a runner), and this
virtualenv's ``python`` and ``callfwd`` first on PATH (what ``pip install``
gives the runner). The test supplies the values the step's ``${{ }}``
expressions would have. A step that uses the callfwd action (``uses: ./``) runs
the action's own ``run:`` steps the same way (see ``run_action``), with each
input handed over through the env the action declares, as a runner does.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
ACTION = ROOT / "action.yml"
VENV_BIN = Path(sys.executable).parent


def load_workflow(name: str) -> dict[str, Any]:
    # BaseLoader: keep every scalar a string, and the key `on` as "on" (not True).
    data = yaml.load((WORKFLOWS / name).read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    assert isinstance(data, dict)
    return data


def find_step(workflow: str, job: str, step_id: str) -> dict[str, Any]:
    steps = load_workflow(workflow)["jobs"][job]["steps"]
    for step in steps:
        if step.get("id") == step_id:
            return step
    raise AssertionError(f"{workflow}: job {job} has no step with id {step_id}")


@dataclass
class StepRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_step(
    step: dict[str, Any], *, cwd: Path, runner: Path, env: dict[str, str] | None = None
) -> StepRun:
    """Run one workflow step's ``run:`` script in ``cwd``; ``runner`` holds the runner files."""
    runner.mkdir(parents=True, exist_ok=True)
    script = runner / "step.sh"
    script.write_text(step["run"], encoding="utf-8")
    output, summary, temp = runner / "output", runner / "summary.md", runner / "temp"
    temp.mkdir(exist_ok=True)
    full_env = {
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": os.environ["HOME"],
        "LANG": "C.UTF-8",
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(temp),
        **(env or {}),
    }
    Path(full_env["RUNNER_TEMP"]).mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    outputs = parse_outputs(output.read_text(encoding="utf-8") if output.exists() else "")
    return StepRun(
        proc.returncode,
        proc.stdout,
        proc.stderr,
        outputs,
        summary.read_text(encoding="utf-8") if summary.exists() else "",
    )


def git(cwd: Path, *args: str) -> str:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ["HOME"],
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return proc.stdout


def parse_outputs(text: str) -> dict[str, str]:
    """``$GITHUB_OUTPUT`` as the runner reads it: ``name=value`` and ``name<<DELIM`` blocks."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, _, delimiter = line.partition("<<")
            block = []
            for item in lines:
                if item == delimiter:
                    break
                block.append(item)
            else:
                raise AssertionError(f"output {name}: no closing {delimiter}")
            outputs[name] = "\n".join(block)
        else:
            name, _, value = line.partition("=")
            outputs[name] = value
    return outputs


def run_script_step(
    step: dict[str, Any],
    values: dict[str, str],
    *,
    cwd: Path,
    runner: Path,
    temp: Path | None = None,
    env: dict[str, str] | None = None,
) -> StepRun:
    """A workflow's ``run:`` step, its ``env:`` expressions given by ``values``; ``temp`` is
    the job's ``RUNNER_TEMP`` (one for all the job's steps, as on a runner)."""
    step_env = {k: expand(v, values) for k, v in step.get("env", {}).items()}
    job = {"RUNNER_TEMP": str(temp)} if temp is not None else {}
    return run_step(step, cwd=cwd, runner=runner, env={**job, **(env or {}), **step_env})


def load_action() -> dict[str, Any]:
    data = yaml.load(ACTION.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    assert isinstance(data, dict)
    return data


_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def expand(text: str, values: dict[str, str]) -> str:
    """Replace each ``${{ expr }}`` with what the test says it evaluates to (KeyError if not)."""
    return _EXPRESSION.sub(lambda m: values[m[1]], text)


def run_action(
    inputs: dict[str, str],
    *,
    cwd: Path,
    runner: Path,
    env: dict[str, str] | None = None,
    install: bool = False,
    temp: Path | None = None,
) -> StepRun:
    """Run action.yml's ``run:`` steps in order, as a runner runs a composite action.

    ``temp`` is the job's ``RUNNER_TEMP`` (default: one under ``runner``); give two
    steps of one job the same, as a runner does.

    Inputs missing from ``inputs`` take their declared default; the action's
    ``uses:`` steps (setup-python) are the test's own Python; the install step
    runs only when ``install`` (this virtualenv already has callfwd). Stops at
    the first failing step, as a runner does, and returns the action's outputs.
    """
    action = load_action()
    declared = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    assert set(inputs) <= set(declared), f"unknown inputs {set(inputs) - set(declared)}"
    values = {f"inputs.{k}": v for k, v in {**declared, **inputs}.items()}
    step_outputs: dict[str, dict[str, str]] = {}
    stdout = stderr = summary = ""
    rc = 0
    for i, step in enumerate(action["runs"]["steps"]):
        if "uses" in step or (step["name"] == "Install callfwd" and not install):
            continue
        step_env = {k: expand(v, values) for k, v in step.get("env", {}).items()}
        run = run_step(
            step,
            cwd=cwd,
            runner=runner / f"step{i}",
            env={
                "RUNNER_TEMP": str(temp or runner / "temp"),
                **(env or {}),
                **step_env,
                "GITHUB_ACTION_PATH": str(ROOT),
            },
        )
        stdout, stderr, summary = stdout + run.stdout, stderr + run.stderr, summary + run.summary
        if "id" in step:
            step_outputs[step["id"]] = run.outputs
        rc = run.returncode
        if rc != 0:
            break
    outputs = {}
    for name, spec in action["outputs"].items():
        m = re.fullmatch(r"\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}", spec["value"])
        assert m, spec["value"]
        if (value := step_outputs.get(m[1], {}).get(m[2])) is not None:
            outputs[name] = value
    return StepRun(rc, stdout, stderr, outputs, summary)


def run_uses_step(
    step: dict[str, Any],
    values: dict[str, str],
    *,
    cwd: Path,
    runner: Path,
    install: bool = False,
    temp: Path | None = None,
    env: dict[str, str] | None = None,
) -> StepRun:
    """Run a workflow step that uses the callfwd action; ``values`` give its expressions.

    ``env`` is what the job's environment adds (keys a secret manager's step exported).
    """
    assert step["uses"] == "./", step
    inputs = {k: expand(v, values) for k, v in step.get("with", {}).items()}
    step_env = {k: expand(v, values) for k, v in step.get("env", {}).items()}
    return run_action(
        inputs, cwd=cwd, runner=runner, env={**(env or {}), **step_env}, install=install, temp=temp
    )


def path_without(tmp: Path, *missing: str) -> str:
    """A PATH like the runner's but without ``missing`` (e.g. jq): this venv, then links."""
    links = tmp / "bin"
    links.mkdir(parents=True, exist_ok=True)
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if not folder or not Path(folder).is_dir() or Path(folder) == VENV_BIN:
            continue
        for entry in Path(folder).iterdir():
            target = links / entry.name
            if entry.name in missing or target.exists() or target.is_symlink():
                continue
            target.symlink_to(entry)
    return f"{VENV_BIN}{os.pathsep}{links}"
