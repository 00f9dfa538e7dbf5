"""``callfwd plan``: show what apply would change, and nothing else."""

from __future__ import annotations

import click

from reconciler.cli import common


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
@common.jobs_option
@common.config_option
def command(
    paths: tuple[str, ...],
    fmt: str,
    out: str | None,
    detailed_exitcode: bool,
    accounts: tuple[str, ...],
    jobs: int | None,
    config_path: str | None,
) -> int:
    """Diff the manifests against the live settings API.

    PATHS are manifest files or directories (default: `manifests` from
    callfwd.yaml, else manifests/). Planning only reads.
    """
    from reconciler.cli import EXIT_CHANGES, EXIT_FAILURE, EXIT_OK
    from reconciler.render import plan as render

    plan = common.make_plan_or_report(paths, accounts, config_path, jobs=jobs)
    if plan is None:
        return EXIT_FAILURE
    if fmt == "json":
        click.echo(render.render_json(plan), nl=False)
    elif fmt == "markdown":
        click.echo(render.render_markdown(plan), nl=False)
    elif fmt == "checklist":
        click.echo(render.render_checklist(plan), nl=False)
    else:
        click.echo(render.render_text(plan, colour=common.colour_for(stdout=True)), nl=False)
    if out:
        from reconciler.plan import planfile

        common.write_atomic(out, planfile.dumps(plan))
        common.note(f"Saved the plan to {out}; apply it with `callfwd apply --plan {out}`.")
    common.github_output("changes", "true" if plan.has_changes else "false")
    if detailed_exitcode and plan.has_changes:
        return EXIT_CHANGES
    return EXIT_OK
