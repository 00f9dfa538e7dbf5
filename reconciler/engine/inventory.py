"""Which accounts the manifests name, where each one's API and key come from, what changed.

``callfwd accounts`` prints this; CI builds its per-account matrix from it.
Manifests are found exactly as ``validate`` finds them (``callfwd.yaml``'s
``manifests:`` and ``exclude:``). With ``changed_since``, an account is
*changed* when one of its manifests differs from that git revision (in the
working tree, or untracked), when a manifest deleted since named it (and
another still does), or when ``callfwd.yaml`` itself changed (it can move
every account); ``changes_since`` answers it, for ``accounts`` and for
``plan --changed-since`` alike, reading git through ``manifest.gitrev``
(bounded, revisions resolved to a commit once).

With ``groups``, the rows are dealt into at most that many groups (each
account exactly once, in order): a workflow runs one job per group and stays
under GitHub's 256 jobs per matrix whatever the fleet.

No manifest found, or none that names an account, is an error
(:class:`NothingToList`), never an empty list: CI must not pass having
checked nothing.

Nothing here reads a key: a row names the *variable* that holds it.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.config import DEFAULT_CONFIG, KEY_ENV, Config, TrustedConfig, trust, url_problem
from reconciler.config.model import ENV_NAME
from reconciler.errors import ConfigError
from reconciler.manifest import gitrev
from reconciler.manifest.discovery import SUFFIXES
from reconciler.manifest.loader import MappingNode, load
from reconciler.manifest.model import ACCOUNT_PATTERN
from reconciler.manifest.text import MAX_BYTES
from reconciler.rules.check import ValidationResult, validate

_ACCOUNT = re.compile(ACCOUNT_PATTERN)


class ChangeScanError(ConfigError):
    """``--changed-since`` could not be answered: not a git repository, unknown revision."""


class NothingToList(ConfigError):
    """No manifest was found, or none names an account; ``result`` says why, as validate does."""

    def __init__(self, result: ValidationResult) -> None:
        super().__init__("no manifest names an account")
        self.result = result


@dataclass(frozen=True, slots=True)
class AccountRow:
    account: str
    api_key_env: str
    manifests: tuple[str, ...]
    account_id: str | None = None
    api_url: str | None = None
    changed: bool | None = None  # None: no --changed-since
    changed_manifests: tuple[str, ...] | None = None
    added: bool = False  # only the working tree's callfwd.yaml lists it: validated, not planned

    def as_dict(self) -> dict[str, Any]:
        """The row as JSON data; settings that are not set are left out, never null.

        An added account has no settings (the trusted file has none for it, and the
        change's own are not used): ``added: true`` stands in their place.
        """
        row: dict[str, Any] = {"account": self.account}
        if self.added:
            row["added"] = True
        else:
            if self.account_id is not None:
                row["account_id"] = self.account_id
            if self.api_url is not None:
                row["api_url"] = self.api_url
            row["api_key_env"] = self.api_key_env
        row["manifests"] = list(self.manifests)
        if self.changed is not None:
            row["changed"] = self.changed
            row["changed_manifests"] = list(self.changed_manifests or ())
        return row


def list_accounts(
    paths: Sequence[str],
    *,
    config: Config,
    changed_since: str | None = None,
    trusted: TrustedConfig | None = None,
) -> list[AccountRow]:
    """One row per account the manifests under ``paths`` name, sorted by account.

    ``config`` (the working tree's callfwd.yaml) finds and validates the manifests;
    each row's settings (``api_url``, ``api_key_env``, ``account_id``: where CI sends
    each key) come from ``trusted`` (default: ``config`` trusted as itself), and an
    account only the working tree lists is marked ``added``. Raises ``ConfigError``
    for an account name or setting that would be unsafe to hand to a shell or a
    workflow expression, and ``ChangeScanError`` when ``changed_since`` cannot be
    resolved.
    """
    view = trusted if trusted is not None else trust(config)
    result = validate(paths, config=config)
    by_account: dict[str, list[str]] = {}
    for pm in result.manifests:
        if pm.account is not None:
            by_account.setdefault(pm.account, []).append(_shown(pm.path))
    if not by_account:
        raise NothingToList(result)

    # An account whose last manifest was deleted gets no row: no manifest names it now.
    changes = changes_since(changed_since, paths, config) if changed_since else None
    rows = []
    for name in sorted(by_account):
        manifests = tuple(sorted(by_account[name]))
        row = _row(view, name, manifests)
        if changes is not None:
            touched = tuple(m for m in manifests if changes.touches(m))
            changed = changes.account_changed(name, manifests)
            row = dataclasses.replace(row, changed=changed, changed_manifests=touched)
        rows.append(row)
    return rows


@dataclass(frozen=True, slots=True)
class AccountGroup:
    """A slice of the sorted rows: one CI job's accounts."""

    number: int  # 1-based
    of: int
    rows: tuple[AccountRow, ...]

    @property
    def name(self) -> str:
        """The account, or ``first..last (n accounts)``: a job title, an artifact name."""
        first, last = self.rows[0].account, self.rows[-1].account
        return first if len(self.rows) == 1 else f"{first}..{last} ({len(self.rows)} accounts)"

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.number,
            "groups": self.of,
            "name": self.name,
            "accounts": [r.as_dict() for r in self.rows],
        }


