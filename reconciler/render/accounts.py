"""``callfwd accounts`` output as JSON (one line, for ``$GITHUB_OUTPUT``) or text."""

from __future__ import annotations

import json
from collections.abc import Sequence

from reconciler.inventory import AccountRow


def render_json(rows: Sequence[AccountRow]) -> str:
    """A JSON list of rows on one line, keys sorted: ``accounts=$(callfwd accounts ...)``."""
    return json.dumps([r.as_dict() for r in rows], sort_keys=True, separators=(",", ":")) + "\n"


def render_text(rows: Sequence[AccountRow]) -> str:
    """One block per account: name, settings, then its manifests indented."""
    if not rows:
        return "no accounts: no manifest names one\n"
    out = []
    for r in rows:
        facts = [f"key in ${r.api_key_env}", f"api {r.api_url or '$CALLFWD_API_URL'}"]
        if r.account_id is not None:
            facts.insert(0, f"id {r.account_id}")
        if r.changed is not None:
            facts.append("changed" if r.changed else "unchanged")
        out.append(f"{r.account} ({', '.join(facts)})\n")
        for m in r.manifests:
            mark = " *" if r.changed_manifests and m in r.changed_manifests else ""
            out.append(f"  {m}{mark}\n")
    return "".join(out)


FORMATS = {"json": render_json, "text": render_text}
