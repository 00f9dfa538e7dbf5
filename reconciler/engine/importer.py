"""``callfwd import``: write manifests from what is live, so adoption starts from the truth.

Rendering is pure: live senders in, manifest text out. Every number is
quoted (YAML would read an unquoted ``+18335550100`` as an integer), senders
are sorted, and the modeline points editors at the JSON Schema, so the file
validates as written and a plan right after the import shows no changes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reconciler.domain.state import LiveSender

SCHEMA = "schemas/manifest.v1.schema.json"


@dataclass(frozen=True, slots=True)
class Owner:
    email: str
    role: str


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
