"""``callfwd actor LOGIN --base REF``: the email a GitHub login acts as, read from REF."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitops_helpers import git
from workspace import run_cli

MAP = ".github/callfwd-actors.yaml"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".github").mkdir()
    (tmp_path / MAP).write_text(
        "dana-acme: dana@acme.example\n"
        "Eve-Acme:\n  email: eve@acme.example\n  roles: {acme-us: manager}\n"
        "odd: not an email\n"
    )
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "base")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _actor(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = run_cli("actor", *args, env=env)
    return result.code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("login", "email"), [("dana-acme", "dana@acme.example"), ("EVE-acme", "eve@acme.example")]
)
def test_either_form_of_the_map_gives_the_email(repo: Path, login: str, email: str) -> None:
    assert _actor(login, "--base", "HEAD") == (0, f"{email}\n", "")


def test_the_map_is_read_from_the_base_never_from_the_working_tree(repo: Path) -> None:
    (repo / MAP).write_text("mallory: dana@acme.example\n")  # uncommitted
    git(repo, "commit", "-qam", "later")  # and committed after the base
    assert _actor("mallory", "--base", "HEAD~1")[0] == 1
    assert _actor("mallory", "--base", "HEAD")[1] == "dana@acme.example\n"


@pytest.mark.parametrize(
    ("login", "expected"),
    [
        ("mallory", "GitHub user mallory has no email in .github/callfwd-actors.yaml on HEAD"),
        ("odd", "GitHub user odd has no usable email in"),
    ],
)
def test_a_login_without_an_email_is_an_error_saying_what_to_do(
    repo: Path, login: str, expected: str
) -> None:
    code, out, err = _actor(login, "--base", "HEAD")
    assert (code, out) == (1, "")
    assert err.startswith(f"error: {expected}")
    assert "in its own pull request" in err


def test_no_map_on_the_base_is_an_error(repo: Path) -> None:
    git(repo, "rm", "-q", MAP)
    git(repo, "commit", "-qm", "no map")
    code, _, err = _actor("dana-acme", "--base", "HEAD")
    assert code == 1 and ".github/callfwd-actors.yaml is missing on HEAD" in err


def test_under_github_actions_the_email_is_a_step_output_and_a_miss_an_annotation(
    repo: Path, tmp_path: Path
) -> None:
    output = tmp_path / "github-output"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(output)}
    assert _actor("dana-acme", "--base", "HEAD", env=env)[0] == 0
    assert output.read_text() == "email=dana@acme.example\n"
    code, out, _ = _actor("mallory", "--base", "HEAD", env=env)
    assert code == 1
    assert out.startswith("::error title=callfwd actor::GitHub user mallory has no email")


@pytest.mark.parametrize("ref", ["no-such-ref", "--output=/tmp/x"])
def test_a_base_that_names_no_commit_is_a_usage_error(repo: Path, ref: str) -> None:
    code, _, err = _actor("dana-acme", "--base", ref)
    assert code == 64 and "no such commit" in err


def test_outside_a_repository_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = _actor("dana-acme", "--base", "HEAD")
    assert code == 64 and "is not in a git repository" in err
