"""A saved plan is computed again, not read: counts, notices, verdicts; the API it was made
against; the size of the file, before it is read."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from reconciler.diagnostics import Position
from reconciler.domain.state import Forwarding, LiveSender
from reconciler.errors import PlanFileError
from reconciler.plan import planfile
from reconciler.plan.diff import diff_account, manifest_digest
from reconciler.plan.model import Plan
from reconciler.plan.saved import check_saved_plan, key_check_wait, read_saved_plan, with_live

API = ("https://a.klaviyo.com", "Lm3Rt9")
HERE = Position("m.yaml", 8, 13)


@dataclass(frozen=True)
class Limits:
    update_share: float = 0.1
    delete_share: float = 0.3
    min_existing: int = 1


def live(n: int, forwarding: str | None = "+12125550100") -> list[LiveSender]:
    return [
        LiveSender(f"s{i}", "acme", f"+1833555{i:04d}", "toll_free", "US", "active", forwarding)
        for i in range(n)
    ]


def wanted(n: int) -> list[Forwarding]:
    return [Forwarding("acme", f"+1833555{i:04d}", "+13125550175", HERE) for i in range(n)]


def saved(senders: list[LiveSender], forwardings: list[Forwarding]) -> Plan:
    """The plan ``callfwd plan`` would save, through the file format and back."""
    acct, _ = diff_account("acme", forwardings, senders)
    acct = replace(acct, api_url=API[0], account_id=API[1])
    plan = Plan((acct,), manifest_digest(forwardings, {"acme": False}), "0.1.0")
    return planfile.loads(planfile.dumps(plan))


def check(plan: Plan, forwardings: list[Forwarding], apis: dict[str, tuple[str, str]]) -> Plan:
    return check_saved_plan(
        plan,
        name="plan.json",
        forwardings=forwardings,
        declared={},
        prune={"acme": False},
        us_territories=False,
        apis=apis,
    )


def test_counts_and_notices_come_from_the_recorded_reads_not_the_file() -> None:
    fwd = wanted(3)
    plan = saved(live(5), fwd)
    forged = replace(
        plan.accounts[0],
        managed=100_000,
        managed_forwardings=100_000,
        notices=(),
        summary=replace(plan.accounts[0].summary, unchanged=99_997),
    )
    got = check(replace(plan, accounts=(forged,)), fwd, {"acme": API})
    (acct,) = got.accounts
    assert (acct.managed, acct.managed_forwardings) == (3, 3)
    assert acct.summary.unchanged == 0 and acct.summary.update == 3
    assert acct.changes == plan.accounts[0].changes


@pytest.mark.parametrize(
    ("now", "fragment"),
    [
        (("https://api.example.com", "Lm3Rt9"), "now sends it to https://api.example.com"),
        (("https://a.klaviyo.com", "Qz4nW8"), "(vendor account Qz4nW8)"),
    ],
)
def test_a_plan_made_against_another_api_or_account_is_refused(
    now: tuple[str, str], fragment: str
) -> None:
    fwd = wanted(1)
    with pytest.raises(PlanFileError) as info:
        check(saved(live(2), fwd), fwd, {"acme": now})
    assert "account acme was planned against https://a.klaviyo.com (vendor account Lm3Rt9)" in (
        str(info.value)
    )
    assert fragment in str(info.value)


def test_the_same_api_with_a_trailing_slash_is_the_same_api() -> None:
    fwd = wanted(1)
    assert check(saved(live(2), fwd), fwd, {"acme": (API[0] + "/", API[1])}).accounts


def test_the_verdict_and_count_come_from_what_is_live_at_apply() -> None:
    fwd = wanted(1)
    plan = check(saved(live(20), fwd), fwd, {"acme": API})  # 1 update of 1 managed
    now = with_live(plan, {"acme": live(20)}, forwardings=fwd, declared={}, limits={})
    assert now.accounts[0].managed_forwardings == 1
    judged = with_live(
        plan, {"acme": live(20)}, forwardings=fwd, declared={}, limits={"acme": Limits()}
    )
    assert [n.code for n in judged.accounts[0].notices] == ["CF520"]
    assert judged.accounts[0].changes == plan.accounts[0].changes


def test_an_account_not_read_live_keeps_its_computed_counts() -> None:
    fwd = wanted(1)
    plan = check(saved(live(2), fwd), fwd, {"acme": API})
    assert with_live(plan, {}, forwardings=fwd, declared={}, limits={}) == plan


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(planfile.dumps(saved(live(2), wanted(1))))
    with pytest.raises(PlanFileError, match=r"larger than 0 MiB, the most a plan file may be"):
        read_saved_plan(str(path), limit=100)
    assert read_saved_plan(str(path)).accounts


def test_dev_zero_is_read_no_further_than_the_limit() -> None:
    with pytest.raises(PlanFileError, match="not a callfwd plan"):
        read_saved_plan("/dev/zero", limit=1024 * 1024)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError, match="cannot read the plan"):
        read_saved_plan(str(tmp_path / "nowhere.json"))


@pytest.mark.parametrize(
    ("written_at", "now", "wait"),
    [
        (1_000.0, 1_000.4, 0.65),  # apply --plan right after plan --out: the rest of it
        (1_000.0, 1_002.0, 0.0),  # long past
        (5_000.0, 1_000.0, 0.0),  # in the future: not believable, no wait
    ],
)
def test_apply_after_a_fresh_plan_waits_out_its_key_check_window(
    written_at: float, now: float, wait: float
) -> None:
    assert key_check_wait(written_at, now=now, window=1.05) == pytest.approx(wait)
