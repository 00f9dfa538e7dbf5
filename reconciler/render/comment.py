"""A plan as markdown for a pull request comment or a job summary, within a size budget.

The layout, top to bottom: the marker and title; the overall totals; what was
left out, if anything (with a link to the run that holds the full plan); a
table of each account's totals; the accounts not planned, listed as
unchanged; then a section per account with changes or notices: its warnings,
its notes, its changes (a table, folded in ``<details>`` past ten rows).

When all of it does not fit ``budget`` (UTF-8 bytes, never fewer than
GitHub's count of characters), parts are kept in this order: every account's
warnings; each account's totals; notes; change rows, dealt out across accounts
one row at a time, so one large account cannot crowd out the rest; the names
of the unchanged accounts (their number is always there). Cuts fall between
rows and lines, every table and ``<details>`` is closed, and each place that
lost something says how much.

Every value from the plan reaches the output through ``escape.markdown``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reconciler.plan.model import AccountPlan, Change, Level, Notice, Plan
from reconciler.render import escape
from reconciler.render.common import counts, no_changes, plural

MARKDOWN_MARKER = "<!-- callfwd-plan -->"
# GitHub refuses a comment over 65,536 characters; what the workflow adds around
# the plan (a header, other accounts' notes) gets the rest.
MARKDOWN_BUDGET = 60_000
MIN_BUDGET = 2_000
_FOLD_AFTER = 10
_ICON = {Level.WARNING: "⚠️", Level.NOTE: "ℹ️"}
_TABLE_HEAD = ["| account | create | update | delete | unchanged | unmanaged |",
               "|---|--:|--:|--:|--:|--:|"]  # fmt: skip
_CHANGES_HEAD = ["| | sender | before | after | source |", "|---|---|---|---|---|"]
# A link to the run is written only for a plain https URL (no spaces, brackets or quotes).
_SAFE_URL = re.compile(r"https://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[A-Za-z0-9._~%/+=&?#-]*)?")
MAX_URL = 500


def linkable(url: str) -> bool:
    """Whether ``url`` is written as a link: a plain https URL, at most ``MAX_URL`` long."""
    return len(url) <= MAX_URL and _SAFE_URL.fullmatch(url) is not None


def _size(lines: Iterable[str]) -> int:
    """What ``lines`` add to the output, newlines included, in UTF-8 bytes."""
    return sum(len(line.encode()) + 1 for line in lines)


def notice_line(n: Notice) -> str:
    return (
        f"- {_ICON[n.level]} **{n.level.value}** {escape.markdown(n.code)}: "
        f"{escape.markdown(n.message)}"
    )


def notice_lines(notices: Iterable[Notice]) -> list[str]:
    return [notice_line(n) for n in notices]


def _cell(value: str | None) -> str:
    return "—" if value is None else escape.markdown(value, cell=True, code=True)


def _source(c: Change) -> str:
    if c.source is None:
        return "prune: declared in no manifest"
    return f"{escape.markdown(c.source.path, cell=True)}:{c.source.line}"


def _row(c: Change) -> str:
    return (
        f"| {c.action.symbol} {c.action.value} | {_cell(c.sender)} | {_cell(c.before)} | "
        f"{_cell(c.after)} | {_source(c)} |"
    )


def _total_row(a: AccountPlan) -> str:
    name = escape.markdown(a.account, cell=True)
    if not a.planned:
        return f"| {name} | — | — | — | — | — |"  # nothing was read: no counts to give
    s = a.summary
    return f"| {name} | {s.create} | {s.update} | {s.delete} | {s.unchanged} | {s.unmanaged} |"


def _more(n: int, what: str, where: str) -> str:
    """``_… 1,356 more changes in this account are not shown._``"""
    return f"_… {n:,} more {what}{'' if n == 1 else 's'} {where} not shown._"


@dataclass
class _Section:
    """One account's part of the comment, and how much of it is shown."""

    acct: AccountPlan
    warnings: list[str]
    notes: list[str]
    rows: list[str]
    present: bool = False
    shown_warnings: int = 0
    shown_notes: int = 0
    shown_rows: int = 0

    def more(self, n: int, what: str) -> str:
        return f"- {_more(n, what, 'are')}"

    def no_rows(self) -> list[str]:
        """What stands for the changes while none of its rows is shown."""
        if not self.acct.planned:
            return ["Not planned: nothing was read.", ""]
        if not self.rows:
            return ["No changes.", ""]
        return [f"_{plural(len(self.rows), 'change')} not shown._", ""]

    def frame(self, shown: int, total: int | None = None) -> tuple[list[str], list[str]]:
        """The lines before and after ``shown`` change rows (``total``: as if so many)."""
        total = len(self.rows) if total is None else total
        before, after = [*_CHANGES_HEAD], [""]
        if shown < total:
            after += [_more(total - shown, "change", "in this account are"), ""]
        if shown > _FOLD_AFTER:
            what = plural(shown, "change") if shown == total else f"{shown:,} of {total:,} changes"
            before = [f"<details><summary>{what}</summary>", "", *before]
            after += ["</details>", ""]
        return before, after

    def frame_bound(self) -> int:
        """The most the frame of any number of shown rows can add."""
        n = len(self.rows)
        return (
            _size([f"<details><summary>{plural(n, 'change')}</summary>", ""])
            + sum(_size(part) for part in self.frame(0, n))
            + _size(["</details>", ""])
        )

    def lines(self) -> list[str]:
        prune = " (prune)" if self.acct.prune else ""
        out = [f"#### {escape.markdown(self.acct.account)}{prune}", ""]
        notices = self.warnings[: self.shown_warnings]
        if self.shown_warnings < len(self.warnings):
            notices.append(self.more(len(self.warnings) - self.shown_warnings, "warning"))
        notices += self.notes[: self.shown_notes]
        if self.shown_notes < len(self.notes):
            notices.append(self.more(len(self.notes) - self.shown_notes, "note"))
        if notices:
            out += [*notices, ""]
        if not self.shown_rows:
            return out + self.no_rows()
        before, after = self.frame(self.shown_rows)
        return out + before + self.rows[: self.shown_rows] + after


