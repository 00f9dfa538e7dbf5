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
        try:
            with os.scandir(real) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue  # unreadable or vanished: as os.walk, skip it
        subdirs = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            display = Path(shown, entry.name).as_posix()
            if entry.is_symlink():
                where = confine(display, root, given=given)
                if isinstance(where, Refusal):
                    # a manifest, or a folder of them, that leads out: say why it is not read
                    if entry.name.endswith(SUFFIXES) or entry.is_dir():
                        diags.append(where.diagnostic(display))
                    continue
                if where.is_file() and entry.name.endswith(SUFFIXES):
                    found.append((display, where))
                continue  # a linked directory is never walked
            if entry.is_dir(follow_symlinks=False):
                subdirs.append((display, os.path.join(real, entry.name)))
            elif entry.name.endswith(SUFFIXES):
                found.append((display, Path(real, entry.name)))
        stack.extend(reversed(subdirs))
    found.sort(key=lambda pair: pair[0])
    return found


def discover(
    paths: Sequence[str], config: Config, *, root: Path | None = None
) -> tuple[list[SourceFile], list[Diagnostic]]:
    """Files to validate for ``paths`` (``config.manifests`` when empty).

    ``root`` is the repository root (default: ``repository_root`` of callfwd.yaml).
    A path that is also in ``config.manifests`` counts as chosen by callfwd.yaml,
    however it arrives here.
    """
    root = root if root is not None else repository_root(config.source)
    diags: list[Diagnostic] = []
    files: dict[str, SourceFile] = {}
    seen: set[str] = set()
    excluded = config.excluder()
    configured = set(config.manifests)
    defaults = not paths
    for arg in paths or config.manifests:
        path = Path(arg)
        display = path.as_posix()
        where = confine(path, root, given=not defaults and arg not in configured)
        if isinstance(where, Refusal):
            diags.append(where.diagnostic(display))
            continue
        if defaults and not where.exists():
            diags.append(error(Position(display, 1, 1), codes.NO_MANIFESTS, _nothing_here(config)))
            continue
        if where.is_dir():
            given = not defaults and arg not in configured
            found = [
                (d, p) for d, p in _walk(display, str(where), root, given, diags) if not excluded(d)
            ]
            if not found:
                diags.append(
                    error(
                        Position(display, 1, 1),
                        codes.NO_MANIFESTS,
                        "no manifest files (*.yaml, *.yml) in this directory",
                    )
                )
        elif where.exists():
            found = [(display, where)]
        else:
            diags.append(
                error(Position(display, 1, 1), codes.CANNOT_READ, "no such file or directory")
            )
            continue
        for d, p in found:
            key = os.path.normcase(str(p))
            if key not in seen:
                seen.add(key)
                files[d] = SourceFile(d, p)
    return [files[k] for k in sorted(files)], diags
