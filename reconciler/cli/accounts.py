"""``callfwd accounts``: the accounts the manifests name, for people and CI matrices."""

from __future__ import annotations

import click

from reconciler.cli import common, options


@click.command(name="accounts")
@click.argument("paths", nargs=-1, metavar="[PATH]...", type=click.Path(exists=True))
@click.option(
    "--changed-since",
    metavar="REF",
    help="Mark each account changed or not since this git revision (callfwd.yaml: all).",
)
@click.option(
    "--groups",
    type=click.IntRange(min=1),
    metavar="N",
    help="Deal the accounts into at most N groups, each account once: one CI job per group "
    "(GitHub runs at most 256 jobs per matrix).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one line, a list of rows (or of groups), for a CI matrix.",
)
@common.config_option
@options.trusted_config_option
def command(
    paths: tuple[str, ...],
    changed_since: str | None,
    groups: int | None,
    fmt: str,
    config_path: str | None,
    trusted_config_path: str | None,
) -> int:
    """List the accounts the manifests name, with their API and key variable.

    Manifests are found as `validate` finds them. Each account shows its
    api_url, the NAME of the variable holding its key (never the key), its
    manifests and, with --changed-since, whether any of them changed. With
    --trusted-config, the api_url and key variable are the trusted file's, and
    an account only the working tree lists is marked added (no key goes
    anywhere for it). No manifest found is an error (exit 1), as in `validate`.
    """
    from reconciler import output
    from reconciler.engine.inventory import NothingToList, group_rows, list_accounts
    from reconciler.render.accounts import FORMATS, GROUP_FORMATS
    from reconciler.render.diagnostics import render_text

    config, trusted = common.load_config_pair(config_path, trusted_config_path)
    try:
        rows = list_accounts(
            list(paths), config=config, changed_since=changed_since, trusted=trusted
        )
    except NothingToList as exc:
        output.write(render_text(exc.result, colour=output.use_colour(stdout=False)), stdout=False)
        output.error("no account to list: no manifest names one (see above)")
        return 1
    if groups is None:
        output.write(FORMATS[fmt](rows))
    else:
        output.write(GROUP_FORMATS[fmt](group_rows(rows, groups)))
    return 0