@dataclass
class _Layout:
    plan: Plan
    unchanged: list[str]
    run_url: str | None
    sections: list[_Section]
    shown_totals: int = 0
    shown_unchanged: int = 0
    cut: bool = False

    @property
    def warnings(self) -> int:
        return sum(len(s.warnings) for s in self.sections)

    def head(self) -> list[str]:
        total = self.plan.summary
        out = [MARKDOWN_MARKER, "### callfwd plan", ""]
        if self.plan.has_changes:
            out.append(f"**{counts(total)}.**")
        else:
            lead, rest = no_changes(self.plan)
            out.append(f"**{lead}.** {rest[:1].upper()}{rest[1:]}.")
        out.append("")
        if self.warnings:
            out += [f"⚠️ **{plural(self.warnings, 'warning')}** in the accounts below.", ""]
        return out

    def cut_notice(self, *, upper_bound: bool = False) -> list[str]:
        """What was left out; with ``upper_bound``, as long as it can ever be."""
        said = [
            f"{total - shown:,} of {total:,} {what}{'' if total == 1 else 's'}"
            for shown, total, what in self._cut_parts(upper_bound)
        ]
        where = (
            f"is uploaded with [the workflow run](<{self.run_url}>)"
            if self.run_url
            else "is in the output of `callfwd plan --format json` or `callfwd show PLAN_FILE`"
        )
        return [
            f"> ✂️ **Shortened to fit a comment.** Not shown here: {', '.join(said)}. "
            f"The full plan (json and markdown) {where}.",
            "",
        ]

    def _cut_parts(self, upper_bound: bool) -> list[tuple[int, int, str]]:
        """(shown, in all, what) of each part that lost something; with ``upper_bound``,
        of each part that could, as if nothing of it were shown."""
        parts = [
            *self._section_parts(),
            (self.shown_totals, len(self.plan.accounts), "account total"),
            (self.shown_unchanged, len(self.unchanged), "unchanged account"),
        ]
        if upper_bound:
            return [(0, total, what) for _, total, what in parts if total]
        return [part for part in parts if part[0] < part[1]]

    def _section_parts(self) -> list[tuple[int, int, str]]:
        secs = self.sections
        return [
            (sum(s.shown_rows for s in secs), sum(len(s.rows) for s in secs), "change"),
            (sum(s.shown_warnings for s in secs), self.warnings, "warning"),
            (sum(s.shown_notes for s in secs), sum(len(s.notes) for s in secs), "note"),
        ]

    def totals(self) -> list[str]:
        rows = [_total_row(a) for a in self.plan.accounts[: self.shown_totals]]
        out = [*_TABLE_HEAD, *rows, ""]
        if self.shown_totals < len(self.plan.accounts):
            out += [_more(len(self.plan.accounts) - self.shown_totals, "account", "are"), ""]
        return out

    def unchanged_lines(self, shown: int | None = None) -> list[str]:
        if not self.unchanged:
            return []
        shown = self.shown_unchanged if shown is None else shown
        names = ", ".join(escape.markdown(a) for a in self.unchanged[:shown])
        left = len(self.unchanged) - shown
        more = f"{', ' if names else ''}and {left:,} more" if left else ""
        return [f"**Unchanged, not planned:** {names}{more}.", ""]

    def render(self) -> str:
        out = self.head()
        if self.cut:
            out += self.cut_notice()
        out += self.totals()
        out += self.unchanged_lines()
        for s in self.sections:
            if s.present:
                out += s.lines()
        return "\n".join(out) + "\n"


