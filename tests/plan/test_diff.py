"""The pure diff: desired forwardings against live senders."""

from __future__ import annotations

import pytest

from reconciler.diagnostics import Position
from reconciler.domain.state import Forwarding, LiveSender
from reconciler.plan.diff import diff_account, manifest_digest
from reconciler.plan.model import Action

ACCT = "acme-us"


def live(
    number: str,
    fwd: str | None,
    *,
    country: str = "US",
    kind: str = "toll_free",
    sid: str | None = None,
    status: str = "active",
) -> LiveSender:
    return LiveSender(
        id=sid or f"{number}-{country}",
        account=ACCT,
        number=number,
        type=kind,
        country=country,
        status=status,
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


def codes_of(plan: object) -> list[str]:
    return [n.code for n in plan.notices]  # type: ignore[attr-defined]


def test_a_pending_sender_without_a_number_is_listed_never_an_error() -> None:
    pending = LiveSender("01PENDING", ACCT, None, "toll_free", "US", "pending_registration", None)
    plan, problems = diff_account(
        ACCT, [want("+18335550100", "+12125550199")], [live("+18335550100", None), pending]
    )
    assert problems == []
    assert plan.summary.pending == 1 and plan.summary.unmanaged == 0
    assert [c.action for c in plan.changes] == [Action.CREATE]
    (note,) = plan.notices
    assert note.code == "CF510" and "01PENDING" in note.message
    assert [s.number for s in plan.senders] == [None, "+18335550100"]


@pytest.mark.parametrize(
    ("declared", "prune", "expected"),
    [
        (None, False, ["CF511"]),  # undeclared, no forwarding
        ("+12125550199", False, []),  # the plan creates its forwarding
        (False, False, []),  # declared with forward_to: null: the manifest decided
    ],
)
def test_a_sender_being_verified_without_forwarding_gets_a_note_unless_a_manifest_decides(
    declared: str | bool | None, prune: bool, expected: list[str]
) -> None:
    desired = [] if declared is None else [want("+18445550111", declared or None)]
    plan, problems = diff_account(
        ACCT, desired, [live("+18445550111", None, status="registering")], prune=prune
    )
    assert problems == []
    assert codes_of(plan) == expected


def test_a_sender_being_verified_declared_by_another_manifest_gets_no_note() -> None:
    plan, _ = diff_account(
        ACCT,
        [],
        [live("+18445550111", None, status="registering")],
        declared_elsewhere={"+18445550111"},
    )
    assert codes_of(plan) == []


def test_a_sender_being_verified_that_prune_would_empty_gets_a_note() -> None:
    plan, _ = diff_account(
        ACCT, [], [live("+18445550111", "+12125550100", status="registering")], prune=True
    )
    assert [c.action for c in plan.changes] == [Action.DELETE]
    assert codes_of(plan) == ["CF511"]


@pytest.mark.parametrize("status", ["suspended", "registration_failed"])
def test_forwarding_declared_on_a_sender_that_does_not_send_is_a_warning(status: str) -> None:
    plan, problems = diff_account(
        ACCT, [want("+18665550133", "+12125550199")], [live("+18665550133", None, status=status)]
    )
    assert problems == []
    (warning,) = plan.warnings
    assert warning.code == "CF512" and status in warning.message
    assert [c.action for c in plan.changes] == [Action.CREATE]  # still planned


def test_prune_never_touches_a_sender_declared_by_a_manifest_outside_this_run() -> None:
    plan, _ = diff_account(
        ACCT,
        [want("+18335550100", "+12125550199")],
        [
            live("+18335550100", "+12125550199"),
            live("+18445550111", "+12125550100"),  # declared in another file
            live("+18555550122", "+12125550101"),  # declared nowhere
        ],
        prune=True,
        declared_elsewhere={"+18445550111"},
    )
    assert [(c.action, c.sender) for c in plan.changes] == [(Action.DELETE, "+18555550122")]
    assert plan.summary.unmanaged == 0
