"""The audit log: an accepted write is on record before its answer is read."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.engine.audit import ACCEPTED, AuditLog
from reconciler.plan.model import Action, Change
from reconciler.plan.results import ChangeResult, Outcome

CHANGE = Change(Action.CREATE, "acme", "+18335550100", "s1", None, "+12125550199", None)


def lines(path: Path) -> list[tuple[str, str]]:
    return [(x["result"], x["detail"]) for x in map(json.loads, path.read_text().splitlines())]


def test_a_confirmed_write_has_one_line_written_when_it_was_accepted(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    with AuditLog(str(path)) as log:
        log.accepted(CHANGE)
        assert lines(path) == [("applied", ACCEPTED)]  # on disk before the answer is read
        log.record(ChangeResult(CHANGE, Outcome.APPLIED))
    assert lines(path) == [("applied", ACCEPTED)]


def test_an_accepted_write_whose_answer_is_unreadable_gets_a_second_line(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    with AuditLog(str(path)) as log:
        log.accepted(CHANGE)
        log.record(ChangeResult(CHANGE, Outcome.UNVERIFIED, "its answer is not JSON"))
    assert lines(path) == [("applied", ACCEPTED), ("unverified", "its answer is not JSON")]


def test_a_change_never_accepted_has_its_one_line(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    with AuditLog(str(path)) as log:
        log.record(ChangeResult(CHANGE, Outcome.FAILED, "HTTP 503"))
        log.record(ChangeResult(CHANGE, Outcome.APPLIED, "confirmed by a re-read"))
    assert lines(path) == [("failed", "HTTP 503"), ("applied", "confirmed by a re-read")]
