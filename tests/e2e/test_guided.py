"""The guided apply against exactly what the vendor publishes, a person played by the test.

``callfwd serve --published-only --admin`` serves only the published reads; the
test plays the person in the vendor's UI through the local API's UI route
(``ui_set_forwarding``) while ``callfwd apply`` runs in a pseudo-terminal, and
checks what callfwd shows, what it records and what it leaves.

The demo seed's plan, in the order the guide takes it:
    1  acme-us  (844) 555-0111  set up -> (212) 555-0142
    2  acme-us  (855) 555-0122  edit (312) 555-0100 -> (312) 555-0175
    3  acme-us  (866) 555-0133  delete (617) 555-0100
    4  globex   (888) 555-0160  set up -> (415) 555-0123
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_fixtures import Sandbox, ServerFactory
from terminal import Terminal
from workspace import Workspace, demo_workspace

POLL = "0.2"  # seconds between the guide's reads: quick tests (the default is 2)
STEPS = [
    ("acme-us", "+18445550111", "+12125550142"),
    ("acme-us", "+18555550122", "+13125550175"),
    ("acme-us", "+18665550133", None),
    ("globex", "+18885550160", "+14155550123"),
]


@pytest.fixture
def vendor(published_workspace: Workspace) -> Workspace:
    return published_workspace


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    started: list[Terminal] = []
    yield started
    for t in started:
        t.close()


def guided(vendor: Workspace, terminals: list[Terminal], *args: str) -> Terminal:
    t = Terminal(["apply", "--poll-interval", POLL, *args], cwd=vendor.root, env=vendor.env)
    terminals.append(t)
    return t


def live(vendor: Workspace, account: str, number: str) -> str | None:
    forward_to: str | None = vendor.sandbox.sender(account, number)["forward_to"]
    return forward_to


def test_a_person_makes_every_change_in_the_ui_and_callfwd_ticks_each(
    vendor: Workspace, terminals: list[Terminal]
) -> None:
    box = vendor.sandbox
    t = guided(vendor, terminals, "--audit-log", "audit.jsonl")
    t.expect(r"Apply: 4 changes \(acme-us, globex\) by a person in the vendor's UI")
    t.expect(r"Make these 4 changes in the vendor's UI, guided\? \[y/N\]")
    t.send("y\n")

    step = t.expect(r"Step 1 of 4: account (.*)\n").group(1)
    assert step == "Acme US (id acme-us), acme-us in callfwd.yaml"
    t.expect(r"open Acme US, go to Settings → SMS → Sender preferences → Call forwarding")
    t.expect(r"Sender \(844\) 555-0111 \(\+18445550111\)")
    t.expect(r"Set up call forwarding and enter: \(212\) 555-0142 \(\+12125550142\), then Save")
    t.expect(r"Enter: check now, s: skip, q: quit")
    box.ui_set_forwarding("acme-us", "+18445550111", "+12125550142")
    t.expect(r"\[x\] done by hand: \(844\) 555-0111 forwards to \(212\) 555-0142")

    t.expect(r"Step 2 of 4")
    t.expect(r"Edit: the number now is \(312\) 555-0100 \(\+13125550100\)")
    t.expect(r"Enter instead: \(312\) 555-0175 \(\+13125550175\), then Save")
    box.ui_set_forwarding("acme-us", "+18555550122", "+13125550176")  # a slip of the finger
    t.expect(
        r"! the API shows \(312\) 555-0176 \(\+13125550176\) for \(855\) 555-0122, not "
        r"\(312\) 555-0175 \(\+13125550175\): correct it in the UI \(still waiting\)"
    )
    assert "Step 3" not in t.text  # not ticked: the guide waits for the planned value
    box.ui_set_forwarding("acme-us", "+18555550122", "+13125550175")
    t.send("\n")  # Enter: check now
    t.expect(r"\[x\] done by hand: \(855\) 555-0122 forwards to \(312\) 555-0175")

    t.expect(r"Step 3 of 4")
    t.expect(r"Delete the forwarding number \(617\) 555-0100 \(\+16175550100\)")
    box.ui_set_forwarding("acme-us", "+18665550133", None)
    t.expect(r"\[x\] done by hand: \(866\) 555-0133 has no forwarding")

    t.expect(r"Step 4 of 4: account Globex Corp \(id globex\), globex in callfwd.yaml")
    box.ui_set_forwarding("globex", "+18885550160", "+14155550123")
    t.expect(r"\[x\] done by hand: \(888\) 555-0160")
    t.expect(r"Guided apply: 4 done by hand\.")
    assert t.wait() == 0, t.text
    assert t.cooked  # the terminal as it was: line mode and echo back on

    for account, sender, after in STEPS:
        assert live(vendor, account, sender) == after
    lines = [json.loads(x) for x in (vendor.root / "audit.jsonl").read_text().splitlines()]
    assert [(x["by"], x["sender"], x["after"], x["result"]) for x in lines] == [
        ("hand", sender, after, "applied") for _, sender, after in STEPS
    ]
    assert all(x["time"].endswith("+00:00") for x in lines)
    assert box.writes() == [e for e in box.audit_events() if e["by"] == "ui"]  # only the person's

    again = vendor.run("plan", "--detailed-exitcode")
    assert again.code == 0, again.stdout + again.stderr
    assert box.unpublished_requests() == []  # plan, apply, the guide's reads: published only


def test_enter_checks_at_once_without_waiting_for_the_next_read(
    vendor: Workspace, terminals: list[Terminal]
) -> None:
    """With a minute between the guide's reads, only Enter can tick the step in time."""
    t = Terminal(["apply", "--poll-interval", "60"], cwd=vendor.root, env=vendor.env)
    terminals.append(t)
    t.send("y\n")
    t.expect(r"Step 1 of 4")
    t.expect(r"Enter: check now, s: skip, q: quit")
    vendor.sandbox.ui_set_forwarding("acme-us", "+18445550111", "+12125550142")
    t.send("\n")  # Enter: check now
    t.expect(r"\[x\] done by hand: \(844\) 555-0111", timeout=10)
    t.expect(r"Step 2 of 4")
    t.send("q")
    assert t.wait() == 3, t.text


