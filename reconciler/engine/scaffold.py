"""``callfwd init``: the files a repository of manifests starts from.

Answers in, file texts out (:func:`plan_files`); :func:`write_new` writes only
files that do not exist (``.gitignore`` gets only its missing lines), so a
second run changes nothing. The workflows come from the templates callfwd
ships (``engine/workflows.py``), pinned to this release of the action.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reconciler import __version__, raw_file_url
from reconciler.engine.importer import Owner, render_manifest
from reconciler.engine.workflows import WORKFLOWS, render
from reconciler.output import write_file

CONFIG = "callfwd.yaml"
ACTORS = ".github/callfwd-actors.yaml"
PRE_COMMIT = ".pre-commit-config.yaml"
GITIGNORE = ".gitignore"
# What `callfwd serve` keeps next to the manifests (its database and logs).
IGNORED = (".callfwd/",)
VENDOR_URL = "https://a.klaviyo.com"


@dataclass(frozen=True, slots=True)
class AccountAnswer:
    name: str  # as manifests write it (a slug)
    account_id: str | None  # the vendor's id, where it differs from the name
    api_url: str

    @property
    def api_key_env(self) -> str:
        """``acme-us`` -> ``ACME_US_KEY``: the variable (never the key) callfwd.yaml names."""
        return re.sub(r"[^A-Z0-9]", "_", self.name.upper()) + "_KEY"


@dataclass(frozen=True, slots=True)
class Answers:
    accounts: tuple[AccountAnswer, ...]
    owners: tuple[Owner, ...]
    team: str
    action: str  # what each workflow step `uses:`, e.g. callfwd/callfwd@v0.1.0
    github_login: str | None = None


@dataclass(frozen=True, slots=True)
class FileText:
    path: str  # relative to the repository root, with /
    text: str


@dataclass(frozen=True, slots=True)
class Outcome:
    path: str
    action: str  # "created", "kept" (it exists), "added N lines", "up to date"


def manifest_path(account: str, team: str) -> str:
    return f"manifests/{account}/{team}.yaml"


def config_text(accounts: Sequence[AccountAnswer], *, api_key_supported: bool) -> str:
    lines = [
        "# callfwd's configuration: every key is described in callfwd's docs/config.md.",
        "manifests: [manifests/]",
        "accounts:",
    ]
    for a in accounts:
        lines.append(f"  {a.name}:")
        if a.account_id is not None:
            lines.append(f"    account_id: {a.account_id}  # the vendor's id for this account")
        lines += [
            f"    api_url: {a.api_url}",
            f"    api_key_env: {a.api_key_env}  # the variable holding its key; never the key",
        ]
        published = a.api_url.rstrip("/") == VENDOR_URL
        if api_key_supported:
            lines.append(f"    api: {'published' if published else 'auto'}")
        elif published:
            lines.append(
                "    # The vendor's published API reads only: plan --format checklist guides"
            )
            lines.append("    # the changes by hand in its UI.")
    return "\n".join(lines) + "\n"


def schema_ref() -> str:
    """The manifest schema of this release, for editors (a repository of manifests has no copy)."""
    return raw_file_url("schemas/manifest.v1.schema.json", ref=f"v{__version__}") or ""


def first_manifest(account: str, answers: Answers) -> str:
    """A manifest that validates: its owners, no forwarding yet."""
    text = render_manifest(
        account=account,
        team=answers.team,
        owners=answers.owners,
        senders=[],
        include_empty=False,
        schema_ref=schema_ref(),
    )
    return text.replace(
        f"# Imported from account {account} by `callfwd import`. Edit, review, commit.",
        f"# Account {account}'s first manifest, from `callfwd init`: list its US toll-free\n"
        "# senders under forwarding (sender and forward_to, quoted), then validate and plan.",
    )


def actors_text(answers: Answers) -> str:
    lines = [
        "# Who is who for the pull-request workflow's author check (`callfwd validate --actor`):",
        "# a GitHub login (any case) -> the email the manifests list under `owners:`. It is read",
        "# from the pull request's BASE branch: a change here takes effect once merged.",
        "#",
        "#   github-login: email@in.the.manifests",
    ]
    if answers.github_login and answers.owners:
        lines.append(f"{answers.github_login}: {answers.owners[0].email}")
    else:
        lines.append("{}")
    return "\n".join(lines) + "\n"


def pre_commit_text(action: str) -> str:
    repo, _, rev = action.partition("@")
    rev = rev.split("#")[0].strip()
    url = f"https://github.com/{repo}"
    return (
        "# pre-commit (https://pre-commit.com): `pre-commit install`, then every commit that\n"
        "# touches a YAML file validates all manifests.\n"
        "repos:\n"
        f"  - repo: {url}\n"
        f"    rev: {rev}\n"
        "    hooks:\n"
        "      - id: callfwd-validate\n"
    )


def plan_files(answers: Answers, *, api_key_supported: bool) -> list[FileText]:
    """Every file ``init`` writes, in the order it writes them (callfwd.yaml first)."""
    files = [FileText(CONFIG, config_text(answers.accounts, api_key_supported=api_key_supported))]
    files += [FileText(f".github/workflows/{n}", render(n, answers.action)) for n in WORKFLOWS]
    files += [
        FileText(ACTORS, actors_text(answers)),
        FileText(PRE_COMMIT, pre_commit_text(answers.action)),
        FileText(GITIGNORE, "".join(f"{line}\n" for line in IGNORED)),
    ]
    return files


def write_new(root: Path, files: Sequence[FileText]) -> list[Outcome]:
    """Write each file that does not exist; add ``.gitignore``'s missing lines; nothing else."""
    outcomes = []
    for f in files:
        path = root / f.path
        if f.path == GITIGNORE and path.exists():
            outcomes.append(_extend_gitignore(path, f.text))
        elif path.exists() or path.is_symlink():
            outcomes.append(Outcome(f.path, "kept"))
        else:
            write_file(path, f.text)
            outcomes.append(Outcome(f.path, "created"))
    return outcomes


def _extend_gitignore(path: Path, wanted: str) -> Outcome:
    text = path.read_text(encoding="utf-8")
    have = {line.strip() for line in text.splitlines()}
    missing = [line for line in wanted.splitlines() if line.strip() not in have]
    if not missing:
        return Outcome(GITIGNORE, "up to date")
    sep = "" if not text or text.endswith("\n") else "\n"
    write_file(path, text + sep + "".join(f"{line}\n" for line in missing))
    return Outcome(GITIGNORE, f"added {', '.join(missing)}")
