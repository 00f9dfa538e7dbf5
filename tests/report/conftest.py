"""Fixtures for ``callfwd report``: a seed with every kind of sender, run against the real server.

Two accounts: ``acme-us`` (declared in one manifest) and ``globex`` (configured in
callfwd.yaml, vendor id ``Gx7Lm2``, ``prune: true``, in no manifest). Every
figure the tests expect is computed by hand in ``report_seed.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from report_seed import SEED
from report_workspace import ReportWorkspace
from sandbox_fixtures import Sandbox, SeedLike


@pytest.fixture
def sandbox_seed() -> SeedLike:
    return SEED


@pytest.fixture
def ws(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ReportWorkspace:
    return ReportWorkspace(tmp_path, sandbox, monkeypatch)
