"""``callfwd import`` and ``init``: manifests from what is live, adoption from the truth.

Rendering is pure: live senders in, manifest text out. Every number is
quoted (YAML would read an unquoted ``+18335550100`` as an integer), senders
are sorted, and the modeline points editors at the JSON Schema, so the file
validates as written and a plan right after the import shows no changes.
:func:`read_live` is the one read of an account (who the key is, its
senders); :func:`check_new_manifest` judges a manifest before it is written.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.diagnostics import Diagnostic, Severity
from reconciler.domain.state import LiveSender
from reconciler.errors import CallfwdError

if TYPE_CHECKING:
    from reconciler.api.models import Me
    from reconciler.config import Config
    from reconciler.engine.session import Session

SCHEMA = "schemas/manifest.v1.schema.json"


@dataclass(frozen=True, slots=True)
class Owner:
    email: str
    role: str


def parse_owner(value: str) -> Owner:
    """``dana@acme.example:manager`` as an ``Owner``; ``ValueError`` saying what to write."""
    from reconciler.domain.roles import ROLES

    email, sep, role = value.rpartition(":")
    if not sep or not email or not role:
        raise ValueError(f"{value!r}: expected EMAIL:ROLE, e.g. dana@acme.example:manager")
    if role not in ROLES:
        raise ValueError(f"{role!r} is not a role ({', '.join(ROLES)})")
    return Owner(email, role)


class NoOwner(CallfwdError):
    """No owner was given and the API does not say whose key it is."""


@dataclass(frozen=True, slots=True)
class Live:
    owners: tuple[Owner, ...]
    senders: tuple[LiveSender, ...]


async def read_live(session: Session, account: str, owners: Sequence[Owner]) -> Live:
    """Check the key's account, then read its senders; the owner is the key's user by default.

    A failure is raised as the account's ``AccountsFailed``.
    """
    from reconciler.engine.fanout import one_account

    async def read(name: str) -> tuple[Me | None, list[LiveSender]]:
        client = await session.checked_client(name)
        me = None if owners else await session.me(name)  # None: the API does not say
        return me, await client.list_senders()

    me, senders = await one_account(account, read)
    if not owners:
        if me is None:
            raise NoOwner(
                "name at least one owner with --owner EMAIL:ROLE (this API does not say "
                "who the key belongs to)"
            )
        owners = [Owner(me.email, me.role)]
    return Live(tuple(owners), tuple(senders))


def unique_senders(senders: Sequence[LiveSender]) -> list[str]:
    """The distinct sender numbers (a US sender and its Canadian sibling are one sender)."""
    return sorted({s.number for s in senders if s.number is not None})


def check_new_manifest(text: str, target: Path, config: Config) -> list[Diagnostic]:
    """The errors ``text`` would have as ``target``, validated with the configured manifests.

    The same rules and messages as ``callfwd validate``; only the new file's own
    errors count (a duplicate shows on both sides), at ``target``'s path.
    """
    from reconciler.rules.check import validate

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".import.", suffix=".yaml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        others = [p for p in config.manifests if Path(p).exists()]
        # The file being replaced (import --force) is not one of the others.
        rest = config.model_copy(update={"exclude": [*config.exclude, target.as_posix()]})
        result = validate([*others, tmp], config=rest)
    finally:
        Path(tmp).unlink(missing_ok=True)
    shown, tmp_display = target.as_posix(), Path(tmp).as_posix()
    return [
        replace(d, position=replace(d.position, path=shown))
        for d in result.diagnostics
        if d.severity is Severity.ERROR and d.position.path == tmp_display
    ]


def _q(value: str) -> str:
    # JSON strings are valid YAML double-quoted scalars and escape anything odd.
    return json.dumps(value, ensure_ascii=True)


def render_manifest(
    *,
    account: str,
    team: str,
    owners: Sequence[Owner],
    senders: Sequence[LiveSender],
    include_empty: bool,
    schema_ref: str,
) -> str:
    modeline = [f"# yaml-language-server: $schema={schema_ref}"] if schema_ref else []
    lines = [
        *modeline,
        f"# Imported from account {account} by `callfwd import`. Edit, review, commit.",
        "version: 1",
        f"account: {_q(account)}",
        f"team: {_q(team)}",
        "owners:",
    ]
    for o in owners:
        lines += [f"  - email: {_q(o.email)}", f"    role: {o.role}"]
    rows = [
        s
        for s in sorted(senders, key=lambda s: s.number or "")
        if s.number is not None
        and s.can_forward
        and (include_empty or s.forwarding_number is not None)
    ]
    if not rows:
        lines.append("forwarding: []")
    else:
        lines.append("forwarding:")
    for s in rows:
        fwd = "null" if s.forwarding_number is None else _q(s.forwarding_number)
        lines += [f"  - sender: {_q(s.number or '')}", f"    forward_to: {fwd}"]
    return "\n".join(lines) + "\n"


def schema_ref_from(target: Path, repo_root: Path) -> str:
    """The modeline's path to the schema, relative to the manifest's folder.

    Empty when the repository has no copy of the schema: a modeline to a path
    that does not exist would only confuse editors (README shows the setup).
    """
    schema = (repo_root / SCHEMA).resolve()
    if not schema.is_file():
        return ""
    return Path(os.path.relpath(schema, target.parent.resolve())).as_posix()
