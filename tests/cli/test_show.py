"""``callfwd show``: saved plans rendered offline, several merged into one comment."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from markdown_check import balanced, structure
from sandbox_fixtures import ACME_MANAGER, GLOBEX_OWNER, ROOT, Sandbox
from workspace import run_cli

from reconciler.diagnostics import Position
from reconciler.plan import planfile
from reconciler.plan.model import AccountPlan, Action, Change, Plan, Summary
from reconciler.plan.safety import threshold_verdicts

RUN = "https://github.com/acme/gitops/actions/runs/42"


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = run_cli(*args, env=env)
    return result.code, result.stdout, result.stderr


class _Limits:
    update_share, delete_share, min_existing = 0.3, 0.3, 1


def _account(name: str, n: int, action: Action = Action.UPDATE) -> AccountPlan:
    changes = tuple(
        Change(action, name, f"+1833{i:07d}", f"id{i}", "+12125550100",
               None if action is Action.DELETE else "+12125550199",
               Position(f"manifests/{name}.yaml", 9 + 2 * i, 13))
        for i in range(n)
    )  # fmt: skip
    acct = AccountPlan(name, changes, Summary(**{action.value: n}), managed_forwardings=n)
    return replace(acct, notices=tuple(threshold_verdicts(acct, _Limits())))


def _save(tmp_path: Path, *accounts: AccountPlan) -> Path:
    path = tmp_path / f"plan-{accounts[0].account}.json"
    path.write_text(planfile.dumps(Plan(accounts, f"sha256:{accounts[0].account}", "0.1.0")))
    return path


@pytest.fixture
def three(tmp_path: Path) -> list[Path]:
    """Per-account plan files: 2,000 updates in one account, one change in each of two."""
    return [
        _save(tmp_path, _account("acme-us", 2_000)),
        _save(tmp_path, _account("globex", 1)),
        _save(tmp_path, _account("initech", 1, Action.DELETE)),
    ]


def test_three_plan_files_make_one_comment_under_the_budget(three: list[Path]) -> None:
    code, md, err = _run("show", *map(str, three), "--run-url", RUN, "--unchanged", "hooli")
    assert code == 0, err
    assert len(md.encode()) <= 60_000
    s = structure(md)
    assert balanced(md)
    warnings = [line for line in s.code if "safety threshold" in line]
    assert len(warnings) == 3  # CF520 of each account
    assert "the plan would update 2000 of 2000 managed forwardings (100%)" in warnings[0]
    assert (
        md.splitlines()[3]
        == "**0 to create, 2001 to update, 1 to delete; 0 unchanged, 0 unmanaged.**"
    )
    assert "> ✂️ **Shortened to fit a comment.** Not shown here: " in md
    assert s.links == [RUN]
    assert "**Unchanged, not planned:** `hooli`." in md
    assert [h for _, h in s.headings[1:]] == ["`acme-us`", "`globex`", "`initech`"]


def test_budget_bounds_the_whole_output(three: list[Path]) -> None:
    code, md, _ = _run("show", *map(str, three), "--budget", "10000")
    assert code == 0
    assert len(md.encode()) <= 10_000
    assert md.count("safety threshold") == 3


def test_every_format_renders_the_merged_plan(three: list[Path]) -> None:
    code, out, _ = _run("show", *map(str, three), "--format", "json")
    doc = json.loads(out)
    assert [a["account"] for a in doc["accounts"]] == ["acme-us", "globex", "initech"]
    assert len(doc["changes"]) == 2_002 and len(doc["warnings"]) == 3
    assert doc["manifest_digest"] == ""  # the files were planned from different manifests
    code, text, _ = _run("show", *map(str, three), "--format", "text", "--unchanged", "hooli")
    assert "Plan: 0 to create, 2001 to update, 1 to delete" in text
    assert "unchanged, not planned: hooli" in text
    assert text.count("warning[CF520]") == 3
    code, checklist, _ = _run("show", str(three[1]), "--format", "checklist")
    assert code == 0
    assert "- [ ] **(833) 000-0000** (+18330000000): edit: change" in checklist


@pytest.fixture
def demo(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    shutil.copytree(ROOT / "manifests", tmp_path / "manifests")
    (tmp_path / "manifests" / "sandbox-seed.yaml").unlink()
    (tmp_path / "callfwd.yaml").write_text(
        "manifests: [manifests/]\naccounts:\n"
        f"  acme-us: {{api_url: '{sandbox.url}', api_key_env: ACME_KEY}}\n"
        f"  globex: {{api_url: '{sandbox.url}', api_key_env: GLOBEX_KEY}}\n"
    )
    monkeypatch.chdir(tmp_path)
    return {"ACME_KEY": ACME_MANAGER, "GLOBEX_KEY": GLOBEX_OWNER}


def test_per_account_plans_shown_together_read_as_one_plan(demo: dict[str, str]) -> None:
    """Against the local server: plan each account alone, as CI's jobs do, then show both."""
    for account in ("acme-us", "globex"):
        code, _, err = _run("plan", "--account", account, "--out", f"{account}.json", env=demo)
        assert code == 0, err
    for fmt in ("markdown", "text", "checklist"):
        code, whole, _ = _run("plan", "--format", fmt, env=demo)
        assert code == 0
        code, shown, err = _run("show", "globex.json", "acme-us.json", "--format", fmt)
        assert code == 0, err
        # the checklist's headings too: the saved plans recorded each vendor's name and id
        assert shown == whole, fmt
    assert "## Account `Acme US` (id `acme-us`), `acme-us` in callfwd.yaml" in shown


