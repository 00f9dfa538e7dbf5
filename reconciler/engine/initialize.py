"""``callfwd init`` as a library: the answers, then the repository's first files.

:func:`gather` turns the flags into ``Answers``, asking a person (``Ask``) for
what they leave out, in the order a person answers: the accounts, the API,
the owners, the GitHub login. A flag or an answer that cannot be used is an
``InitUsage`` naming the flag. :func:`initialize` writes what is missing in
the current directory (``scaffold``) and each account's first manifest,
imported from the live API where its key is set, and checked as ``validate``
would check it; a manifest that would not validate is not written, and the
result says why.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from reconciler.diagnostics import Diagnostic
from reconciler.engine.importer import Owner, parse_owner
from reconciler.engine.scaffold import (
    CONFIG,
    VENDOR_URL,
    AccountAnswer,
    Answers,
    Outcome,
    manifest_path,
)
from reconciler.errors import CallfwdError

if TYPE_CHECKING:
    from reconciler.config import Config


class Ask(Protocol):
    """A person at a terminal, asked for what the flags leave out."""

    def text(self, question: str, default: str | None = None) -> str: ...

    def confirm(self, question: str, default: bool) -> bool: ...


class InitUsage(CallfwdError):
    """What the flags (or answers) leave out or get wrong; ``option`` names the flag, if one."""

    def __init__(self, message: str, *, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option


@dataclass(frozen=True, slots=True)
class Flags:
    """``callfwd init``'s options as given (None: not given)."""

    accounts: tuple[str, ...] = ()  # NAME[=VENDOR_ID]
    api_url: str | None = None
    owners: tuple[str, ...] = ()  # EMAIL:ROLE
    team: str = "main"
    github_login: str | None = None
    do_import: bool | None = None
    action: str | None = None


@dataclass(frozen=True, slots=True)
class Choices:
    """What init will do: the answers, and per account whether to import its live forwarding."""

    answers: Answers
    importing: Mapping[str, bool]


@dataclass(frozen=True, slots=True)
class NotWritten:
    """A first manifest that would not validate, with the diagnostics that say why."""

    path: str
    diagnostics: Sequence[Diagnostic]


@dataclass
class InitResult:
    outcomes: list[Outcome] = field(default_factory=list)  # every file, in the order written
    not_written: list[NotWritten] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.not_written


def parse_account(value: str) -> tuple[str, str | None]:
    """``acme-us=Qz4nW8`` -> (``acme-us``, ``Qz4nW8``); ``acme-us`` -> (``acme-us``, None)."""
    from reconciler.config.model import ACCOUNT_ID
    from reconciler.manifest.model import ACCOUNT_PATTERN

    name, sep, account_id = value.partition("=")
    if not re.fullmatch(ACCOUNT_PATTERN, name):
        raise InitUsage(
            f"{name!r}: the name manifests use must be a slug (lowercase letters, digits, "
            "dashes), e.g. acme-us; give the vendor's id after '=': acme-us=Qz4nW8",
            option="--account",
        )
    if sep and not ACCOUNT_ID.fullmatch(account_id):
        raise InitUsage(f"{account_id!r} is not a vendor account id", option="--account")
    return name, (account_id or None)


def gather(flags: Flags, ask: Ask | None, *, environ: Mapping[str, str] = os.environ) -> Choices:
    """The answers from ``flags``, asking ``ask`` (None: ask nothing) for what they leave out."""
    accounts = _accounts(flags.accounts, ask)
    api_url = _api_url(flags.api_url, ask)
    pin = _pin(flags.action)
    owners = [_owner(o) for o in flags.owners]
    rows = tuple(AccountAnswer(name, account_id, api_url) for name, account_id in accounts)
    importing = _importing(rows, flags.do_import, ask, environ)
    if not owners and not all(importing.values()):
        if ask is None:
            raise InitUsage("name an owner with --owner EMAIL:ROLE (or import with a key)")
        owners = [_owner(ask.text("Owner (EMAIL:ROLE, e.g. dana@acme.example:manager)"))]
    login = flags.github_login
    if login is None and ask is not None:
        login = ask.text("Your GitHub login (blank: skip)", default="") or None
    return Choices(Answers(rows, tuple(owners), flags.team, pin, login), importing)


