"""``callfwd init``: a repository of manifests, ready for pull requests, in one step."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

from reconciler import output

if TYPE_CHECKING:
    from reconciler.engine.initialize import InitResult


@click.command("init")
@click.option(
    "--account",
    "accounts",
    multiple=True,
    metavar="NAME[=ID]",
    help="An account, as manifests name it, with the vendor's id after '=' where it differs "
    "(acme-us=Qz4nW8). Repeatable.",
)
@click.option("--api-url", default=None, help="The settings API (default: the vendor's).")
@click.option(
    "--owner",
    "owners",
    multiple=True,
    metavar="EMAIL:ROLE",
    help="An owner of the first manifest (repeatable). Default when importing: the key's user.",
)
@click.option("--team", default="main", show_default=True, help="The first manifest's team.")
@click.option("--github-login", help="Your GitHub login, for .github/callfwd-actors.yaml.")
@click.option(
    "--import/--no-import",
    "do_import",
    default=None,
    help="Import the live forwarding (default: when the account's key variable is set).",
)
@click.option(
    "--action",
    metavar="OWNER/REPO@REF",
    help="What the workflows' callfwd steps use (default: this release, callfwd/callfwd@vX.Y.Z; "
    "a commit SHA pins it harder).",
)
@click.option("-y", "--yes", is_flag=True, help="Ask nothing: take the flags and defaults.")
def command(
    accounts: tuple[str, ...],
    api_url: str | None,
    owners: tuple[str, ...],
    team: str,
    github_login: str | None,
    do_import: bool | None,
    action: str | None,
    yes: bool,
) -> int:
    """Start a repository of manifests: config, a first manifest, CI workflows, pre-commit.

    Writes callfwd.yaml, manifests/ACCOUNT/TEAM.yaml (imported from the live API
    when the account's key variable is set), the pull-request, apply and drift
    workflows with the actor map, .pre-commit-config.yaml and .gitignore entries.
    Never overwrites a file: run it again and it changes nothing. On a terminal
    it asks for what the flags leave out; with --yes it asks nothing.
    """
    from reconciler.engine.initialize import Flags, gather, initialize

    if not yes and not sys.stdin.isatty():
        raise click.UsageError("not a terminal: give --yes with flags (--account, --owner, ...)")
    flags = Flags(
        accounts=accounts,
        api_url=api_url,
        owners=owners,
        team=team,
        github_login=github_login,
        do_import=do_import,
        action=action,
    )
    with _usage_errors():
        choices = gather(flags, None if yes else _Prompt())
    result = initialize(choices)
    _report(result)
    return 0 if result.ok else 1


class _Prompt:
    """The questions ``init`` asks, on the terminal."""

    def text(self, question: str, default: str | None = None) -> str:
        return str(click.prompt(question, default=default))

    def confirm(self, question: str, default: bool) -> bool:
        return click.confirm(question, default=default)


@contextlib.contextmanager
def _usage_errors() -> Iterator[None]:
    """A flag or an answer init cannot use: click's usage error (exit 64), naming the flag."""
    from reconciler.engine.initialize import InitUsage

    try:
        yield
    except InitUsage as exc:
        if exc.option is not None:
            raise click.BadParameter(exc.message, param_hint=exc.option) from None
        raise click.UsageError(exc.message) from None


def _report(result: InitResult) -> None:
    from reconciler.render.diagnostics import render_diagnostics_text

    for refused in result.not_written:
        colour = output.use_colour(stdout=False)
        output.write(render_diagnostics_text(refused.diagnostics, colour=colour), stdout=False)
        output.note(f"Not written: {refused.path} would not validate (see above).")
    for o in result.outcomes:
        output.line(
            f"{o.action:>8}  {o.path}"
            if o.action in ("created", "kept")
            else f"{o.path}: {o.action}"
        )
    if not [o for o in result.outcomes if o.action not in ("kept", "up to date")]:
        output.line(
            "Nothing to do: every file callfwd init writes is here already (none was changed)."
        )
        return
    output.line(
        "Next: `callfwd validate`; commit; then in GitHub create the environments callfwd "
        "and callfwd-read, each with the secret CALLFWD_API_KEYS (docs/ci.md, Setup)."
    )
