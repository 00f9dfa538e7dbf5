"""A saved plan is re-derived, never trusted: the check ``apply --plan`` makes first.

A plan file travels as a CI artifact between review and apply. Before any
write, its changes are computed again from the manifests as they are now and
the live values the file recorded; the file is refused whole unless the two
agree exactly, and every number it would write passes the number rules here,
whatever the server would say. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from reconciler.domain import numbers
from reconciler.domain.state import Forwarding
from reconciler.plan.diff import diff_account, live_from_snapshot
from reconciler.plan.model import AccountPlan, Change, Plan


def _shape(c: Change) -> tuple[object, ...]:
    return (c.action, c.account, c.sender, c.sender_id, c.before, c.after, c.etag)


def _describe(c: Change) -> str:
    return f"{c.action.value} {c.sender} ({c.before or 'no forwarding'} -> {c.after or 'none'})"


def rederive(
    plan: Plan,
    forwardings: Iterable[Forwarding],
    *,
    prune: Mapping[str, bool],
    declared: Mapping[str, frozenset[str]],
    us_territories: bool = False,
) -> tuple[tuple[AccountPlan, ...], list[str]]:
    """Each account's plan as the manifests and the file's recorded reads give it, and
    why the file's changes are not those (empty when they agree exactly: same changes,
    same order, same values).

    The accounts returned are computed, never copied from the file: their counts and
    notices come from the diff; only ``api_url`` and ``account_id`` are the file's
    (what the plan was made against: the caller checks them), and ``account_name``
    (shown, never used to decide).
    """
    by_account: dict[str, list[Forwarding]] = {}
    for f in forwardings:
        by_account.setdefault(f.account, []).append(f)
    problems: list[str] = []
    derived: list[AccountPlan] = []
    for acct in plan.accounts:
        name = acct.account
        if name not in prune:
            problems.append(f"account {name}: not an account the manifests name")
            continue
        expected, diags = diff_account(
            name,
            by_account.get(name, []),
            live_from_snapshot(name, acct.senders),
            prune=prune[name],
            declared_elsewhere=declared.get(name, frozenset()),
        )
        derived.append(
            replace(
                expected,
                api_url=acct.api_url,
                account_id=acct.account_id,
                account_name=acct.account_name,
            )
        )
        if diags:
            problems.append(
                f"account {name}: the senders the file recorded do not match the manifests "
                f"({diags[0].message})"
            )
            continue
        got = [_shape(c) for c in acct.changes]
        want = [_shape(c) for c in expected.changes]
        if got != want:
            extra = [c for c in acct.changes if _shape(c) not in want]
            missing = [c for c in expected.changes if _shape(c) not in got]
            what = (
                "; ".join(
                    [f"not asked for: {_describe(c)}" for c in extra[:3]]
                    + [f"missing: {_describe(c)}" for c in missing[:3]]
                )
                or "the changes are in another order"
            )
            problems.append(f"account {name}: {what}")
    for c in plan.changes:
        if c.after is None:
            continue
        checked = numbers.check_forward_to(c.after, sender=c.sender, us_territories=us_territories)
        if checked.e164 != c.after:
            problems.append(
                f"account {c.account}: {c.sender} would be set to {c.after!r}: "
                f"{checked.message or 'not in E.164 form'}"
            )
    return tuple(derived), problems
