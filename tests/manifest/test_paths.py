"""Nothing outside the repository is read unless the operator names it, and nothing
leaves it through a symbolic link: refused unread, with a code, quoting nothing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from workspace import manifest_text, run_cli, write_file

from reconciler.config import ConfigFileError, load_config
from reconciler.manifest.paths import Refusal, confine, repository_root

TOKEN = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"
GOOD = manifest_text("acme-us", {"+1 833 555 0100": "+1 212 555 0199"}, team="care")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with one good manifest, beside a secrets file outside it."""
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    write_file(root / "callfwd.yaml", "manifests: [manifests/]\n")
    write_file(root / "manifests" / "acme-us" / "care.yaml", GOOD)
    write_file(tmp_path / "runner" / ".env", f"GITHUB_TOKEN={TOKEN}\n")
    monkeypatch.chdir(root)
    return root


def run(*args: str) -> tuple[int, str]:
    result = run_cli(*args)
    return result.code, result.output


def test_a_manifest_linked_to_a_dotenv_file_outside_is_refused_unread(repo: Path) -> None:
    os.symlink(repo.parent / "runner" / ".env", repo / "manifests" / "zz.yaml")
    for fmt in ("text", "json", "github", "sarif"):
        code, out = run("validate", "--format", fmt)
        assert code == 1
        assert TOKEN[:6] not in out and "GITHUB_TOKEN" not in out
    code, out = run("validate")
    assert out.splitlines() == [
        f"manifests/zz.yaml:1:1: error[CF020] manifests/zz.yaml is a symbolic link, or goes "
        f"through one, that leads outside the repository ({repo}); it is not read: put the "
        "file itself in the repository",
        "invalid: 1 file, 1 sender, 1 error",
    ]


def test_the_link_is_refused_even_when_the_operator_names_it(repo: Path) -> None:
    os.symlink(repo.parent / "runner" / ".env", repo / "manifests" / "zz.yaml")
    code, out = run("validate", "manifests/zz.yaml")
    assert code == 1 and "error[CF020]" in out and TOKEN[:6] not in out
    code, out = run("validate", str(repo / "manifests" / "zz.yaml"))
    assert code == 1 and "error[CF020]" in out


@pytest.mark.parametrize(
    "text",
    [
        f"GITHUB_TOKEN={TOKEN}\n",  # a dotenv line: YAML reads one plain value
        f"GITHUB_TOKEN: {TOKEN}\nAWS_SECRET: {TOKEN}\n",  # key: value lines
        f"GITHUB_TOKEN: {TOKEN}\nGITHUB_TOKEN: {TOKEN}\n",  # with a duplicate key
        f"- {TOKEN}\n",
    ],
    ids=["dotenv", "mapping", "duplicate-key", "list"],
)
def test_a_secrets_file_inside_the_repository_is_reported_without_quoting_it(
    repo: Path, text: str
) -> None:
    write_file(repo / "manifests" / "zz.yaml", text)
    for fmt in ("text", "json", "github", "sarif"):
        code, out = run("validate", "--format", fmt)
        assert code == 1
        assert TOKEN[:6] not in out and "GITHUB_TOKEN" not in out and "AWS" not in out
    code, out = run("validate")
    assert "manifests/zz.yaml:1:1: error[CF011] " in out


def test_a_manifests_path_in_callfwd_yaml_may_not_leave_the_repository(repo: Path) -> None:
    write_file(repo.parent / "elsewhere" / "team.yaml", GOOD)
    write_file(repo / "callfwd.yaml", "manifests: [manifests/, ../elsewhere/]\n")
    code, out = run("validate")
    assert code == 1
    assert out.splitlines()[0] == (
        f"../elsewhere:1:1: error[CF019] ../elsewhere is outside the repository ({repo}); it "
        "is not read: paths in callfwd.yaml must stay inside the repository (give a file "
        "elsewhere on the command line)"
    )


def test_a_file_outside_the_repository_named_on_the_command_line_is_read(repo: Path) -> None:
    outside = write_file(repo.parent / "elsewhere" / "team.yaml", GOOD)
    assert run("validate", str(outside)) == (0, "ok: 1 file, 1 sender, no problems\n")
    assert run("validate", "../elsewhere/team.yaml")[0] == 0


def test_a_linked_folder_that_leads_out_is_reported_and_not_walked(repo: Path) -> None:
    write_file(repo.parent / "elsewhere" / "team.yaml", GOOD.replace("0100", "0101"))
    os.symlink(repo.parent / "elsewhere", repo / "manifests" / "more")
    code, out = run("validate")
    assert code == 1
    assert out.startswith("manifests/more:1:1: error[CF020] manifests/more is a symbolic link")
    assert out.endswith("invalid: 1 file, 1 sender, 1 error\n")


def test_a_link_that_stays_inside_the_repository_is_read_once(repo: Path) -> None:
    os.symlink("acme-us/care.yaml", repo / "manifests" / "alias.yaml")
    assert run("validate") == (0, "ok: 1 file, 1 sender, no problems\n")


def test_callfwd_yaml_that_links_out_is_refused_unread(repo: Path) -> None:
    (repo / "callfwd.yaml").unlink()
    os.symlink(repo.parent / "runner" / ".env", repo / "callfwd.yaml")
    with pytest.raises(ConfigFileError) as info:
        load_config()
    assert [d.code for d in info.value.diagnostics] == ["CF020"]
    assert TOKEN[:6] not in str(info.value)
    code, out = run("validate")
    assert code == 1 and "callfwd.yaml:1:1: error[CF020]" in out and TOKEN[:6] not in out


