"""`callfwd init`: an empty git repository to one that validates, plans and runs CI, once.

Run as users run it (the installed `callfwd` in a real git repository, a real
terminal for the questions), then the files it wrote are judged by the tools
that will read them: `callfwd validate`, actionlint, zizmor, GitHub's workflow
schema, pre-commit, and a plan against the real local settings API.
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from gitops_helpers import ROOT, VENV_BIN, WORKFLOWS, git
from pr_workflow import pull_request, run_pull_request
from sandbox_fixtures import ACME_MANAGER, Sandbox
from workspace import run_cli

from reconciler import __version__
from reconciler.engine.workflows import SELF, render
from reconciler.engine.workflows import WORKFLOWS as NAMES

DANA = "dana@acme.example"
SHA = "0123456789abcdef0123456789abcdef01234567"


def _callfwd(
    repo: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "callfwd"), *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env={"PATH": os.environ["PATH"], "HOME": os.environ["HOME"], **(env or {})},
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    return repo


def _init(repo: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return _callfwd(
        repo, "init", "--yes", "--account", "acme-us=Qz4nW8", "--owner", f"{DANA}:manager",
        "--github-login", "dana-acme", *extra,
    )  # fmt: skip


def test_init_then_validate_then_init_again_changes_nothing(repo: Path) -> None:
    first = _init(repo)
    assert first.returncode == 0, first.stderr
    written = sorted(
        str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts
    )
    assert written == [
        ".github/callfwd-actors.yaml",
        ".github/workflows/apply.yml",
        ".github/workflows/drift.yml",
        ".github/workflows/pull-request.yml",
        ".gitignore",
        ".pre-commit-config.yaml",
        "callfwd.yaml",
        "manifests/acme-us/main.yaml",
    ]
    valid = _callfwd(repo, "validate")
    assert valid.returncode == 0, valid.stdout + valid.stderr
    accounts = _callfwd(repo, "accounts", "--format", "json")
    assert json.loads(accounts.stdout) == [
        {
            "account": "acme-us",
            "account_id": "Qz4nW8",
            "api_key_env": "ACME_US_KEY",
            "api_url": "https://a.klaviyo.com",
            "manifests": ["manifests/acme-us/main.yaml"],
        }
    ]
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "callfwd init")
    again = _init(repo)
    assert again.returncode == 0, again.stderr
    assert "Nothing to do" in again.stdout
    assert git(repo, "status", "--porcelain") == ""


def test_init_never_overwrites_and_only_adds_missing_gitignore_lines(repo: Path) -> None:
    (repo / "callfwd.yaml").write_text("# mine\nmanifests: [manifests/]\n", encoding="utf-8")
    (repo / ".gitignore").write_text("node_modules/", encoding="utf-8")  # no final newline
    run = _init(repo)
    assert run.returncode == 0, run.stderr
    assert "kept  callfwd.yaml" in run.stdout
    assert (repo / "callfwd.yaml").read_text() == "# mine\nmanifests: [manifests/]\n"
    assert (repo / ".gitignore").read_text() == "node_modules/\n.callfwd/\n"
    assert _init(repo).stdout.count("created") == 0
    assert (repo / ".gitignore").read_text() == "node_modules/\n.callfwd/\n"
    assert _callfwd(repo, "validate").returncode == 0


def test_the_workflows_pass_actionlint_the_schema_and_zizmor(repo: Path) -> None:
    assert _init(repo, "--action", f"callfwd/callfwd@{SHA} # v{__version__}").returncode == 0
    workflows = sorted((repo / ".github" / "workflows").iterdir())
    lint = subprocess.run(
        [str(VENV_BIN / "actionlint"), "-no-color", *map(str, workflows)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout + lint.stderr
    schema = subprocess.run(
        [str(VENV_BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
         *map(str, workflows)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert schema.returncode == 0, schema.stdout
    zizmor = subprocess.run(
        [str(VENV_BIN / "zizmor"), "--offline", "--persona", "auditor", "--format", "json",
         "--no-exit-codes", "--no-progress", str(repo / ".github" / "workflows")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    findings = [
        f["ident"]
        for f in json.loads(zizmor.stdout)
        if f["determinations"]["severity"] not in ("Unknown", "Informational", "Low")
    ]
    assert findings == []
    text = (repo / ".github" / "workflows" / "apply.yml").read_text()
    assert f"uses: callfwd/callfwd@{SHA} # v{__version__}" in text
    assert "@ACTION@" not in text and "uses: ./" not in text


def test_by_default_the_workflows_use_this_release(repo: Path) -> None:
    assert _init(repo).returncode == 0
    for name in NAMES:
        text = (repo / ".github" / "workflows" / name).read_text()
        assert f"uses: callfwd/callfwd@v{__version__}\n" in text
    pre_commit = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())
    assert pre_commit["repos"] == [
        {
            "repo": "https://github.com/callfwd/callfwd",
            "rev": f"v{__version__}",
            "hooks": [{"id": "callfwd-validate"}],
        }
    ]
    check = subprocess.run(
        [str(VENV_BIN / "pre-commit"), "validate-config", ".pre-commit-config.yaml"],
        cwd=repo, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    actors = yaml.safe_load((repo / ".github" / "callfwd-actors.yaml").read_text())
    assert actors == {"dana-acme": DANA}


def test_without_a_terminal_init_asks_for_yes(repo: Path) -> None:
    run = _callfwd(repo, "init", "--account", "acme-us")
    assert run.returncode == 64
    assert "--yes" in run.stderr
    assert sorted(p.name for p in repo.iterdir()) == [".git"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--owner", f"{DANA}:manager"], "name at least one account"),
        (["--account", "acme-us"], "name an owner"),
        (["--account", "Qz4nW8", "--owner", f"{DANA}:manager"], "must be a slug"),
        (["--account", "acme-us", "--owner", f"{DANA}:boss"], "'boss' is not a role"),
        (["--account", "acme-us", "--import", "--owner", f"{DANA}:owner"], "$ACME_US_KEY"),
        (["--account", "a", "--owner", f"{DANA}:owner", "--api-url", "http://x.example"], "https"),
    ],
)
def test_bad_answers_are_usage_errors_and_write_nothing(
    repo: Path, args: list[str], expected: str
) -> None:
    run = _callfwd(repo, "init", "--yes", *args)
    assert run.returncode == 64, run.stderr
    assert expected in run.stderr
    assert sorted(p.name for p in repo.iterdir()) == [".git"]


def test_init_asks_on_a_terminal(repo: Path) -> None:
    main, secondary = pty.openpty()
    answers = "acme-us\nQz4nW8\n\ndana@acme.example:manager\ndana-acme\n"
    os.write(main, answers.encode())
    proc = subprocess.run(
        [str(VENV_BIN / "callfwd"), "init"],
        cwd=repo, stdin=secondary, capture_output=True, text=True, timeout=60,
        env={"PATH": os.environ["PATH"], "HOME": os.environ["HOME"]},
    )  # fmt: skip
    os.close(main)
    os.close(secondary)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Account name" in proc.stdout and "Owner" in proc.stdout
    config = yaml.safe_load((repo / "callfwd.yaml").read_text())
    assert config["accounts"]["acme-us"]["account_id"] == "Qz4nW8"
    assert yaml.safe_load((repo / ".github" / "callfwd-actors.yaml").read_text()) == {
        "dana-acme": DANA
    }
    assert _callfwd(repo, "validate").returncode == 0


def test_with_a_key_init_imports_the_live_forwarding_and_plans_empty(
    tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"ACME_US_KEY": ACME_MANAGER}
    result = run_cli("init", "--yes", "--account", "acme-us", "--api-url", sandbox.url, env=env)
    assert result.code == 0, result.stdout + result.stderr
    text = (tmp_path / "manifests" / "acme-us" / "main.yaml").read_text()
    assert "by `callfwd init`" in text
    assert text.count("  - sender:") >= 2  # the live forwarding, not an empty list
    assert '- email: "dana@acme.example"' in text  # the key's own user (/api/me)
    plan = run_cli("plan", "--detailed-exitcode", "--account", "acme-us", env=env)
    assert plan.code == 0, plan.stdout + plan.stderr
    assert sandbox.writes() == []


def test_from_an_empty_repository_to_a_pull_request_comment_in_one_sitting(
    tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `init` writes, on main; a PR that changes one forwarding; the PR workflow's
    validate, plan and comment jobs run on it as a runner runs them."""
    start = tmp_path / "start"
    start.mkdir()
    monkeypatch.chdir(start)
    env = {"ACME_US_KEY": ACME_MANAGER}
    made = run_cli("init", "--yes", "--account", "acme-us", "--api-url", sandbox.url, env=env)
    assert made.code == 0, made.output
    base: dict[str, str | None] = {
        p.relative_to(start).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(start.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }
    manifest = "manifests/acme-us/main.yaml"
    first = re.search(r'forward_to: "(\+1\d{10})"', base[manifest] or "")
    assert first is not None, base[manifest]
    change = {manifest: (base[manifest] or "").replace(first.group(1), "+13125550177", 1)}
    pr = pull_request(tmp_path / "ws", base, change)
    run = run_pull_request(pr, tmp_path, login="dana-acme", keys=env)
    assert run.validate.ok, {k: r.output for k, r in run.validate.runs.items()}
    assert [p.ok for p in run.plans] == [True], [p.runs for p in run.plans]
    comment = run.comment
    assert "#### `acme-us`" in comment and "+13125550177" in comment
    assert "1 to update" in comment or "1 to create" in comment, comment
    assert sandbox.writes() == []  # a pull request only reads


def test_this_repositorys_workflows_are_the_templates() -> None:
    """One source: `make workflows` renders .github/workflows/ from the shipped templates."""
    for name in NAMES:
        committed = (WORKFLOWS / name).read_text(encoding="utf-8")
        assert committed == render(name, SELF), f"{name}: run `make workflows`"
    assert (ROOT / "reconciler" / "engine" / "templates").is_dir()
