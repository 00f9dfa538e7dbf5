"""A workspace for end-to-end runs: manifests + callfwd.yaml pointing at the sandbox.

Commands run as users call them: through ``reconciler.cli.cli`` with click's
CliRunner (the same entry point as the console script, exit codes included),
in a temp directory, with keys only in the environment.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sandbox_fixtures import ACME_MANAGER, GLOBEX_OWNER, Sandbox, key_for, make_seed

from reconciler.cli import cli


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


class Workspace:
    def __init__(self, root: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.sandbox = sandbox
        self.env: dict[str, str] = {"ACME_US_KEY": ACME_MANAGER, "GLOBEX_KEY": GLOBEX_OWNER}
        self.accounts: dict[str, str] = {"acme-us": "ACME_US_KEY", "globex": "GLOBEX_KEY"}
        self.prune: dict[str, bool] = {}
        self.thresholds: dict[str, dict[str, float]] = {}
        self.extra_config: list[str] = []  # more top-level lines of callfwd.yaml
        monkeypatch.chdir(root)

    def write_config(self) -> None:
        # A small retry budget keeps the fault tests quick; the defaults are 8 and 120 s.
        lines = ["manifests: [manifests/]", "retry: {max_attempts: 4, max_total: 5}", "accounts:"]
        for name, env in self.accounts.items():
            lines += [f"  {name}:", f"    api_url: {self.sandbox.url}", f"    api_key_env: {env}"]
            if self.prune.get(name):
                lines.append("    prune: true")
            if name in self.thresholds:
                lines.append("    thresholds:")
                lines += [f"      {k}: {v}" for k, v in self.thresholds[name].items()]
        (self.root / "callfwd.yaml").write_text("\n".join([*lines, *self.extra_config]) + "\n")

    def use_generated(self, prefix: str, accounts: int, senders: int, **kw: Any) -> None:
        """Reset the sandbox to ``make_seed(...)``; callfwd.yaml and env follow; no manifests."""
        self.sandbox.reset(make_seed(accounts, senders, prefix=prefix, **kw))
        self.accounts = {}
        for i in range(accounts):
            env = f"KEY_{prefix.upper()}_{i}"
            self.accounts[f"{prefix}-{i:04d}"] = env
            self.env[env] = key_for(prefix, i)
        shutil.rmtree(self.root / "manifests", ignore_errors=True)

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def run(self, *args: str, input: str | None = None) -> Run:
        self.write_config()
        result = CliRunner().invoke(cli, list(args), env=self.env, input=input)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Run(result.exit_code, result.stdout, result.stderr)


def manifest(
    account: str,
    senders: dict[str, str | None],
    *,
    owner: str = "dana@acme.example",
    role: str = "manager",
) -> str:
    rows = "".join(
        f'  - sender: "{s}"\n    forward_to: {"null" if f is None else chr(34) + f + chr(34)}\n'
        for s, f in senders.items()
    )
    return (
        f"version: 1\naccount: {account}\nteam: t\nowners:\n  - email: {owner}\n"
        f"    role: {role}\nforwarding:\n{rows}"
    )