def group_rows(rows: Sequence[AccountRow], groups: int) -> list[AccountGroup]:
    """``rows`` in order, dealt into ``min(groups, len(rows))`` runs; sizes differ by 1 at most.

    Contiguous runs of the sorted accounts, so the same fleet always gives the
    same groups, and an added account moves few others.
    """
    if groups < 1:
        raise ValueError("groups must be at least 1")
    count = min(groups, len(rows))
    size, extra = divmod(len(rows), count) if count else (0, 0)
    out, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        out.append(AccountGroup(i + 1, count, tuple(rows[start:end])))
        start = end
    return out


def _row(view: TrustedConfig, name: str, manifests: tuple[str, ...]) -> AccountRow:
    # A manifest's account already matches the pattern; checked again here because the
    # name goes into shell variables, artifact names and environment names in CI.
    if not _ACCOUNT.fullmatch(name):
        raise ConfigError(f"account {name!r} is not a slug (lowercase letters, digits, dashes)")
    if view.is_added(name):
        return AccountRow(account=name, api_key_env="", manifests=manifests, added=True)
    config = view.config
    acct, dflt = config.accounts.get(name), config.defaults
    key_env = (acct and acct.api_key_env) or dflt.api_key_env or KEY_ENV
    if not ENV_NAME.fullmatch(key_env):  # config checks it too; never echo it
        raise ConfigError(f"account {name}: api_key_env is not an environment variable name")
    api_url = (acct and acct.api_url) or dflt.api_url
    if api_url is not None and (bad := url_problem(api_url)):
        raise ConfigError(f"account {name}: {config.where('accounts', name)}: api_url {bad}")
    account_id = acct.account_id if acct is not None else None
    return AccountRow(
        account=name,
        api_key_env=key_env,
        manifests=manifests,
        account_id=account_id,
        api_url=api_url,
    )


def _shown(path: str) -> str:
    """A manifest's path relative to the working directory (the repository root in CI)."""
    full = os.path.abspath(path)
    rel = os.path.relpath(full)
    return Path(full if rel.startswith("..") else rel).as_posix()


@dataclass(frozen=True, slots=True)
class ChangedSince:
    """What changed since a git revision: files (absolute, normalised), callfwd.yaml, and
    the accounts of manifests deleted since."""

    files: frozenset[str]
    config_changed: bool
    deleted_accounts: frozenset[str]

    def touches(self, shown: str) -> bool:
        return os.path.normcase(os.path.abspath(shown)) in self.files

    def account_changed(self, name: str, manifests: Sequence[str]) -> bool:
        """Whether account ``name``, whose manifests are ``manifests`` now, changed."""
        return (
            self.config_changed
            or name in self.deleted_accounts
            or any(self.touches(m) for m in manifests)
        )


def changes_since(ref: str, paths: Sequence[str], config: Config) -> ChangedSince:
    """What changed since ``ref`` in the repository holding the working directory.

    ``paths`` (else ``config.manifests``) are where a deleted manifest counts;
    raises ``ChangeScanError`` when ``ref`` names no commit or there is no repository.
    """
    if ref.startswith("-") or not ref.strip():
        raise ChangeScanError(f"--changed-since {ref!r}: not a git revision")
    try:
        top = gitrev.toplevel(Path.cwd())
        if top is None:
            raise ChangeScanError(
                f"--changed-since {ref!r}: {Path.cwd()} is not a git repository (nor in one)"
            )
        commit = gitrev.resolve_commit(ref, top)
        if commit is None:
            raise ChangeScanError(f"--changed-since {ref!r}: no such commit in this repository")
        names = gitrev.changed_paths(commit, top)
    except gitrev.GitError as exc:
        raise ChangeScanError(f"--changed-since {ref!r}: {exc}") from exc
    files = frozenset(os.path.normcase(os.path.join(top, n)) for n in names)
    config_file = os.path.normcase(os.path.abspath(config.source or DEFAULT_CONFIG))
    roots = [os.path.abspath(p) for p in (paths or config.manifests)]
    gone = []
    for name in names:
        full = os.path.join(top, name)
        if os.path.lexists(full) or not name.endswith(SUFFIXES):
            continue
        if not any(full == r or full.startswith(r.rstrip(os.sep) + os.sep) for r in roots):
            continue
        if not config.is_excluded(os.path.relpath(full)):
            gone.append(name)
    deleted = _old_accounts(commit, gone, top)
    return ChangedSince(files, config_file in files, deleted)


def _old_accounts(commit: str, names: Sequence[str], top: Path) -> frozenset[str]:
    """The accounts that files deleted since ``commit`` named there (one git process)."""
    try:
        blobs = gitrev.read_files(commit, names, top, max_bytes=MAX_BYTES)
    except gitrev.GitError:
        return frozenset()
    found = set()
    for name, blob in blobs.items():
        root = load(name, blob.data).root if blob.data is not None else None
        account = root.value.get("account") if isinstance(root, MappingNode) else None
        if isinstance(account, str) and _ACCOUNT.fullmatch(account):
            found.add(account)
    return frozenset(found)
