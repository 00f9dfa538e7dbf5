"""Reading files at a commit with git: bounded, by commit id, never the working tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gitops_helpers import git

from reconciler.manifest import gitrev


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "r"
    (root / "m" / "deep").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "m" / "a.yaml").write_bytes(b"a: 1\n")
    (root / "m" / "deep" / "big.yaml").write_bytes(b"x" * 5000)
    (root / "m" / "with space.yaml").write_bytes(b"s: 1\n")
    os.symlink("a.yaml", root / "m" / "link.yaml")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "one")
    return root


def test_files_at_a_commit_with_modes_and_sizes(repo: Path) -> None:
    commit = gitrev.resolve_commit("main", repo)
    assert commit is not None and len(commit) == 40
    files = {f.path: f for f in gitrev.list_files(commit, ["m"], repo)}
    assert sorted(files) == ["m/a.yaml", "m/deep/big.yaml", "m/link.yaml", "m/with space.yaml"]
    assert files["m/link.yaml"].is_symlink and not files["m/a.yaml"].is_symlink
    assert files["m/deep/big.yaml"].size == 5000


def test_contents_are_bounded_and_absent_files_left_out(repo: Path) -> None:
    commit = gitrev.resolve_commit("main", repo)
    assert commit is not None
    blobs = gitrev.read_files(
        commit,
        ["m/a.yaml", "m/deep/big.yaml", "m/nope.yaml", "m", "m/with space.yaml"],
        repo,
        max_bytes=4096,
    )
    assert blobs == {
        "m/a.yaml": gitrev.Blob(b"a: 1\n", 5),
        "m/deep/big.yaml": gitrev.Blob(None, 5000),  # over the bound: never read
        "m/with space.yaml": gitrev.Blob(b"s: 1\n", 5),
    }
    assert gitrev.read_file(commit, "m/nope.yaml", repo, max_bytes=10) is None
    # a line break would be a second request in git's batch protocol: never asked
    assert (
        gitrev.read_files(commit, ["m/nope\nm/a.yaml", "m/a.yaml\r", ""], repo, max_bytes=99) == {}
    )


def test_the_commit_not_the_working_tree_is_read(repo: Path) -> None:
    commit = gitrev.resolve_commit("main", repo)
    assert commit is not None
    (repo / "m" / "a.yaml").write_bytes(b"a: 2\n")
    git(repo, "add", "-A")
    assert gitrev.read_file(commit, "m/a.yaml", repo, max_bytes=100) == gitrev.Blob(b"a: 1\n", 5)


@pytest.mark.parametrize("ref", ["nope", "-h", "--all", "main\nHEAD", "", "main:m/a.yaml"])
def test_a_ref_that_is_no_commit_or_looks_like_an_option_is_none(repo: Path, ref: str) -> None:
    assert gitrev.resolve_commit(ref, repo) is None


def test_toplevel_is_the_real_top_of_the_work_tree(repo: Path, tmp_path: Path) -> None:
    assert gitrev.toplevel(repo / "m" / "deep") == Path(os.path.realpath(repo))
    (tmp_path / "plain").mkdir()
    assert gitrev.toplevel(tmp_path / "plain") is None
