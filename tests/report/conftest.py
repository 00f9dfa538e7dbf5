"""Fixtures for ``callfwd report``: a seed with every kind of sender, run against the real server.

Two accounts: ``acme-us`` (declared in one manifest) and ``globex`` (configured in
callfwd.yaml, vendor id ``Gx7Lm2``, ``prune: true``, in no manifest). Every
figure the tests expect is computed by hand in ``report_seed.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from report_seed import ACME_KEY, CARE, CARE_PATH, GLOBEX_KEY, SEED
from sandbox_fixtures import Sandbox, SeedLike
from workspace import Workspace


@pytest.fixture
def sandbox_seed() -> SeedLike:
    return SEED


@pytest.fixture
def ws(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.chdir(tmp_path)
    workspace = Workspace(
        tmp_path,
        sandbox,
        env={"ACME_KEY": ACME_KEY, "GLOBEX_KEY": GLOBEX_KEY},
        accounts={"acme-us": "ACME_KEY", "globex": "GLOBEX_KEY"},
        prune={"globex": True},
        account_extra={"globex": ("account_id: Gx7Lm2",)},
        max_attempts=2,
    )
    workspace.write(CARE_PATH, CARE)
    return workspace
