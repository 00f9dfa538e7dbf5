"""The `callfwd-validate` pre-commit hook, run by pre-commit itself on a temp git repo.

How the hook is installed is the one thing swapped: `language: python` makes
pre-commit build a virtualenv and `pip install` this package, which needs the
package index (setuptools for the build, then every dependency), and tests stay
offline. So the temp repo's config is a `repo: local` hook with every field of
our `.pre-commit-hooks.yaml` entry (entry, files, pass_filenames, ...) and
`language: system`, finding `callfwd` on PATH from this virtualenv. Everything
else is real: pre-commit picks the files, decides whether the hook runs, runs
`callfwd validate` and reports its output.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from gitops_helpers import ROOT, VENV_BIN, git
from pre_commit.clientlib import load_manifest
from workspace import write_manifest

HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"
DANA = "dana@acme.example"


def _our_hook() -> dict[str, Any]:
    hooks = yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))
    return next(h for h in hooks if h["id"] == "callfwd-validate")


def _manifest(repo: Path, name: str, senders: dict[str, str | None]) -> Path:
    path = repo / "manifests" / f"{name}.yaml"
    write_manifest(path, account="acme-us", owner=DANA, role="manager", senders=senders)
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    hook = {**_our_hook(), "language": "system"}
    config = {"repos": [{"repo": "local", "hooks": [hook]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    _manifest(repo, "care", {"+1 833 555 0100": "+1 212 555 0199"})
    (repo / "README.md").write_text("manifests live here\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "start")
    return repo


def _pre_commit(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": os.environ["HOME"],
        "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [str(VENV_BIN / "pre-commit"), "run", "--color", "never", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_hooks_file_is_a_valid_pre_commit_manifest() -> None:
    (hook,) = (h for h in load_manifest(str(HOOKS_FILE)) if h["id"] == "callfwd-validate")
    assert hook["language"] == "python"
    assert hook["entry"] == "callfwd validate"
    assert hook["pass_filenames"] is False


def test_a_valid_manifest_passes(repo: Path) -> None:
    _manifest(repo, "billing", {"+1 855 555 0122": "+1 312 555 0175"})
    git(repo, "add", "manifests/billing.yaml")
    proc = _pre_commit(repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "callfwd validate" in proc.stdout and "Passed" in proc.stdout


def test_a_bad_manifest_fails_with_the_diagnostic_shown(repo: Path) -> None:
    _manifest(repo, "billing", {"+1 855 555 0122": "+1 416 555 0199"})  # Toronto
    git(repo, "add", "manifests/billing.yaml")
    proc = _pre_commit(repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Failed" in proc.stdout
    assert "manifests/billing.yaml:9:17: error[" in proc.stdout
    assert "Canada" in proc.stdout


def test_a_duplicate_sender_in_an_unchanged_file_is_still_caught(repo: Path) -> None:
    """Why pass_filenames is false: the duplicate spans a staged and an untouched file."""
    _manifest(repo, "billing", {"(833) 555-0100": "+1 312 555 0175"})
    git(repo, "add", "manifests/billing.yaml")
    proc = _pre_commit(repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "declared twice" in proc.stdout
    assert "manifests/care.yaml:8" in proc.stdout


def test_the_hook_skips_commits_without_manifests(repo: Path) -> None:
    (repo / "README.md").write_text("changed\n", encoding="utf-8")
    git(repo, "add", "README.md")
    proc = _pre_commit(repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "(no files to check)Skipped" in proc.stdout


def test_manifests_outside_manifests_folder_trigger_the_hook(repo: Path) -> None:
    git(repo, "mv", "manifests", "infra")
    (repo / "callfwd.yaml").write_text("manifests: [infra/]\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "move", "--no-verify")
    bad = repo / "infra" / "care.yaml"
    bad.write_text(bad.read_text().replace("+1 212 555 0199", "+1 416 555 0199"))
    git(repo, "add", "infra/care.yaml")
    proc = _pre_commit(repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "infra/care.yaml:9:17: error[" in proc.stdout


def test_no_manifests_found_fails_loudly(repo: Path) -> None:
    """Manifests moved, callfwd.yaml not told: the hook fails with CF002, never passes."""
    git(repo, "mv", "manifests", "infra")
    proc = _pre_commit(repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Failed" in proc.stdout
    assert "error[CF002] no manifests here" in proc.stdout
