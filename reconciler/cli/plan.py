"""``callfwd plan``: show what apply would change, and nothing else."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from reconciler.cli import common, options

if TYPE_CHECKING:
    from collections.abc import Sequence

    from reconciler.config.trust import TrustedConfig
    from reconciler.engine.planner import Desired, PlanResult
    from reconciler.engine.session import Session
    from reconciler.plan.model import Plan
    from reconciler.report.model import Vendor


@click.command("plan")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown", "checklist"]),
    default="text",
    show_default=True,
    help="Output format; markdown suits PR comments and $GITHUB_STEP_SUMMARY; checklist is "
    "a task list to follow by hand in the vendor's UI.",
)
@click.option("--out", type=click.Path(dir_okay=False), help="Save the plan for `apply --plan`.")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there are no changes, 2 when there are, 1 on error.",
)
@click.option("--account", "accounts", multiple=True, help="Plan only this account (repeatable).")
@click.option(
    "--since",
    "since_file",
    type=click.Path(exists=True, dir_okay=False),
    help="With --format checklist: list this saved plan's changes first (from `plan --out`), "
    "ticked where they are now live, then what is new.",
)
@click.option(
    "--changed-since",
    metavar="REF",
    help="Plan only the accounts whose manifests changed since this git revision (all of "
    "them when callfwd.yaml changed), as `callfwd accounts --changed-since` marks them; "
    "the others are listed as unchanged.",
)
@common.jobs_option
@common.config_option
@options.trusted_config_option
def command(
    paths: tuple[str, ...],
    fmt: str,
    out: str | None,
    detailed_exitcode: bool,
    accounts: tuple[str, ...],
    since_file: str | None,
    changed_since: str | None,
    config_path: str | None,
    trusted_config_path: str | None,
) -> int:
    """Diff the manifests against the live settings API.

    PATHS are manifest files or directories (default: `manifests` from
    callfwd.yaml, else manifests/). Planning only reads.
    """
    from reconciler import output
    from reconciler.cli import EXIT_CHANGES, EXIT_FAILURE, EXIT_OK
    from reconciler.engine.session import run
    from reconciler.render import plan as render

    if since_file and fmt != "checklist":
        raise click.UsageError("--since works with --format checklist")
    config, trusted = common.load_config_pair(config_path, trusted_config_path)
    since = common.read_plan_file(since_file, config)
    desired = common.load_desired(paths, config)
    if desired is None:
        return EXIT_FAILURE
    names = common.select_accounts(desired.forwardings, accounts)
    unchanged: list[str] = []
    if changed_since is not None:
        names, unchanged = common.split_changed(names, desired, changed_since, paths, config)
    targets, added = common.plan_scope(trusted, names)
    result, vendors = run(
        targets,
        lambda session: _plan(session, desired, trusted, added),
        config=trusted.config,
    )
    plan = common.plan_or_report(result)
    if plan is None:
        return EXIT_FAILURE
    if fmt == "json":
        output.write(render.render_json(plan))
    elif fmt == "markdown":
        output.write(render.render_markdown(plan, unchanged=unchanged))
    elif fmt == "checklist":
        output.write(render.render_checklist(plan, vendors=vendors, since=since))
    else:
        output.write(render.render_text(plan, colour=output.use_colour(), unchanged=unchanged))
    if out:
        from reconciler.plan import planfile

        output.write_file(out, planfile.dumps(plan))
        output.note(_saved_note(plan, out))
    output.github_output("changes", "true" if plan.has_changes else "false")
    if detailed_exitcode and plan.has_changes:
        return EXIT_CHANGES
    return EXIT_OK


async def _plan(
    session: Session, desired: Desired, trusted: TrustedConfig, added: Sequence[str]
) -> tuple[PlanResult, dict[str, Vendor]]:
    """The plan, and each account's name and id at the vendor (for the checklist's headings)."""
    from reconciler.engine.coverage import vendors_of
    from reconciler.engine.planner import plan as make_plan

    result = await make_plan(session, desired, trusted=trusted, added=added)
    vendors = vendors_of(session, session.targets) if result.plan is not None else {}
    return result, vendors


def _saved_note(plan: Plan, out: str) -> str:
    """How to go on with a saved plan: apply it, or (no write in the API) by hand."""
    from reconciler.diagnostics.codes import NO_WRITE_API

    by_hand = [a.account for a in plan.accounts if any(n.code == NO_WRITE_API for n in a.notices)]
    if not by_hand:
        return f"Saved the plan to {out}; apply it with `callfwd apply --plan {out}`."
    return (
        f"Saved the plan to {out}. Its API offers no forwarding write ({', '.join(by_hand)}): "
        "make the changes in the vendor's UI, guided and checked one by one with `callfwd "
        f"apply` on a terminal, or from `callfwd plan --format checklist --since {out}`, "
        "which ticks what is done."
    )
