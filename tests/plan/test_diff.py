"""The pure diff: desired forwardings against live senders."""

from __future__ import annotations

import pytest

from reconciler.diagnostics import Position
from reconciler.plan.diff import diff_account, manifest_digest
from reconciler.plan.model import Action
from reconciler.state import Forwarding, LiveSender

ACCT = "acme-us"


def live(
    number: str,
    fwd: str | None,
    *,
    country: str = "US",
    kind: str = "toll_free",
    sid: str | None = None,
) -> LiveSender:
    return LiveSender(
        id=sid or f"{number}-{country}",
        account=ACCT,
        number=number,
        type=kind,
        country=country,
        status="active",
        forwarding_number=fwd,
        etag=f"e-{number}-{country}",
    )


def want(number: str, fwd: str | None, line: int = 1) -> Forwarding:
    return Forwarding(ACCT, number, fwd, Position("m.yaml", line, 13))


@pytest.mark.parametrize(
    ("before", "after", "action"),
    [
        (None, "+12125550199", Action.CREATE),
        ("+12125550100", "+12125550199", Action.UPDATE),
        ("+12125550100", None, Action.DELETE),
        ("+12125550199", "+12125550199", None),
        (None, None, None),
    ],
)
def test_each_action(before: str | None, after: str | None, action: Action | None) -> None:
    plan, problems = diff_account(
        ACCT, [want("+18335550100", after)], [live("+18335550100", before)]
    )
    assert problems == []
    if action is None:
        assert plan.changes == ()
        assert plan.summary.unchanged == 1
    else:
        (change,) = plan.changes
        assert (change.action, change.before, change.after) == (action, before, after)
        assert change.etag == "e-+18335550100-US"
        assert change.source == Position("m.yaml", 1, 13)


def test_canadian_sibling_is_left_alone() -> None:
    senders = [live("+18335550100", None), live("+18335550100", "+14165550100", country="CA")]
    plan, problems = diff_account(ACCT, [want("+18335550100", "+12125550199")], senders)
    assert problems == []
    (change,) = plan.changes
    assert change.sender_id == "+18335550100-US"
    assert plan.summary.unmanaged == 0  # the CA sibling cannot forward: not counted


def test_undeclared_senders_are_unmanaged_unless_pruned() -> None:
    senders = [
        live("+18335550100", None),
        live("+18445550111", "+12125550100"),
        live("+18555550122", None),
    ]
    plan, _ = diff_account(ACCT, [want("+18335550100", None)], senders)
    assert plan.changes == ()
    assert plan.summary.unmanaged == 2

    pruned, _ = diff_account(ACCT, [want("+18335550100", None)], senders, prune=True)
    (change,) = pruned.changes
    assert (change.action, change.sender, change.source) == (Action.DELETE, "+18445550111", None)
    assert pruned.summary.unmanaged == 1  # the one without forwarding stays unmanaged


@pytest.mark.parametrize(
    ("senders", "code"),
    [
        ([], "CF501"),
        ([live("+18335550100", None, country="CA")], "CF502"),
        ([live("+18335550100", None, kind="long_code")], "CF503"),
    ],
)
def test_declared_sender_that_cannot_be_matched_is_an_error(
    senders: list[LiveSender], code: str
) -> None:
    plan, problems = diff_account(ACCT, [want("+18335550100", "+12125550199", line=7)], senders)
    assert [(d.code, d.position.line) for d in problems] == [(code, 7)]
    assert plan.changes == ()


def test_changes_are_sorted_and_counted() -> None:
    senders = [live(f"+1833555010{i}", "+12125550100") for i in range(5)]
    desired = [want(f"+1833555010{i}", "+12125550199") for i in reversed(range(5))]
    plan, _ = diff_account(ACCT, desired, senders)
    assert [c.sender for c in plan.changes] == sorted(c.sender for c in plan.changes)
    assert plan.summary.update == 5
    assert plan.managed_forwardings == 5


def test_digest_ignores_order_and_changes_with_content() -> None:
    a = [want("+18335550100", "+12125550199"), want("+18445550111", None)]
    assert manifest_digest(a, {ACCT: False}) == manifest_digest(reversed(a), {ACCT: False})
    assert manifest_digest(a, {ACCT: False}) != manifest_digest(a, {ACCT: True})
    b = [want("+18335550100", "+12125550198"), want("+18445550111", None)]
    assert manifest_digest(a, {ACCT: False}) != manifest_digest(b, {ACCT: False})
