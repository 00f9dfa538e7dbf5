"""The drift workflow, job by job, as GitHub runs it, with the vendor-UI issue.

``drift_run`` runs drift.yml's own steps for one scheduled run: the account list,
each group's drift check (the callfwd action's scripts against the real local
settings API), the compose job (its github-script step that reads the open issue,
then the action's ``issue`` command) and the issue job's github-script step.
Artifacts go between jobs as upload/download-artifact hand them over (a folder
per artifact). The github-script steps run under node, as the action runs them,
with ``GitHub`` below standing in for GitHub's REST API: the only fake here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitops_helpers import StepRun, find_step, load_workflow, run_uses_step
from pr_workflow import RUN_URL, RUNNER_ENV, Job

WORKFLOW = "drift.yml"
MARKER = "<!-- callfwd-drift -->"
TITLE = "Call forwarding: changes to make in the vendor's UI"
BOT = {"type": "Bot", "login": "github-actions[bot]"}
__all__ = ["BOT", "MARKER", "RUN_URL", "TITLE", "DriftRun", "GitHub", "drift_run"]

# github-script's globals over a fake of the issues API, as GitHub answers: listForRepo
# filters by state and creator (pull requests are issues too), a body over 65,536
# characters is refused (422), and every call is recorded.
_HARNESS = r"""
const fs = require('fs');
const [script, statePath] = process.argv.slice(2);
const state = JSON.parse(fs.readFileSync(statePath, 'utf8'));
const bot = { type: 'Bot', login: 'github-actions[bot]' };
const ours = (p) => {
  if (p.owner !== 'acme' || p.repo !== 'gitops') throw new Error('another repository');
};
const tooLong = (body) => {
  if (typeof body === 'string' && body.length > 65536) {
    state.refused.push(body.length);
    throw new Error('422 body is too long (maximum is 65536 characters)');
  }
};
const github = {
  rest: { issues: {
    listForRepo: 'listForRepo',
    create: async (p) => {
      ours(p); tooLong(p.body);
      const i = { number: state.next++, title: p.title, body: p.body, state: 'open',
        user: bot, html_url: `https://github.com/acme/gitops/issues/${state.next - 1}` };
      state.issues.push(i); state.calls.push(['create', i.number]); return { data: i };
    },
    update: async (p) => {
      ours(p); tooLong(p.body);
      const i = state.issues.find((x) => x.number === p.issue_number);
      if (!i) throw new Error('404');
      if (p.body !== undefined) i.body = p.body;
      if (p.state !== undefined) { i.state = p.state; i.state_reason = p.state_reason; }
      state.calls.push(['update', p.issue_number, p.state || null]); return { data: i };
    },
  } },
  paginate: async (fn, p) => {
    ours(p);
    if (fn !== 'listForRepo') throw new Error('unexpected call');
    state.calls.push(['list', p.state, p.creator || null]);
    return state.issues
      .filter((i) => (p.state === 'all' || i.state === p.state)
        && (!p.creator || i.user.login === p.creator))
      .map((i) => JSON.parse(JSON.stringify(i)));
  },
};
const context = { serverUrl: 'https://github.com', runId: 42,
  repo: { owner: 'acme', repo: 'gitops' } };
