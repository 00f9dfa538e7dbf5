"""--actor judged by the owners on the base branch, in real git repositories.

Each test builds a repository (git init, commits on main), then changes the
working tree as a pull request would, and runs ``callfwd validate --actor
EMAIL --base main`` as the PR workflow does.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gitops_helpers import git
from workspace import manifest_text, run_cli, write_file

DANA = ("dana@acme.example", "manager")
EVE = ("eve@acme.example", "owner")


def manifest(
    account: str = "acme-us",
    team: str = "care",
    owners: tuple[tuple[str, str], ...] = (DANA,),
    sender: str = "+1 833 555 0100",
) -> str:
    return manifest_text(account, {sender: "+1 212 555 0199"}, team=team, owners=owners)


def write(repo: Path, rel: str, text: str) -> None:
    write_file(repo / rel, text)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """main: callfwd.yaml, acme-us/care.yaml owned by dana; the working tree is main's."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, "callfwd.yaml", "manifests: [manifests/]\n")
    write(root, "manifests/acme-us/care.yaml", manifest())
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    monkeypatch.chdir(root)
    return root


def validate(*args: str) -> tuple[int, str]:
    result = run_cli("validate", *args)
    return result.code, result.output


def test_an_owner_the_change_adds_for_itself_is_refused(repo: Path) -> None:
    write(repo, "manifests/acme-us/care.yaml", manifest(owners=(DANA, EVE)))
    # what the workflow did before: the change's own owners decide, and eve passes
    assert validate("--actor", "eve@acme.example", "manifests/acme-us/care.yaml")[0] == 0
    code, out = validate("--actor", "eve@acme.example", "--base", "main", "manifests/")
    assert code == 1
    assert out.splitlines()[0] == (
        "manifests/acme-us/care.yaml:4:1: error[CF405] the actor eve@acme.example is not an "
        "owner of this manifest on main; only an owner with an allowed role (owner, admin, "
        "manager, campaign_coordinator) there may change it, and owners added by the same "
        "change do not count"
    )


def test_an_owner_on_the_base_may_change_the_manifest(repo: Path) -> None:
    write(repo, "manifests/acme-us/care.yaml", manifest(sender="+1 833 555 0101"))
    assert validate("--actor", "DANA@acme.example", "--base", "main") == (
        0,
        "ok: 1 file, 1 sender, no problems\n",
    )


def test_a_base_owner_whose_role_the_change_lowers_still_decides_by_the_base(
    repo: Path,
) -> None:
    """The change's roles do not count either way: the base said dana is a manager."""
    write(repo, "manifests/acme-us/care.yaml", manifest(owners=(("dana@acme.example", "owner"),)))
    assert validate("--actor", "dana@acme.example", "--base", "main")[0] == 0


def test_a_new_manifest_needs_an_owner_of_the_accounts_manifests_on_the_base(
    repo: Path,
) -> None:
    new = manifest(team="billing", owners=(EVE,), sender="+1 833 555 0102")
    write(repo, "manifests/acme-us/billing.yaml", new)
    code, out = validate("--actor", "eve@acme.example", "--base", "main")
    assert code == 1
    assert out.splitlines()[0] == (
        "manifests/acme-us/billing.yaml:4:1: error[CF405] the actor eve@acme.example adds "
        "this manifest to account acme-us but is not an owner of any of its manifests on "
        "main; only an owner with an allowed role (owner, admin, manager, "
        "campaign_coordinator) there may change it, and owners added by the same change do "
        "not count"
    )
    # dana owns care.yaml of acme-us on main: she may add the team's manifest
    assert validate("--actor", "dana@acme.example", "--base", "main")[0] == 0


def test_a_new_account_with_nothing_on_the_base_is_refused_and_says_who_can_add_it(
    repo: Path,
) -> None:
    write(repo, "manifests/globex/support.yaml", manifest(account="globex", owners=(EVE,)))
    code, out = validate("--actor", "eve@acme.example", "--base", "main", "manifests/globex")
    assert code == 1
    assert out.splitlines() == [
        "manifests/globex/support.yaml:4:1: error[CF408] neither manifests/globex/support.yaml "
        "nor any other manifest of account globex exists on main, so no owner there can vouch "
        "for the actor eve@acme.example; a manifest of an account with none on main must "
        "first be added by someone with write access to the repository, reviewed under "
        "CODEOWNERS (the owners of the manifests' folder and of callfwd.yaml), not on the "
        "strength of owners it names itself",
        "invalid: 1 file, 1 sender, 1 error",
    ]


