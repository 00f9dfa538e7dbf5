"""Which files a run validates: PATH arguments to a sorted, de-duplicated list.

A file argument is taken as given. A directory means every ``*.yaml`` and
``*.yml`` below it (hidden directories skipped, symbolic links to directories
not followed), minus what ``callfwd.yaml`` excludes. Paths are kept as the
user wrote them, POSIX style, so output is the same on every machine.

Nothing outside the repository is read unless the operator named it on the
command line, and nothing leaves it through a symbolic link
(``reconciler.manifest.paths``): such a file is reported (CF019, CF020) and
never opened. ``SourceFile.path`` is the real path that was checked.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reconciler.config import Config
from reconciler.diagnostics import Diagnostic, Position, codes, error
from reconciler.manifest.paths import Refusal, confine, repository_root

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class SourceFile:
    display: str  # as shown in diagnostics
    path: Path  # as opened: the real path, checked against the repository root


def _nothing_here(config: Config) -> str:
    where = (
        f"the manifests: list of {config.source}"
        if config.source
        else "the default, as there is no callfwd.yaml here"
    )
    return (
        f"no manifests here: looked for {', '.join(config.manifests)} ({where}); give the "
        "manifests to check (`callfwd validate PATH...`), run from your repository's root, "
        "or list them under manifests: in callfwd.yaml"
    )


def _walk(
    top: str, real_top: str, root: Path, given: bool, diags: list[Diagnostic]
) -> list[tuple[str, Path]]:
    """``(display, real path)`` of every manifest file below ``top``, sorted by display.

    Directories are not followed through symbolic links (as ``os.walk``); a
    linked file is checked on its own, since it may lead anywhere.
    """
    found: list[tuple[str, Path]] = []
    stack = [(top, real_top)]
    while stack:
        shown, real = stack.pop()
        subdirs = []
        for entry in _entries(real):
            display = Path(shown, entry.name).as_posix()
            if entry.is_symlink():
                if (where := _linked(entry, display, root, given, diags)) is not None:
                    found.append((display, where))
            elif entry.is_dir(follow_symlinks=False):
                subdirs.append((display, os.path.join(real, entry.name)))
            elif entry.name.endswith(SUFFIXES):
                found.append((display, Path(real, entry.name)))
        stack.extend(reversed(subdirs))
    found.sort(key=lambda pair: pair[0])
    return found


def _entries(folder: str) -> list[os.DirEntry[str]]:
    """The folder's entries by name, hidden ones left out; none if it cannot be read."""
    try:
        with os.scandir(folder) as it:
            return sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError:
        return []  # unreadable or vanished: as os.walk, skip it


def _linked(
    entry: os.DirEntry[str], display: str, root: Path, given: bool, diags: list[Diagnostic]
) -> Path | None:
    """Where a linked manifest file leads, if it may be read; a linked directory is never
    walked, and a manifest or a folder of them that leads out is reported."""
    where = confine(display, root, given=given)
    if isinstance(where, Refusal):
        if entry.name.endswith(SUFFIXES) or entry.is_dir():
            diags.append(where.diagnostic(display))
        return None
    return where if where.is_file() and entry.name.endswith(SUFFIXES) else None


def discover(
    paths: Sequence[str], config: Config, *, root: Path | None = None
) -> tuple[list[SourceFile], list[Diagnostic]]:
    """Files to validate for ``paths`` (``config.manifests`` when empty).

    ``root`` is the repository root (default: ``repository_root`` of callfwd.yaml).
    A path that is also in ``config.manifests`` counts as chosen by callfwd.yaml,
    however it arrives here.
    """
    finder = _Finder(config, root if root is not None else repository_root(config.source))
    files: dict[str, SourceFile] = {}
    seen: set[str] = set()
    for arg in paths or config.manifests:
        for d, p in finder.files_of(arg, defaults=not paths):
            key = os.path.normcase(str(p))
            if key not in seen:
                seen.add(key)
                files[d] = SourceFile(d, p)
    return [files[k] for k in sorted(files)], finder.diags


class _Finder:
    """The manifest files one PATH argument (or callfwd.yaml's entry) stands for."""

    def __init__(self, config: Config, root: Path) -> None:
        self.config = config
        self.root = root
        self.excluded = config.excluder()
        self.configured = set(config.manifests)
        self.diags: list[Diagnostic] = []

    def files_of(self, arg: str, *, defaults: bool) -> list[tuple[str, Path]]:
        """``(display, real path)`` of each file ``arg`` names; ``defaults``: from callfwd.yaml."""
        display = Path(arg).as_posix()
        given = not defaults and arg not in self.configured
        where = confine(arg, self.root, given=given)
        if isinstance(where, Refusal):
            self.diags.append(where.diagnostic(display))
            return []
        if where.is_dir():
            return self._folder(display, where, given)
        if where.exists():
            return [(display, where)]
        if defaults:
            self._problem(display, codes.NO_MANIFESTS, _nothing_here(self.config))
        else:
            self._problem(display, codes.CANNOT_READ, "no such file or directory")
        return []

    def _folder(self, display: str, where: Path, given: bool) -> list[tuple[str, Path]]:
        found = _walk(display, str(where), self.root, given, self.diags)
        found = [(d, p) for d, p in found if not self.excluded(d)]
        if not found:
            self._problem(
                display, codes.NO_MANIFESTS, "no manifest files (*.yaml, *.yml) in this directory"
            )
        return found

    def _problem(self, display: str, code: str, message: str) -> None:
        self.diags.append(error(Position(display, 1, 1), code, message))
