"""``callfwd actor``: the email a GitHub login acts as, from the actor map on a base commit."""

from __future__ import annotations

import click

from reconciler.cli import common


@click.command("actor")
@click.argument("login")
@click.option(
    "--base",
    "base_ref",
    metavar="REF",
    required=True,
    help="Read .github/callfwd-actors.yaml as it is on REF (in CI the pull request's base), "
    "never from the working tree: a change cannot map its own author.",
)
@common.config_option
def command(login: str, base_ref: str, config_path: str | None) -> int:
    """Print the email GitHub user LOGIN acts as, for `callfwd validate --actor`.

    The actor map (`.github/callfwd-actors.yaml`) gives each login an email,
    `login: email` or `login: {email: E, roles: {ACCOUNT: ROLE}}`; logins match
    case-insensitively. Under GitHub Actions the email is also the step output
    `email`. A login the map does not give, or no map on REF, is an error (exit 1).
    """
    from pathlib import Path

    from reconciler import output
    from reconciler.config import load_config
    from reconciler.manifest.base import BaseRefError, open_base
    from reconciler.rules.base_owners import actor_email

    config = load_config(config_path)
    start = Path(config.source).resolve().parent if config.source else Path.cwd()
    try:
        base = open_base(base_ref, start, [])
    except BaseRefError as exc:
        raise click.UsageError(str(exc)) from exc
    found = actor_email(login, base)
    if not isinstance(found, str):
        output.error(found.reason)
        if output.under_github_actions():  # an annotation on the pull request's checks
            from reconciler.render.escape import annotation_message

            output.line(f"::error title=callfwd actor::{annotation_message(found.reason)}")
        return 1
    output.line(found)
    output.github_output("email", found)
    return 0
