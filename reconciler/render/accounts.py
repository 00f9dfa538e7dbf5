"""``callfwd accounts`` output as JSON (one line, for ``$GITHUB_OUTPUT``) or text."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from reconciler.render import escape


class AccountRow(Protocol):
    """What ``reconciler.engine.inventory`` lists for one account (rendered here)."""

    @property
    def account(self) -> str: ...
    @property
    def api_key_env(self) -> str: ...
    @property
    def manifests(self) -> tuple[str, ...]: ...
    @property
    def account_id(self) -> str | None: ...
    @property
    def api_url(self) -> str | None: ...
    @property
    def changed(self) -> bool | None: ...
    @property
    def changed_manifests(self) -> tuple[str, ...] | None: ...
    def as_dict(self) -> dict[str, Any]: ...


def render_json(rows: Sequence[AccountRow]) -> str:
    """A JSON list of rows on one line, keys sorted: ``accounts=$(callfwd accounts ...)``."""
    return json.dumps([r.as_dict() for r in rows], sort_keys=True, separators=(",", ":")) + "\n"


def render_text(rows: Sequence[AccountRow]) -> str:
    """One block per account: name, settings, then its manifests indented (all escaped)."""
    if not rows:
        return "no accounts: no manifest names one\n"
    t = escape.terminal
    out = []
    for r in rows:
        api = t(r.api_url) if r.api_url else "$CALLFWD_API_URL"
        facts = [f"key in ${t(r.api_key_env)}", f"api {api}"]
        if r.account_id is not None:
            facts.insert(0, f"id {t(r.account_id)}")
        if r.changed is not None:
            facts.append("changed" if r.changed else "unchanged")
        out.append(f"{t(r.account)} ({', '.join(facts)})\n")
        for m in r.manifests:
            mark = " *" if r.changed_manifests and m in r.changed_manifests else ""
            out.append(f"  {t(m)}{mark}\n")
    return "".join(out)


FORMATS = {"json": render_json, "text": render_text}
