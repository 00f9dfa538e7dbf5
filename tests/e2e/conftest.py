"""Fixtures for end-to-end runs of the CLI against the sandbox server."""

from __future__ import annotations

from pathlib import Path

import pytest
from sandbox_fixtures import Sandbox
from workspace import Workspace, demo_workspace


@pytest.fixture
def workspace(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """The demo manifests and seed, in a temp dir, against the session's sandbox server."""
    ws = demo_workspace(sandbox, tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schemas").mkdir()
    return ws


@pytest.fixture
def published_workspace(
    published_sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Workspace:
    """The demo manifests against the published-only server, known to be the published API
    (``api: published``): only the vendor's published reads; a person makes every change."""
    ws = demo_workspace(published_sandbox, tmp_path)
    monkeypatch.chdir(tmp_path)
    ws.extra_config = ["defaults: {api: published}"]
    ws.write_config()
    return ws
