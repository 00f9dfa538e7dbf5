"""`callfwd accounts`: the accounts the manifests name, as users and CI call it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from gitops_helpers import git
from workspace import run_cli, write_manifest

_SENDERS = iter(f"+1 833 555 {n:04d}" for n in range(100, 10_000))


def _manifest(path: Path, account: str) -> Path:
    return write_manifest(path, account, {next(_SENDERS): None})


def _accounts(*args: str) -> tuple[int, str]:
    result = run_cli("accounts", *args)
    return result.code, result.output


def _rows(*args: str) -> list[dict[str, Any]]:
    code, out = _accounts("--format", "json", *args)
    assert code == 0, out
    assert out.count("\n") == 1  # one line: fits `name=value` in $GITHUB_OUTPUT
    rows = json.loads(out)
    assert isinstance(rows, list)
    return rows


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two accounts in nested folders, a seed file excluded by callfwd.yaml."""
    _manifest(tmp_path / "manifests" / "acme-us" / "care" / "b.yaml", "acme-us")
    _manifest(tmp_path / "manifests" / "acme-us" / "a.yml", "acme-us")
    _manifest(tmp_path / "manifests" / "globex" / "deep" / "er" / "support.yaml", "globex")
    (tmp_path / "manifests" / "seed.yaml").write_text("accounts: []\n")
    (tmp_path / "callfwd.yaml").write_text(
        "manifests: [manifests/]\n"
        "exclude: [manifests/seed.yaml]\n"
        "defaults: {api_url: 'https://api.example'}\n"
        "accounts:\n"
        "  acme-us: {api_url: 'https://acme.example', api_key_env: ACME_US_KEY}\n"
        "  globex: {}\n"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_each_account_lists_its_settings_and_sorted_manifests(repo: Path) -> None:
    assert _rows() == [
        {
            "account": "acme-us",
            "api_key_env": "ACME_US_KEY",
            "api_url": "https://acme.example",
            "manifests": ["manifests/acme-us/a.yml", "manifests/acme-us/care/b.yaml"],
        },
        {
            "account": "globex",
            "api_key_env": "CALLFWD_API_KEY",
            "api_url": "https://api.example",
            "manifests": ["manifests/globex/deep/er/support.yaml"],
        },
    ]


def test_output_is_byte_identical_run_to_run(repo: Path) -> None:
    assert _accounts("--format", "json") == _accounts("--format", "json")


def test_paths_narrow_the_manifests_read(repo: Path) -> None:
    rows = _rows("manifests/globex")
    assert [r["account"] for r in rows] == ["globex"]


def test_exclude_patterns_drop_a_whole_account(repo: Path) -> None:
    (repo / "callfwd.yaml").write_text("exclude: ['manifests/globex/*', 'support.yaml']\n")
    rows = _rows()
    assert [r["account"] for r in rows] == ["acme-us"]
    # Without accounts: in callfwd.yaml, CALLFWD_API_KEY and CALLFWD_API_URL serve.
    assert rows[0]["api_key_env"] == "CALLFWD_API_KEY"
    assert "api_url" not in rows[0]


def test_manifests_list_of_callfwd_yaml_is_the_default(repo: Path) -> None:
    _manifest(repo / "elsewhere" / "x.yaml", "initech")
    (repo / "callfwd.yaml").write_text("manifests: [elsewhere/]\n")
    assert [r["account"] for r in _rows()] == ["initech"]
    assert [r["account"] for r in _rows("--config", "callfwd.yaml")] == ["initech"]


def _validate(*args: str) -> tuple[int, str]:
    result = run_cli("validate", "--format", "text", *args)
    return result.code, result.stderr + result.stdout


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_no_manifests_is_an_error_with_validates_diagnostic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """Never green on nothing: an empty list would let CI skip every job and pass."""
    (tmp_path / "manifests").mkdir()
    monkeypatch.chdir(tmp_path)
    result = run_cli("accounts", "--format", fmt)
    assert result.code == 1
    assert result.stdout == ""  # nothing a workflow could take for a matrix
    cf002 = next(line for line in result.stderr.splitlines() if "error[CF002]" in line)
    assert cf002 in _validate()[1]  # the very line validate prints
    assert "no account to list" in result.stderr


def test_manifests_elsewhere_than_callfwd_yaml_says_is_an_error(
    repo: Path,
) -> None:
    (repo / "callfwd.yaml").write_text("manifests: [infra/manifests/]\n")
    code, out = _accounts("--format", "json")
    assert code == 1
    assert "error[CF002]" in out
    assert "infra/manifests" in out


def test_manifests_that_name_no_account_are_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "broken.yaml").write_text("version: 1\naccount: [x]\n")
    monkeypatch.chdir(tmp_path)
    code, out = _accounts("--format", "json")
    assert code == 1
    assert "manifests/broken.yaml:" in out
    assert "no account to list" in out


