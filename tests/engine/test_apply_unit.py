"""apply.py, the only code that writes, against fault shapes the real server cannot produce.

A tiny in-memory API behind ``httpx.MockTransport``: each test bends one answer.
End-to-end behaviour against the real server is in tests/e2e and tests/reliability.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest

from reconciler.api import Pacer, RetryPolicy, SettingsClient
from reconciler.engine.apply import ApplyOptions, _apply_account
from reconciler.errors import AccountFailure
from reconciler.plan.model import AccountPlan, Action, Change, SenderSnapshot, Summary
from reconciler.plan.results import ApplyReport, Outcome

SENDERS = "/api/text-messaging-senders/"


@dataclass
class FakeApi:
    """Senders by id: (number, forwarding, version). ``bend`` may answer a request itself."""

    senders: dict[str, list[object]] = field(default_factory=dict)
    bend: Callable[[httpx.Request], httpx.Response | None] = lambda r: None
    patches: list[tuple[str, str | None]] = field(default_factory=list)

    def resource(self, sid: str) -> dict[str, object]:
        number, fwd, _ = self.senders[sid]
        return {
            "type": "text-messaging-sender",
            "id": sid,
            "attributes": {
                "sender_identifier": number,
                "sender_type": "toll_free",
                "sender_details": {"country": "US"},
                "status": "active",
                "forwarding_number": fwd,
            },
        }

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if (bent := self.bend(request)) is not None:
            return bent
        sid = request.url.path.removeprefix(SENDERS)
        if request.method == "GET":
            return httpx.Response(200, json={"data": self.resource(sid)})
        if request.method == "PATCH":
            fwd = json.loads(request.content)["data"]["attributes"]["forwarding_number"]
            self.patches.append((sid, fwd))
            self.senders[sid][1] = fwd
            return httpx.Response(200, json={"data": self.resource(sid)})
        return httpx.Response(405, headers={"Allow": "GET, PATCH"})


def client_for(api: FakeApi) -> SettingsClient:
    async def no_sleep(_: float) -> None:
        return None

    return SettingsClient(
        base_url="http://127.0.0.1:9",
        api_key="unit-test-key-0000",
        transport=httpx.MockTransport(api),
        retry=RetryPolicy(sleep=no_sleep, rng=random.Random(1), max_attempts=3),
        pacer=Pacer(),
        account="acct",
    )


def change(sid: str, sender: str, before: str | None, after: str | None) -> Change:
    action = Action.CREATE if before is None else Action.DELETE if after is None else Action.UPDATE
    return Change(action, "acct", sender, sid, before, after, None)


def run(api: FakeApi, changes: list[Change], **options: object) -> ApplyReport:
    senders = tuple(
        SenderSnapshot(sid, str(number), "US", fwd, None)  # type: ignore[arg-type]
        for sid, (number, fwd, _) in api.senders.items()
    )
    acct = AccountPlan("acct", tuple(changes), Summary(), senders=senders)
    report = ApplyReport()

    async def go() -> None:
        async with client_for(api) as client:
            await _apply_account(
                client, acct, ApplyOptions(**options), report, lambda r: None, asyncio.Event()
            )

    asyncio.run(go())
    return report


def test_a_change_already_live_is_already_set_and_writes_nothing() -> None:
    api = FakeApi({"s1": ["+18335550100", "+12125550199", 1]})
    report = run(api, [change("s1", "+18335550100", None, "+12125550199")])
    assert [r.outcome for r in report.results] == [Outcome.ALREADY_SET]
    assert api.patches == [] and report.ok


def test_a_sender_edited_since_the_plan_is_stale_and_kept() -> None:
    api = FakeApi({"s1": ["+18335550100", "+13125550111", 1]})
    report = run(api, [change("s1", "+18335550100", "+13125550100", "+12125550199")])
    assert [r.outcome for r in report.results] == [Outcome.STALE]
    assert "now +13125550111" in report.results[0].detail
    assert api.patches == [] and not report.ok


def test_a_sender_id_that_names_another_number_is_never_written() -> None:
    api = FakeApi({"s1": ["+18445550111", None, 1]})
    report = run(api, [change("s1", "+18335550100", None, "+12125550199")])
    (result,) = report.results
    assert result.outcome is Outcome.FAILED
    assert "not the US toll-free sender +18335550100; nothing written" in result.detail
    assert api.patches == []


def test_a_server_that_answers_another_value_is_a_failure_not_applied() -> None:
    api = FakeApi({"s1": ["+18335550100", None, 1]})

    def wrong(request: httpx.Request) -> httpx.Response | None:
        if request.method == "PATCH":
            api.senders["s1"][1] = "+19995550100"
            return httpx.Response(200, json={"data": api.resource("s1")})
        return None

    api.bend = wrong
    report = run(api, [change("s1", "+18335550100", None, "+12125550199")], verify=False)
    assert [r.outcome for r in report.results] == [Outcome.FAILED]
    assert "answered +19995550100 instead of +12125550199" in report.results[0].detail


def test_a_405_on_a_write_stops_every_other_write() -> None:
    api = FakeApi({f"s{i}": [f"+1833555{i:04d}", None, 1] for i in range(20)})
    api.bend = lambda r: (
        httpx.Response(405, headers={"Allow": "GET"}, json={"errors": [{"status": "405"}]})
        if r.method == "PATCH"
        else None
    )
    changes = [change(f"s{i}", f"+1833555{i:04d}", None, "+12125550199") for i in range(20)]
    report = run(api, changes, concurrency=1)
    outcomes = [r.outcome for r in report.results]
    assert outcomes[0] is Outcome.FAILED
    assert "offers no way to change forwarding numbers" in report.results[0].detail
    assert set(outcomes[1:]) == {Outcome.SKIPPED}
    assert api.patches == []


def on_the_verify_read(api: FakeApi, answer: Callable[[], httpx.Response | None]) -> None:
    """Bend the second read of a sender (the first is the read before the write)."""
    reads = 0

    def bend(request: httpx.Request) -> httpx.Response | None:
        nonlocal reads
        if request.method == "GET":
            reads += 1
            if reads == 2:
                return answer()
        return None

    api.bend = bend


def test_verify_reports_a_sender_that_does_not_hold_the_value_afterwards() -> None:
    api = FakeApi({"s1": ["+18335550100", None, 1]})

    def forgot() -> None:
        api.senders["s1"][1] = None  # the value did not stick

    on_the_verify_read(api, forgot)
    report = run(api, [change("s1", "+18335550100", None, "+12125550199")])
    assert [r.outcome for r in report.results] == [Outcome.APPLIED]
    assert report.mismatches == [
        AccountFailure(
            "acct",
            "+18335550100 holds no forwarding after apply, expected +12125550199",
            sender="+18335550100",
        )
    ]
    assert not report.ok


@pytest.mark.parametrize("after_retry", [True, False])
def test_a_412_whose_reread_holds_the_value_is_ours_only_after_a_retry(after_retry: bool) -> None:
    api = FakeApi({"s1": ["+18335550100", None, 1]})
    patches = 0

    def lost_then_412(request: httpx.Request) -> httpx.Response | None:
        nonlocal patches
        if request.method != "PATCH":
            return None
        patches += 1
        if after_retry and patches == 1:
            api.senders["s1"][1] = "+12125550199"  # written, but the answer is lost
            raise httpx.ReadError("connection reset")
        api.senders["s1"][1] = "+12125550199"  # someone else set the same value
        return httpx.Response(412, json={"errors": [{"status": "412"}]})

    api.bend = lost_then_412
    c = Change(Action.CREATE, "acct", "+18335550100", "s1", None, "+12125550199", None, '"e1"')
    report = run(api, [c], verify=False)
    expected = Outcome.APPLIED if after_retry else Outcome.ALREADY_SET
    assert [r.outcome for r in report.results] == [expected]


def test_a_write_accepted_with_an_unreadable_answer_is_unverified_and_not_ok() -> None:
    api = FakeApi({"s1": ["+18335550100", None, 1], "s2": ["+18445550111", None, 1]})

    def garbage(request: httpx.Request) -> httpx.Response | None:
        if request.method == "PATCH" and request.url.path.endswith("/s1"):
            api.patches.append(("s1", "+12125550199"))
            api.senders["s1"][1] = "+12125550199"  # committed, then a garbage answer
            return httpx.Response(200, content=b"[" * 5000)
        return None

    api.bend = garbage
    changes = [
        change("s1", "+18335550100", None, "+12125550199"),
        change("s2", "+18445550111", None, "+12125550199"),
    ]
    report = run(api, changes)
    outcomes = {r.change.sender_id: r for r in report.results}
    assert outcomes["s1"].outcome is Outcome.UNVERIFIED
    assert "accepted the write (HTTP 200)" in outcomes["s1"].detail
    assert outcomes["s2"].outcome is Outcome.APPLIED
    assert {c.sender_id for c in report.accepted} == {"s1", "s2"}  # both on record at 2xx
    assert api.patches.count(("s1", "+12125550199")) == 1  # never sent twice
    assert not report.ok  # the exit code says "check"


def test_verify_reports_a_reread_about_another_sender_instead_of_crashing() -> None:
    api = FakeApi({"s1": ["+18335550100", None, 1]})
    on_the_verify_read(
        api, lambda: httpx.Response(200, json={"data": {**api.resource("s1"), "id": "s9"}})
    )
    report = run(api, [change("s1", "+18335550100", None, "+12125550199")])
    assert [r.outcome for r in report.results] == [Outcome.APPLIED]
    (mismatch,) = report.mismatches
    assert "could not be re-read after apply" in mismatch.error
    assert "the answer is about sender 's9'" in mismatch.error
