"""Which files callfwd may open: nothing outside the repository unless the operator names it.

The repository root is the top of the git work tree that holds callfwd.yaml
(``--config``'s file, else ``./callfwd.yaml``); without callfwd.yaml, the one
that holds the current directory; outside any git work tree, that directory
itself. See ``repository_root``.

``confine`` decides, before anything is opened:

- a path inside the root whose real location (symbolic links followed) is
  inside the root: read it, at its real location;
- a path that reaches outside the root through a symbolic link inside it:
  refused (CF020), wherever the path came from;
- a path outside the root (``..``, an absolute path): refused (CF019) when
  callfwd.yaml or a directory walk chose it; allowed when the operator gave it
  on the command line (``given``), such as a plan file under ``$RUNNER_TEMP``.

Refusals name the path as given and the root, never the link's target or
anything read from the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from reconciler.diagnostics import Diagnostic, Position, codes, error
from reconciler.manifest import gitrev


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a path may not be read: a CF019 or CF020 code and a message naming no content."""

    code: str
    message: str

    def diagnostic(self, shown: str) -> Diagnostic:
        """The refusal at the top of the file ``shown`` (as given), as validate reports it."""
        return error(Position(shown, 1, 1), self.code, self.message)

    def line(self, shown: str) -> str:
        """One line, as callfwd.yaml's problems are printed: ``path:1:1: error[CF020] …``."""
        return f"{shown}:1:1: error[{self.code}] {self.message}"


def repository_root(config_file: str | Path | None = None) -> Path:
    """The root that confines reads: see the module docstring."""
    if config_file is not None:
        start = os.path.dirname(os.path.abspath(config_file))
    else:
        start = os.getcwd()
    top = gitrev.toplevel(start)
    return top if top is not None else Path(os.path.realpath(start))


def inside(path: str | Path, root: Path) -> bool:
    """Whether ``path`` (absolute) is ``root`` or below it; no file system access."""
    p, r = os.path.normcase(str(path)), os.path.normcase(str(root))
    return p == r or p.startswith(r.rstrip(os.sep) + os.sep)


def confine(path: str | Path, root: Path, *, given: bool = False) -> Path | Refusal:
    """The real path to open for ``path``, or the ``Refusal`` saying why it is not read.

    ``root`` is a real path (``repository_root``). ``given``: the operator named
    this path on the command line, so a place outside the repository is allowed.
    """
    shown = Path(path).as_posix()
    lexical = os.path.abspath(path)
    real = os.path.realpath(lexical)
    if inside(real, root):
        return Path(real)
    if inside(lexical, root) or (given and _passes_through(lexical, root)):
        return Refusal(
            codes.SYMLINK_OUT,
            f"{shown} is a symbolic link, or goes through one, that leads outside the "
            f"repository ({root}); it is not read: put the file itself in the repository",
        )
    if given:
        return Path(real)
    return Refusal(
        codes.OUTSIDE_REPO,
        f"{shown} is outside the repository ({root}); it is not read: paths in callfwd.yaml "
        "must stay inside the repository (give a file elsewhere on the command line)",
    )


def given_file(path: str | Path, root: Path | None = None) -> Path | Refusal:
    """``confine`` for a file the operator named (a saved plan, a seed): allowed outside the
    repository, refused through a link inside it. ``root``: the current directory's
    repository unless given."""
    return confine(path, root if root is not None else repository_root(), given=True)


def _passes_through(lexical: str, root: Path) -> bool:
    """Whether a path from outside the root enters it on the way (a link into the repository)."""
    head = os.path.dirname(lexical)
    while True:
        if inside(os.path.realpath(head), root):
            return True
        parent = os.path.dirname(head)
        if parent == head:
            return False
        head = parent
