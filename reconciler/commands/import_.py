"""``callfwd import``: bootstrap manifests from a live account."""

from __future__ import annotations

from pathlib import Path

import click


def _owner(value: str) -> tuple[str, str]:
    from reconciler.roles import ROLES

    email, sep, role = value.rpartition(":")
    if not sep or not email or not role:
        raise click.BadParameter(
            f"{value!r}: expected EMAIL:ROLE, e.g. dana@acme.example:manager", param_hint="--owner"
        )
    if role not in ROLES:
        raise click.BadParameter(
            f"{role!r} is not a role ({', '.join(ROLES)})", param_hint="--owner"
        )
    return email, role


@click.command("import")
@click.option("--account", required=True, help="The account to import (as in callfwd.yaml).")
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False),
    default="manifests",
    show_default=True,
    help="Where to write; the manifest goes to OUT_DIR/ACCOUNT/TEAM.yaml.",
)
@click.option("--team", default="imported", show_default=True, help="The manifest's team.")
@click.option(
    "--owner",
    "owners",
    multiple=True,
    help="EMAIL:ROLE of an owner (repeatable). Default: the key's own user, if its role may "
    "configure call forwarding.",
)
@click.option("--include-empty", is_flag=True, help="Also list senders without forwarding.")
@click.option("--force", is_flag=True, help="Overwrite an existing manifest.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="callfwd.yaml.")
def command(
    account: str,
    out_dir: str,
    team: str,
    owners: tuple[str, ...],
    include_empty: bool,
    force: bool,
    config_path: str | None,
) -> int:
    """Write a manifest from what is live in ACCOUNT.

    Toll-free US senders with forwarding are listed (all of them with
    --include-empty). A plan right after the import shows no changes.
    """
    import asyncio

    from reconciler.commands import common
    from reconciler.config import load_config
    from reconciler.errors import CallfwdError
    from reconciler.importer import Owner, render_manifest, schema_ref_from
    from reconciler.planner import open_client, preflight
    from reconciler.roles import allowed_list, may_configure
    from reconciler.state import LiveSender

    parsed = [_owner(o) for o in owners]
    target_path = Path(out_dir) / account / f"{team}.yaml"
    if target_path.exists() and not force:
        raise CallfwdError(f"{target_path} exists; pass --force to overwrite it")

    config = load_config(config_path)
    target = common.resolve_targets(config, [account])[account]

    async def read() -> tuple[list[Owner], list[LiveSender]]:
        async with open_client(target) as client:
            me = (await preflight(client, account)).me
            senders = await client.list_senders()
        found = [Owner(e, r) for e, r in parsed]
        if not found:
            if me is None or not may_configure(me.role):
                raise CallfwdError(
                    "name at least one owner with --owner EMAIL:ROLE (roles that may configure "
                    f"call forwarding: {allowed_list()})"
                )
            found = [Owner(me.email, me.role)]
        return found, senders

    found, senders = asyncio.run(read())
    text = render_manifest(
        account=account,
        team=team,
        owners=found,
        senders=senders,
        include_empty=include_empty,
        schema_ref=schema_ref_from(target_path, Path.cwd()),
    )
    common.write_atomic(target_path, text)
    listed = text.count("  - sender:")
    common.note(f"Wrote {target_path} ({listed} senders). Run `callfwd plan` to check it.")
    return 0
