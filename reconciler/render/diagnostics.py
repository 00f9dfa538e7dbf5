"""Diagnostics as text, JSON or GitHub Actions annotations (pure functions).

Renderers take a report (anything with ``diagnostics`` and ``summary``, such
as ``reconciler.rules.check.ValidationResult``) and return the whole output as
one string ending in a newline; the same report always renders to the same
bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Protocol

from reconciler.diagnostics import Diagnostic, Severity, Summary
from reconciler.output import style
from reconciler.render import escape
from reconciler.render.common import plural


class Report(Protocol):
    @property
    def diagnostics(self) -> Sequence[Diagnostic]: ...

    @property
    def summary(self) -> Summary: ...


def summary_line(summary: Summary, *, colour: bool = False) -> str:
    """``ok: 3 files, 6 senders, no problems`` or ``invalid: ..., 2 errors, 1 warning``."""
    counted = f"{plural(summary.files, 'file')}, {plural(summary.senders, 'sender')}"
    problems = [
        plural(n, word)
        for n, word in ((summary.errors, "error"), (summary.warnings, "warning"))
        if n
    ]
    if summary.errors:
        head = style("invalid", fg="red", bold=True, enabled=colour)
    else:
        head = style("ok", fg="green", bold=True, enabled=colour)
    return f"{head}: {counted}, {', '.join(problems) or 'no problems'}"


def format_line(d: Diagnostic, *, colour: bool = False) -> str:
    """``path:line:col: error[CODE] message``, the path and message escaped for a terminal."""
    path = escape.terminal(d.position.path)
    if path.startswith("::"):
        path = f"./{path}"  # a log line starting "::" would be a GitHub workflow command
    where = style(f"{path}:{d.position.line}:{d.position.column}:", bold=True, enabled=colour)
    fg = "red" if d.severity is Severity.ERROR else "yellow"
    severity = style(d.severity.value, fg=fg, bold=True, enabled=colour)
    return f"{where} {severity}[{d.code}] {escape.terminal(d.message)}"


def render_diagnostics_text(diagnostics: Sequence[Diagnostic], *, colour: bool = False) -> str:
    """One line per diagnostic, no summary ("" when there are none)."""
    return "".join(format_line(d, colour=colour) + "\n" for d in diagnostics)


def render_text(report: Report, *, colour: bool = False) -> str:
    """Every diagnostic on its own line, then the one-line summary."""
    lines = render_diagnostics_text(report.diagnostics, colour=colour)
    return lines + summary_line(report.summary, colour=colour) + "\n"


def render_json(report: Report) -> str:
    """``{"diagnostics": [...], "summary": {files, senders, errors, warnings}}``."""
    doc = {
        "diagnostics": [d.as_dict() for d in report.diagnostics],
        "summary": report.summary.as_dict(),
    }
    return json.dumps(doc, indent=2) + "\n"


escape_data = escape.annotation_message
escape_property = escape.annotation_property


def annotation(d: Diagnostic) -> str:
    """``::error file=…,line=…,col=…,title=CODE::message``."""
    p = d.position
    props = ",".join(
        f"{k}={escape_property(str(v))}"
        for k, v in (("file", p.path), ("line", p.line), ("col", p.column), ("title", d.code))
    )
    return f"::{d.severity.value} {props}::{escape_data(d.message)}"


def render_github(report: Report) -> str:
    """One annotation per diagnostic, then the full text list.

    GitHub shows at most 10 annotations of each kind per step, so the text
    list (which the job log shows in full) follows the annotations.
    """
    head = "".join(annotation(d) + "\n" for d in report.diagnostics)
    return head + render_text(report)


FORMATS: dict[str, Callable[[Report], str]] = {
    "json": render_json,
    "github": render_github,
}


def render(fmt: str, report: Report, *, colour: bool = False) -> str:
    """Render ``report`` in ``fmt`` (text, or a key of ``FORMATS``); colour is for text."""
    if fmt == "text":
        return render_text(report, colour=colour)
    return FORMATS[fmt](report)