def test_moving_a_manifest_to_another_account_needs_that_accounts_owners(repo: Path) -> None:
    write(
        repo,
        "manifests/globex/support.yaml",
        manifest(account="globex", owners=(EVE,), sender="+1 833 555 0109"),
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "globex, owned by eve")
    write(repo, "manifests/acme-us/care.yaml", manifest(account="globex"))
    code, out = validate("--actor", "dana@acme.example", "--base", "main")
    assert code == 1
    assert "CF405] the actor dana@acme.example moves this manifest to account globex" in out
    assert validate("--actor", "eve@acme.example", "--base", "main")[0] == 1  # not care's owner


def test_the_actor_map_on_the_base_fixes_each_persons_role(repo: Path) -> None:
    write(
        repo,
        ".github/callfwd-actors.yaml",
        "dana-acme: dana@acme.example\n"
        "eve-acme:\n  email: eve@acme.example\n  roles: {acme-us: analyst}\n",
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "actor map")
    write(repo, "manifests/acme-us/care.yaml", manifest(owners=(DANA, EVE)))
    code, out = validate("--base", "main")
    assert code == 1
    assert out.splitlines()[0] == (
        "manifests/acme-us/care.yaml:8:11: error[CF407] eve@acme.example has the role analyst "
        "in account acme-us in .github/callfwd-actors.yaml on main, not owner: write role: "
        "analyst, or change the actor map first in its own reviewed change"
    )
    # a map in the working tree counts for nothing
    write(repo, ".github/callfwd-actors.yaml", "eve-acme: {email: eve@acme.example, roles: {}}\n")
    assert validate("--base", "main")[0] == 1


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        (
            "eve-acme:\n  email: eve@acme.example\n  roles: [x]\n",
            "the entry of eve-acme needs email: (text) and roles: (a mapping)",
        ),
        ("eve-acme: [1, 2]\n", "the entry of eve-acme must be an email or a mapping"),
        (
            "eve-acme: {email: eve@acme.example, roles: {acme-us: boss}}\n",
            "eve-acme has an unknown role in account acme-us",
        ),
    ],
)
def test_a_broken_actor_map_on_the_base_stops_the_check(repo: Path, entry: str, why: str) -> None:
    write(repo, ".github/callfwd-actors.yaml", entry)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "broken map")
    code, out = validate("--base", "main")
    assert code == 1
    assert "error[CF409] cannot check this change against the base: " in out
    assert why in out


def test_a_base_manifest_that_cannot_be_read_refuses_the_change(repo: Path) -> None:
    (repo / "manifests/acme-us/care.yaml").unlink()
    os.symlink("../../callfwd.yaml", repo / "manifests/acme-us/care.yaml")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a link on main")
    (repo / "manifests/acme-us/care.yaml").unlink()
    write(repo, "manifests/acme-us/care.yaml", manifest())
    code, out = validate("--actor", "dana@acme.example", "--base", "main")
    assert code == 1
    assert (
        "error[CF409] cannot check this change against the base: manifests/acme-us/care.yaml "
        "is a symbolic link on main" in out
    )


@pytest.mark.parametrize("ref", ["nope", "--output=/tmp/x", "main:callfwd.yaml", ""])
def test_a_base_that_names_no_commit_is_a_usage_error(repo: Path, ref: str) -> None:
    code, out = validate("--actor", "dana@acme.example", f"--base={ref}")
    assert code == 64
    assert f"--base {ref}: no such commit in this repository" in out


def test_base_outside_a_git_repository_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "plain", "manifests/a.yaml", manifest())
    monkeypatch.chdir(tmp_path / "plain")
    code, out = validate("--actor", "dana@acme.example", "--base", "main")
    assert code == 64 and "is not in a git repository" in out


def test_base_reads_a_commit_not_the_working_tree_or_the_index(repo: Path) -> None:
    """Staged owners are the change's own: only the commit counts."""
    write(repo, "manifests/acme-us/care.yaml", manifest(owners=(DANA, EVE)))
    git(repo, "add", "-A")
    assert validate("--actor", "eve@acme.example", "--base", "main")[0] == 1
    git(repo, "checkout", "-q", "-b", "pr")
    git(repo, "commit", "-q", "-m", "eve adds herself")
    assert validate("--actor", "eve@acme.example", "--base", "main")[0] == 1
    assert validate("--actor", "eve@acme.example", "--base", "pr")[0] == 0
