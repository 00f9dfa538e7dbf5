"""The PR comment: within its budget, every warning kept, cut between rows, markup balanced."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_check import balanced, structure

from reconciler.diagnostics import Position
from reconciler.plan.model import AccountPlan, Action, Change, Plan, Summary, notice
from reconciler.plan.safety import threshold_verdicts
from reconciler.render import escape
from reconciler.render.comment import MARKDOWN_BUDGET, MARKDOWN_MARKER, MIN_BUDGET, render_markdown

RUN = "https://github.com/acme/gitops/actions/runs/123456789"


@dataclass(frozen=True)
class Limits:
    update_share: float = 0.3
    delete_share: float = 0.3
    min_existing: int = 1


def account(name: str, n: int, action: Action = Action.UPDATE, **notes: str) -> AccountPlan:
    changes = tuple(
        Change(
            action,
            name,
            f"+1833{i:07d}",
            f"id-{name}-{i}",
            None if action is Action.CREATE else "+12125550100",
            None if action is Action.DELETE else "+12125550199",
            Position(f"manifests/{name}/senders.yaml", 5 + 2 * i, 13),
        )
        for i in range(n)
    )
    summary = Summary(**{action.value: n}, unchanged=3)
    acct = AccountPlan(name, changes, summary, managed=n + 3, managed_forwardings=n)
    extra = tuple(notice(code, message) for code, message in notes.items())
    warnings = tuple(threshold_verdicts(acct, Limits()))
    return AccountPlan(
        name, changes, summary, managed=n + 3, managed_forwardings=n, notices=warnings + extra
    )


def large_plan() -> Plan:
    """2,000 updates in one account, one change in each of two others: all above threshold."""
    return Plan(
        (
            account("acme-us", 2_000),
            account("globex", 1, CF510="1 sender is pending registration"),
            account("initech", 1, Action.DELETE),
        ),
        "sha256:x",
        "0.1.0",
    )


def change_rows(md: str) -> list[list[list[tuple[str, str]]]]:
    """The rows of every changes table (the totals table has 6 columns, these 5)."""
    return [row for t in structure(md).tables if len(t[0]) == 5 for row in t[1:]]


def warnings_of(plan: Plan) -> list[str]:
    return [n.message for a in plan.accounts for n in a.warnings]


def test_a_large_plan_fits_keeps_every_warning_and_says_what_was_cut() -> None:
    plan = large_plan()
    assert len(warnings_of(plan)) == 3  # CF520 in each account
    md = render_markdown(plan, run_url=RUN)
    assert len(md.encode()) <= MARKDOWN_BUDGET
    s = structure(md)
    for message in warnings_of(plan):
        assert message in s.code  # whole, in its account's section
    assert "1 sender is pending registration" in s.code  # the note fits too
    assert balanced(md)
    assert md.count("<details>") == md.count("</details>")

    # overall totals first, then what was cut, with the link to the full plan
    lines = [line for line in md.splitlines() if line]
    assert lines[:3] == [
        MARKDOWN_MARKER,
        "### callfwd plan",
        "**0 to create, 2001 to update, 1 to delete; 9 unchanged, 0 unmanaged.**",
    ]
    cut = next(line for line in lines if "Shortened" in line)
    assert lines.index(cut) < lines.index(
        "| account | create | update | delete | unchanged | unmanaged |"
    )
    assert s.links == [RUN]

    # every account's row of totals, and the small accounts' changes whole
    [totals] = [t for t in s.tables if len(t[0]) == 6]
    assert [row[0] for row in totals[1:]] == [
        [("code_inline", name)] for name in ("acme-us", "globex", "initech")
    ]
    rows = change_rows(md)
    senders = [row[1][0][1] for row in rows]
    assert senders.count("+18330000000") == 3  # first row of each account
    shown = len(rows) - 2
    assert 300 < shown < 2_000  # the budget is used, not wasted
    assert f"{2_000 - shown:,} of 2,002 changes" in cut
    assert f"_… {2_000 - shown:,} more changes in this account are not shown._" in md
    assert f"<details><summary>{shown:,} of 2,000 changes</summary>" in md


def test_rows_are_whole_and_in_plan_order() -> None:
    md = render_markdown(large_plan(), budget=8_000)
    rows = [line for line in md.splitlines() if "manifests/acme-us/" in line]
    assert rows
    for i, row in enumerate(rows):
        assert row == (
            f"| ~ update | `+1833{i:07d}` | `+12125550100` | `+12125550199` "
            f"| `manifests/acme-us/senders.yaml`:{5 + 2 * i} |"
        )


def test_without_a_run_url_it_says_where_the_full_plan_is() -> None:
    md = render_markdown(large_plan())
    assert "callfwd show PLAN_FILE" in md
    assert structure(md).links == []


def test_a_small_plan_is_shown_whole_without_a_cut_notice() -> None:
    plan = Plan((account("globex", 11), account("initech", 2)), "sha256:x", "0.1.0")
    md = render_markdown(plan, run_url=RUN)
    assert "Shortened" not in md and "not shown" not in md
    assert len(change_rows(md)) == 13
    assert "<details><summary>11 changes</summary>" in md  # folded past ten rows
    assert md.count("<details>") == 1


def test_accounts_not_planned_are_listed_as_unchanged() -> None:
    plan = Plan((account("globex", 1),), "sha256:x", "0.1.0")
    md = render_markdown(plan, unchanged=["initech", "hooli", "initech"])
    assert "**Unchanged, not planned:** `initech`, `hooli`." in md
    many = [f"account-{i:04d}" for i in range(5_000)]
    md = render_markdown(plan, unchanged=many, budget=10_000)
    assert len(md.encode()) <= 10_000
    line = next(x for x in md.splitlines() if x.startswith("**Unchanged"))
    listed = line.count("`account-")
    assert listed > 100
    assert line.endswith(f", and {5_000 - listed:,} more.")
    # the names come last: the account's change and its warning are shown first
    assert len(change_rows(md)) == 1 and warnings_of(plan)[0] in structure(md).code


def test_warnings_come_before_everything_else_that_can_be_cut() -> None:
    long = "the plan would update many managed forwardings; " * 30
    accounts = tuple(
        account(f"acct-{i:03d}", 50, CF512=f"{long}{i}") for i in range(12)
    )  # 12 accounts, 24 warnings of ~1.5 KB each and 600 rows
    md = render_markdown(Plan(accounts, "sha256:x", "0.1.0"), budget=40_000)
    assert len(md.encode()) <= 40_000
    codes = structure(md).code
    for a in accounts:
        for n in a.warnings:
            assert n.message in codes
    assert balanced(md)


def test_warnings_that_alone_exceed_the_budget_are_cut_and_counted() -> None:
    long = "x" * 900
    accounts = tuple(account(f"acct-{i}", 1, CF512=f"{long}{i}") for i in range(10))
    md = render_markdown(Plan(accounts, "sha256:x", "0.1.0"), budget=MIN_BUDGET)
    assert len(md.encode()) <= MIN_BUDGET
    assert balanced(md)
    assert re.search(r"Not shown here: .*\d+ of 20 warnings", md)


def test_a_budget_too_small_for_any_plan_is_refused() -> None:
    with pytest.raises(ValueError, match="2,000"):
        render_markdown(large_plan(), budget=MIN_BUDGET - 1)


names = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=30)


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    accounts = []
    for i in range(draw(st.integers(0, 6))):
        name = f"{i}{draw(names)}"
        n = draw(st.integers(0, 120))
        action = draw(st.sampled_from(list(Action)))
        notes = {code: draw(names) * draw(st.integers(1, 40)) for code in draw(
            st.lists(st.sampled_from(["CF510", "CF511", "CF512", "CF521", "CF522"]), unique=True)
        )}  # fmt: skip
        accounts.append(account(name, n, action, **notes))
    return Plan(tuple(accounts), "sha256:x", "0.1.0")


@settings(max_examples=60, deadline=None)
@given(plans(), st.integers(MIN_BUDGET, 20_000), st.lists(names, max_size=40))
def test_any_plan_fits_any_budget_balanced(plan: Plan, budget: int, unchanged: list[str]) -> None:
    md = render_markdown(plan, budget=budget, unchanged=unchanged, run_url=RUN)
    assert len(md.encode()) <= budget
    assert balanced(md)
    full = render_markdown(plan, budget=10**9, unchanged=unchanged)
    if len(full.encode()) <= budget:
        assert md == full
    else:
        assert "Shortened to fit a comment" in md
        warnings = [escape.markdown(n.message) for a in plan.accounts for n in a.warnings]
        if sum(len(w.encode()) + 100 for w in warnings) + 2_000 < budget:
            assert all(w in md for w in warnings)  # room for them: all shown


def _added(name: str) -> AccountPlan:
    """An account only the change adds: validated, not planned, nothing read (CF525)."""
    message = "account added by this change: validated, not planned"
    return AccountPlan(name, (), Summary(), managed=2, notices=(notice("CF525", message),))


def test_a_plan_of_accounts_the_change_adds_says_nothing_was_read() -> None:
    md = render_markdown(Plan((_added("newco"), _added("hooli")), "sha256:x", "0.1.0"))
    lines = md.splitlines()
    assert lines[3] == (
        "**Nothing planned.** No live settings were read (validated, not planned: "
        "2 accounts added by this change, CF525)."
    )
    assert "match the manifests" not in md and "No changes" not in md
    assert "| `newco` | — | — | — | — | — |" in lines  # no counts: nothing was counted
    assert md.count("Not planned: nothing was read.") == 2


def test_accounts_the_change_adds_beside_planned_ones_are_counted_apart() -> None:
    read = AccountPlan("acme-us", (), Summary(unchanged=3))
    md = render_markdown(Plan((read, _added("newco")), "sha256:x", "0.1.0"))
    assert md.splitlines()[3] == (
        "**No changes.** Live settings match the manifests (3 unchanged, 0 unmanaged); "
        "1 account added by this change, not planned (CF525)."
    )
    assert "| `acme-us` | 0 | 0 | 0 | 3 | 0 |" in md.splitlines()
