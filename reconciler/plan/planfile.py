"""The saved-plan format (``callfwd plan --out FILE``, ``callfwd apply --plan FILE``).

A plan file is one JSON document::

    {"kind": "callfwd-plan", "format_version": 1, "tool_version": "0.1.0",
     "manifest_digest": "sha256:…",
     "accounts": [{"account": "acme-us", "prune": false, "managed": 4,
                   "summary": {"create": 1, …},
                   "warnings": [],
                   "changes": [{"action": "update", "account": "acme-us",
                                "sender": "+18555550122", "sender_id": "…",
                                "before": "+13125550100", "after": "+13125550175",
                                "source": {"path": "…", "line": 9, "column": 13},
                                "etag": "W/\"…\""}],
                   "senders": [{"id": "…", "number": "+18335550100", "country": "US",
                                "forwarding_number": "+12125550199", "etag": "…"}]}]}

``senders`` records what the plan read for every sender (id, number, type,
country, status, forwarding number, ETag), so apply can tell a change that went
stale since review and re-derive every change (``plan.rederive``). ``sources``
holds one digest per manifest file, to name the file that changed since.
``plan_digest`` binds the file to its own content: any edit is refused at load,
before anything else. It is a checksum, not a signature (anyone can recompute
it); the re-derivation is what keeps an edited file from writing anything the
manifests do not ask for. The file never holds an API key or a URL with
credentials. Encoding and decoding are pure; the command writes the file.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import TypeAdapter, ValidationError

from reconciler.errors import PlanFileError
from reconciler.plan.model import FORMAT_VERSION, AccountPlan, Plan

KIND = "callfwd-plan"
_accounts = TypeAdapter(tuple[AccountPlan, ...])
_sources = TypeAdapter(tuple[tuple[str, str], ...])


def _bind(doc: dict[str, Any]) -> str:
    body = {k: v for k, v in doc.items() if k != "plan_digest"}
    blob = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
    return "sha256:" + hashlib.sha256(blob).hexdigest()


def dumps(plan: Plan) -> str:
    doc: dict[str, Any] = {
        "kind": KIND,
        "format_version": plan.format_version,
        "tool_version": plan.tool_version,
        "manifest_digest": plan.manifest_digest,
        "sources": _sources.dump_python(plan.sources, mode="json"),
        "accounts": _accounts.dump_python(plan.accounts, mode="json"),
    }
    doc["plan_digest"] = _bind(doc)
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"


def loads(text: str, *, name: str = "plan file") -> Plan:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFileError(f"{name}: not a callfwd plan (invalid JSON: {exc})") from exc
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise PlanFileError(f"{name}: not a callfwd plan (write one with `callfwd plan --out`)")
    if doc.get("format_version") != FORMAT_VERSION:
        raise PlanFileError(
            f"{name}: plan format {doc.get('format_version')!r} is not supported by this "
            f"callfwd (it reads format {FORMAT_VERSION}); plan again with this version"
        )
    if doc.get("plan_digest") != _bind(doc):
        raise PlanFileError(
            f"{name}: the plan file was edited after `callfwd plan --out` wrote it (its "
            "plan_digest does not match its content); plan again and review the new plan"
        )
    try:
        accounts = _accounts.validate_python(doc.get("accounts"))
        sources = _sources.validate_python(doc.get("sources", []))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise PlanFileError(f"{name}: damaged plan at accounts.{where}: {first['msg']}") from exc
    digest = doc.get("manifest_digest")
    version = doc.get("tool_version")
    if not isinstance(digest, str) or not isinstance(version, str):
        raise PlanFileError(f"{name}: damaged plan (missing manifest_digest or tool_version)")
    return Plan(accounts=accounts, manifest_digest=digest, tool_version=version, sources=sources)
