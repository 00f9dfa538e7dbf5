"""``callfwd show``: render saved plans offline, merged into one (no API, no key)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from reconciler.plan.model import Plan


def _check_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from reconciler.render.comment import MAX_URL, linkable

    if value is not None and not linkable(value):
        raise click.BadParameter(
            f"must be a plain https URL of at most {MAX_URL} characters "
            "(such as $GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID)",
            ctx=ctx,
            param=param,
        )
    return value


@click.command("show")
@click.argument(
    "plan_files",
    nargs=-1,
    required=True,
    metavar="PLAN_FILE...",
    type=click.Path(exists=True, dir_okay=False),
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "text", "json", "checklist"]),
    default="markdown",
    show_default=True,
    help="markdown: one PR comment for all the plans, within --budget.",
)
@click.option(
    "--budget",
    type=click.IntRange(min=2_000),
    default=None,
    help="markdown: the most UTF-8 bytes to write (default 60,000, under GitHub's 65,536 "
    "characters for a comment with room for a header).",
)
@click.option(
    "--run-url",
    metavar="URL",
    callback=_check_url,
    help="markdown: where the full plan is uploaded, linked when anything is cut.",
)
@click.option(
    "--unchanged",
    "unchanged",
    metavar="ACCOUNT",
    multiple=True,
    help="markdown, text: an account that was not planned, listed as unchanged (repeatable).",
)
def command(
    plan_files: tuple[str, ...],
    fmt: str,
    budget: int | None,
    run_url: str | None,
    unchanged: tuple[str, ...],
) -> int:
    """Render saved plans (from `plan --out`) as one plan, offline.

    Each PLAN_FILE is checked (its digest must match its content) and their
    accounts are merged, so per-account plan jobs can make one PR comment.
    Makes no API call and needs no key.
    """
    from reconciler.output import use_colour, write
    from reconciler.plan.saved import read_saved_plan
    from reconciler.render import plan as render

    if fmt != "markdown" and (budget is not None or run_url is not None):
        raise click.UsageError("--budget and --run-url apply to --format markdown only")
    if fmt in ("json", "checklist") and unchanged:
        raise click.UsageError("--unchanged applies to --format markdown and text only")
    plan = merge([read_saved_plan(path) for path in plan_files], plan_files)
    if fmt == "markdown":
        text = render.render_markdown(
            plan,
            budget=render.MARKDOWN_BUDGET if budget is None else budget,
            run_url=run_url,
            unchanged=unchanged,
        )
    elif fmt == "text":
        text = render.render_text(plan, colour=use_colour(), unchanged=unchanged)
    elif fmt == "json":
        text = render.render_json(plan)
    else:
        text = render.render_checklist(plan)
    write(text)
    return 0


def merge(plans: list[Plan], names: tuple[str, ...]) -> Plan:
    """One plan holding every account of ``plans`` (an account in two files is an error)."""
    from reconciler.errors import PlanFileError
    from reconciler.plan.model import Plan
    from reconciler.render.escape import terminal

    seen: dict[str, str] = {}
    accounts = []
    for plan, name in zip(plans, names, strict=True):
        for acct in plan.accounts:
            if acct.account in seen:
                raise PlanFileError(
                    f"account {terminal(acct.account)} is in both {terminal(seen[acct.account])} "
                    f"and {terminal(name)}; give each account's plan once"
                )
            seen[acct.account] = name
            accounts.append(acct)
    digests = {p.manifest_digest for p in plans}
    return Plan(
        accounts=tuple(sorted(accounts, key=lambda a: a.account)),
        # one digest when every file was planned from the same manifests, else none
        manifest_digest=digests.pop() if len(digests) == 1 else "",
        tool_version=plans[0].tool_version,
        sources=tuple(sorted({s for p in plans for s in p.sources})),
    )