# --- --groups: one CI job per group, under GitHub's 256 jobs per matrix -------------------------


def _fleet(root: Path, n: int) -> list[str]:
    names = [f"acct-{i:04d}" for i in range(n)]
    for name in names:
        _manifest(root / "manifests" / name / "m.yaml", name)
    return names


@pytest.mark.parametrize(("accounts", "groups"), [(1, 4), (7, 3), (10, 10), (300, 256)])
def test_groups_hold_every_account_once_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, accounts: int, groups: int
) -> None:
    names = _fleet(tmp_path, accounts)
    monkeypatch.chdir(tmp_path)
    dealt = _rows("--groups", str(groups))
    assert len(dealt) == min(accounts, groups)
    assert [g["group"] for g in dealt] == list(range(1, len(dealt) + 1))
    assert {g["groups"] for g in dealt} == {len(dealt)}
    flat = [row["account"] for g in dealt for row in g["accounts"]]
    assert flat == names  # each exactly once, sorted
    sizes = [len(g["accounts"]) for g in dealt]
    assert max(sizes) - min(sizes) <= 1
    for g in dealt:
        first, last = g["accounts"][0]["account"], g["accounts"][-1]["account"]
        n = len(g["accounts"])
        assert g["name"] == (first if n == 1 else f"{first}..{last} ({n} accounts)")
    assert _accounts("--format", "json", "--groups", str(groups)) == _accounts(
        "--format", "json", "--groups", str(groups)
    )


def test_group_rows_are_the_same_rows(repo: Path) -> None:
    [group] = _rows("--groups", "1")
    assert group["accounts"] == _rows()
    code, text = _accounts("--groups", "1")
    assert code == 0
    assert text.splitlines()[:2] == [
        "group 1 of 1: acme-us..globex (2 accounts)",
        "  acme-us (key in $ACME_US_KEY, api https://acme.example)",
    ]


@pytest.mark.parametrize("bad", ["0", "-1", "x"])
def test_groups_must_be_a_positive_number(repo: Path, bad: str) -> None:
    code, out = _accounts("--groups", bad)
    assert code == 64
    assert "--groups" in out


def test_text_format_names_the_key_variable_never_its_value(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_US_KEY", "pk_live_do-not-print-me")
    code, out = _accounts()
    assert code == 0
    assert "pk_live_do-not-print-me" not in out
    assert out.splitlines()[:3] == [
        "acme-us (key in $ACME_US_KEY, api https://acme.example)",
        "  manifests/acme-us/a.yml",
        "  manifests/acme-us/care/b.yaml",
    ]


def test_account_id_is_shown_only_where_set() -> None:
    # callfwd.yaml gains account_id in the config rework; until then the row carries it.
    from reconciler.engine.inventory import AccountRow
    from reconciler.render.accounts import render_json, render_text

    rows = [
        AccountRow(
            "acme-us",
            "K",
            ("m.yaml",),
            account_id="01HACME",
            changed=True,
            changed_manifests=("m.yaml",),
        ),
        AccountRow("globex", "K", ("g.yaml",)),
    ]
    assert [("account_id" in r) for r in json.loads(render_json(rows))] == [True, False]
    assert render_text(rows).splitlines() == [
        "acme-us (id 01HACME, key in $K, api $CALLFWD_API_URL, changed)",
        "  m.yaml *",
        "globex (key in $K, api $CALLFWD_API_URL)",
        "  g.yaml",
    ]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            "accounts: {acme-us: {api_url: 'https://user:hunter2@acme.example'}}\n",
            "must not contain a user name or password",
        ),
        ("defaults: {api_url: 'http://acme.example'}\n", "must use https"),
    ],
)
def test_unsafe_settings_fail_without_echoing_secrets(
    repo: Path, config: str, expected: str
) -> None:
    (repo / "callfwd.yaml").write_text(config)
    code, out = _accounts()
    assert code == 1
    assert expected in out
    assert "hunter2" not in out


# --- --changed-since, on a real git history --------------------------------------------------


@pytest.fixture
def history(repo: Path) -> Path:
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    return repo


def _changed(*args: str) -> dict[str, tuple[bool, list[str]]]:
    return {r["account"]: (r["changed"], r["changed_manifests"]) for r in _rows(*args)}


def test_nothing_changed_since_head(history: Path) -> None:
    assert _changed("--changed-since", "HEAD") == {"acme-us": (False, []), "globex": (False, [])}


def test_a_committed_change_marks_only_its_account(history: Path) -> None:
    _manifest(history / "manifests" / "acme-us" / "care" / "b.yaml", "acme-us")
    (history / "README.md").write_text("not a manifest\n")
    git(history, "add", "-A")
    git(history, "commit", "-q", "-m", "edit")
    assert _changed("--changed-since", "HEAD~1") == {
        "acme-us": (True, ["manifests/acme-us/care/b.yaml"]),
        "globex": (False, []),
    }
    assert _changed("--changed-since", "HEAD") == {"acme-us": (False, []), "globex": (False, [])}


