"""Shared helpers for the reliability tests: workspaces on disk, CLI runs, audit reading.

The tests here prove the promises in docs/reliability.md. They run the real
parts: the ``callfwd serve`` process from tests/sandbox_fixtures.py, the CLI
in-process through click's CliRunner or as a real subprocess.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sandbox_fixtures import ROOT

from reconciler.cli import cli
from reconciler.config import AccountTarget, RetryConfig
from reconciler.secrets import Secret

# Forwarding numbers within the rules: US, geographic, never a sender (no loops).
POOL = ("+12125550100", "+12125550142", "+13125550175", "+16175550100", "+14155550123")
TOLL_FREE = ("833", "844", "855", "866", "877", "888", "800")


def key_id(key: str) -> str:
    """How the server names a key in its audit log and request log (docs/api.md)."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def target(
    name: str,
    url: str,
    key: str,
    *,
    prune: bool = False,
    max_attempts: int = 4,
    max_total: float = 1.0,
) -> AccountTarget:
    """An account as ``resolve_accounts`` would build it, with a small retry budget."""
    return AccountTarget(
        name=name,
        api_url=url,
        api_key=Secret(key),
        api_key_env=f"KEY_{name.upper().replace('-', '_')}",
        prune=prune,
        retry=RetryConfig(max_attempts=max_attempts, max_total=max_total),
    )


def manifest_text(account: str, senders: Mapping[str, str | None], *, pretty: bool = False) -> str:
    """A manifest within the rules; ``pretty`` writes senders as ``+1 (833) 300-0001``."""
    rows = []
    for number, fwd in senders.items():
        shown = f"+1 ({number[2:5]}) {number[5:8]}-{number[8:]}" if pretty else number
        value = "null" if fwd is None else f'"{fwd}"'
        rows.append(f'  - sender: "{shown}"\n    forward_to: {value}\n')
    return (
        f"version: 1\naccount: {account}\nteam: reliability\nowners:\n"
        f"  - email: ops@{account}.example\n    role: manager\nforwarding:\n{''.join(rows)}"
    )


@dataclass
class AccountSpec:
    name: str
    env: str
    key: str
    prune: bool = False
    extra: tuple[str, ...] = ()  # more lines of its callfwd.yaml section ("max_pages: 3")


def write_workspace(
    root: Path,
    url: str,
    accounts: Sequence[AccountSpec],
    desired: Mapping[str, Mapping[str, str | None]],
    *,
    pretty: bool = False,
    max_attempts: int = 4,
    max_total: float = 1.0,
) -> dict[str, str]:
    """Write callfwd.yaml and one manifest per account that declares senders; the env."""
    manifests = root / "manifests"
    manifests.mkdir(parents=True, exist_ok=True)
    for old in manifests.glob("*.yaml"):
        old.unlink()
    for account, senders in desired.items():
        if senders:
            (manifests / f"{account}.yaml").write_text(
                manifest_text(account, senders, pretty=pretty)
            )
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
    (root / "callfwd.yaml").write_text("\n".join(lines) + "\n")
    return {a.env: a.key for a in accounts}


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def run_cli(args: Sequence[str], env: Mapping[str, str]) -> Run:
    """The CLI in this process, as users call it (callfwd's exit codes included)."""
    result = CliRunner().invoke(cli, list(args), env=dict(env))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


def cli_subprocess(
    args: Sequence[str], env: Mapping[str, str], cwd: Path, *, name: str = "run"
) -> subprocess.Popen[bytes]:
    """``python -m reconciler ARGS`` as a real process; stdout and stderr go to files.

    Files, not pipes: a process that writes more than a pipe holds while nobody
    reads would block, and a test waiting for it would hang.
    """
    full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
    full_env["PYTHONPATH"] = str(ROOT)
    with (cwd / f"{name}.stdout").open("wb") as out, (cwd / f"{name}.stderr").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "reconciler", *args],
            cwd=cwd,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )


def output_of(cwd: Path, name: str = "run") -> tuple[str, str]:
    """What a ``cli_subprocess`` run wrote: (stdout, stderr)."""
    return tuple(  # type: ignore[return-value]
        (cwd / f"{name}.{s}").read_text(errors="replace") for s in ("stdout", "stderr")
    )


def json_lines(path: Path) -> list[dict[str, Any]]:
    """Every line of a JSON-lines file, each required to be whole JSON ending in a newline."""
    data = path.read_bytes()
    if not data:
        return []
    assert data.endswith(b"\n"), f"{path}: last line cut short: {data[-200:]!r}"
    return [json.loads(line) for line in data.decode().splitlines()]
