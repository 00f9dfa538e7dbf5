"""``callfwd plan``: show what apply would change, and nothing else."""

from __future__ import annotations

import click

from reconciler.cli import common, options


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
    from reconciler.engine.planner import plan as make_plan
    from reconciler.engine.session import run
    from reconciler.render import plan as render

    config, trusted = common.load_config_pair(config_path, trusted_config_path)
    desired = common.load_desired(paths, config)
    if desired is None:
        return EXIT_FAILURE
    names = common.select_accounts(desired.forwardings, accounts)
    unchanged: list[str] = []
    if changed_since is not None:
        names, unchanged = common.split_changed(names, desired, changed_since, paths, config)
    targets, added = common.plan_scope(trusted, names)
    result = run(
        targets,
        lambda session: make_plan(session, desired, trusted=trusted, added=added),
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
        output.write(render.render_checklist(plan))
    else:
        output.write(render.render_text(plan, colour=output.use_colour(), unchanged=unchanged))
    if out:
        from reconciler.plan import planfile

        common.write_atomic(out, planfile.dumps(plan))
        output.note(f"Saved the plan to {out}; apply it with `callfwd apply --plan {out}`.")
    output.github_output("changes", "true" if plan.has_changes else "false")
    if detailed_exitcode and plan.has_changes:
        return EXIT_CHANGES
    return EXIT_OK
