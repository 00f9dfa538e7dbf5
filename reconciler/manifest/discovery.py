"""Which files a run validates: PATH arguments to a sorted, de-duplicated list.

A file argument is taken as given. A directory means every ``*.yaml`` and
``*.yml`` below it (hidden directories skipped), minus what ``callfwd.yaml``
excludes. Paths are kept as the user wrote them, POSIX style, so output is
the same on every machine.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reconciler.config import Config
from reconciler.diagnostics import Diagnostic, Position, error
from reconciler.rules import codes

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class SourceFile:
    display: str  # as shown in diagnostics
    path: Path  # as opened


def _excluded(config: Config, base: str, display: str) -> bool:
    """Excluded as written, or relative to the folder of callfwd.yaml."""
    if not config.exclude:
        return False
    if config.is_excluded(display):
        return True
    try:
        rel = os.path.relpath(os.path.abspath(display), base)
    except ValueError:  # another drive on Windows
        return False
    return config.is_excluded(Path(rel).as_posix())


def _walk(top: str) -> list[tuple[str, Path]]:
    found = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(SUFFIXES) and not name.startswith("."):
                full = Path(dirpath, name)
                found.append((full.as_posix(), full))
    return found


def discover(paths: Sequence[str], config: Config) -> tuple[list[SourceFile], list[Diagnostic]]:
    """Files to validate for ``paths`` (``config.manifests`` when empty)."""
    diags: list[Diagnostic] = []
    files: dict[str, SourceFile] = {}
    seen: set[str] = set()
    base = os.path.abspath(os.path.dirname(config.source) if config.source else os.curdir)
    for arg in paths or config.manifests:
        path = Path(arg)
        display = path.as_posix()
        if path.is_dir():
            found = [(d, p) for d, p in _walk(str(path)) if not _excluded(config, base, d)]
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
