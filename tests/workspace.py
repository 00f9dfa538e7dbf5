"""The one fixture module for workspaces, manifests and CLI runs.

Every test that writes a manifest, a ``callfwd.yaml`` or a workspace, or runs
``callfwd``, does it through this module:

- ``manifest_text`` / ``write_manifest``: a manifest within the rules, built in one place;
- ``config_text`` / ``write_workspace``: callfwd.yaml and the manifests for a set of accounts;
- ``Workspace``: a temp directory against a sandbox server, rewritten before each run;
- ``run_cli``: the CLI in this process, as users call it (click's CliRunner on
  ``reconciler.cli.cli``, the console script's entry point, exit codes included);
- ``run_process`` / ``start_process``: ``python -m reconciler`` as its own process.

Commands run with keys only in the environment. A traceback is never an answer: an
exception that escapes the CLI, a traceback printed without ``--debug`` or callfwd's
"internal error" message fails the test where it happened.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sandbox_fixtures import ACME_MANAGER, GLOBEX_OWNER, ROOT, Sandbox, key_for, make_seed

from reconciler.cli import cli

Senders = Mapping[str, str | None] | Sequence[tuple[str, str | None]]
DANA = "dana@acme.example"


# --- manifests ------------------------------------------------------------------------


def manifest_text(
    account: str,
    senders: Senders,
    *,
    team: str = "t",
    owner: str = DANA,
    role: str = "manager",
    owners: Sequence[tuple[str, str]] | None = None,
    pretty: bool = False,
) -> str:
    """A manifest: ``senders`` maps a sender to its forwarding number (None: none), or is a
    list of pairs (to repeat a sender); ``owners`` as (email, role) replaces owner/role;
    ``pretty`` writes E.164 senders as ``+1 (833) 300-0001``."""
    rows = senders.items() if isinstance(senders, Mapping) else senders
    lines = ["version: 1", f"account: {account}", f"team: {team}", "owners:"]
    for email, their_role in owners if owners is not None else [(owner, role)]:
        lines += [f"  - email: {email}", f"    role: {their_role}"]
    lines.append("forwarding:")
    for sender, forward_to in rows:
        shown = _pretty(sender) if pretty else sender
        lines.append(f'  - sender: "{shown}"')
        lines.append(
            "    forward_to: null" if forward_to is None else f'    forward_to: "{forward_to}"'
        )
    return "\n".join(lines) + "\n"


def _pretty(number: str) -> str:
    return f"+1 ({number[2:5]}) {number[5:8]}-{number[8:]}" if number.startswith("+1") else number


def write_file(path: Path, text: str) -> Path:
    """``text`` at ``path``, parent folders made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_files(root: Path, files: Mapping[str, str | None]) -> None:
    """Each file's text at its path under ``root``; None deletes the file."""
    for rel, text in files.items():
        if text is None:
            (root / rel).unlink()
        else:
            write_file(root / rel, text)


def write_manifest(path: Path, account: str, senders: Senders, **kw: Any) -> Path:
    """``manifest_text(account, senders, **kw)`` at ``path``; the team is the file's stem
    unless given."""
    kw.setdefault("team", path.stem)
    return write_file(path, manifest_text(account, senders, **kw))


# --- callfwd.yaml ----------------------------------------------------------------------


@dataclass
class AccountSpec:
    """One account of callfwd.yaml: its key's variable and the key the test puts there."""

    name: str
    env: str
    key: str
    prune: bool = False
    extra: tuple[str, ...] = ()  # more lines of its section ("max_pages: 3")


def config_text(
    url: str,
    accounts: Iterable[AccountSpec],
    *,
    manifests: str = "manifests/",
    max_attempts: int = 4,
    max_total: float = 5,
    extra: Sequence[str] = (),
) -> str:
    """callfwd.yaml for ``accounts`` on the API at ``url``, with a small retry budget (the
    defaults are 8 attempts and 120 s); ``extra`` adds top-level lines."""
    lines = [
        f"manifests: [{manifests}]",
        f"retry: {{max_attempts: {max_attempts}, max_total: {max_total}}}",
        "accounts:",
    ]
    for a in accounts:
        lines += [f"  {a.name}:", f"    api_url: {url}", f"    api_key_env: {a.env}"]
        if a.prune:
            lines.append("    prune: true")
        lines += [f"    {line}" for line in a.extra]
    return "\n".join([*lines, *extra]) + "\n"


def write_workspace(
    root: Path,
    url: str,
    accounts: Sequence[AccountSpec],
    desired: Mapping[str, Senders],
    *,
    pretty: bool = False,
    max_attempts: int = 4,
    max_total: float = 1.0,
) -> dict[str, str]:
    """callfwd.yaml and one manifest per account that declares senders (older manifests
    removed); returns the environment that holds the keys."""
    manifests = root / "manifests"
    manifests.mkdir(parents=True, exist_ok=True)
    for old in manifests.glob("*.yaml"):
        old.unlink()
    for account, senders in desired.items():
        if senders:
            write_manifest(
                manifests / f"{account}.yaml",
                account,
                senders,
                team="reliability",
                owner=f"ops@{account}.example",
                pretty=pretty,
            )
    config = config_text(
        url, accounts, manifests=str(manifests), max_attempts=max_attempts, max_total=max_total
    )
    write_file(root / "callfwd.yaml", config)
    return {a.env: a.key for a in accounts}