class _Ledger:
    """Bytes left under the budget."""

    def __init__(self, budget: int) -> None:
        self.left = budget

    def take(self, n: int) -> bool:
        if n > self.left:
            return False
        self.left -= n
        return True

    def give(self, n: int) -> None:
        self.left += n


def _section(acct: AccountPlan) -> _Section:
    return _Section(
        acct,
        warnings=[notice_line(n) for n in acct.notices if n.level is Level.WARNING],
        notes=[notice_line(n) for n in acct.notices if n.level is not Level.WARNING],
        rows=[_row(c) for c in acct.changes],
    )


def _layout(plan: Plan, unchanged: Sequence[str], run_url: str | None) -> _Layout:
    sections = [_section(acct) for acct in plan.accounts if acct.changes or acct.notices]
    url = run_url if run_url is not None and linkable(run_url) else None
    return _Layout(plan, list(dict.fromkeys(unchanged)), url, sections)


def _show_everything(layout: _Layout) -> None:
    layout.shown_totals = len(layout.plan.accounts)
    layout.shown_unchanged = len(layout.unchanged)
    for s in layout.sections:
        s.present = True
        s.shown_warnings, s.shown_notes, s.shown_rows = len(s.warnings), len(s.notes), len(s.rows)


def _fill(ledger: _Ledger, items: Sequence[str], shown: int, done_refund: int) -> int:
    """Show more of ``items`` (from ``shown``) while they fit; refund when all are shown."""
    while shown < len(items) and ledger.take(_size([items[shown]])):
        shown += 1
    if shown == len(items):
        ledger.give(done_refund)
    return shown


def _fit(layout: _Layout, budget: int) -> None:
    """Choose what is shown, by priority, so that ``layout.render()`` fits ``budget``."""
    fitter = _Fitter(layout, budget)
    usable = fitter.warnings()
    fitter.totals()
    fitter.notes(usable)
    fitter.rows(usable)
    fitter.unchanged()


