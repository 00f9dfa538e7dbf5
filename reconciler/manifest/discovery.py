"""Which files a run validates: PATH arguments to a sorted, de-duplicated list.

A file argument is taken as given. A directory means every ``*.yaml`` and
``*.yml`` below it (hidden directories skipped), minus what ``callfwd.yaml``
excludes. Paths are kept as the user wrote them, POSIX style, so output is
the same on every machine.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reconciler.config import Config
from reconciler.diagnostics import Diagnostic, Position, codes, error

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class SourceFile:
    display: str  # as shown in diagnostics
    path: Path  # as opened


def _exclusion(config: Config) -> Callable[[str], bool]:
    """``config.is_excluded`` for many paths: as written, or relative to callfwd.yaml's folder.

    Matches the same way (each pattern against the POSIX path and against the
    file name), with the patterns compiled once: a fleet has thousands of files.
    """
    matchers = [re.compile(fnmatch.translate(os.path.normcase(p))).match for p in config.exclude]
    base = os.path.abspath(os.path.dirname(config.source) if config.source else os.curdir)
    here = os.path.abspath(os.curdir)

    def excluded(display: str) -> bool:
        if not matchers:
            return False
        candidates = {display, display.rsplit("/", 1)[-1]}
        if base == here and not os.path.isabs(display):
            rel = os.path.normpath(display)
        else:
            try:
                rel = os.path.relpath(os.path.abspath(display), base)
            except ValueError:  # another drive on Windows
                rel = display
        rel = Path(rel).as_posix()
        candidates |= {rel, rel.rsplit("/", 1)[-1]}
        return any(m(os.path.normcase(c)) for m in matchers for c in candidates)

    return excluded


def _walk(top: str) -> list[tuple[str, Path]]:
    found = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(SUFFIXES) and not name.startswith("."):
                full = Path(dirpath, name)
                found.append((full.as_posix(), full))
    return found


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


def discover(paths: Sequence[str], config: Config) -> tuple[list[SourceFile], list[Diagnostic]]:
    """Files to validate for ``paths`` (``config.manifests`` when empty)."""
    diags: list[Diagnostic] = []
    files: dict[str, SourceFile] = {}
    seen: set[str] = set()
    excluded = _exclusion(config)
    defaults = not paths
    for arg in paths or config.manifests:
        path = Path(arg)
        display = path.as_posix()
        if defaults and not path.exists():
            diags.append(error(Position(display, 1, 1), codes.NO_MANIFESTS, _nothing_here(config)))
            continue
        if path.is_dir():
            found = [(d, p) for d, p in _walk(str(path)) if not excluded(d)]
            if not found:
                diags.append(
                    error(
                        Position(display, 1, 1),
                        codes.NO_MANIFESTS,
                        "no manifest files (*.yaml, *.yml) in this directory",
                    )
                )
        elif path.exists():
            found = [(display, path)]
        else:
            diags.append(
                error(Position(display, 1, 1), codes.CANNOT_READ, "no such file or directory")
            )
            continue
        for d, p in found:
            key = os.path.normcase(os.path.abspath(p))
            if key not in seen:
                seen.add(key)
                files[d] = SourceFile(d, p)
    return [files[k] for k in sorted(files)], diags
