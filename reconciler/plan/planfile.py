"""The saved-plan format (``callfwd plan --out FILE``, ``callfwd apply --plan FILE``).

A plan file is one JSON document::

    {"kind": "callfwd-plan", "format_version": 3, "tool_version": "0.1.0",
     "manifest_digest": "sha256:…",
     "accounts": [{"account": "acme-us", "prune": false, "managed": 4,
                   "api_url": "https://a.klaviyo.com", "account_id": "Lm3Rt9",
                   "account_name": "Acme US",
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
stale since review and re-derive every change (``plan.rederive``).
``api_url`` and ``account_id`` record the API and the vendor's account the plan
read: apply refuses the file against any other; ``account_name`` is the account's
name there, for headings only. ``sources`` holds one digest
per manifest file, to name the file that changed since. ``plan_digest`` binds
the file to its own content: an edit is refused at load, before anything else.
It is a checksum, not a signature (anyone can recompute it): it catches a
careless or accidental edit and nothing more. What keeps an edited file from
writing anything the manifests do not ask for is that apply takes from it only
what it cannot compute (the live values read, the API), checks those, and
computes the rest again. The file never holds an API key or a URL with
credentials. Encoding and decoding are pure; the command writes the file.

A file is read whole only up to ``MAX_BYTES`` (``plan.saved`` reads at most one
byte more), and decoded with orjson, which refuses nesting deeper than 1,024
levels with its decode error.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson
from pydantic import TypeAdapter, ValidationError

from reconciler.errors import PlanFileError
from reconciler.plan.model import AccountPlan, Plan

KIND = "callfwd-plan"
# 3: each account records the API and the vendor's account the plan read.
# 2: senders record their type and status; a number may be null; notices carry codes.
FORMAT_VERSION = 3
# A plan of 50,000 senders over 5,000 accounts is about 16 MiB (and takes about 150 MiB
# to load); 64 MiB holds some 190,000 senders.
MAX_BYTES = 64 * 1024 * 1024
_accounts = TypeAdapter(tuple[AccountPlan, ...])
_sources = TypeAdapter(tuple[tuple[str, str], ...])


def _bind(doc: dict[str, Any], name: str = "plan file") -> str:
    """The file's own checksum: sha256 of its content but ``plan_digest``, keys sorted."""
    body = {k: v for k, v in doc.items() if k != "plan_digest"}
    try:
        blob = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:  # nested deeper than orjson writes (254 levels)
        raise PlanFileError(
            f"{name}: not a callfwd plan (JSON nested deeper than a plan ever is)"
        ) from None
    return "sha256:" + hashlib.sha256(blob).hexdigest()


def dumps(plan: Plan) -> str:
    doc: dict[str, Any] = {
        "kind": KIND,
        "format_version": FORMAT_VERSION,
        "tool_version": plan.tool_version,
        "manifest_digest": plan.manifest_digest,
        "sources": _sources.dump_python(plan.sources, mode="json"),
        "accounts": _accounts.dump_python(plan.accounts, mode="json"),
    }
    doc["plan_digest"] = _bind(doc)
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"


def _old_format(name: str, version: object) -> PlanFileError:
    why = ""
    if version in (1, 2):
        why = " (a plan now records the API and the account it was made against)"
    return PlanFileError(
        f"{name}: plan format {version!r} is not supported by this callfwd (it reads format "
        f"{FORMAT_VERSION}){why}; plan again with this version"
    )


def _why_not_json(exc: orjson.JSONDecodeError) -> str:
    if str(exc).startswith("depth limit exceeded"):
        return "JSON nested deeper than 1,024 levels"
    if "not valid UTF-8" in str(exc):
        return "not UTF-8 text"
    return f"invalid JSON: {exc}"


def loads(text: str | bytes, *, name: str = "plan file") -> Plan:
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise PlanFileError(f"{name}: not a callfwd plan ({_why_not_json(exc)})") from None
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise PlanFileError(f"{name}: not a callfwd plan (write one with `callfwd plan --out`)")
    if doc.get("format_version") != FORMAT_VERSION:
        raise _old_format(name, doc.get("format_version"))
    if doc.get("plan_digest") != _bind(doc, name):
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
        raise PlanFileError(f"{name}: damaged plan at accounts.{where}: {first['msg']}") from None
    digest = doc.get("manifest_digest")
    version = doc.get("tool_version")
    if not isinstance(digest, str) or not isinstance(version, str):
        raise PlanFileError(f"{name}: damaged plan (missing manifest_digest or tool_version)")
    _each_once(accounts, name)
    return Plan(accounts=accounts, manifest_digest=digest, tool_version=version, sources=sources)


def _each_once(accounts: tuple[AccountPlan, ...], name: str) -> None:
    """A plan lists each account once, and each sender once in its account's reads."""
    seen: set[str] = set()
    for acct in accounts:
        if acct.account in seen:
            raise PlanFileError(
                f"{name}: account {acct.account} appears twice in the plan (a plan lists "
                "each account once); plan again and review the new plan"
            )
        seen.add(acct.account)
        ids: set[str] = set()
        for s in acct.senders:
            if s.id in ids:
                raise PlanFileError(
                    f"{name}: damaged plan: account {acct.account} records sender id "
                    f"{s.id!r} twice; plan again and review the new plan"
                )
            ids.add(s.id)
