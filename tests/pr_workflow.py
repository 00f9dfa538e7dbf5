"""The pull-request workflow, job by job, as GitHub runs it on a real git repository.

``pull_request`` builds the repository a PR job checks out: ``main`` with the
base files, a branch with the change, and HEAD at their merge commit (what
``actions/checkout`` gives for ``pull_request``, fetch-depth 2). The job
functions run pull-request.yml's own steps through ``gitops_helpers`` (``run:``
scripts in bash ``-eo pipefail``, callfwd steps through action.yml's scripts),
each job with its own ``RUNNER_TEMP``; artifacts are handed between jobs the way
upload/download-artifact do (one folder per artifact). GitHub itself (the REST
API behind the comment) is the only thing not run here.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitops_helpers import (
    ROOT,
    StepRun,
    find_step,
    git,
    run_script_step,
    run_uses_step,
)
from workspace import write_files

WORKFLOW = "pull-request.yml"
RUN_URL = "https://github.com/acme/gitops/actions/runs/42"
RUNNER_ENV = {
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "acme/gitops",
    "GITHUB_RUN_ID": "42",
}


def demo_files(api_url: str, actors: str) -> dict[str, str | None]:
    """The demo's acme-us and globex manifests, a callfwd.yaml sending both accounts' keys
    (ACME_KEY, GLOBEX_KEY) to ``api_url``, and ``actors`` as the actor map."""
    files: dict[str, str | None] = {
        "callfwd.yaml": "accounts:\n"
        f"  acme-us: {{api_url: '{api_url}', api_key_env: ACME_KEY}}\n"
        f"  globex: {{api_url: '{api_url}', api_key_env: GLOBEX_KEY}}\n",
        ".github/callfwd-actors.yaml": actors,
    }
    for account in ("acme-us", "globex"):
        for path in sorted((ROOT / "manifests" / account).glob("*.yaml")):
            files[f"manifests/{account}/{path.name}"] = path.read_text(encoding="utf-8")
    return files


@dataclass(frozen=True)
class PullRequest:
    ws: Path
    base: str  # the base branch's commit
    head: str  # the pull request's own commit
    merge: str  # their merge commit: HEAD, and GITHUB_SHA


def pull_request(
    ws: Path, base: Mapping[str, str | None], change: Mapping[str, str | None]
) -> PullRequest:
    """``main`` holds ``base``; the PR changes ``change`` (None deletes); HEAD is the merge."""
    ws.mkdir(parents=True, exist_ok=True)
    git(ws, "init", "-q", "-b", "main")
    write_files(ws, base)
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "--allow-empty", "-m", "base")
    base_sha = git(ws, "rev-parse", "HEAD").strip()
    git(ws, "checkout", "-q", "-b", "change")
    write_files(ws, change)
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "--allow-empty", "-m", "the pull request")
    head = git(ws, "rev-parse", "HEAD").strip()
    git(ws, "checkout", "-q", "--detach", "main")
    git(ws, "merge", "-q", "--no-ff", "-m", "merge", "change")
    merge = git(ws, "rev-parse", "HEAD").strip()
    return PullRequest(ws, base_sha, head, merge)


@dataclass
class Job:
    """One job's runs by step id, stopped at the first failure as a runner stops."""

    temp: Path
    runs: dict[str, StepRun] = field(default_factory=dict)
    group: int = 0  # a plan job's group of the matrix

    @property
    def ok(self) -> bool:
        return all(r.returncode == 0 for r in self.runs.values())

    def __getitem__(self, step_id: str) -> StepRun:
        return self.runs[step_id]


def _base_values(pr: PullRequest, base: StepRun) -> dict[str, str]:
    return {
        "github.sha": pr.merge,
        "steps.base.outputs.sha": base.outputs.get("sha", ""),
        "steps.base.outputs.trusted-config": base.outputs.get("trusted-config", ""),
    }


def validate_job(pr: PullRequest, tmp: Path) -> Job:
    """The validate job: the base step, validate everything, the account scan."""
    job = Job(tmp / "validate-temp")
    base = run_script_step(
        find_step(WORKFLOW, "validate", "base"),
        {"github.sha": pr.merge},
        cwd=pr.ws,
        runner=tmp / "validate-base",
        temp=job.temp,
    )
    job.runs["base"] = base
    if base.returncode:
        return job
    values = _base_values(pr, base)
    for step_id in ("validate", "scan"):
        step = find_step(WORKFLOW, "validate", step_id)
        run = run_uses_step(
            step, values, cwd=pr.ws, runner=tmp / f"validate-{step_id}", temp=job.temp
        )
        job.runs[step_id] = run
        if run.returncode:
            break
    return job