def _accounts(given: Sequence[str], ask: Ask | None) -> list[tuple[str, str | None]]:
    parsed = [parse_account(a) for a in given]
    if not parsed and ask is not None:
        name = ask.text("Account name, as manifests will write it (e.g. acme-us)")
        account_id = ask.text("The vendor's id for it (blank: the same)", default="")
        parsed = [parse_account(f"{name}={account_id}" if account_id else name)]
    if not parsed:
        raise InitUsage("name at least one account: --account NAME[=VENDOR_ID]")
    return parsed


def _api_url(given: str | None, ask: Ask | None) -> str:
    from reconciler.config import url_problem

    if given is not None:
        url = given
    else:
        url = ask.text("Settings API", default=VENDOR_URL) if ask is not None else VENDOR_URL
    if problem := url_problem(url):
        raise InitUsage(f"api_url {problem}", option="--api-url")
    return url


def _pin(action: str | None) -> str:
    from reconciler.engine.workflows import release_action

    pin = action or release_action()
    if pin is None:
        raise InitUsage("callfwd's release is unknown here (not installed): give --action")
    return pin


def _owner(value: str) -> Owner:
    try:
        return parse_owner(value)
    except ValueError as exc:
        raise InitUsage(str(exc), option="--owner") from None


def _importing(
    rows: Sequence[AccountAnswer],
    do_import: bool | None,
    ask: Ask | None,
    environ: Mapping[str, str],
) -> dict[str, bool]:
    """Per account: read its live forwarding? Only with its key in the environment."""
    out = {}
    for row in rows:
        has_key = bool(environ.get(row.api_key_env))
        if do_import and not has_key:
            raise InitUsage(f"--import needs the key of {row.name} in ${row.api_key_env}")
        want = has_key if do_import is None else do_import
        if want and do_import is None and ask is not None:
            want = ask.confirm(
                f"Import {row.name}'s live forwarding with ${row.api_key_env}?", default=True
            )
        out[row.name] = want
    return out


def initialize(choices: Choices) -> InitResult:
    """Write what is missing in the current directory; each first manifest only if it validates.

    Never overwrites a file: run it again and it changes nothing.
    """
    from reconciler.config import load_config
    from reconciler.config.model import AccountConfig
    from reconciler.engine.scaffold import plan_files, write_new
    from reconciler.output import write_file

    root = Path.cwd()
    answers = choices.answers
    files = plan_files(answers, api_key_supported="api" in AccountConfig.model_fields)
    result = InitResult(write_new(root, files))
    config = load_config(CONFIG)  # the one on disk, whoever wrote it
    for account in answers.accounts:
        path = manifest_path(account.name, answers.team)
        if (root / path).exists():
            result.outcomes.insert(1, Outcome(path, "kept"))
            continue
        text = _manifest_text(account.name, answers, config, choices.importing[account.name])
        errors = _check(text, path, config)
        if errors:
            result.not_written.append(NotWritten(path, errors))
            continue
        write_file(root / path, text)
        result.outcomes.insert(1, Outcome(path, "created"))
    return result


def _manifest_text(account: str, answers: Answers, config: Config, live: bool) -> str:
    """The account's first manifest: its live forwarding, or its owners and no forwarding."""
    from reconciler.engine.scaffold import first_manifest

    if not live:
        return first_manifest(account, answers)
    from reconciler.config import trust
    from reconciler.config.accounts import resolve_accounts
    from reconciler.engine.importer import read_live, render_manifest
    from reconciler.engine.scaffold import schema_ref
    from reconciler.engine.session import run

    # callfwd.yaml on disk, run by the person who asked for it: trusted as itself
    targets = resolve_accounts(trust(config), [account])
    found = run(targets, lambda s: read_live(s, account, answers.owners), config=config)
    return render_manifest(
        account=account,
        team=answers.team,
        owners=found.owners,
        senders=found.senders,
        include_empty=False,
        schema_ref=schema_ref(),
    ).replace("`callfwd import`", "`callfwd init`")


def _check(text: str, path: str, config: Config) -> list[Diagnostic]:
    from reconciler.engine.importer import check_new_manifest

    return check_new_manifest(text, Path(path), config)
