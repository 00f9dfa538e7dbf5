"""Renderers: deterministic output, markdown cut under GitHub's limit."""

from __future__ import annotations

import json

from reconciler.diagnostics import Position
from reconciler.plan.model import AccountPlan, Action, Change, Plan, Summary
from reconciler.render import plan as render


def plan_with(n: int, accounts: int = 1) -> Plan:
    accts = []
    for a in range(accounts):
        changes = tuple(
            Change(
                Action.CREATE,
                f"acct-{a}",
                f"+1833555{i:04d}",
                f"s{i}",
                None,
                "+12125550199",
                Position(f"manifests/acct-{a}.yaml", i + 5, 13),
            )
            for i in range(n)
        )
        accts.append(AccountPlan(f"acct-{a}", changes, Summary(create=n)))
    return Plan(tuple(accts), "sha256:x", "0.1.0")


def test_markdown_stays_under_githubs_comment_limit_and_says_it_was_cut() -> None:
    md = render.render_markdown(plan_with(400, accounts=10))
    assert len(md) <= render.MARKDOWN_BUDGET
    assert "more changes in" in md
    assert md.startswith(render.MARKDOWN_MARKER)


def test_markdown_folds_long_lists() -> None:
    md = render.render_markdown(plan_with(11))
    assert "<details><summary>11 changes</summary>" in md
    assert "<details>" not in render.render_markdown(plan_with(3))


def test_json_document_matches_the_documented_shape() -> None:
    doc = json.loads(render.render_json(plan_with(2)))
    assert doc["format_version"] == 2
    assert doc["summary"] == {
        "create": 2, "update": 0, "delete": 0, "unchanged": 0, "unmanaged": 0, "pending": 0
    }  # fmt: skip
    assert doc["changes"][0] == {
        "action": "create",
        "account": "acct-0",
        "sender": "+18335550000",
        "before": None,
        "after": "+12125550199",
        "source": {"path": "manifests/acct-0.yaml", "line": 5},
    }


def test_text_has_no_colour_unless_asked() -> None:
    plain = render.render_text(plan_with(1))
    assert "\x1b[" not in plain
    assert "+ +18335550000  +12125550199  (manifests/acct-0.yaml:5)" in plain
    assert "\x1b[32m+" in render.render_text(plan_with(1), colour=True)


def test_no_changes_says_so() -> None:
    empty = Plan((AccountPlan("a", (), Summary(unchanged=3, unmanaged=1)),), "sha256:x", "0.1.0")
    assert "No changes" in render.render_text(empty)
    assert "**No changes.**" in render.render_markdown(empty)
