"""Owners and roles as they are on a base commit: what a pull request cannot have changed.

``validate --actor EMAIL --base REF`` decides whether EMAIL may change a
manifest from the owners of that manifest *on REF*, not from the owners the
pull request writes. This module reads them with git (``gitrev``: bounded in
size, never executed) and the positioned loader:

- ``manifest(path)``: the manifest at that path on REF (its account, its
  owners that may configure call forwarding), absent, or unreadable;
- ``account_owners(account)``: the allowed owners of every manifest of that
  account on REF, under the working tree's ``manifests:`` folders;
- ``actor_roles()``: ``.github/callfwd-actors.yaml`` on REF, each person's role
  per account where the map gives one.

Nothing here raises once a ``BaseSnapshot`` exists: git failures and broken
files come back as ``Unreadable`` with a reason that quotes nothing from them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.domain.roles import ALLOWED_ROLES, ROLES
from reconciler.manifest import gitrev
from reconciler.manifest.discovery import SUFFIXES
from reconciler.manifest.loader import MappingNode, Node, ScalarNode, load
from reconciler.manifest.parse import parse_manifest
from reconciler.manifest.text import MAX_BYTES, excerpt

ACTOR_MAP = ".github/callfwd-actors.yaml"
MAX_SCAN = 20_000  # manifests read on REF to find an account's owners


class BaseRefError(Exception):
    """``--base REF`` names no commit, or there is no git repository: a usage error."""


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A file on REF that cannot be used; ``reason`` quotes nothing from it."""

    reason: str


@dataclass(frozen=True, slots=True)
class BaseManifest:
    path: str  # from the top of the repository
    account: str | None
    allowed: frozenset[str]  # lower-cased emails of owners whose role may configure forwarding


@dataclass(frozen=True, slots=True)
class ActorRoles:
    """The actor map on REF: lower-cased email -> account -> role, where it gives roles;
    and lower-cased GitHub login -> email as written (both of the map's forms)."""

    roles: dict[str, dict[str, str]] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)

    def role(self, email: str, account: str) -> str | None:
        return self.roles.get(email.lower(), {}).get(account)

    def email(self, login: str) -> str | None:
        """The email the map gives GitHub user ``login`` (matched case-insensitively)."""
        return self.emails.get(login.lower())


class BaseSnapshot:
    """Owners and roles at one commit. ``ref`` is as the user wrote it, for messages."""

    def __init__(self, ref: str, commit: str, top: Path, folders: list[str]) -> None:
        self.ref = ref
        self.commit = commit
        self.top = top
        self.folders = folders
        self._by_account: dict[str, list[BaseManifest]] | Unreadable | None = None
        self._actors: ActorRoles | Unreadable | None = None
        self._actors_read = False

    def relative(self, path: str) -> str | None:
        """``path`` (a working-tree file) from the top of the repository, or None outside it."""
        real = os.path.realpath(path)
        rel = os.path.relpath(real, self.top)
        if rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
            return None
        return Path(rel).as_posix()

    def manifest(self, rel: str) -> BaseManifest | Unreadable | None:
        """The manifest at ``rel`` on REF; None when it does not exist there."""
        try:
            listed = gitrev.list_files(self.commit, [rel], self.top)
            entry = next((f for f in listed if f.path == rel), None)
            if entry is None:
                return None
            if entry.is_symlink:
                return Unreadable(f"{rel} is a symbolic link on {self.ref}")
            blob = gitrev.read_file(self.commit, rel, self.top, max_bytes=MAX_BYTES)
        except gitrev.GitError as exc:
            return Unreadable(f"git could not read {rel} on {self.ref}: {exc}")
        if blob is None:
            return None
        return _parse(rel, blob, self.ref)

    def account_owners(self, account: str) -> frozenset[str] | Unreadable | None:
        """Allowed owners of every manifest of ``account`` on REF; None when it has none."""
        index = self._index()
        if isinstance(index, Unreadable):
            return index
        found = index.get(account)
        if not found:
            return None
        return frozenset().union(*(m.allowed for m in found))

    def actor_roles(self) -> ActorRoles | Unreadable | None:
        """The actor map on REF (None when REF has none)."""
        if not self._actors_read:
            self._actors, self._actors_read = self._read_actors(), True
        return self._actors

    def _read_actors(self) -> ActorRoles | Unreadable | None:
        try:
            blob = gitrev.read_file(self.commit, ACTOR_MAP, self.top, max_bytes=MAX_BYTES)
        except gitrev.GitError as exc:
            return Unreadable(f"git could not read {ACTOR_MAP} on {self.ref}: {exc}")
        return None if blob is None else _parse_actors(blob, self.ref)

    def _index(self) -> dict[str, list[BaseManifest]] | Unreadable:
        if self._by_account is None:
            self._by_account = self._scan()
        return self._by_account

    def _scan(self) -> dict[str, list[BaseManifest]] | Unreadable:
        try:
            listed = gitrev.list_files(self.commit, self.folders, self.top)
            names = sorted(
                f.path
                for f in listed
                if f.path.endswith(SUFFIXES) and not f.is_symlink and f.size <= MAX_BYTES
            )[:MAX_SCAN]
            blobs = gitrev.read_files(self.commit, names, self.top, max_bytes=MAX_BYTES)
        except gitrev.GitError as exc:
            return Unreadable(f"git could not list the manifests on {self.ref}: {exc}")
        index: dict[str, list[BaseManifest]] = {}
        for name in names:
            blob = blobs.get(name)
            parsed = _parse(name, blob, self.ref) if blob is not None else None
            if isinstance(parsed, BaseManifest) and parsed.account is not None:
                index.setdefault(parsed.account, []).append(parsed)
        return index