class _Fitter:
    """Deals the budget out, part by part, in the order of the module docstring.

    Each part is charged the most it can add to the output: a section is opened
    at its size with nothing shown (every "N more ... not shown" line in it), a
    list's "more" line is given back once all its items fit.
    """

    def __init__(self, layout: _Layout, budget: int) -> None:
        self.layout = layout
        self.ledger = _Ledger(budget)
        layout.cut = True
        # The head, the cut notice, the totals table and the unchanged line with nothing
        # shown are at most ~1,200 bytes (an account name aside), less than MIN_BUDGET.
        fixed = layout.head() + layout.cut_notice(upper_bound=True) + layout.totals()
        self.ledger.take(_size(fixed + layout.unchanged_lines()))

    def open(self, s: _Section) -> bool:
        """Whether the section is shown, opening it if it fits with nothing in it."""
        if not s.present and self.ledger.take(_size(s.lines())):
            s.present = True
        return s.present

    def warnings(self) -> list[_Section]:
        """Every warning first; the sections left that may be shown later."""
        for s in self.layout.sections:
            if s.warnings and self.open(s):
                refund = _size([s.more(len(s.warnings), "warning")])
                s.shown_warnings = _fill(self.ledger, s.warnings, 0, refund)
        # a section whose warnings could not be shown at all is not shown later either
        return [s for s in self.layout.sections if s.present or not s.warnings]

    def totals(self) -> None:
        layout = self.layout
        refund = _size(layout.totals()[len(_TABLE_HEAD) + 1 :])
        rows = [_total_row(a) for a in layout.plan.accounts]
        layout.shown_totals = _fill(self.ledger, rows, 0, refund)

    def notes(self, usable: Sequence[_Section]) -> None:
        for s in usable:
            if s.notes and self.open(s):
                refund = _size([s.more(len(s.notes), "note")])
                s.shown_notes = _fill(self.ledger, s.notes, 0, refund)

    def rows(self, usable: Sequence[_Section]) -> None:
        """Change rows dealt out one per account in turn, while any fits."""
        turn = [s for s in usable if s.rows]
        framed: set[int] = set()
        while turn:
            turn = [s for s in turn if self._one_row(s, framed)]

    def _one_row(self, s: _Section, framed: set[int]) -> bool:
        """Show the section's next row if it fits; whether it has more to show then."""
        if id(s) not in framed:
            if not self.open(s) or not self.ledger.take(s.frame_bound()):
                return False
            framed.add(id(s))
        if not self.ledger.take(_size([s.rows[s.shown_rows]])):
            return False
        if not s.shown_rows:
            self.ledger.give(_size(s.no_rows()))  # the table stands in its place now
        s.shown_rows += 1
        return s.shown_rows < len(s.rows)

    def unchanged(self) -> None:
        """The unchanged accounts' names, last (they have nothing to review)."""
        layout = self.layout
        size = _size(layout.unchanged_lines())
        while layout.shown_unchanged < len(layout.unchanged):
            step = _size(layout.unchanged_lines(layout.shown_unchanged + 1)) - size
            if not self.ledger.take(step):
                break
            size += step
            layout.shown_unchanged += 1


def render_markdown(
    plan: Plan,
    *,
    budget: int = MARKDOWN_BUDGET,
    run_url: str | None = None,
    unchanged: Sequence[str] = (),
) -> str:
    """The plan as one markdown comment of at most ``budget`` UTF-8 bytes.

    ``unchanged`` names accounts that were not planned (listed as unchanged);
    ``run_url``, an https URL, is linked as where the full plan is when anything
    is left out.
    """
    if budget < MIN_BUDGET:
        raise ValueError(f"a markdown budget under {MIN_BUDGET:,} bytes cannot hold a plan")
    layout = _layout(plan, unchanged, run_url)
    _show_everything(layout)
    text = layout.render()
    if len(text.encode()) <= budget:
        return text
    layout = _layout(plan, unchanged, run_url)
    _fit(layout, budget)
    return layout.render()