def author_job(pr: PullRequest, tmp: Path, validated: Job, *, login: str) -> Job | None:
    """The author job, with the validate job's outputs; None when it is skipped."""
    changed = validated["scan"].outputs.get("changed-manifests", "")
    if not changed:
        return None  # if: needs.validate.outputs.changed-manifests != ''
    job = Job(tmp / "author-temp")
    values = {
        "needs.validate.outputs.changed-manifests": changed,
        "needs.validate.outputs.base": validated["base"].outputs["sha"],
        "github.event.pull_request.user.login": login,
    }
    step = find_step(WORKFLOW, "author", "author")
    job.runs["author"] = run_uses_step(
        step, values, cwd=pr.ws, runner=tmp / "author", temp=job.temp
    )
    return job


def plan_job(pr: PullRequest, tmp: Path, group: dict[str, Any], keys: Mapping[str, str]) -> Job:
    """One plan job of the matrix: the base step, then the plan step with the group's keys."""
    name = f"plan-{group['group']}"
    job = Job(tmp / f"{name}-temp", group=int(group["group"]))
    base = run_script_step(
        find_step(WORKFLOW, "plan", "base"),
        {"github.sha": pr.merge},
        cwd=pr.ws,
        runner=tmp / f"{name}-base",
        temp=job.temp,
    )
    job.runs["base"] = base
    if base.returncode:
        return job
    values = {
        **_base_values(pr, base),
        "toJSON(matrix)": json.dumps(group, indent=2),
        "secrets.CALLFWD_API_KEYS": json.dumps(dict(keys)),
        "vars.CALLFWD_API_URL": "",
    }
    step = find_step(WORKFLOW, "plan", "plan")
    job.runs["plan"] = run_uses_step(
        step, values, cwd=pr.ws, runner=tmp / f"{name}-plan", temp=job.temp
    )
    return job


def compose_job(pr: PullRequest, tmp: Path, groups: str, plans: list[Job]) -> Job:
    """The compose job: each successful plan job's artifact downloaded, then the comment."""
    job = Job(tmp / "compose-temp")
    downloads = job.temp / "callfwd-plans"
    downloads.mkdir(parents=True)
    for plan in plans:  # upload-artifact runs only when the plan step succeeded
        if plan.ok:
            plan_file = Path(plan["plan"].outputs["plan-file"])
            artifact = downloads / f"callfwd-plan-{plan.group}"
            artifact.mkdir()
            shutil.copy(plan_file, artifact / plan_file.name)
    event = tmp / "event.json"
    event.write_text(json.dumps({"pull_request": {"head": {"sha": pr.head}}}), encoding="utf-8")
    values = {
        "runner.temp": str(job.temp),
        "needs.validate.outputs.groups": groups,
    }
    env = {**RUNNER_ENV, "GITHUB_SHA": pr.merge, "GITHUB_EVENT_PATH": str(event)}
    step = find_step(WORKFLOW, "compose", "comment")
    job.runs["comment"] = run_uses_step(
        step, values, cwd=pr.ws, runner=tmp / "compose-comment", temp=job.temp, env=env
    )
    return job


@dataclass
class Run:
    validate: Job
    author: Job | None
    plans: list[Job]
    compose: Job | None

    @property
    def comment(self) -> str:
        assert self.compose is not None and self.compose.ok, self.compose
        return Path(self.compose["comment"].outputs["comment-file"]).read_text(encoding="utf-8")


def run_pull_request(pr: PullRequest, tmp: Path, *, login: str, keys: Mapping[str, str]) -> Run:
    """validate; then the author check, and one plan job per group of the matrix; then
    compose (as each job's `needs:` says)."""
    validated = validate_job(pr, tmp)
    if not validated.ok:
        return Run(validated, None, [], None)
    author = author_job(pr, tmp, validated, login=login)
    groups = validated["scan"].outputs["accounts"]
    plans = [plan_job(pr, tmp, group, keys) for group in json.loads(groups)]
    return Run(validated, author, plans, compose_job(pr, tmp, groups, plans))