# Each command that reads a saved plan the operator names, with the file's place.
PLAN_READERS = {
    "apply --plan": ["apply", "--plan", "{}", "--auto-approve"],
    "plan --since": ["plan", "--format", "checklist", "--since", "{}"],
    "show": ["show", "{}"],
}


@pytest.mark.parametrize("command", PLAN_READERS)
def test_a_plan_file_linked_out_of_the_repository_is_refused_unread(
    repo: Path, command: str
) -> None:
    os.symlink(repo.parent / "runner" / ".env", repo / "plan.json")
    code, out = run(*(a.format("plan.json") for a in PLAN_READERS[command]))
    assert code == 1
    assert out.startswith(
        "error: plan.json:1:1: error[CF020] plan.json is a symbolic link, or goes through one, "
        f"that leads outside the repository ({repo}); it is not read"
    )
    assert TOKEN[:6] not in out and "GITHUB_TOKEN" not in out


@pytest.mark.parametrize("command", PLAN_READERS)
def test_a_plan_file_the_operator_names_outside_the_repository_is_read(
    repo: Path, command: str
) -> None:
    write_file(repo.parent / "runner" / "plan.json", "{not a plan")  # as under $RUNNER_TEMP
    code, out = run(*(a.format("../runner/plan.json") for a in PLAN_READERS[command]))
    assert code == 1
    assert out.startswith("error: ../runner/plan.json: not a callfwd plan (invalid JSON"), out


def _serve(repo: Path, seed: str) -> subprocess.CompletedProcess[str]:
    """``callfwd serve --seed SEED``: a seed it refuses ends it before it listens."""
    import sys

    return subprocess.run(
        [sys.executable, "-m", "reconciler", "serve", "--port", "0", "--seed", seed,
         "--db", str(repo / ".callfwd" / "db.sqlite")],
        cwd=repo, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_a_seed_linked_out_of_the_repository_is_refused_unread(repo: Path) -> None:
    os.symlink(repo.parent / "runner" / ".env", repo / "seed.yaml")
    proc = _serve(repo, "seed.yaml")
    assert proc.returncode == 1
    assert "listening" not in proc.stdout
    assert proc.stderr.startswith(
        "error: seed.yaml:1:1: error[CF020] seed.yaml is a symbolic link, or goes through one"
    ), proc.stderr
    assert TOKEN[:6] not in proc.stderr + proc.stdout


def test_a_seed_the_operator_names_outside_the_repository_is_read(repo: Path) -> None:
    write_file(repo.parent / "runner" / "seed.yaml", "accounts: 5\n")
    proc = _serve(repo, "../runner/seed.yaml")
    assert proc.returncode == 1  # read, and refused for what it says
    assert "accounts" in proc.stderr and "CF020" not in proc.stderr, proc.stderr


def test_manifests_in_callfwd_yaml_are_relative_to_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_file(tmp_path / "infra" / "callfwd.yaml", "manifests: [manifests/]\n")
    write_file(tmp_path / "infra" / "manifests" / "care.yaml", GOOD)
    write_file(tmp_path / "manifests" / "broken.yaml", "nonsense: [\n")  # must not be read
    monkeypatch.chdir(tmp_path)
    assert run("validate", "--config", "infra/callfwd.yaml") == (
        0,
        "ok: 1 file, 1 sender, no problems\n",
    )
    write_file(tmp_path / "infra" / "manifests" / "care.yaml", GOOD.replace("manager", "analyst"))
    code, out = run("validate", "--config", "infra/callfwd.yaml")
    assert code == 1 and "infra/manifests/care.yaml:6:11: error[CF402]" in out


# -- confine, the one function every path goes through ------------------------------


def test_confine_table(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write_file(root / "a.yaml", "")
    write_file(tmp_path / "out" / "b.yaml", "")
    os.symlink(tmp_path / "out" / "b.yaml", root / "link-out.yaml")
    os.symlink("a.yaml", root / "link-in.yaml")
    os.symlink(tmp_path / "out", root / "dir-out")
    os.symlink(root, tmp_path / "into-repo")
    real = Path(os.path.realpath(root))
    cases = {
        (root / "a.yaml", False): real / "a.yaml",
        (root / "link-in.yaml", False): real / "a.yaml",
        (root / "link-out.yaml", False): "CF020",
        (root / "link-out.yaml", True): "CF020",
        (root / "dir-out" / "b.yaml", True): "CF020",
        (root / ".." / "out" / "b.yaml", False): "CF019",
        (tmp_path / "out" / "b.yaml", False): "CF019",
        (tmp_path / "out" / "b.yaml", True): Path(os.path.realpath(tmp_path / "out" / "b.yaml")),
        (tmp_path / "into-repo" / "link-out.yaml", True): "CF020",  # enters, then leaves
        (tmp_path / "into-repo" / "a.yaml", True): real / "a.yaml",
    }
    for (path, given), expected in cases.items():
        got = confine(path, real, given=given)
        shown = got.code if isinstance(got, Refusal) else got
        assert shown == expected, (path, given)


def test_the_root_is_the_git_top_of_callfwd_yaml_else_its_folder(tmp_path: Path) -> None:
    write_file(tmp_path / "plain" / "sub" / "callfwd.yaml", "")
    assert repository_root(tmp_path / "plain" / "sub" / "callfwd.yaml") == Path(
        os.path.realpath(tmp_path / "plain" / "sub")
    )
    subprocess.run(["git", "init", "-q", str(tmp_path / "git")], check=True)
    write_file(tmp_path / "git" / "infra" / "callfwd.yaml", "")
    assert repository_root(tmp_path / "git" / "infra" / "callfwd.yaml") == Path(
        os.path.realpath(tmp_path / "git")
    )
