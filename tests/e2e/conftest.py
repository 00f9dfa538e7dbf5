"""Fixtures for end-to-end runs of the CLI against the sandbox server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sandbox_fixtures import ACME_MANAGER, GLOBEX_OWNER, ROOT, Sandbox
from workspace import Workspace


def _demo_workspace(sandbox: Sandbox, root: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """The demo manifests (not the seed) in ``root``, the working directory, with the keys
    of acme-us's manager and globex's owner."""
    shutil.copytree(ROOT / "manifests", root / "manifests")
    (root / "manifests" / "sandbox-seed.yaml").unlink()
    monkeypatch.chdir(root)
    return Workspace(
        root,
        sandbox,
        env={"ACME_US_KEY": ACME_MANAGER, "GLOBEX_KEY": GLOBEX_OWNER},
        accounts={"acme-us": "ACME_US_KEY", "globex": "GLOBEX_KEY"},
    )


@pytest.fixture
def workspace(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """The demo manifests and seed, in a temp dir, against the session's sandbox server."""
    ws = _demo_workspace(sandbox, tmp_path, monkeypatch)
    (tmp_path / "schemas").mkdir()
    return ws


@pytest.fixture
def published_workspace(
    published_sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Workspace:
    """The demo manifests against the published-only server, known to be the published API
    (``api: published``): only the vendor's published reads; a person makes every change."""
    ws = _demo_workspace(published_sandbox, tmp_path, monkeypatch)
    ws.extra_config = ["defaults: {api: published}"]
    ws.write_config()
    return ws
