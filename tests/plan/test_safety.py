"""The mass-change threshold verdict that plan shows and apply enforces."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from reconciler.plan.model import AccountPlan, Action, Change, Summary
from reconciler.plan.safety import threshold_verdicts


@dataclass(frozen=True)
class Limits:
    update_share: float = 0.3
    delete_share: float = 0.3
    min_existing: int = 10


def account(updates: int, deletes: int, existing: int) -> AccountPlan:
    changes = tuple(
        Change(action, "a", f"+1833555{i:04d}", f"s{i}", "+12125550100", None, None)
        for i, action in enumerate([Action.UPDATE] * updates + [Action.DELETE] * deletes)
    )
    return AccountPlan("a", changes, Summary(update=updates, delete=deletes),
                       managed_forwardings=existing)  # fmt: skip


@pytest.mark.parametrize(
    ("updates", "deletes", "existing", "codes"),
    [
        (12, 0, 12, ["CF520"]),  # all of them
        (3, 0, 10, []),  # exactly 30%: allowed
        (4, 0, 10, ["CF520"]),
        (0, 4, 10, ["CF520"]),
        (4, 4, 10, ["CF520", "CF520"]),
        (9, 0, 9, []),  # below min_existing
        (0, 0, 50, []),
    ],
)
def test_verdict(updates: int, deletes: int, existing: int, codes: list[str]) -> None:
    got = threshold_verdicts(account(updates, deletes, existing), Limits())
    assert [n.code for n in got] == codes
    for n in got:
        assert "--allow-mass-changes" in n.message and f"of {existing}" in n.message


def test_the_message_gives_the_figures() -> None:
    (n,) = threshold_verdicts(account(12, 0, 12), Limits())
    assert n.message == (
        "the plan would update 12 of 12 managed forwardings (100%), above the 30% safety "
        "threshold; apply will refuse unless run with --allow-mass-changes"
    )