const core = {
  info: (m) => { state.info.push(m); },
  setFailed: (m) => { state.failed.push(m); },
};
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('github', 'context', 'core', 'require', fs.readFileSync(script, 'utf8'))(
  github, context, core, require,
).then(() => fs.writeFileSync(statePath, JSON.stringify(state)));
"""


class GitHub:
    """The repository's issues, as the fake API keeps them between the runs of a test."""

    def __init__(self, folder: Path, node: str) -> None:
        self.folder, self.node = folder, node
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "harness.js").write_text(_HARNESS, encoding="utf-8")
        self.path = folder / "state.json"
        self.save({"next": 1, "issues": [], "calls": [], "failed": [], "info": [], "refused": []})

    def load(self) -> dict[str, Any]:
        return json.loads(self.path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]

    def save(self, state: Mapping[str, Any]) -> None:
        self.path.write_text(json.dumps(state), encoding="utf-8")

    def add_issue(self, body: str, *, user: Mapping[str, str] = BOT, title: str = TITLE) -> int:
        state = self.load()
        number = state["next"]
        state["next"] += 1
        state["issues"].append(
            {"number": number, "title": title, "body": body, "state": "open", "user": dict(user)}
        )
        self.save(state)
        return number

    def issue(self, number: int) -> dict[str, Any]:
        return next(i for i in self.load()["issues"] if i["number"] == number)

    def edit(self, number: int, body: str) -> None:
        """A person (with triage access) edits the issue's body: its author stays the bot."""
        state = self.load()
        next(i for i in state["issues"] if i["number"] == number)["body"] = body
        self.save(state)

    def ours(self) -> list[dict[str, Any]]:
        return [i for i in self.load()["issues"] if i["user"] == BOT and i["title"] == TITLE]

    def script(self, job: str, name: str, env: Mapping[str, str]) -> dict[str, Any]:
        """Run the github-script step ``name`` of ``job`` under node; the state after it."""
        step = next(s for s in load_workflow(WORKFLOW)["jobs"][job]["steps"] if s["name"] == name)
        assert step["uses"].startswith("actions/github-script@"), step
        script = self.folder / f"{job}.js"
        script.write_text(step["with"]["script"], encoding="utf-8")
        state = self.load()
        state.update(calls=[], failed=[], info=[], refused=[])
        self.save(state)
        proc = subprocess.run(
            [self.node, "harness.js", script.name, self.path.name],
            cwd=self.folder,
            env={**env, "PATH": ""},
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert proc.returncode == 0, proc.stderr
        return self.load()


@dataclass
class DriftRun:
    listed: StepRun
    drifts: list[Job]
    compose: Job
    read: dict[str, Any] = field(default_factory=dict)  # GitHub after the read step
    issue: dict[str, Any] | None = None  # GitHub after the issue job (None: it did not run)

    @property
    def composed(self) -> StepRun:
        return self.compose["issue"]

    @property
    def body(self) -> str:
        return Path(self.composed.outputs["issue-file"]).read_text(encoding="utf-8")


def _drift_job(ws: Path, tmp: Path, group: dict[str, Any], keys: Mapping[str, str]) -> Job:
    n = int(group["group"])
    job = Job(tmp / f"drift-{n}-temp", group=n)
    values = {
        "toJSON(matrix)": json.dumps(group, indent=2),
        "secrets.CALLFWD_API_KEYS": json.dumps(dict(keys)),
        "vars.CALLFWD_API_URL": "",
    }
    step = find_step(WORKFLOW, "drift", "drift")
    job.runs["drift"] = run_uses_step(
        step, values, cwd=ws, runner=tmp / f"drift-{n}", temp=job.temp
    )
    return job


def drift_run(ws: Path, tmp: Path, github: GitHub, *, keys: Mapping[str, str]) -> DriftRun:
    """One scheduled run of drift.yml on ``ws`` (main's checkout), in ``tmp``."""
    listed = run_uses_step(
        find_step(WORKFLOW, "accounts", "list"), {}, cwd=ws, runner=tmp / "accounts"
    )
    assert listed.returncode == 0, listed.output
    groups = listed.outputs["accounts"]
    drifts = [_drift_job(ws, tmp, group, keys) for group in json.loads(groups)]

    compose = Job(tmp / "compose-temp")
    downloads = compose.temp / "callfwd-plans"
    downloads.mkdir(parents=True)
    for job in drifts:  # the upload step: when the drift step saved a plan
        plan_file = job["drift"].outputs.get("plan-file", "")
        if plan_file:
            artifact = downloads / f"callfwd-drift-plan-{job.group}"
            artifact.mkdir()
            shutil.copy(plan_file, artifact / Path(plan_file).name)
    body_file = compose.temp / "callfwd-issue" / "body.md"
    read = github.script("compose", "Read the open drift issue", {"BODY_FILE": str(body_file)})
    assert read["failed"] == [], read["failed"]
    values = {"runner.temp": str(compose.temp), "needs.accounts.outputs.groups": groups}
    compose.runs["issue"] = run_uses_step(
        find_step(WORKFLOW, "compose", "issue"),
        values,
        cwd=ws,
        runner=tmp / "compose-issue",
        temp=compose.temp,
        env=RUNNER_ENV,
    )
    run = DriftRun(listed, drifts, compose, read)
    if not compose.ok:  # the issue job needs the compose job to succeed
        return run
    issue_temp = tmp / "issue-temp" / "callfwd-issue"
    issue_temp.mkdir(parents=True)
    shutil.copy(run.composed.outputs["issue-file"], issue_temp / "issue.md")  # the artifact
    env = {"ISSUE": run.composed.outputs["issue"], "ISSUE_FILE": str(issue_temp / "issue.md")}
    run.issue = github.script("issue", "Open, edit or close the issue", env)
    return run
