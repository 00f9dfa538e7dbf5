"""Compare desired forwardings with live senders: the pure heart of ``callfwd plan``.

Per declared sender (matched to the account's US sender with that number):
    no live forwarding, a number wanted   -> create
    a different number wanted             -> update
    ``forward_to: null``, live forwarding -> delete
    otherwise                             -> unchanged (no call)
Undeclared US toll-free senders are unmanaged, untouched and counted, unless the
account prunes: then a live forwarding on them is planned for delete. A sender
that a manifest outside this run declares (``declared_elsewhere``) is never
pruned. Senders with no number yet (pending registration) are listed, never an
error: no manifest can name them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from reconciler.diagnostics import Diagnostic, codes, error
from reconciler.domain.senders import BEING_VERIFIED, NOT_SENDING
from reconciler.domain.state import Forwarding, LiveSender
from reconciler.plan.model import (
    AccountPlan,
    Action,
    Change,
    Notice,
    Plan,
    SenderSnapshot,
    Summary,
    notice,
)


def _decide(before: str | None, after: str | None) -> Action | None:
    if before == after:
        return None
    if after is None:
        return Action.DELETE
    return Action.CREATE if before is None else Action.UPDATE


@dataclass
class _Tally:
    """What the diff of one account has found so far."""

    changes: list[Change] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    advice: list[Notice] = field(default_factory=list)
    declared: set[str] = field(default_factory=set)
    final: dict[str, str | None] = field(default_factory=dict)  # sender id -> after the plan
    unchanged: int = 0
    unmanaged: int = 0
    pending: int = 0
    with_forwarding: int = 0


def diff_account(
    account: str,
    desired: Sequence[Forwarding],
    live: Sequence[LiveSender],
    *,
    prune: bool = False,
    declared_elsewhere: Collection[str] = (),
    notices: Sequence[Notice] = (),
) -> tuple[AccountPlan, list[Diagnostic]]:
    tally = _Tally()
    _declared(tally, account, desired, live)
    _undeclared(tally, account, live, prune=prune, declared_elsewhere=declared_elsewhere)
    _advise(tally, live, declared_elsewhere)

    changes = sorted(tally.changes, key=lambda c: (c.sender, c.sender_id))
    counts = {a: sum(1 for c in changes if c.action is a) for a in Action}
    summary = Summary(
        create=counts[Action.CREATE],
        update=counts[Action.UPDATE],
        delete=counts[Action.DELETE],
        unchanged=tally.unchanged,
        unmanaged=tally.unmanaged,
        pending=tally.pending,
    )
    plan = AccountPlan(
        account=account,
        changes=tuple(changes),
        summary=summary,
        prune=prune,
        managed=len(tally.declared),
        managed_forwardings=tally.with_forwarding,
        senders=snapshot(live),
        notices=(*notices, *sorted(tally.advice, key=lambda n: (n.code, n.sender or ""))),
    )
    return plan, tally.problems


def _declared(
    tally: _Tally, account: str, desired: Sequence[Forwarding], live: Sequence[LiveSender]
) -> None:
    """Each declared sender, matched to the account's sender that may forward: its change."""
    by_number: dict[str, list[LiveSender]] = {}
    for s in live:
        if s.number is not None:
            by_number.setdefault(s.number, []).append(s)
    for f in desired:
        tally.declared.add(f.sender)
        candidates = by_number.get(f.sender, [])
        target = next((s for s in candidates if s.can_forward), None)
        if target is None:
            tally.problems.append(_unmatched(account, f, candidates))
            continue
        tally.final[target.id] = f.forward_to
        tally.with_forwarding += target.forwarding_number is not None
        if f.forward_to is not None and target.status in NOT_SENDING:
            tally.advice.append(_not_sending(target))
        action = _decide(target.forwarding_number, f.forward_to)
        if action is None:
            tally.unchanged += 1
            continue
        tally.changes.append(
            Change(
                action=action,
                account=account,
                sender=f.sender,
                sender_id=target.id,
                before=target.forwarding_number,
                after=f.forward_to,
                source=f.position,
                etag=target.etag,
            )
        )


def _undeclared(
    tally: _Tally,
    account: str,
    live: Sequence[LiveSender],
    *,
    prune: bool,
    declared_elsewhere: Collection[str],
) -> None:
    """Senders no manifest of this run declares: counted as pending or unmanaged, or, when
    the account prunes, their forwarding planned for delete."""
    for s in live:
        if s.number is None:
            tally.pending += 1
            continue
        if not s.can_forward or s.number in tally.declared:
            continue
        if s.number in declared_elsewhere:
            continue  # managed by a manifest this run does not plan: neither pruned nor counted
        if not (prune and s.forwarding_number is not None):
            tally.unmanaged += 1
            continue
        tally.with_forwarding += 1
        tally.final[s.id] = None
        tally.changes.append(
            Change(
                action=Action.DELETE,
                account=account,
                sender=s.number,
                sender_id=s.id,
                before=s.forwarding_number,
                after=None,
                source=None,
                etag=s.etag,
            )
        )


