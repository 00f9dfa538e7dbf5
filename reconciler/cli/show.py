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
    type=click.Choice(["markdown", "text", "json", "checklist", "baseline"]),
    default="markdown",
    show_default=True,
    help="markdown: one PR comment for all the plans, within --budget. baseline: the "
    "hidden block a drift issue keeps, to tick progress on its next run.",
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
@click.option(
    "--since",
    "since_file",
    type=click.Path(exists=True, dir_okay=False),
    help="checklist, baseline: a saved plan (`plan --out`), or a text holding a baseline "
    "block (a drift issue's body). The checklist lists its changes first, ticked where "
    "done; baseline carries them on.",
)
def command(
    plan_files: tuple[str, ...],
    fmt: str,
    budget: int | None,
    run_url: str | None,
    unchanged: tuple[str, ...],
    since_file: str | None,
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
    if fmt not in ("markdown", "text") and unchanged:
        raise click.UsageError("--unchanged applies to --format markdown and text only")
    if fmt not in ("checklist", "baseline") and since_file is not None:
        raise click.UsageError("--since applies to --format checklist and baseline only")
    plan = merge([read_saved_plan(path) for path in plan_files], plan_files)
    since = _since(since_file) if since_file is not None else None
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
    elif fmt == "checklist":
        text = _checklist(plan, since)
    else:
        text = _baseline(plan, since)
    write(text)
    return 0


def _checklist(plan: Plan, since: Plan | None) -> str:
    """Headed by each account's name and id at the vendor, as the plan recorded them;
    ``since`` only where the plans read its senders."""
    from reconciler.api.models import account_name
    from reconciler.plan.baseline import restrict
    from reconciler.render.plan import render_checklist
    from reconciler.report.model import Vendor

    vendors = {
        a.account: Vendor(id=a.account_id, name=account_name(a.account_name) or None)
        for a in plan.accounts
        if a.account_id
    }
    since = restrict(since, plan) if since is not None else None
    return render_checklist(plan, vendors=vendors, since=since)


def _baseline(plan: Plan, since: Plan | None) -> str:
    """The block, or nothing (and a note) when it would take too much of an issue."""
    from reconciler.output import note
    from reconciler.plan.baseline import MAX_BLOCK, carry, encode

    block = encode(carry(since, plan))
    if len(block) > MAX_BLOCK:
        note(
            f"The baseline would take {len(block):,} characters (at most {MAX_BLOCK:,}): not "
            "kept, so the next checklist cannot tick what is done since."
        )
        return ""
    return block


def _since(path: str) -> Plan:
    """A saved plan, or the baseline block in a text (a drift issue's body)."""
    from reconciler.errors import PlanFileError
    from reconciler.plan import baseline, planfile
    from reconciler.render.escape import terminal

    name = terminal(path)
    text = _read(path)
    found = baseline.decode(text, name=name)
    if found is not None:
        return found
    if not text.lstrip().startswith("{"):
        raise PlanFileError(f"{name}: neither a saved plan nor a text with a baseline block")
    return planfile.loads(text, name=name)


def _read(path: str) -> str:
    """The text of a file the operator named (confined and bounded); else a PlanFileError."""
    from reconciler.errors import PlanFileError
    from reconciler.plan.saved import read_given
    from reconciler.render.escape import terminal

    try:
        return read_given(path).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlanFileError(f"{terminal(path)}: not a callfwd plan (not UTF-8 text)") from exc


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
