"""``callfwd accounts`` output as JSON (one line, for ``$GITHUB_OUTPUT``) or text.

Rows, or with ``--groups`` groups of rows (``{"group", "groups", "name", "accounts"}``).
"""

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
    @property
    def added(self) -> bool: ...
    def as_dict(self) -> dict[str, Any]: ...


class AccountGroup(Protocol):
    """What ``reconciler.engine.inventory.group_rows`` gives for one CI job."""

    @property
    def number(self) -> int: ...
    @property
    def of(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def rows(self) -> Sequence[AccountRow]: ...
    def as_dict(self) -> dict[str, Any]: ...


def _one_line(data: object) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"


def render_groups_json(groups: Sequence[AccountGroup]) -> str:
    """A JSON list of groups on one line: ``matrix: {include: ${{ fromJSON(...) }}}``."""
    return _one_line([g.as_dict() for g in groups])


def render_groups_text(groups: Sequence[AccountGroup]) -> str:
    out = []
    for g in groups:
        out.append(f"group {g.number} of {g.of}: {g.name}\n")
        out.append("".join("  " + line for line in render_text(g.rows).splitlines(True)))
    return "".join(out)


def render_json(rows: Sequence[AccountRow]) -> str:
    """A JSON list of rows on one line, keys sorted: ``accounts=$(callfwd accounts ...)``."""
    return _one_line([r.as_dict() for r in rows])


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
        if r.added:  # no trusted settings: none are shown, no key goes anywhere for it
            facts = ["added by this change: validated, not planned"]
        if r.changed is not None:
            facts.append("changed" if r.changed else "unchanged")
        out.append(f"{t(r.account)} ({', '.join(facts)})\n")
        for m in r.manifests:
            mark = " *" if r.changed_manifests and m in r.changed_manifests else ""
            out.append(f"  {t(m)}{mark}\n")
    return "".join(out)


FORMATS = {"json": render_json, "text": render_text}
GROUP_FORMATS = {"json": render_groups_json, "text": render_groups_text}
