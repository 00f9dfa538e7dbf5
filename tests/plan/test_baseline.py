"""The drift issue's baseline block: packed and read back whole, bounded, never trusted."""

from __future__ import annotations

import base64
import gzip
import random
from dataclasses import replace

import pytest

from reconciler.diagnostics import Position
from reconciler.errors import PlanFileError
from reconciler.plan import baseline, planfile
from reconciler.plan.model import AccountPlan, Action, Change, Plan, SenderSnapshot, Summary


def _change(account: str, i: int, after: str | None = "+13125550175") -> Change:
    return Change(
        Action.UPDATE if after else Action.DELETE,
        account,
        f"+1833555{i:04d}",
        f"id-{i}",
        "+12125550100",
        after,
        Position(f"manifests/{account}.yaml", 9, 13),
        etag=f'W/"{i}"',
    )


def _plan(*accounts: tuple[str, list[Change], range], done: tuple[int, ...] = ()) -> Plan:
    """Accounts as (name, changes, the senders read: i for id-i, +1833555iiii); a sender
    read forwards to +12125550100, or to +13125550175 (what _change sets) when in ``done``."""
    return Plan(
        accounts=tuple(
            AccountPlan(
                name,
                tuple(changes),
                Summary(update=len(changes)),
                senders=tuple(
                    SenderSnapshot(
                        f"id-{i}",
                        f"+1833555{i:04d}",
                        "US",
                        "+13125550175" if i in done else "+12125550100",
                        None,
                    )
                    for i in read
                ),
            )
            for name, changes, read in accounts
        ),
        manifest_digest="sha256:x",
        tool_version="0.1.0",
    )


def _block(payload: bytes) -> str:
    data = base64.b64encode(payload).decode()
    lines = [data[i : i + 76] for i in range(0, len(data), 76)]
    return "\n".join([baseline.MARK, *lines, "-->"]) + "\n"


def test_a_block_reads_back_as_the_changes_alone_and_the_same_plan_gives_the_same_text() -> None:
    plan = _plan(("acme-us", [_change("acme-us", 1), _change("acme-us", 2, None)], range(5)))
    block = baseline.encode(plan)
    assert block == baseline.encode(plan)  # no time in it: an unchanged issue stays unchanged
    assert block.startswith(f"{baseline.MARK}\n") and block.endswith("\n-->\n")
    assert all(len(line) <= 76 for line in block.splitlines())
    read = baseline.decode(f"# an issue\n\n{block}\nafter it\n", name="issue")
    assert read is not None
    assert read.changes == tuple(replace(c, source=None, etag=None) for c in plan.changes)
    assert read.accounts[0].senders == () and read.manifest_digest == ""


def test_a_body_saved_by_githubs_web_ui_with_crlf_line_ends_reads_the_same() -> None:
    plan = _plan(("acme-us", [_change("acme-us", 1)], range(2)))
    text = f"# edited in the browser\n\n{baseline.encode(plan)}".replace("\n", "\r\n")
    read = baseline.decode(text, name="issue")
    assert read is not None and [c.sender_id for c in read.changes] == ["id-1"]


def test_a_text_without_a_block_has_no_baseline() -> None:
    assert baseline.decode("<!-- callfwd-drift -->\nno block here\n", name="issue") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"{baseline.MARK}\nAAAA\n", "no whole baseline block"),  # never closed
        (f"{baseline.MARK}\nAA!A\n-->\n", "no whole baseline block"),  # not base64's alphabet
        (f"{baseline.MARK}\nAAAA\n-->\n{baseline.MARK}\nAAAA\n-->\n", "more than one"),
        (f"{baseline.MARK}\nAAA\n-->\n", r"damaged \(not base64 gzip\)"),
        (_block(b"not gzip"), r"damaged \(not base64 gzip\)"),
        (_block(gzip.compress(b"{}", mtime=0)), "not a callfwd plan"),
        (_block(gzip.compress(b"[1, 2]", mtime=0)), "not a callfwd plan"),
        (_block(gzip.compress(b"x" * 10, mtime=0)[:-4]), "damaged"),  # cut short
    ],
)
def test_a_block_that_callfwd_did_not_write_is_an_error(text: str, message: str) -> None:
    with pytest.raises(PlanFileError, match=message):
        baseline.decode(text, name="issue")


def test_an_edited_block_is_refused_by_the_plans_digest() -> None:
    text = planfile.dumps(_plan(("acme-us", [_change("acme-us", 1)], range(2))))
    edited = text.replace("+13125550175", "+19005550100")
    with pytest.raises(PlanFileError, match="edited after"):
        baseline.decode(_block(gzip.compress(edited.encode())), name="issue")


def test_a_block_is_bounded_packed_and_unpacked() -> None:
    bomb = gzip.compress(b" " * (baseline.MAX_PLAN * 4))  # 16 MiB of spaces in a few KiB
    assert len(_block(bomb)) < baseline.MAX_BLOCK
    with pytest.raises(PlanFileError, match="unpacks to over 4,194,304 bytes"):
        baseline.decode(_block(bomb), name="issue")
    big = _block(gzip.compress(random.Random(0).randbytes(20_000)))  # incompressible
    with pytest.raises(PlanFileError, match="larger than 24,000 characters"):
        baseline.decode(big, name="issue")


def test_restrict_keeps_only_what_the_plan_made_now_bears_out() -> None:
    changes = [
        _change("acme-us", 1),  # done: the sender shows the number it sets
        _change("acme-us", 2),  # still planned
        _change("acme-us", 3),  # neither: not listed
        _change("acme-us", 9),  # a sender not read now
        _change("acme-us", 1),  # twice
        replace(_change("acme-us", 4), sender_id="id-2"),  # id and number of two senders
    ]
    saved = _plan(("acme-us", changes, range(0)), ("gone", [_change("gone", 2)], range(0)))
    now = _plan(("acme-us", [_change("acme-us", 2)], range(5)), done=(1, 4))
    kept = baseline.restrict(saved, now)
    assert [(c.account, c.sender_id) for c in kept.changes] == [
        ("acme-us", "id-1"),
        ("acme-us", "id-2"),
    ]


def test_carry_keeps_the_order_takes_the_latest_version_then_adds_what_is_new() -> None:
    saved = _plan(
        (
            "acme-us",
            [_change("acme-us", 1), _change("acme-us", 2), _change("acme-us", 7)],
            range(0),
        ),
        ("globex", [_change("globex", 3)], range(0)),
    )
    retargeted = _change("acme-us", 2, "+14155550100")  # the manifest changed since
    now = _plan(  # 1 done; 7 not read now
        ("acme-us", [retargeted, _change("acme-us", 4)], range(5)), done=(1,)
    )
    carried = baseline.carry(saved, now)
    assert [(c.account, c.sender_id, c.after) for c in carried.changes] == [
        ("acme-us", "id-1", "+13125550175"),  # done: kept, to be ticked
        ("acme-us", "id-2", "+14155550100"),  # still planned: as planned now
        ("acme-us", "id-4", "+13125550175"),  # new
        ("globex", "id-3", "+13125550175"),  # not checked this time: kept as it was
    ]
    assert all(c.source is None and c.etag is None for c in carried.changes)
    first = baseline.carry(None, now)
    assert [c.sender_id for c in first.changes] == ["id-2", "id-4"]
