"""Reading a repository with git: its top directory, a commit, files as they are at it.

Everything a pull request cannot have changed comes from a commit through
here (owners and the actor map on the base branch), and so does what changed
since a commit (``changed_paths``, for ``--changed-since``). git runs with a time
limit, paths are passed after ``--`` or in git's batch protocol (never as
options), a revision is resolved to a commit id once and used as that id,
and file contents are bounded in size before they are read.

Nothing here parses what it reads: callers hand the bytes to the positioned
loader, which never executes anything.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

TIMEOUT = 60.0  # seconds for one git command; a local repository answers in milliseconds
SYMLINK_MODE = "120000"


class GitError(Exception):
    """git is missing, timed out or refused; the message says which, never a file's content."""


@dataclass(frozen=True, slots=True)
class TreeFile:
    """A file at a commit: its path from the top of the repository, mode and size in bytes."""

    path: str
    mode: str
    size: int

    @property
    def is_symlink(self) -> bool:
        return self.mode == SYMLINK_MODE


@dataclass(frozen=True, slots=True)
class Blob:
    """A file's bytes at a commit, or ``None`` with ``size`` when it is over the bound."""

    data: bytes | None
    size: int


def _run(args: Sequence[str], cwd: Path, stdin: bytes | None = None) -> bytes:
    env = {**os.environ, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
            env=env,
        )
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"git {args[0]} took longer than {TIMEOUT:g} s") from exc
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror or exc}") from exc
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines() or ["failed"]
        raise GitError(f"git {args[0]}: {lines[-1][:200]}")
    return proc.stdout


_TOPLEVELS: dict[str, str] = {}  # a run asks for the same few directories again and again


def toplevel(start: Path | str) -> Path | None:
    """The top directory of the git work tree holding ``start`` (a directory), or None.

    Found work trees are remembered for the process; "none" is not, so a
    directory that becomes a repository later is seen as one.
    """
    key = os.path.realpath(start)
    if (top := _TOPLEVELS.get(key)) is None:
        try:
            out = _run(["rev-parse", "--show-toplevel"], Path(key))
        except GitError:
            return None
        found = out.decode("utf-8", "surrogateescape").rstrip("\n")
        if not found:
            return None
        top = _TOPLEVELS.setdefault(key, os.path.realpath(found))
    return Path(top)


def resolve_commit(ref: str, repo: Path) -> str | None:
    """The commit id ``ref`` names in ``repo``, or None when it names no commit."""
    if not ref or ref.startswith("-") or any(c in ref for c in "\0\n\r"):
        return None
    try:
        out = _run(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], repo
        )
    except GitError:
        return None
    commit = out.decode("ascii", "replace").strip()
    return commit or None


def list_files(commit: str, pathspecs: Iterable[str], repo: Path) -> list[TreeFile]:
    """Every file at ``commit`` under ``pathspecs`` (paths from the top of the repository)."""
    specs = [p for p in pathspecs if p]
    if not specs:
        return []
    out = _run(["ls-tree", "-r", "-z", "-l", "--full-tree", commit, "--", *specs], repo)
    files = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        parts = meta.split()
        if len(parts) != 4 or parts[1] != b"blob":
            continue  # a submodule (commit) or something this never reads
        size = int(parts[3]) if parts[3].isdigit() else 0
        files.append(
            TreeFile(name.decode("utf-8", "surrogateescape"), parts[0].decode("ascii"), size)
        )
    return files


def read_files(commit: str, paths: Sequence[str], repo: Path, *, max_bytes: int) -> dict[str, Blob]:
    """The bytes of ``paths`` at ``commit``, in one git process; files over ``max_bytes``
    and files that do not exist there are left out of the bytes (``data`` None) or the map."""
    wanted = [p for p in dict.fromkeys(paths) if _one_line(p)]  # git's batch reads lines
    if not wanted:
        return {}
    # sizes first, so that nothing over the bound is ever read
    sizes = _sizes(commit, wanted, repo)
    blobs = {p: Blob(None, n) for p, n in sizes.items() if n > max_bytes}
    small = [p for p, n in sizes.items() if n <= max_bytes]
    return {**blobs, **_contents(commit, small, repo)} if small else blobs


def _one_line(path: str) -> bool:
    return bool(path) and "\n" not in path and "\r" not in path


def _request(commit: str, paths: Sequence[str]) -> bytes:
    """``commit:path`` lines for ``git cat-file --batch``."""
    return "".join(f"{commit}:{p}\n" for p in paths).encode("utf-8", "surrogateescape")


def _sizes(commit: str, paths: Sequence[str], repo: Path) -> dict[str, int]:
    """The size of each of ``paths`` that is a file at ``commit`` (others are left out)."""
    checked = _run(
        ["cat-file", "--batch-check=%(objecttype) %(objectsize)"], repo, _request(commit, paths)
    )
    sizes: dict[str, int] = {}
    for path, line in zip(paths, checked.decode("ascii", "replace").splitlines(), strict=False):
        parts = line.split()
        if len(parts) == 2 and parts[0] == "blob" and parts[1].isdigit():
            sizes[path] = int(parts[1])
    return sizes


def _contents(commit: str, paths: Sequence[str], repo: Path) -> dict[str, Blob]:
    """The bytes of ``paths``, each a file at ``commit``: a header line, the content, a newline."""
    out = _run(["cat-file", "--batch"], repo, _request(commit, paths))
    blobs = {}
    pos = 0
    for path in paths:
        end = out.index(b"\n", pos)
        size = int(out[pos:end].split()[2])
        blobs[path] = Blob(out[end + 1 : end + 1 + size], size)
        pos = end + 1 + size + 1
    return blobs


def read_file(commit: str, path: str, repo: Path, *, max_bytes: int) -> Blob | None:
    """One file at ``commit`` (None when it does not exist there)."""
    return read_files(commit, [path], repo, max_bytes=max_bytes).get(path)


def changed_paths(commit: str, repo: Path) -> list[str]:
    """Paths (from the top of ``repo``) that differ between ``commit`` and the working tree
    (committed since, staged or not), and files git does not track and does not ignore."""
    listed = _run(["diff", "--name-only", "--no-renames", "-z", commit, "--"], repo)
    listed += _run(["ls-files", "--others", "--exclude-standard", "--full-name", "-z"], repo)
    return [n for n in listed.decode("utf-8", "surrogateescape").split("\0") if n]
