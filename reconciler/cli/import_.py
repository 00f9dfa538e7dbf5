"""``callfwd import``: bootstrap manifests from a live account; it writes only what validates."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from reconciler import output
from reconciler.cli import common, options

if TYPE_CHECKING:
    from reconciler.config import Config
    from reconciler.engine.importer import Owner


def _owner(value: str) -> Owner:
    from reconciler.engine.importer import parse_owner

    try:
        return parse_owner(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--owner") from None


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
    help="EMAIL:ROLE of an owner (repeatable). Default: the key's own user, if the API says "
    "who it is and its role may configure call forwarding.",
)
@click.option("--include-empty", is_flag=True, help="Also list senders without forwarding.")
@click.option("--force", is_flag=True, help="Overwrite an existing manifest.")
@common.config_option
@options.trusted_config_option
def command(
    account: str,
    out_dir: str,
    team: str,
    owners: tuple[str, ...],
    include_empty: bool,
    force: bool,
    config_path: str | None,
    trusted_config_path: str | None,
) -> int:
    """Write a manifest from what is live in ACCOUNT.

    Toll-free US senders with forwarding are listed (all of them with
    --include-empty), except senders another manifest already declares. The
    manifest is validated with the rest before it is written; a plan right
    after the import shows no changes.
    """
    from reconciler.engine.importer import (
        check_new_manifest,
        read_live,
        render_manifest,
        schema_ref_from,
        unique_senders,
    )
    from reconciler.engine.session import run
    from reconciler.errors import CallfwdError

    parsed = [_owner(o) for o in owners]
    target_path = Path(out_dir) / account / f"{team}.yaml"
    if target_path.exists() and not force:
        raise CallfwdError(f"{target_path} exists; pass --force to overwrite it")

    config, trusted = common.load_config_pair(config_path, trusted_config_path)
    targets = common.resolve_targets(trusted, [account])  # an added account is refused
    declared = _declared_elsewhere(config, account, target_path)

    live = run(targets, lambda session: read_live(session, account, parsed), config=trusted.config)
    # A US sender and its Canadian sibling are one sender: count numbers, not rows.
    skipped = [n for n in unique_senders(live.senders) if n in declared]
    text = render_manifest(
        account=account,
        team=team,
        owners=live.owners,
        senders=[s for s in live.senders if s.number not in declared],
        include_empty=include_empty,
        schema_ref=schema_ref_from(target_path, Path.cwd()),
    )
    errors = check_new_manifest(text, target_path, config)
    if errors:
        from reconciler.render.diagnostics import render_diagnostics_text

        colour = output.use_colour(stdout=False)
        output.write(render_diagnostics_text(errors, colour=colour), stdout=False)
        output.note(f"Nothing was written: {target_path} would not validate (see above).")
        return 1
    output.write_file(target_path, text)
    listed = text.count("  - sender:")
    output.note(f"Wrote {target_path} ({listed} sender{'' if listed == 1 else 's'}).")
    if skipped:
        output.note(
            f"Left out {len(skipped)} sender{'' if len(skipped) == 1 else 's'} that another "
            f"manifest already declares: {', '.join(skipped)}."
        )
    output.note("It validates with the other manifests; run `callfwd plan` to check it live.")
    return 0


def _declared_elsewhere(config: Config, account: str, target_path: Path) -> set[str]:
    """Senders of ``account`` that the configured manifests declare, except ``target_path``."""
    import os

    from reconciler.rules.check import validate

    result = validate(list(config.manifests), config=config) if _any_exist(config) else None
    if result is None:
        return set()
    mine = os.path.abspath(target_path)
    return {
        f.sender
        for pm in result.manifests
        if pm.account == account and os.path.abspath(pm.path) != mine
        for f in result.forwardings
        if f.position.path == pm.path
    }


def _any_exist(config: Config) -> bool:
    return any(Path(p).exists() for p in config.manifests)
