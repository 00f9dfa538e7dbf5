"""``callfwd report``: forwarding coverage of every configured account; reads only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from reconciler.cli import common, options

if TYPE_CHECKING:
    from reconciler.config import TrustedConfig
    from reconciler.engine.planner import Desired
    from reconciler.report import Report

FORMATS = ("text", "json", "markdown", "html")
# What an --out file's name says it holds.
SUFFIXES = {".txt": "text", ".json": "json", ".md": "markdown", ".html": "html", ".htm": "html"}


@click.command("report")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format (default: text, or what --out's name says); markdown suits "
    "$GITHUB_STEP_SUMMARY; html is one standalone page (no external files) for a CI "
    "artifact; json is documented in docs/report.md.",
)
@click.option(
    "--out",
    "outs",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Write the report to FILE instead of stdout, whole or not at all (repeatable: one "
    "read, several files); .html, .md, .json and .txt choose the format.",
)
@click.option("--account", "accounts", multiple=True, help="Report only this account (repeatable).")
@common.config_option
@options.trusted_config_option
def command(
    paths: tuple[str, ...],
    fmt: str | None,
    outs: tuple[str, ...],
    accounts: tuple[str, ...],
    config_path: str | None,
    trusted_config_path: str | None,
) -> int:
    """Show which senders forward calls, which don't and why, for every configured account.

    Every sender the API lists, per account: whether it may forward (US
    toll-free only), whether it does, which manifest declares it, and the
    change a plan would make. Coverage = active US toll-free senders that
    forward / active US toll-free senders. PATHS as for `callfwd plan`. Reads
    only, and costs the calls of `callfwd plan`.
    """
    from reconciler import output
    from reconciler.cli import EXIT_FAILURE, EXIT_OK
    from reconciler.engine.coverage import collect_report, unpruned
    from reconciler.engine.session import run

    formats = {out: _format_for(out, fmt) for out in outs}
    config, trusted = common.load_config_pair(config_path, trusted_config_path)
    desired = common.load_desired(paths, config)
    if desired is None:
        return EXIT_FAILURE
    targets, added = common.plan_scope(trusted, _names(trusted, desired, accounts))
    report, result = run(
        unpruned(desired, targets),
        lambda session: collect_report(
            session, desired, config_path=config_path, trusted=trusted, added=added
        ),
        config=trusted.config,
    )
    if common.plan_or_report(result) is None or report is None:
        return EXIT_FAILURE
    if not outs:
        output.write(_render(report, fmt or "text"))
        return EXIT_OK
    texts = {out: _render(report, f) for out, f in formats.items()}
    for out, text in texts.items():
        output.write_file(out, text)
        output.note(f"Wrote the {formats[out]} report to {out}.")
    return EXIT_OK


def _format_for(out: str, fmt: str | None) -> str:
    """The format of an --out file: what its name says, else --format, else text."""
    from pathlib import Path

    named = SUFFIXES.get(Path(out).suffix.lower())
    if fmt is not None and named is not None and named != fmt:
        raise click.UsageError(
            f"--out {out} names a {named} file, but --format is {fmt}; drop one of them"
        )
    return named or fmt or "text"


def _names(trusted: TrustedConfig, desired: Desired, only: Sequence[str]) -> list[str]:
    """Every account the trusted callfwd.yaml configures, and those the manifests name (an
    account only the working tree configures is added: it is shown as not planned); or
    ``--account``."""
    config = trusted.config
    named = set(desired.declared) | {f.account for f in desired.forwardings}
    known = sorted(set(config.accounts) | named | set(trusted.added))
    if not known:
        raise click.UsageError(
            f"no account to report on: {config.name} lists no accounts and no manifest names one"
        )
    unknown = sorted(set(only) - set(known))
    if unknown:
        raise click.UsageError(
            f"--account {', '.join(unknown)}: not a configured account "
            f"(configured: {', '.join(known)})"
        )
    return sorted(set(only)) if only else known


def _render(report: Report, fmt: str) -> str:
    if fmt == "json":
        from reconciler.render.report_json import render_json

        return render_json(report)
    if fmt == "markdown":
        from reconciler.render.report_markdown import render_markdown

        return render_markdown(report)
    if fmt == "html":
        from reconciler.render.report_html import render_html

        return render_html(report)
    from reconciler.render.report_text import render_text

    return render_text(report)
