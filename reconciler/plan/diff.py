"""Compare desired forwardings with live senders: the pure heart of ``callfwd plan``.

Per declared sender (matched to the account's US sender with that number):
    no live forwarding, a number wanted   -> create
    a different number wanted             -> update
    ``forward_to: null``, live forwarding -> delete
    otherwise                             -> unchanged (no call)
Undeclared US toll-free senders are unmanaged, untouched and counted, unless the
account prunes: then a live forwarding on them is planned for delete.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence

from reconciler.diagnostics import Diagnostic, error
from reconciler.plan.model import AccountPlan, Action, Change, Plan, SenderSnapshot, Summary
from reconciler.state import Forwarding, LiveSender

# Plan-time diagnostic codes (documented in docs/rules.md).
SENDER_NOT_IN_ACCOUNT = "CF501"
SENDER_ONLY_CANADIAN = "CF502"
SENDER_CANNOT_FORWARD = "CF503"


def _decide(before: str | None, after: str | None) -> Action | None:
    if before == after:
        return None
    if after is None:
        return Action.DELETE
    return Action.CREATE if before is None else Action.UPDATE


def diff_account(
    account: str,
    desired: Sequence[Forwarding],
    live: Sequence[LiveSender],
    *,
    prune: bool = False,
    warnings: Sequence[str] = (),
) -> tuple[AccountPlan, list[Diagnostic]]:
    by_number: dict[str, list[LiveSender]] = {}
    for s in live:
        by_number.setdefault(s.number, []).append(s)

    changes: list[Change] = []
    problems: list[Diagnostic] = []
    unchanged = 0
    with_forwarding = 0
    declared: set[str] = set()
    for f in desired:
        declared.add(f.sender)
        candidates = by_number.get(f.sender, [])
        target = next((s for s in candidates if s.can_forward), None)
        if target is None:
            problems.append(_unmatched(account, f, candidates))
            continue
        with_forwarding += target.forwarding_number is not None
        action = _decide(target.forwarding_number, f.forward_to)
        if action is None:
            unchanged += 1
            continue
        changes.append(
            Change(
                action,
                account,
                f.sender,
                target.id,
                target.forwarding_number,
                f.forward_to,
                f.position,
                target.etag,
            )
        )

    unmanaged = 0
    for s in live:
        if not s.can_forward or s.number in declared:
            continue
        if prune and s.forwarding_number is not None:
            with_forwarding += 1
            changes.append(
                Change(
                    Action.DELETE, account, s.number, s.id, s.forwarding_number, None, None, s.etag
                )
            )
        else:
            unmanaged += 1

    changes.sort(key=lambda c: (c.sender, c.sender_id))
    counts = {a: sum(1 for c in changes if c.action is a) for a in Action}
    summary = Summary(
        counts[Action.CREATE], counts[Action.UPDATE], counts[Action.DELETE], unchanged, unmanaged
    )
    snapshot = tuple(
        sorted(
            (SenderSnapshot(s.id, s.number, s.country, s.forwarding_number, s.etag) for s in live),
            key=lambda s: (s.number, s.country, s.id),
        )
    )
    plan = AccountPlan(
        account=account,
        changes=tuple(changes),
        summary=summary,
        prune=prune,
        managed=len(declared),
        managed_forwardings=with_forwarding,
        senders=snapshot,
        warnings=tuple(warnings),
    )
    return plan, problems


def _unmatched(account: str, f: Forwarding, candidates: Sequence[LiveSender]) -> Diagnostic:
    if not candidates:
        return error(
            f.position,
            SENDER_NOT_IN_ACCOUNT,
            f"account {account} has no sender {f.sender}; check the number and the "
            "manifest's account",
        )
    if all(c.country != "US" for c in candidates):
        return error(
            f.position,
            SENDER_ONLY_CANADIAN,
            f"account {account} has {f.sender} only as a Canadian sender; call forwarding "
            "is available for US senders only",
        )
    kind = candidates[0].type.replace("_", " ")
    return error(
        f.position,
        SENDER_CANNOT_FORWARD,
        f"{f.sender} is a {kind} sender in account {account}; only US toll-free senders "
        "can forward calls",
    )


def manifest_digest(forwardings: Iterable[Forwarding], prune: Mapping[str, bool]) -> str:
    """A digest of what the manifests ask for (not of their bytes: comments don't count)."""
    rows = sorted((f.account, f.sender, f.forward_to) for f in forwardings)
    doc = {"forwarding": rows, "prune": sorted(prune.items())}
    blob = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
    return "sha256:" + hashlib.sha256(blob).hexdigest()


def assemble(
    accounts: Iterable[AccountPlan],
    *,
    digest: str,
    tool_version: str,
) -> Plan:
    return Plan(
        accounts=tuple(sorted(accounts, key=lambda a: a.account)),
        manifest_digest=digest,
        tool_version=tool_version,
    )
