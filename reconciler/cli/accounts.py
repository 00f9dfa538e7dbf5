"""``callfwd accounts``: the accounts the manifests name, for people and CI matrices."""

from __future__ import annotations

import click

from reconciler.cli import common


@click.command(name="accounts")
@click.argument("paths", nargs=-1, metavar="[PATH]...", type=click.Path(exists=True))
@click.option(
    "--changed-since",
    metavar="REF",
    help="Mark each account changed or not since this git revision (callfwd.yaml: all).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one line, a list of rows, for a CI matrix.",
)
@common.config_option
def command(
    paths: tuple[str, ...], changed_since: str | None, fmt: str, config_path: str | None
) -> int:
    """List the accounts the manifests name, with their API and key variable.

    Manifests are found as `validate` finds them. Each account shows its
    api_url, the NAME of the variable holding its key (never the key), its
    manifests and, with --changed-since, whether any of them changed.
    """
    from reconciler.config import load_config
    from reconciler.engine.inventory import list_accounts
    from reconciler.output import write
    from reconciler.render.accounts import FORMATS

    config = load_config(config_path)
    rows = list_accounts(list(paths), config=config, changed_since=changed_since)
    write(FORMATS[fmt](rows))
    return 0