# --- runs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    output: str = ""  # stdout and stderr as the user saw them, interleaved


def run_cli(
    *args: str | Path, env: Mapping[str, str] | None = None, input: str | None = None
) -> Run:
    """``callfwd ARGS`` in this process, as users call it; keys only in ``env``."""
    result = CliRunner().invoke(
        cli, [str(a) for a in args], env=dict(env or {}), input=input, catch_exceptions=False
    )
    if "--debug" not in args:  # --debug asks for the traceback of an error
        assert "Traceback" not in result.output, result.output
    assert "This is a bug in callfwd" not in result.output, result.output
    return Run(result.exit_code, result.stdout, result.stderr, result.output)


def _process_env(env: Mapping[str, str] | None) -> dict[str, str]:
    return {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


def run_process(
    *args: str | Path,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
) -> Run:
    """``python -m reconciler ARGS`` as its own process, run to its end."""
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", *map(str, args)],
        cwd=cwd,
        env=_process_env(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if "--debug" not in args:
        assert "Traceback" not in done.stderr, done.stderr
    assert "This is a bug in callfwd" not in done.stderr, done.stderr
    return Run(done.returncode, done.stdout, done.stderr, done.stdout + done.stderr)


def start_process(
    args: Sequence[str], env: Mapping[str, str], cwd: Path, *, name: str = "run"
) -> subprocess.Popen[bytes]:
    """``python -m reconciler ARGS`` started, not awaited; stdout and stderr go to files
    (``output_of``). Files, not pipes: a process that writes more than a pipe holds while
    nobody reads would block, and a test waiting for it would hang."""
    with (cwd / f"{name}.stdout").open("wb") as out, (cwd / f"{name}.stderr").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "reconciler", *args],
            cwd=cwd,
            env={**_process_env(env), "NO_COLOR": "1"},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )


def output_of(cwd: Path, name: str = "run") -> tuple[str, str]:
    """What a ``start_process`` run wrote: (stdout, stderr)."""
    return tuple(  # type: ignore[return-value]
        (cwd / f"{name}.{s}").read_text(errors="replace") for s in ("stdout", "stderr")
    )


# --- a workspace against a sandbox -----------------------------------------------------


@dataclass
class Workspace:
    """A temp directory of manifests whose callfwd.yaml names ``accounts`` on ``server``;
    callfwd.yaml is rewritten from these fields before each run, so a test changes a field
    (``prune``, ``thresholds``, ``extra_config``…) and runs again."""

    root: Path
    sandbox: Sandbox
    env: dict[str, str] = field(default_factory=dict)  # variable -> key
    accounts: dict[str, str] = field(default_factory=dict)  # account -> its key's variable
    prune: dict[str, bool] = field(default_factory=dict)
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)
    account_extra: dict[str, tuple[str, ...]] = field(default_factory=dict)
    extra_config: list[str] = field(default_factory=list)  # more top-level lines
    max_attempts: int = 4

    def write_config(self) -> None:
        specs = []
        for name, env in self.accounts.items():
            extra = list(self.account_extra.get(name, ()))
            if name in self.thresholds:
                extra.append("thresholds:")
                extra += [f"  {k}: {v}" for k, v in self.thresholds[name].items()]
            specs.append(
                AccountSpec(
                    name, env, self.env.get(env, ""), self.prune.get(name, False), tuple(extra)
                )
            )
        text = config_text(
            self.sandbox.url, specs, max_attempts=self.max_attempts, extra=self.extra_config
        )
        write_file(self.root / "callfwd.yaml", text)

    def write(self, rel: str, text: str) -> Path:
        return write_file(self.root / rel, text)

    def use_generated(self, prefix: str, accounts: int, senders: int, **kw: Any) -> None:
        """Reset the sandbox to ``make_seed(...)``; callfwd.yaml and env follow; no manifests."""
        self.sandbox.reset(make_seed(accounts, senders, prefix=prefix, **kw))
        self.accounts = {}
        for i in range(accounts):
            env = f"KEY_{prefix.upper()}_{i}"
            self.accounts[f"{prefix}-{i:04d}"] = env
            self.env[env] = key_for(prefix, i)
        shutil.rmtree(self.root / "manifests", ignore_errors=True)

    def run(self, *args: str, input: str | None = None) -> Run:
        """``callfwd ARGS`` in this process, in ``root`` (the fixture's working directory)."""
        self.write_config()
        return run_cli(*args, env=self.env, input=input)

    def run_process(self, *args: str) -> Run:
        """``callfwd ARGS`` as its own process (where this one runs an event loop)."""
        self.write_config()
        return run_process(*args, cwd=self.root, env=self.env)


def demo_workspace(sandbox: Sandbox, root: Path) -> Workspace:
    """The demo's manifests (not its seed) in ``root``, against ``sandbox``, with the keys of
    acme-us's manager and globex's owner; the caller makes ``root`` the working directory."""
    shutil.copytree(ROOT / "manifests", root / "manifests")
    (root / "manifests" / "sandbox-seed.yaml").unlink()
    return Workspace(
        root,
        sandbox,
        env={"ACME_US_KEY": ACME_MANAGER, "GLOBEX_KEY": GLOBEX_OWNER},
        accounts={"acme-us": "ACME_US_KEY", "globex": "GLOBEX_KEY"},
    )
