"""Building a report from a plan: pure, so tables of hand-made cases."""

from __future__ import annotations

import pytest

from reconciler.diagnostics import Position
from reconciler.domain.state import Forwarding
from reconciler.plan.model import AccountPlan, Action, Change, Plan, SenderSnapshot, Summary
from reconciler.report import Management, Ratio, Standing, Vendor, build_report
from reconciler.report.model import Report

POS = Position("manifests/a.yaml", 9, 13)


def tf(
    number: str | None, fwd: str | None = None, status: str = "active", sid: str = ""
) -> SenderSnapshot:
    return SenderSnapshot(sid or f"id{number}", number, "US", fwd, None, "toll_free", status)


def report(
    senders: tuple[SenderSnapshot, ...],
    *,
    changes: tuple[Change, ...] = (),
    forwardings: tuple[Forwarding, ...] = (),
    declared: frozenset[str] = frozenset(),
    config_path: str | None = None,
    account: str = "a",
) -> Report:
    acct = AccountPlan(account, changes, Summary(), senders=senders)
    plan = Plan((acct,), "sha256:x", "t")
    return build_report(
        plan,
        forwardings=forwardings,
        declared={account: declared},
        vendors={account: Vendor("Qz4nW8", "Acme")},
        api_urls={account: "https://a.klaviyo.com"},
        generated_at="2026-01-01T00:00:00Z",
        tool_version="t",
        config_path=config_path,
    )


@pytest.mark.parametrize(
    ("forwarding", "eligible", "percent"),
    [(0, 0, "n/a"), (0, 3, "0%"), (1, 3, "33%"), (2, 3, "67%"), (3, 3, "100%"),
     (199, 200, "99%"), (999, 1000, "99%"), (1, 300, "1%"), (1, 1000, "1%")],
)  # fmt: skip
def test_percent_never_rounds_to_all_or_nothing_when_it_is_not(
    forwarding: int, eligible: int, percent: str
) -> None:
    assert Ratio(forwarding, eligible).percent == percent


def test_coverage_counts_active_us_toll_free_senders_only() -> None:
    senders = (
        tf("+18335550100", "+12125550199"),
        tf("+18445550111"),
        tf("+18555550122", "+12125550100", status="suspended"),  # not active
        tf("+18665550133", status="registering"),
        tf(None, status="pending_registration"),
        SenderSnapshot("ca", "+18335550100", "CA", None, None, "toll_free", "active"),
        SenderSnapshot("sc", "24680", "US", None, None, "short_code", "active"),
    )
    r = report(senders)
    (a,) = r.accounts
    assert a.coverage == Ratio(1, 2)
    assert r.coverage == Ratio(1, 2)
    assert [s.status for s in a.verifying_without_forwarding] == ["registering"]
    assert [s.number for s in a.not_sending] == ["+18555550122"]
    assert {c.status: (c.senders, c.forwarding) for c in a.by_status} == {
        "active": (2, 1),
        "pending_registration": (1, 0),
        "registering": (1, 0),
        "registration_failed": (0, 0),
        "suspended": (1, 1),
    }


def test_after_changes_applies_creates_and_deletes() -> None:
    s1, s2 = tf("+18335550100", "+12125550199"), tf("+18445550111")
    changes = (
        Change(Action.DELETE, "a", s1.number or "", s1.id, "+12125550199", None, POS),
        Change(Action.CREATE, "a", s2.number or "", s2.id, None, "+12125550142", POS),
    )
    (a,) = report((s1, s2), changes=changes).accounts
    assert a.coverage == Ratio(1, 2) and a.after_changes == Ratio(1, 2)
    assert a.senders[0].reasons[-1] == "change pending: delete the forwarding"
    assert a.senders[1].reasons[-1] == "change pending: set up forwarding to (212) 555-0142"


def test_a_prune_deletion_says_so() -> None:
    s = tf("+18335550100", "+12125550199")
    prune = Change(Action.DELETE, "a", "+18335550100", s.id, "+12125550199", None, None)
    (row,) = report((s,), changes=(prune,)).accounts[0].senders
    assert row.management is Management.UNMANAGED
    assert (
        row.reasons[-1] == "change pending: delete the forwarding (prune: declared in no manifest)"
    )


def test_managed_senders_say_where_they_are_declared() -> None:
    here = Forwarding("a", "+18335550100", None, POS)
    senders = (tf("+18335550100"), tf("+18445550111"), tf("+18555550122"))
    rows = (
        report(senders, forwardings=(here,), declared=frozenset({"+18335550100", "+18445550111"}))
        .accounts[0]
        .senders
    )
    assert [r.management for r in rows] == [Management.MANAGED, Management.MANAGED,
                                             Management.UNMANAGED]  # fmt: skip
    assert rows[0].declared == POS
    assert rows[0].reasons == ("no forwarding", "the manifest declares no forwarding")
    assert rows[1].declared is None  # declared by a manifest outside the PATHs given
    assert rows[1].reasons[-1] == "declared in a manifest outside the paths given"
    assert rows[2].reasons == ("no forwarding", "declared in no manifest")


@pytest.mark.parametrize(
    ("sender", "standing", "why"),
    [
        (SenderSnapshot("x", "+18335550100", "CA", None, None, "toll_free", "active"),
         Standing.CANNOT_FORWARD, "Canadian sibling"),
        (SenderSnapshot("x", "24680", "US", None, None, "short_code", "active"),
         Standing.CANNOT_FORWARD, "short code"),
        (SenderSnapshot("x", "+12125550123", "US", None, None, "long_code", "active"),
         Standing.CANNOT_FORWARD, "long code"),
        (SenderSnapshot("x", "ACME", "US", None, None, "alpha", "active"),
         Standing.CANNOT_FORWARD, "alphanumeric"),
        (SenderSnapshot("x", None, "US", None, None, "toll_free", "pending_registration"),
         Standing.NO_NUMBER, "pending registration"),
        (tf("+18335550100", status="frozen"), Standing.NOT_FORWARDING, "status frozen"),
    ],
)  # fmt: skip
def test_every_kind_of_sender_gets_its_reason(
    sender: SenderSnapshot, standing: Standing, why: str
) -> None:
    (row,) = report((sender,)).accounts[0].senders
    assert row.standing is standing
    assert why in row.reason


def test_a_status_outside_the_vocabulary_is_counted_not_dropped() -> None:
    r = report((tf("+18335550100", status="frozen"),))
    assert ("frozen", 1, 0) in [(c.status, c.senders, c.forwarding) for c in r.by_status()]


@pytest.mark.parametrize(
    ("account", "fwd", "config", "command"),
    [
        ("acme-us", "+12125550199", None, "callfwd import --account acme-us"),
        ("acme-us", None, None, "callfwd import --account acme-us --include-empty"),
        ("it's; rm -rf", "+12125550199", "my conf.yaml",
         "callfwd import --account 'it'\"'\"'s; rm -rf' --config 'my conf.yaml'"),
    ],
)  # fmt: skip
def test_import_command_takes_unmanaged_senders_under_management(
    account: str, fwd: str | None, config: str | None, command: str
) -> None:
    (a,) = report((tf("+18335550100", fwd),), config_path=config, account=account).accounts
    assert a.import_command == command


def test_no_import_command_without_unmanaged_senders() -> None:
    (a,) = report((tf("+18335550100"),), declared=frozenset({"+18335550100"})).accounts
    assert a.import_command is None
