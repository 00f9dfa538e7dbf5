"""A checklist's baseline kept in text: the drift issue's record of what it has asked for.

The drift workflow keeps one issue with the changes left to make in the
vendor's UI, and below them, in a hidden block, the baseline: every change the
issue has listed since it was opened (``carry``), so the next run can tick the
ones now done (``render_checklist(..., since=...)``). The block is a saved plan
(``planfile``: its kind, format and digest are checked when it is read) holding
only what a checklist needs: each account's changes, without their sources,
ETags or the senders read. It is gzipped and base64-encoded in an HTML
comment, which GitHub does not show::

    <!-- callfwd-baseline v1
    H4sIAAAAAAAC/+1YTW/bOBC9...
    -->

An issue body can be edited by anyone who may triage the repository, so a block
read back is untrusted input: at most ``MAX_BLOCK`` characters, at most
``MAX_PLAN`` bytes unpacked, checked as any plan file is, then ``restrict``-ed
to what the plan made now bears out: a change about a sender that plan read
(the same id and number), either still planned or done (the sender shows the
number the change sets). What it decides is only which done changes are
listed, ticked: every open task comes from the plan made now, the issue is
closed only when that plan is empty, and the block never reaches an API, a key
or a write. The digest is a checksum, not a signature: a forged block passes
it, and can then at most tick a change whose result the API shows (its "from"
number, history the API no longer holds, is the block's word).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib
from dataclasses import replace

from reconciler.errors import PlanFileError
from reconciler.plan import planfile
from reconciler.plan.model import AccountPlan, Change, Plan, Summary

MARK = "<!-- callfwd-baseline v1"
# What a block may take of an issue body (GitHub takes 65,536 characters): the
# checklist keeps the rest. About 650 changes fit (some 37 characters each); a larger
# baseline is not kept, and the issue says progress is not tracked.
MAX_BLOCK = 24_000
# Unpacked: a stripped change is about 250 bytes, so far more than MAX_BLOCK ever holds.
MAX_PLAN = 4 * 1024 * 1024
_LINE = 76
_BLOCK = re.compile(r"^<!-- callfwd-baseline v1\n(?P<data>[A-Za-z0-9+/=\n]*?)-->$", re.MULTILINE)


def _key(c: Change) -> tuple[str, str]:
    return (c.sender_id, c.sender)


def _stripped(accounts: dict[str, list[Change]], tool_version: str) -> Plan:
    """Only what a checklist reads: each account's changes, without source or ETag."""
    return Plan(
        accounts=tuple(
            AccountPlan(
                account=name,
                changes=tuple(replace(c, source=None, etag=None) for c in changes),
                summary=Summary(),
            )
            for name, changes in sorted(accounts.items())
            if changes
        ),
        manifest_digest="",
        tool_version=tool_version,
    )


def restrict(saved: Plan, now: Plan) -> Plan:
    """``saved``'s changes that ``now`` bears out: of accounts planned now, about a sender
    read now (the same id and number), each sender once, and either planned now (still
    to do) or showing the number the change sets (done)."""
    accounts: dict[str, list[Change]] = {}
    planned = {a.account: a for a in now.accounts}
    for acct in saved.accounts:
        if acct.account not in planned:
            continue
        live = {(s.id, s.number): s.forwarding_number for s in planned[acct.account].senders}
        left = {_key(c) for c in planned[acct.account].changes}
        seen: set[tuple[str, str]] = set()
        kept = accounts.setdefault(acct.account, [])
        for c in acct.changes:
            key = _key(c)
            if key in live and key not in seen and (key in left or live[key] == c.after):
                seen.add(key)
                kept.append(c)
    return _stripped(accounts, saved.tool_version)


def carry(saved: Plan | None, now: Plan) -> Plan:
    """The next baseline: ``saved``'s changes in their order, each replaced by its version
    in ``now`` where it is still planned, then ``now``'s new changes.

    Of an account ``now`` covers, ``saved`` keeps only what ``restrict`` keeps; an
    account it does not cover (its check failed this time) keeps its changes as they are.
    """
    accounts = _changes(saved) if saved is not None else {}
    kept = _changes(restrict(saved, now)) if saved is not None else {}
    for acct in now.accounts:
        current = {_key(c): c for c in acct.changes}
        merged = [current.pop(_key(c), c) for c in kept.get(acct.account, ())]
        accounts[acct.account] = merged + list(current.values())
    return _stripped(accounts, now.tool_version)


def encode(plan: Plan) -> str:
    """The block for ``plan``'s changes (the same plan gives the same text)."""
    text = planfile.dumps(_stripped(_changes(plan), plan.tool_version))
    packed = gzip.compress(text.encode("utf-8"), mtime=0)
    data = base64.b64encode(packed).decode("ascii")
    lines = [data[i : i + _LINE] for i in range(0, len(data), _LINE)]
    return "\n".join([MARK, *lines, "-->"]) + "\n"


def _changes(plan: Plan) -> dict[str, list[Change]]:
    return {a.account: list(a.changes) for a in plan.accounts}


def decode(text: str, *, name: str) -> Plan | None:
    """The baseline in ``text`` (an issue body); None when it holds no block.

    ``PlanFileError`` when the block is there but not one callfwd wrote, or too large.
    """
    if MARK not in text:
        return None
    # GitHub keeps a body edited in its web UI with CRLF line ends.
    found = list(_BLOCK.finditer(text.replace("\r\n", "\n")))
    if len(found) != 1:
        raise PlanFileError(
            f"{name}: {'no whole' if not found else 'more than one'} baseline block"
        )
    data = found[0]["data"]
    if len(found[0][0]) > MAX_BLOCK:
        raise PlanFileError(f"{name}: the baseline block is larger than {MAX_BLOCK:,} characters")
    try:
        packed = base64.b64decode(data.replace("\n", ""), validate=True)
        unpacker = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip
        body = unpacker.decompress(packed, MAX_PLAN)
    except (binascii.Error, zlib.error):
        raise PlanFileError(f"{name}: the baseline block is damaged (not base64 gzip)") from None
    if unpacker.unconsumed_tail or not unpacker.eof or unpacker.unused_data:
        raise PlanFileError(
            f"{name}: the baseline block is damaged or unpacks to over {MAX_PLAN:,} bytes"
        )
    return planfile.loads(body, name=f"{name} (baseline block)")