def open_base(ref: str, start: Path, folders: list[str]) -> BaseSnapshot:
    """The snapshot of ``ref`` in the git repository holding ``start`` (a directory).

    ``folders`` are the working tree's manifest folders; those inside the
    repository are where an account's manifests are looked for on ``ref``.
    """
    top = gitrev.toplevel(start)
    if top is None:
        raise BaseRefError(f"--base {ref}: {start} is not in a git repository")
    commit = gitrev.resolve_commit(ref, top)
    if commit is None:
        raise BaseRefError(
            f"--base {ref}: no such commit in this repository (fetch it first, e.g. "
            "`git fetch origin main` and --base origin/main)"
        )
    inside = []
    for folder in folders:
        rel = os.path.relpath(os.path.realpath(folder), top)
        if rel == os.curdir:
            inside.append(".")
        elif not (rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel)):
            inside.append(Path(rel).as_posix())
    return BaseSnapshot(ref, commit, top, inside)


def _parse(rel: str, blob: gitrev.Blob, ref: str) -> BaseManifest | Unreadable:
    where = f"{rel} on {ref}"
    if blob.data is None:
        return Unreadable(f"{where} is over the {MAX_BYTES // (1024 * 1024)} MiB limit")
    loaded = load(where, blob.data)
    if loaded.root is None:
        return Unreadable(f"{where} is not a readable manifest")
    pm, _ = parse_manifest(where, loaded.root)
    if not pm.shaped:
        return Unreadable(f"{where} is not a manifest")
    account = pm.data.get("account")
    allowed = frozenset(o.email.lower() for o in pm.owners() if o.email and o.role in ALLOWED_ROLES)
    return BaseManifest(rel, account if isinstance(account, str) else None, allowed)


def _parse_actors(blob: gitrev.Blob, ref: str) -> ActorRoles | Unreadable:
    """``login: email`` lines, and ``login: {email: E, roles: {ACCOUNT: ROLE}}`` entries."""
    where = f"{ACTOR_MAP} on {ref}"
    if blob.data is None:
        return Unreadable(f"{where} is over the {MAX_BYTES // (1024 * 1024)} MiB limit")
    loaded = load(where, blob.data, subject=ACTOR_MAP)
    if any(d.severity == "error" for d in loaded.diagnostics):
        return Unreadable(f"{where} is not valid YAML")
    if loaded.root is None:
        return ActorRoles()
    actors = ActorRoles()
    for login, (_, node) in loaded.root.entries.items():
        if (bad := _add_actor(actors, login, node)) is not None:
            return Unreadable(f"{where}: {bad}")
    return actors


def _add_actor(actors: ActorRoles, login: str, node: Node) -> str | None:
    """Add one entry of the actor map to ``actors``; what is wrong with it, if anything."""
    if isinstance(node, ScalarNode):
        if isinstance(node.value, str):
            actors.emails.setdefault(login.lower(), node.value)  # login: email, no roles
        return None
    if not isinstance(node, MappingNode):
        return f"the entry of {excerpt(login)} must be an email or a mapping"
    email = node.value.get("email")
    given = node.value.get("roles", {})
    if not isinstance(email, str) or not isinstance(given, dict):
        return f"the entry of {excerpt(login)} needs email: (text) and roles: (a mapping)"
    bad = [a for a, r in given.items() if r not in ROLES]
    if bad:
        return f"{excerpt(login)} has an unknown role in account {excerpt(str(bad[0]))}"
    actors.roles.setdefault(email.lower(), {}).update({str(a): str(r) for a, r in given.items()})
    actors.emails.setdefault(login.lower(), email)
    return None
