"""Helpers for the GitOps tests: read the workflows, run their shell steps for real.

A step's ``run:`` script is executed the way a GitHub runner does for ``shell:
bash`` (``bash --noprofile --norc -eo pipefail``), with ``GITHUB_OUTPUT``,
``GITHUB_STEP_SUMMARY`` and ``RUNNER_TEMP`` pointing into a temp dir, and this
virtualenv's ``python`` and ``callfwd`` first on PATH (what ``pip install``
gives the runner). The test supplies the values the step's ``${{ }}``
expressions would have.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
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
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    outputs: dict[str, str] = {}
    if output.exists():
        for line in output.read_text(encoding="utf-8").splitlines():
            name, _, value = line.partition("=")
            outputs[name] = value
    return StepRun(
        proc.returncode,
        proc.stdout,
        proc.stderr,
        outputs,
        summary.read_text(encoding="utf-8") if summary.exists() else "",
    )


def write_manifest(
    path: Path, *, account: str, owner: str, role: str, senders: dict[str, str | None]
) -> None:
    lines = [
        "version: 1",
        f"account: {account}",
        f"team: {path.stem}",
        "owners:",
        f"  - email: {owner}",
        f"    role: {role}",
        "forwarding:",
    ]
    for sender, forward_to in senders.items():
        lines.append(f'  - sender: "{sender}"')
        lines.append(f'    forward_to: "{forward_to}"' if forward_to else "    forward_to: null")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


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