def test_the_guide_keeps_to_the_vendors_read_limits(
    server_factory: ServerFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    terminals: list[Terminal],
) -> None:
    """At the vendor's limits (the server's default), however quickly the guide is told to
    read, its reads are paced: no 429 while a person makes every change."""
    box = Sandbox(server_factory("--published-only", "--admin"))
    try:
        box.reset(None)  # the demo seed
        ws = demo_workspace(box, tmp_path)
        monkeypatch.chdir(tmp_path)
        ws.extra_config = ["defaults: {api: published}"]
        ws.write_config()
        t = Terminal(["apply", "--poll-interval", "0.1"], cwd=tmp_path, env=ws.env)
        terminals.append(t)
        t.send("y\n")
        for n, (account, sender, after) in enumerate(STEPS, start=1):
            t.expect(rf"Step {n} of 4")
            t.expect(r"Enter: check now, s: skip, q: quit")
            time.sleep(1.0)  # a second of reads at the pace asked for: 10 a second
            box.ui_set_forwarding(account, sender, after)
            t.expect(r"\[x\] done by hand")
        t.expect(r"Guided apply: 4 done by hand\.")
        assert t.wait() == 0, t.text
        refused = [r for r in box.metrics()["requests"] if r["status"] == 429]
        assert refused == [], refused
    finally:
        box.close()


def test_s_skips_a_step_and_q_leaves_the_rest_pending_exit_3(
    vendor: Workspace, terminals: list[Terminal]
) -> None:
    t = guided(vendor, terminals, "--auto-approve", "--audit-log", "audit.jsonl")
    t.expect(r"Step 1 of 4")
    t.send("s")
    t.expect(r"\[ \] skipped \+ acme-us \(844\) 555-0111")
    t.expect(r"Step 2 of 4")
    t.send("q")
    t.expect(r"\[ \] still pending ~ acme-us \(855\) 555-0122: the guide was quit")
    t.expect(r"\[ \] still pending - acme-us \(866\) 555-0133: not reached")
    t.expect(r"Guided apply: 1 skipped, 3 still pending\.")
    t.expect(r"Changes still wait for a person in the vendor's UI")
    assert t.wait() == 3, t.text
    assert t.cooked
    assert "Step 3" not in t.text
    lines = [json.loads(x) for x in (vendor.root / "audit.jsonl").read_text().splitlines()]
    assert [(x["by"], x["result"]) for x in lines] == [("hand", "skipped")] * 4
    assert vendor.sandbox.writes() == []


def test_a_sender_changed_since_the_plan_is_reported_stale_not_guided(
    vendor: Workspace, terminals: list[Terminal]
) -> None:
    box = vendor.sandbox
    t = guided(vendor, terminals, "--auto-approve")
    t.expect(r"Step 1 of 4")
    box.ui_set_forwarding("acme-us", "+18555550122", "+19175550100")  # someone else, meanwhile
    box.ui_set_forwarding("acme-us", "+18445550111", "+12125550142")
    t.expect(r"\[x\] done by hand: \(844\) 555-0111")
    t.expect(
        r"\[ \] stale ~ acme-us \(855\) 555-0122: changed since the plan \(planned from "
        r"\+13125550100, now \+19175550100\); not guided, plan again"
    )
    t.expect(r"Step 3 of 4")  # the stale step was never shown as one to do
    t.send("q")
    t.expect(r"Guided apply: 1 done by hand, 2 still pending, 1 stale\.")
    assert t.wait() == 1, t.text
    assert "Step 2 of 4" not in t.text
    assert live(vendor, "acme-us", "+18555550122") == "+19175550100"


def test_apply_above_the_thresholds_asks_no_person_to_do_anything(
    vendor: Workspace, terminals: list[Terminal]
) -> None:
    vendor.thresholds["acme-us"] = {"delete_share": 0.1, "min_existing": 1}
    vendor.write_config()
    t = guided(vendor, terminals, "--auto-approve")
    t.expect(r"refusing to apply above the safety thresholds")
    assert t.wait() == 1, t.text
    assert "Step 1" not in t.text


@pytest.mark.parametrize(
    ("sig", "code", "shown"),
    [
        (signal.SIGINT, 130, r"Interrupted\."),  # Ctrl-C
        (signal.SIGTERM, 3, r"Guided apply: 4 still pending\."),  # stopped: says what is left
        (signal.SIGHUP, 3, r"Guided apply: 4 still pending\."),  # the terminal closed
    ],
)
def test_the_terminal_is_restored_however_the_guide_ends(
    vendor: Workspace, terminals: list[Terminal], sig: signal.Signals, code: int, shown: str
) -> None:
    t = guided(vendor, terminals, "--auto-approve")
    t.expect(r"Enter: check now, s: skip, q: quit")
    t.proc.send_signal(sig)
    t.expect(shown)
    assert t.wait() == code, t.text
    assert t.cooked
    assert "Traceback" not in t.text
