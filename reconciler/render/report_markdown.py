"""The coverage report as GitHub-flavoured Markdown (job summaries, PR comments). Pure.

Every value that came from a manifest or a server is shown as a code span made
by ``md_code`` (``md_cell`` in a table): nothing in a code span is markup (no
HTML, links, emphasis or autolinks), and the function makes the span itself
unbreakable.
"""

from __future__ import annotations

import re

from reconciler.render import report_common as words
from reconciler.report.model import AccountReport, Report, SenderRow, Standing

MARKER = "<!-- callfwd-report -->"
# GitHub refuses comments over 65,536 characters; a job summary takes 1 MiB. Stay
# under the smaller, so the same text serves both.
BUDGET = 60_000
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x85\x0b\x0c]+")
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


def md_code(value: object) -> str:
    """``value`` as one inline code span that nothing in it can end or break.

    The fence is one backtick longer than the longest run inside; a value that
    starts or ends with a backtick or a space is padded (CommonMark strips one
    space each side); line breaks and control characters become spaces.
    """
    text = _CONTROLS.sub(" ", _LINE_BREAKS.sub(" ", str(value))) or " "
    fence = "`" * (max((len(r) for r in re.findall("`+", text)), default=0) + 1)
    if text.strip(" ") and (text[0] in "` " or text[-1] in "` "):
        text = f" {text} "
    return fence + text + fence


def md_cell(value: object) -> str:
    """``md_code`` for a GFM table cell: ``|`` escaped (tables unescape it in code spans too)."""
    return md_code(value).replace("|", "\\|")


def _n(value: str | None) -> str:
    return md_code(words.number(value))


def _summary(report: Report) -> list[str]:
    r = report.coverage
    head = f"**{words.coverage(r)}** across {words.plural(len(report.accounts), 'account')}"
    if report.changes:
        after = report.after_changes
        n = len(report.changes)
        head += (
            f"; {after.forwarding} of {after.eligible} ({after.percent}) once the "
            f"{words.plural(n, 'pending change')} {'is' if n == 1 else 'are'} made"
        )
    apis = ", ".join(md_code(u) for u in report.api_urls) or "no API"
    return [MARKER, "### callfwd report: call forwarding coverage", "", head + ".", "",
            f"Read {md_code(report.generated_at)} from {apis}.", ""]  # fmt: skip


def _table(report: Report) -> list[str]:
    rows = [
        "| account | vendor | coverage | forward | don't forward | being verified without "
        "forwarding | suspended or failed | unmanaged | pending changes |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for a in report.accounts:
        vendor = md_cell(a.vendor.id)
        if a.vendor.name is not None:
            vendor = f"{md_cell(a.vendor.name)} ({vendor})"
        c = a.coverage
        rows.append(
            f"| {md_cell(a.account)} | {vendor} | {c.percent} | {c.forwarding} of {c.eligible} "
            f"| {len(a.rows(Standing.NOT_FORWARDING))} | {len(a.verifying_without_forwarding)} "
            f"| {len(a.not_sending)} | {len(a.unmanaged)} | {len(a.changes)} |"
        )
    return [*rows, ""]


def _not_forwarding(rows: tuple[SenderRow, ...]) -> list[str]:
    if not rows:
        return []
    out = ["| sender | status | declared in | why |", "|---|---|---|---|"]
    out += [
        f"| {md_cell(words.number(r.number))} | {md_cell(words.status(r.status))} "
        f"| {md_cell(words.declared_by(r))} | {md_cell('; '.join(r.reasons[1:]) or '—')} |"
        for r in rows
    ]
    return ["US toll-free senders that do not forward calls:", "", *out, ""]


def _account(a: AccountReport) -> list[str]:
    out = [f"#### {md_code(a.account)}", "", f"Coverage: {words.coverage(a.coverage)}.", ""]
    out += _not_forwarding(a.rows(Standing.NOT_FORWARDING))
    also = [
        f"{words.plural(n, 'sender')} {what}"
        for n, what in (
            (len(a.rows(Standing.CANNOT_FORWARD)), "that cannot forward (not US toll-free)"),
            (len(a.rows(Standing.NO_NUMBER)), "with no number yet (pending registration)"),
        )
        if n
    ]
    if also:
        out += ["Also in the account: " + " and ".join(also) + ".", ""]
    if rows := a.unmanaged:
        out += [
            f"Unmanaged ({len(rows)}): " + ", ".join(_n(r.number) for r in rows) + ". "
            f"Take {'it' if len(rows) == 1 else 'them'} under management: "
            f"{md_code(a.import_command)}",
            "",
        ]
    if a.changes:
        out += [f"Pending changes ({words.UI_PATH}, or `callfwd apply`):", ""]
        out += [
            f"- [ ] {_n(c.sender)}: {words.task(c, md_code)} ({md_code(words.change_source(c))})"
            for c in a.changes
        ]
        out.append("")
    icon = {"warning": "⚠️", "note": "ℹ️"}
    if a.notices:
        out += [
            f"- {icon[n.level.value]} **{n.level.value}** `{n.code}`: {md_code(n.message)}"
            for n in a.notices
        ]
        out.append("")
    return out


def _has_news(a: AccountReport) -> bool:
    return bool(a.rows(Standing.NOT_FORWARDING) or a.unmanaged or a.changes or a.notices)


def render_markdown(report: Report, *, budget: int = BUDGET) -> str:
    text = "\n".join([*_summary(report), *_table(report)]) + "\n"
    accounts = [a for a in report.accounts if _has_news(a)]
    for i, a in enumerate(accounts):
        block = "\n".join(_account(a)) + "\n"
        if len(text) + len(block) > budget:
            rest = len(accounts) - i
            text += (
                f"\n_Cut to stay under GitHub's size limits: {words.plural(rest, 'more account')} "
                "with senders that do not forward, unmanaged senders or pending changes are not "
                "shown here. The whole report is in `callfwd report --format html` or "
                "`--format json`._\n"
            )
            break
        text += block
    return text
