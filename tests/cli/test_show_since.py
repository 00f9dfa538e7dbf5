"""``callfwd show --format checklist|baseline --since``: progress from saved plans, offline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from workspace import run_cli

from reconciler.plan import baseline, planfile
from reconciler.plan.model import AccountPlan, Action, Change, Plan, SenderSnapshot, Summary

TASK = re.compile(r"^- \[(.)\] \*\*[^*]+\*\* \((\+1\d{10})\)", re.MULTILINE)


def _run(*args: str) -> tuple[int, str, str]:
    result = run_cli(*args)
    return result.code, result.stdout, result.stderr


def _save(path: Path, changes: dict[int, str | None], read: dict[int, str | None]) -> Path:
    """A saved plan of acme-us (vendor id Qz4nW8): ``changes`` sender i -> the number to
    set; ``read`` sender i -> its forwarding number now."""
    acct = AccountPlan(
        "acme-us",
        tuple(
            Change(Action.UPDATE, "acme-us", f"+1833555{i:04d}", f"id-{i}", read[i], after, None)
            for i, after in changes.items()
        ),
        Summary(update=len(changes)),
        senders=tuple(
            SenderSnapshot(f"id-{i}", f"+1833555{i:04d}", "US", now, None)
            for i, now in read.items()
        ),
        api_url="https://a.klaviyo.com",
        account_id="Qz4nW8",
    )
    path.write_text(planfile.dumps(Plan((acct,), "sha256:x", "0.1.0")), encoding="utf-8")
    return path


@pytest.fixture
def plans(tmp_path: Path) -> tuple[Path, Path]:
    """Two changes planned; then the first is made, and a third sender drifts."""
    before = {1: "+12125550100", 2: "+12125550100", 3: "+12125550100"}
    then = _save(tmp_path / "then.json", {1: "+13125550175", 2: "+13125550175"}, before)
    after = {**before, 1: "+13125550175"}
    now = _save(tmp_path / "now.json", {2: "+13125550175", 3: "+12125550100"}, after)
    return then, now


def test_the_checklist_since_a_saved_plan_or_an_issues_block_ticks_what_is_done(
    plans: tuple[Path, Path], tmp_path: Path
) -> None:
    then, now = plans
    code, from_plan, err = _run("show", str(now), "--format", "checklist", "--since", str(then))
    assert code == 0, err
    assert TASK.findall(from_plan) == [
        ("x", "+18335550001"),
        (" ", "+18335550002"),
        (" ", "+18335550003"),
    ]
    assert "(1 of 3 done since the saved plan)" in from_plan
    # No read, so no name: the vendor's id, as the plan recorded it.
    assert "## Account id `Qz4nW8`, `acme-us` in callfwd.yaml" in from_plan

    code, block, err = _run("show", str(then), "--format", "baseline")
    assert code == 0 and block.startswith(baseline.MARK), err
    issue = tmp_path / "issue.md"
    issue.write_text(f"<!-- callfwd-drift -->\n# the checklist\n\n{block}", encoding="utf-8")
    code, from_issue, err = _run("show", str(now), "--format", "checklist", "--since", str(issue))
    assert code == 0, err
    assert from_issue == from_plan


def test_the_baseline_carries_what_was_listed_and_adds_what_is_new(
    plans: tuple[Path, Path], tmp_path: Path
) -> None:
    then, now = plans
    code, block, err = _run("show", str(now), "--format", "baseline", "--since", str(then))
    assert code == 0, err
    carried = baseline.decode(block, name="block")
    assert carried is not None
    assert [c.sender_id for c in carried.changes] == ["id-1", "id-2", "id-3"]


def test_a_baseline_too_large_for_an_issue_is_not_written(tmp_path: Path) -> None:
    read = {i: "+12125550100" for i in range(3_000)}
    many = _save(tmp_path / "many.json", dict.fromkeys(read, "+13125550175"), read)
    code, out, err = _run("show", str(many), "--format", "baseline")
    assert code == 0
    assert out == ""
    assert "at most 24,000): not kept, so the next checklist cannot tick what is done" in err


def test_since_takes_a_saved_plan_or_a_text_with_a_block_only(
    plans: tuple[Path, Path], tmp_path: Path
) -> None:
    _, now = plans
    notes = tmp_path / "notes.md"
    notes.write_text("# just notes\n", encoding="utf-8")
    code, out, err = _run("show", str(now), "--format", "checklist", "--since", str(notes))
    assert code == 1 and out == ""
    assert "notes.md: neither a saved plan nor a text with a baseline block" in err
    code, _, err = _run("show", str(now), "--format", "json", "--since", str(notes))
    assert code == 64
    assert "--since applies to --format checklist and baseline only" in err
    code, _, err = _run("show", str(now), "--format", "baseline", "--unchanged", "x")
    assert code == 64
