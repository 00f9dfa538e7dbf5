"""Fixtures for end-to-end runs of the CLI against the sandbox server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sandbox_fixtures import ROOT, Sandbox
from workspace import Workspace


@pytest.fixture
def workspace(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """The demo manifests and seed, in a temp dir, against the session's sandbox server."""
    shutil.copytree(ROOT / "manifests", tmp_path / "manifests")
    (tmp_path / "manifests" / "sandbox-seed.yaml").unlink()
    (tmp_path / "schemas").mkdir()
    return Workspace(tmp_path, sandbox, monkeypatch)


@pytest.fixture
def published_workspace(
    published_sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Workspace:
    """The demo manifests against the published-only server, known to be the published API
    (``api: published``): only the vendor's published reads; a person makes every change."""
    shutil.copytree(ROOT / "manifests", tmp_path / "manifests")
    (tmp_path / "manifests" / "sandbox-seed.yaml").unlink()
    ws = Workspace(tmp_path, published_sandbox, monkeypatch)
    ws.extra_config = ["defaults: {api: published}"]
    ws.write_config()
    return ws
