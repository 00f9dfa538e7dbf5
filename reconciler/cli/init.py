"""``callfwd init``: a repository of manifests, ready for pull requests, in one step."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reconciler import output
from reconciler.cli import common

if TYPE_CHECKING:
    from reconciler.config import Config
    from reconciler.engine.scaffold import AccountAnswer, Answers, Outcome


def _account(value: str) -> tuple[str, str | None]:
    import re

    from reconciler.config.model import ACCOUNT_ID
    from reconciler.manifest.model import ACCOUNT_PATTERN

    name, sep, account_id = value.partition("=")
    if not re.fullmatch(ACCOUNT_PATTERN, name):
        raise click.BadParameter(
            f"{name!r}: the name manifests use must be a slug (lowercase letters, digits, "
            "dashes), e.g. acme-us; give the vendor's id after '=': acme-us=Qz4nW8",
            param_hint="--account",
        )
    if sep and not ACCOUNT_ID.fullmatch(account_id):
        raise click.BadParameter(
            f"{account_id!r} is not a vendor account id", param_hint="--account"
        )
    return name, (account_id or None)


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
    from reconciler.engine.scaffold import VENDOR_URL, AccountAnswer, Answers
    from reconciler.engine.workflows import release_action

    interactive = not yes
    if interactive and not sys.stdin.isatty():
        raise click.UsageError("not a terminal: give --yes with flags (--account, --owner, ...)")
    parsed = [_account(a) for a in accounts]
    if not parsed and interactive:
        name = click.prompt("Account name, as manifests will write it (e.g. acme-us)")
        account_id = click.prompt("The vendor's id for it (blank: the same)", default="")
        parsed = [_account(f"{name}={account_id}" if account_id else name)]
    if not parsed:
        raise click.UsageError("name at least one account: --account NAME[=VENDOR_ID]")
    if api_url is None:
        api_url = click.prompt("Settings API", default=VENDOR_URL) if interactive else VENDOR_URL
    from reconciler.config import url_problem

    if problem := url_problem(api_url):
        raise click.BadParameter(f"api_url {problem}", param_hint="--api-url")
    pin = action or release_action()
    if pin is None:
        raise click.UsageError("callfwd's release is unknown here (not installed): give --action")

    from reconciler.cli.import_ import parse_owner
    from reconciler.engine.importer import Owner

    found = [Owner(*parse_owner(o)) for o in owners]
    rows = tuple(AccountAnswer(n, i, api_url) for n, i in parsed)
    importing = _importing(rows, do_import, interactive)
    if not found and not all(importing.values()) and interactive:
        found = [
            Owner(*parse_owner(click.prompt("Owner (EMAIL:ROLE, e.g. dana@acme.example:manager)")))
        ]
    if not found and not all(importing.values()):
        raise click.UsageError("name an owner with --owner EMAIL:ROLE (or import with a key)")
    if github_login is None and interactive:
        github_login = click.prompt("Your GitHub login (blank: skip)", default="") or None
    answers = Answers(rows, tuple(found), team, pin, github_login)
    return _write(answers, importing)


def _importing(
    rows: tuple[AccountAnswer, ...], do_import: bool | None, interactive: bool
) -> dict[str, bool]:
    """Per account: read its live forwarding? Only with its key in the environment."""
    out = {}
    for row in rows:
        has_key = bool(os.environ.get(row.api_key_env))
        if do_import and not has_key:
            raise click.UsageError(f"--import needs the key of {row.name} in ${row.api_key_env}")
        want = has_key if do_import is None else do_import
        if want and do_import is None and interactive:
            want = click.confirm(
                f"Import {row.name}'s live forwarding with ${row.api_key_env}?", default=True
            )
        out[row.name] = want
    return out


def _write(answers: Answers, importing: dict[str, bool]) -> int:
    from reconciler.config import load_config
    from reconciler.config.model import AccountConfig
    from reconciler.engine.scaffold import CONFIG, Outcome, manifest_path, plan_files, write_new

    root = Path.cwd()
    files = plan_files(answers, api_key_supported="api" in AccountConfig.model_fields)
    outcomes = write_new(root, files)
    config = load_config(CONFIG)  # the one on disk, whoever wrote it
    ok = True
    for account in answers.accounts:
        path = manifest_path(account.name, answers.team)
        if (root / path).exists():
            outcomes.insert(1, Outcome(path, "kept"))
            continue
        text = _manifest_text(account.name, answers, config, importing[account.name])
        if text is None:
            ok = False
            continue
        common.write_atomic(root / path, text)
        outcomes.insert(1, Outcome(path, "created"))
    _report(outcomes)
    return 0 if ok else 1


def _manifest_text(account: str, answers: Answers, config: Config, live: bool) -> str | None:
    """The account's first manifest, checked as validate would; None (and why) if it fails."""
    from reconciler.engine.importer import check_new_manifest, read_live, render_manifest
    from reconciler.engine.scaffold import first_manifest, manifest_path, schema_ref
    from reconciler.engine.session import run

    if live:
        from reconciler.config import trust

        # callfwd.yaml on disk, run by the person who asked for it: trusted as itself
        targets = common.resolve_targets(trust(config), [account])
        found = run(targets, lambda s: read_live(s, account, answers.owners), config=config)
        text = render_manifest(
            account=account,
            team=answers.team,
            owners=found.owners,
            senders=found.senders,
            include_empty=False,
            schema_ref=schema_ref(),
        ).replace("`callfwd import`", "`callfwd init`")
    else:
        text = first_manifest(account, answers)
    path = Path(manifest_path(account, answers.team))
    errors = check_new_manifest(text, path, config)
    if errors:
        from reconciler.render.diagnostics import render_diagnostics_text

        colour = output.use_colour(stdout=False)
        output.write(render_diagnostics_text(errors, colour=colour), stdout=False)
        output.note(f"Not written: {path} would not validate (see above).")
        return None
    return text


def _report(outcomes: list[Outcome]) -> None:
    changed = [o for o in outcomes if o.action not in ("kept", "up to date")]
    for o in outcomes:
        output.line(
            f"{o.action:>8}  {o.path}"
            if o.action in ("created", "kept")
            else f"{o.path}: {o.action}"
        )
    if not changed:
        output.line(
            "Nothing to do: every file callfwd init writes is here already (none was changed)."
        )
        return
    output.line(
        "Next: `callfwd validate`; commit; then in GitHub create the environments callfwd "
        "and callfwd-read, each with the secret CALLFWD_API_KEYS (docs/ci.md, Setup)."
    )