def _advise(tally: _Tally, live: Sequence[LiveSender], declared_elsewhere: Collection[str]) -> None:
    """The vendor's advice where no manifest decides (a declared ``forward_to: null`` is a
    choice, not something to recommend against on every plan), and pending senders."""
    for s in live:
        decided = s.number in tally.declared or s.number in declared_elsewhere
        after = tally.final.get(s.id, s.forwarding_number)
        if s.can_forward and s.status in BEING_VERIFIED and after is None and not decided:
            tally.advice.append(_unverified_without_forwarding(s))
    if tally.pending:
        tally.advice.append(_pending(live))


def snapshot(live: Iterable[LiveSender]) -> tuple[SenderSnapshot, ...]:
    """What a plan records of the live senders, in a stable order."""
    return tuple(
        sorted(
            (
                SenderSnapshot(
                    id=s.id,
                    number=s.number,
                    country=s.country,
                    forwarding_number=s.forwarding_number,
                    etag=s.etag,
                    type=s.type,
                    status=s.status,
                )
                for s in live
            ),
            key=lambda s: (s.number or "", s.country, s.id),
        )
    )


def live_from_snapshot(account: str, senders: Iterable[SenderSnapshot]) -> list[LiveSender]:
    """The live senders a plan recorded, as the diff reads them (to re-derive a saved plan)."""
    return [
        LiveSender(
            id=s.id,
            account=account,
            number=s.number,
            type=s.type,
            country=s.country,
            status=s.status,
            forwarding_number=s.forwarding_number,
            etag=s.etag,
        )
        for s in senders
    ]


def _pending(live: Sequence[LiveSender]) -> Notice:
    ids = sorted(s.id for s in live if s.number is None)
    shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    what = "sender is" if len(ids) == 1 else "senders are"
    return notice(
        codes.PENDING_SENDER,
        f"{len(ids)} {what} pending registration and {'has' if len(ids) == 1 else 'have'} "
        f"no number yet ({shown}); a manifest can name a sender once the vendor assigns "
        "its number",
    )


def _unverified_without_forwarding(s: LiveSender) -> Notice:
    return notice(
        codes.UNVERIFIED_WITHOUT_FORWARDING,
        f"{s.number} is being verified ({s.status}) and has no call forwarding; the vendor "
        "recommends setting it up while the number is being verified",
        sender=s.number,
    )


def _not_sending(s: LiveSender) -> Notice:
    return notice(
        codes.FORWARDING_NOT_SENDING,
        f"forwarding is declared for {s.number}, whose status is {s.status}: it sends no "
        "messages now; check the sender in the vendor's UI before relying on this forwarding",
        sender=s.number,
    )


def _unmatched(account: str, f: Forwarding, candidates: Sequence[LiveSender]) -> Diagnostic:
    if not candidates:
        return error(
            f.position,
            codes.SENDER_NOT_IN_ACCOUNT,
            f"account {account} has no sender {f.sender}; check the number and the "
            "manifest's account",
        )
    if all(c.country != "US" for c in candidates):
        return error(
            f.position,
            codes.SENDER_ONLY_CANADIAN,
            f"account {account} has {f.sender} only as a Canadian sender; call forwarding "
            "is available for US senders only",
        )
    kind = candidates[0].type.replace("_", " ")
    return error(
        f.position,
        codes.SENDER_CANNOT_FORWARD,
        f"{f.sender} is a {kind} sender in account {account}; only US toll-free senders "
        "can forward calls",
    )


def _digest(doc: object) -> str:
    blob = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
    return "sha256:" + hashlib.sha256(blob).hexdigest()


def manifest_digest(forwardings: Iterable[Forwarding], prune: Mapping[str, bool]) -> str:
    """A digest of what the manifests ask for (not of their bytes: comments don't count)."""
    rows = sorted((f.account, f.sender, f.forward_to) for f in forwardings)
    return _digest({"forwarding": rows, "prune": sorted(prune.items())})


def source_digests(forwardings: Iterable[Forwarding]) -> tuple[tuple[str, str], ...]:
    """Per manifest file, a digest of what it asks for: to name the file that changed."""
    rows: dict[str, list[tuple[str, str, str | None]]] = {}
    for f in forwardings:
        rows.setdefault(f.position.path, []).append((f.account, f.sender, f.forward_to))
    return tuple(sorted((path, _digest(sorted(r))) for path, r in rows.items()))


def changed_sources(
    recorded: Iterable[tuple[str, str]], now: Iterable[tuple[str, str]]
) -> list[str]:
    """Manifest paths whose declarations differ between a plan and now (added, removed too)."""
    before, after = dict(recorded), dict(now)
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def assemble(
    accounts: Iterable[AccountPlan],
    *,
    digest: str,
    tool_version: str,
    sources: tuple[tuple[str, str], ...] = (),
) -> Plan:
    return Plan(
        accounts=tuple(sorted(accounts, key=lambda a: a.account)),
        manifest_digest=digest,
        tool_version=tool_version,
        sources=sources,
    )
