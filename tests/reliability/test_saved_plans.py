"""A saved plan is applied only while callfwd.yaml and the manifests still ask for it.

The plan file's ``manifest_digest`` covers what the manifests declare and each
account's ``prune`` flag (docs/plan-file.md). ``apply --plan`` recomputes it
from the manifests and callfwd.yaml as they are now: a plan made with
``prune: true`` must not delete forwardings on undeclared senders once
callfwd.yaml says ``prune: false`` — they are unmanaged again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sandbox_fixtures import Sandbox, key_for, make_seed
from workspace import AccountSpec, run_cli, write_workspace

ACCOUNT = "saved-0000"


@pytest.fixture
def sandbox_seed() -> dict[str, Any]:
    return make_seed(1, 6, forwarding=6, prefix="saved")  # every sender forwards


@pytest.mark.parametrize(("at_plan", "at_apply"), [(True, False), (False, True)])
def test_a_prune_flag_changed_since_the_plan_refuses_it(
    sandbox: Sandbox, tmp_path: Path, at_plan: bool, at_apply: bool
) -> None:
    first = sandbox.senders(ACCOUNT)[0]
    want = {ACCOUNT: {first["number"]: first["forward_to"]}}  # one declared, unchanged
    spec = AccountSpec(ACCOUNT, "SAVED_KEY", key_for("saved", 0), prune=at_plan)
    env = write_workspace(tmp_path, sandbox.url, [spec], want)
    cfg, out = str(tmp_path / "callfwd.yaml"), str(tmp_path / "plan.json")
    assert run_cli("plan", "--config", cfg, "--out", out, env=env).code == 0
    changes = json.loads(Path(out).read_text())["accounts"][0]["changes"]
    assert len(changes) == (5 if at_plan else 0)  # prune deletes the 5 undeclared ones

    spec.prune = at_apply
    write_workspace(tmp_path, sandbox.url, [spec], want)
    args = ["apply", "--config", cfg, "--plan", out, "--auto-approve", "--allow-mass-changes"]
    r = run_cli(*args, env=env)
    assert r.code == 1, r.stdout + r.stderr
    assert "changed since this plan was made" in r.stderr
    assert sandbox.writes() == []
    assert all(s["forward_to"] is not None for s in sandbox.senders(ACCOUNT))