def test_uncommitted_and_untracked_manifests_count(history: Path) -> None:
    _manifest(history / "manifests" / "globex" / "new.yaml", "globex")  # untracked
    assert _changed("--changed-since", "HEAD")["globex"] == (
        True,
        ["manifests/globex/new.yaml"],
    )


def test_an_excluded_file_changing_marks_nothing(history: Path) -> None:
    (history / "manifests" / "seed.yaml").write_text("accounts: [x]\n")
    assert _changed("--changed-since", "HEAD") == {"acme-us": (False, []), "globex": (False, [])}


def test_a_change_to_callfwd_yaml_marks_every_account(history: Path) -> None:
    with (history / "callfwd.yaml").open("a") as fh:
        fh.write("retry: {max_attempts: 3}\n")
    git(history, "commit", "-q", "-am", "config")
    assert _changed("--changed-since", "HEAD^") == {"acme-us": (True, []), "globex": (True, [])}


def test_a_deleted_manifest_marks_the_account_it_named(history: Path) -> None:
    git(history, "rm", "-q", "manifests/acme-us/a.yml")
    git(history, "commit", "-q", "-m", "drop a")
    assert _changed("--changed-since", "HEAD~1") == {"acme-us": (True, []), "globex": (False, [])}
    # The account's last manifest gone: no manifest names it, so it has no row to plan.
    git(history, "rm", "-q", "-r", "manifests/acme-us")
    git(history, "commit", "-q", "-m", "drop acme-us")
    assert _changed("--changed-since", "HEAD~2") == {"globex": (False, [])}


def test_changes_are_found_from_a_subdirectory_too(
    history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _manifest(history / "manifests" / "globex" / "deep" / "er" / "support.yaml", "globex")
    monkeypatch.chdir(history / "manifests")
    rows = _rows("--changed-since", "HEAD", "--config", "../callfwd.yaml", "globex")
    assert [(r["account"], r["changed"], r["changed_manifests"]) for r in rows] == [
        ("globex", True, ["globex/deep/er/support.yaml"])
    ]


@pytest.mark.parametrize("ref", ["no-such-branch", "--output=/tmp/x", "HEAD~5"])
def test_a_bad_ref_is_a_clear_error(history: Path, ref: str) -> None:
    code, out = _accounts("--changed-since", ref)
    assert code == 1
    assert out.startswith(f"error: --changed-since {ref!r}")
    assert out.count("\n") == 1


def test_changed_since_outside_a_git_repository_is_a_clear_error(repo: Path) -> None:
    code, out = _accounts("--changed-since", "HEAD")
    assert code == 1
    assert "not a git repository" in out


def test_end_to_end_as_a_subprocess(history: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "reconciler",
            "accounts",
            "--format",
            "json",
            "--changed-since",
            "HEAD",
        ],
        cwd=history,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    assert [r["account"] for r in json.loads(proc.stdout)] == ["acme-us", "globex"]


# --- --trusted-config: where CI sends each key comes from the trusted file ---------------------


def test_rows_take_their_settings_from_the_trusted_file(repo: Path, tmp_path: Path) -> None:
    """The working tree's callfwd.yaml still finds the manifests (manifests:, exclude:)."""
    trusted = tmp_path.parent / f"{tmp_path.name}-base.yaml"
    trusted.write_text(
        "accounts:\n  acme-us: {api_url: 'https://acme.example', api_key_env: ACME_US_KEY}\n"
    )
    (repo / "callfwd.yaml").write_text(
        "manifests: [manifests/]\n"
        "exclude: [manifests/seed.yaml]\n"
        "accounts:\n"
        "  acme-us: {api_url: 'https://evil.example', api_key_env: EVIL_KEY}\n"
        "  globex: {api_url: 'https://evil.example', api_key_env: EVIL_KEY}\n"
    )
    rows = _rows("--trusted-config", str(trusted))
    assert rows == [
        {
            "account": "acme-us",
            "api_key_env": "ACME_US_KEY",
            "api_url": "https://acme.example",
            "manifests": ["manifests/acme-us/a.yml", "manifests/acme-us/care/b.yaml"],
        },
        {
            "account": "globex",
            "added": True,
            "manifests": ["manifests/globex/deep/er/support.yaml"],
        },
    ]
    code, text = _accounts("--trusted-config", str(trusted))
    assert code == 0 and "evil" not in text.lower()
    assert "globex (added by this change: validated, not planned)" in text
    code, out = _accounts("--trusted-config", str(tmp_path / "nope.yaml"))
    assert code == 64 and "--trusted-config" in out
