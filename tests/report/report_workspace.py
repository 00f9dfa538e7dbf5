"""A workspace for ``callfwd report``: the seed's manifest and a callfwd.yaml naming both
accounts, run as users run it (click's CliRunner on ``reconciler.cli.cli``)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from report_seed import ACME_KEY, CARE, CARE_PATH, GLOBEX_KEY
from sandbox_fixtures import Sandbox

from reconciler.cli import cli


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


class ReportWorkspace:
    def __init__(self, root: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.sandbox = sandbox
        self.env = {"ACME_KEY": ACME_KEY, "GLOBEX_KEY": GLOBEX_KEY}
        self.write(CARE_PATH, CARE)
        self.config = (
            "manifests: [manifests/]\n"
            "retry: {max_attempts: 2, max_total: 5}\n"
            "accounts:\n"
            f"  acme-us: {{api_url: '{sandbox.url}', api_key_env: ACME_KEY}}\n"
            f"  globex: {{api_url: '{sandbox.url}', api_key_env: GLOBEX_KEY, "
            "account_id: Gx7Lm2, prune: true}\n"
        )
        monkeypatch.chdir(root)

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def run_process(self, *args: str) -> Run:
        """``callfwd ARGS`` as its own process (where this one runs an event loop)."""
        (self.root / "callfwd.yaml").write_text(self.config, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "reconciler", *args],
            cwd=self.root,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    def run(self, *args: str) -> Run:
        (self.root / "callfwd.yaml").write_text(self.config, encoding="utf-8")
        result = CliRunner().invoke(cli, list(args), env=self.env)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Run(result.exit_code, result.stdout, result.stderr)
