"""``validate``: manifests in, diagnostics and desired forwardings out.

The pipeline for each file: read bytes -> nodes with positions (loader) ->
model (parse) -> per-manifest rules (numbers, owners); then the rules that
need the whole run (duplicate senders, chains, --actor). Nothing raises on
bad input; every problem becomes a Diagnostic, sorted, so that the same
input always gives the same output.
"""

from __future__ import annotations

import gc
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field

from reconciler.config import Config, load_config
from reconciler.diagnostics import Diagnostic, Position, Severity, Summary, codes, error
from reconciler.domain.state import Forwarding
from reconciler.manifest import loader
from reconciler.manifest.base import BaseSnapshot
from reconciler.manifest.discovery import SourceFile, discover
from reconciler.manifest.parse import ManifestSummary, parse_manifest
from reconciler.rules.base_owners import check_actor_at_base, check_roles_at_base
from reconciler.rules.forwarding import (
    CheckedEntry,
    check_chains,
    check_duplicates,
    check_forwarding,
)
from reconciler.rules.owners import check_actor, check_owners


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """Everything one validation run found.

    ``forwardings`` holds one entry per declared sender of every manifest that
    has no error (in E.164, sorted by account then sender); callers that act on
    it (plan, apply) should still refuse to go on unless ``ok``. ``manifests``
    says what each manifest is (path, account, owners), not what it declares.
    """

    diagnostics: list[Diagnostic]
    forwardings: list[Forwarding]
    manifests: list[ManifestSummary]
    files: int
    senders: int
    errors: int = field(init=False)
    warnings: int = field(init=False)

    def __post_init__(self) -> None:
        errors = sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)
        object.__setattr__(self, "errors", errors)
        object.__setattr__(self, "warnings", len(self.diagnostics) - errors)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    @property
    def summary(self) -> Summary:
        return Summary(self.files, self.senders, self.errors, self.warnings)


def _read(src: SourceFile) -> loader.LoadResult:
    try:
        st = src.path.stat()
        if not stat.S_ISREG(st.st_mode):
            return loader.LoadResult(
                None,
                [error(Position(src.display, 1, 1), codes.CANNOT_READ, "not a regular file")],
            )
        if st.st_size > loader.MAX_BYTES:
            return loader.load(src.display, b"", size=st.st_size)
        # src.path is the real path discovery checked: a link put there since is not followed
        fd = os.open(src.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            # read(n) sets aside n bytes first: ask for the size stat gave (+1 to see
            # whether the file grew since), not the 4 MiB limit, for each small file
            data = fh.read(st.st_size + 1)
            if len(data) > st.st_size:
                data += fh.read(loader.MAX_BYTES + 1 - len(data))
    except OSError as exc:
        return loader.LoadResult(
            None,
            [
                error(
                    Position(src.display, 1, 1),
                    codes.CANNOT_READ,
                    f"cannot read the file: {exc.strerror or exc}",
                )
            ],
        )
    return loader.load(src.display, data)


MAX_PER_FILE = 100  # diagnostics shown for one file; a hostile file can have millions


def _capped(found: list[Diagnostic]) -> list[Diagnostic]:
    """The first MAX_PER_FILE diagnostics of one file, and one saying how many more."""
    if len(found) <= MAX_PER_FILE:
        return found
    found = sorted(set(found), key=lambda d: d.sort_key)
    if len(found) <= MAX_PER_FILE:
        return found
    rest = len(found) - MAX_PER_FILE
    return [
        *found[:MAX_PER_FILE],
        error(
            found[MAX_PER_FILE].position,
            codes.TOO_MANY,
            f"{rest:,} or more problems in this file are not shown; fix the ones above and "
            "validate again",
        ),
    ]


def validate(
    paths: Sequence[str],
    *,
    actor: str | None = None,
    config: Config | None = None,
    base: BaseSnapshot | None = None,
) -> ValidationResult:
    """Validate the manifests under ``paths`` (``config.manifests`` when empty).

    ``actor``: an email that must be an allowed owner of every manifest; judged by
    the owners on ``base`` (``reconciler.manifest.base.open_base``) when given,
    which also checks the manifests' roles against the actor map there.
    """
    if config is None:
        config = load_config()
    # A run allocates millions of small acyclic objects (nodes, positions);
    # the cyclic collector would rescan them over and over for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _validate(paths, actor, config, base)
    finally:
        if collecting:
            gc.enable()


def us_territories(config: Config) -> bool:
    """callfwd.yaml ``numbers: {us_territories: allow}``: forwarding to PR, VI, GU, AS, MP."""
    return config.numbers.us_territories == "allow"


def _validate(
    paths: Sequence[str], actor: str | None, config: Config, base: BaseSnapshot | None
) -> ValidationResult:
    sources, diags = discover(paths, config)
    # Each file's node tree and model are dropped once the file is checked: what the
    # rules across files need is its summary and its senders' checked numbers.
    manifests: list[ManifestSummary] = []
    checked: dict[str, list[CheckedEntry]] = {}
    for src in sources:
        loaded = _read(src)
        if loaded.root is None:
            diags.extend(_capped(loaded.diagnostics))
            continue
        pm, found = parse_manifest(src.display, loaded.root)
        if not pm.shaped:  # not a manifest: one diagnostic, nothing quoted from it
            diags.extend(found)
            continue
        entries, numbers = check_forwarding(pm, us_territories=us_territories(config))
        diags.extend(_capped([*loaded.diagnostics, *found, *check_owners(pm), *numbers]))
        manifests.append(pm.summary())
        checked[pm.path] = entries
    every = [e for entries in checked.values() for e in entries]
    diags.extend(check_duplicates(every))
    diags.extend(check_chains(every))
    if base is not None:
        diags.extend(check_roles_at_base(manifests, base))
        if actor is not None:
            diags.extend(check_actor_at_base(manifests, actor, base))
    elif actor is not None:
        diags.extend(check_actor(manifests, actor))

    diags = sorted(set(diags), key=lambda d: d.sort_key)
    failed = {d.position.path for d in diags if d.severity is Severity.ERROR}
    forwardings = [
        Forwarding(pm.account, e.sender, e.forward_to, e.sender_at)
        for pm in manifests
        if pm.path not in failed and pm.account is not None
        for e in checked[pm.path]
        if e.sender is not None
    ]
    forwardings.sort(key=lambda f: (f.account, f.sender))
    return ValidationResult(
        diagnostics=diags,
        forwardings=forwardings,
        manifests=manifests,
        files=len(sources),
        senders=sum(pm.senders for pm in manifests),
    )
