"""Paced from the first request: at the vendor's limits, a normal plan and apply meet no 429.

``callfwd serve`` at its default limits (the vendor's, per account and endpoint:
3/s and 60/min for the reads, 1/s and 15/min for ``GET /api/accounts`` and the
writes). The server counts every answer it gave, 429s included. Told the API is
the local one with its extensions (``api: extended``), callfwd's pacers start at
the published limits instead of learning them from refusals; not told (``auto``,
the default for an origin other than the vendor's, as ``callfwd init`` writes it),
they start there once the server's first answer says it limits.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sandbox_fixtures import Sandbox, ServerFactory, key_for, make_seed
from workspace import Workspace, manifest_text

ACCOUNTS, SENDERS, CHANGES = 3, 30, 6  # 18 writes across 3 accounts; 2 list pages each


@pytest.fixture(params=["extended", "auto"])
def paced(
    request: pytest.FixtureRequest,
    server_factory: ServerFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Workspace]:
    seed = make_seed(ACCOUNTS, SENDERS, forwarding=0, prefix="paced")
    (tmp_path / "seed.yaml").write_text(yaml.safe_dump(seed))
    server = server_factory("--admin", "--seed", str(tmp_path / "seed.yaml"))  # vendor limits
    box = Sandbox(server)
    (tmp_path / "repo").mkdir()
    monkeypatch.chdir(tmp_path / "repo")
    ws = Workspace(tmp_path / "repo", box)
    for i, acct in enumerate(seed["accounts"]):
        name = acct["id"]
        ws.accounts[name] = f"KEY_{i}"
        ws.env[f"KEY_{i}"] = key_for("paced", i)
        senders = acct["senders"][:CHANGES]
        wanted = {s["number"]: f"+131255501{i}{j}" for j, s in enumerate(senders)}
        ws.write(f"manifests/{name}.yaml", manifest_text(name, wanted))
    ws.extra_config = [f"defaults: {{api: {request.param}}}"]
    try:
        yield ws
    finally:
        box.close()


def refusals(box: Sandbox) -> list[dict[str, object]]:
    return [r for r in box.metrics()["requests"] if r["status"] == 429]


def test_a_plan_and_an_apply_across_accounts_meet_no_429_at_the_vendor_limits(
    paced: Workspace,
) -> None:
    box = paced.sandbox
    plan = paced.run("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.stdout + plan.stderr
    assert f"Plan: {ACCOUNTS * CHANGES} to create" in plan.stdout
    assert refusals(box) == [] and "HTTP 429" not in plan.stderr
    # One key check a second per account is the vendor's limit on GET /api/accounts: two
    # commands whose key checks fall in the same second would exceed it together (no
    # person or CI job runs them that close; a test does).
    time.sleep(1.1)
    apply = paced.run("apply", "--auto-approve")
    assert apply.code == 0, apply.stdout + apply.stderr
    assert f"Apply: {ACCOUNTS * CHANGES} applied." in apply.stdout
    assert len(box.writes()) == ACCOUNTS * CHANGES
    assert refusals(box) == [], refusals(box)
    assert "HTTP 429" not in apply.stderr
    calls = {(r["method"], r["route"]) for r in box.metrics()["requests"]}
    probed = ("OPTIONS", "/api/text-messaging-senders/{sender_id}") in calls
    assert probed == (paced.extra_config == ["defaults: {api: auto}"])  # known: no probe


def test_plan_out_then_apply_plan_back_to_back_as_the_apply_workflow_runs_them(
    paced: Workspace,
) -> None:
    """apply.yml runs ``plan --out`` and ``apply --plan`` one after the other in one job."""
    box = paced.sandbox
    plan = paced.run("plan", "--out", "plan.json")
    assert plan.code == 0, plan.stdout + plan.stderr
    apply = paced.run("apply", "--plan", "plan.json", "--auto-approve")
    assert apply.code == 0, apply.stdout + apply.stderr
    assert refusals(box) == [], refusals(box)
    assert "HTTP 429" not in plan.stderr + apply.stderr