def test_show_needs_no_key_and_no_api(three: list[Path], tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from reconciler.cli import main\n"
        f"code = main(['show', {str(three[1])!r}])\n"
        "heavy = ('httpx', 'reconciler.api', 'reconciler.engine')\n"
        "loaded = [m for m in heavy if m in sys.modules]\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.endswith("_KEY")}
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "LOADED []" in proc.stderr
    assert "### callfwd plan" in proc.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not a callfwd plan (invalid JSON"),
        (b'{"kind": "something else"}', "not a callfwd plan (write one with `callfwd plan --out`)"),
        (b"\xff\xfe\x00p\x00l", "not a callfwd plan (not UTF-8 text)"),
        (b"", "not a callfwd plan (invalid JSON"),
    ],
)
def test_a_file_that_is_not_a_plan_is_a_clear_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    code, out, err = _run("show", str(bad))
    assert code == 1
    assert out == ""
    assert err.startswith(f"error: {bad}: {message}")


def test_an_edited_plan_is_refused(three: list[Path]) -> None:
    text = three[1].read_text().replace("+12125550199", "+12125550666")
    three[1].write_text(text)
    code, _, err = _run("show", str(three[1]))
    assert code == 1
    assert "was edited after `callfwd plan --out` wrote it" in err


def test_a_file_over_the_size_bound_is_refused_unread(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as fh:  # sparse: nothing is written, the size says it all
        fh.truncate(planfile.MAX_BYTES + 1)
    code, _, err = _run("show", str(huge))
    assert code == 1
    assert f"{huge}: not a callfwd plan (larger than 64 MiB, the most a plan file may be)" in err


def test_a_plan_file_outside_the_repository_is_read_but_a_link_inside_that_leads_out_is_not(
    three: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "plan.json").symlink_to(three[1])
    monkeypatch.chdir(repo)  # outside any git work tree: the repository is this folder
    code, md, err = _run("show", str(three[1]))  # as $RUNNER_TEMP/plan.json would be
    assert code == 0, err
    assert "`+18330000000`" in md  # the one change of globex's plan
    code, md, err = _run("show", "plan.json")
    assert code == 1 and md == ""
    assert err.startswith("error: plan.json:1:1: error[CF020] plan.json is a symbolic link")
    assert "it is not read" in err


def test_an_account_in_two_files_is_an_error(three: list[Path], tmp_path: Path) -> None:
    again = tmp_path / "again" / "plan.json"
    again.parent.mkdir()
    shutil.copy(three[1], again)
    code, out, err = _run("show", str(three[1]), str(again))
    assert code == 1 and out == ""
    assert f"account globex is in both {three[1]} and {again}" in err


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["missing.json"],
        ["{plan}", "--budget", "1999"],
        ["{plan}", "--format", "text", "--budget", "5000"],
        ["{plan}", "--format", "json", "--run-url", RUN],
        ["{plan}", "--format", "json", "--unchanged", "hooli"],
        ["{plan}", "--run-url", "javascript:alert(1)"],
        ["{plan}", "--run-url", "https://x.example/a b"],
    ],
)
def test_usage_errors_exit_64(three: list[Path], args: list[str]) -> None:
    code, out, err = _run("show", *(a.replace("{plan}", str(three[1])) for a in args))
    assert code == 64, err
    assert out == ""


def test_a_directory_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = _run("show", str(tmp_path))
    assert code == 64
    assert "is a directory" in err
