"""Forged saved plans: nothing in a plan file is trusted that apply can compute.

The plan file's ``plan_digest`` is a checksum anyone can recompute, so every
forgery here recomputes it, as a careful forger would. ``apply --plan`` against
the real local API must refuse each one with a clear message and write
nothing (the server's own audit log says so): the counts, notices and safety
verdict are computed again from the manifests, callfwd.yaml and the values
apply reads live; an account may appear once; a plan applies only to the API
and vendor account it was made against.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from reliability_helpers import POOL
from sandbox_fixtures import Sandbox, key_for, make_seed
from workspace import AccountSpec, Run, run_cli, write_workspace

from reconciler.plan import planfile

ACCOUNT = "forged-0000"
THRESHOLDS = ("thresholds: {update_share: 0.1, min_existing: 1}",)
SPEC = AccountSpec(ACCOUNT, "FORGED_KEY", key_for("forged", 0), extra=THRESHOLDS)
SEED = make_seed(1, 10, forwarding=10, prefix="forged")  # every sender forwards


@pytest.fixture
def sandbox_seed() -> dict[str, Any]:
    return SEED


def _desired(sandbox: Sandbox) -> dict[str, dict[str, str | None]]:
    """Three senders to another number: 3 updates of 3 managed forwardings (above 10%)."""
    numbers = sorted(s["number"] for s in sandbox.senders(ACCOUNT))[:3]
    return {ACCOUNT: {n: POOL[i] for i, n in enumerate(numbers)}}


def _planned(sandbox: Sandbox, tmp: Path, url: str | None = None) -> tuple[dict[str, Any], dict]:
    """A plan saved against ``url`` (default: the sandbox), as JSON; and the run's env."""
    env = write_workspace(tmp, url or sandbox.url, [SPEC], _desired(sandbox))
    cfg, out = str(tmp / "callfwd.yaml"), str(tmp / "plan.json")
    run = run_cli("plan", "--config", cfg, "--out", out, env=env)
    assert run.code == 0, run.stderr
    doc = json.loads(Path(out).read_text())
    (acct,) = doc["accounts"]
    assert acct["managed_forwardings"] == 3 and len(acct["changes"]) == 3
    assert any(n["code"] == "CF520" for n in acct["notices"])
    assert acct["api_url"] == (url or sandbox.url) and acct["account_id"] == ACCOUNT
    return doc, env


def _apply(tmp: Path, doc: dict[str, Any], env: dict[str, str], *extra: str) -> Run:
    doc["plan_digest"] = planfile._bind(doc)  # recomputed: the checksum proves nothing
    (tmp / "plan.json").write_text(json.dumps(doc))
    cfg = str(tmp / "callfwd.yaml")
    return run_cli("apply", "--config", cfg, "--plan", str(tmp / "plan.json"), *extra, env=env)


def _account(doc: dict[str, Any]) -> dict[str, Any]:
    return dict(doc["accounts"][0])


def _without_warnings(acct: dict[str, Any]) -> None:
    acct["notices"] = [n for n in acct["notices"] if n["code"] != "CF520"]


def _counts(doc: dict[str, Any]) -> None:
    acct = doc["accounts"][0]
    acct["managed_forwardings"] = 100_000
    acct["managed"] = 100_000
    _without_warnings(acct)


def _summary(doc: dict[str, Any]) -> None:
    acct = doc["accounts"][0]
    acct["summary"] = {**acct["summary"], "unchanged": 99_997}
    _counts(doc)


FORGERIES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "counts": (_counts, "above the 10% safety threshold"),
    "notices": (lambda d: _without_warnings(d["accounts"][0]), "above the 10% safety threshold"),
    "summary": (_summary, "above the 10% safety threshold"),
    "duplicated-account": (
        lambda d: d["accounts"].append(_account(d)),
        f"account {ACCOUNT} appears twice in the plan",
    ),
    "another-api": (
        lambda d: d["accounts"][0].update(api_url="https://api.example.com"),
        f"account {ACCOUNT} was planned against https://api.example.com",
    ),
    "another-vendor-account": (
        lambda d: d["accounts"][0].update(account_id="Qz4nW8"),
        "(vendor account Qz4nW8), but callfwd.yaml now sends it to",
    ),
}


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_a_forged_plan_with_a_recomputed_digest_writes_nothing(
    sandbox: Sandbox, tmp_path: Path, name: str
) -> None:
    doc, env = _planned(sandbox, tmp_path)
    forge, message = FORGERIES[name]
    forge(doc)
    run = _apply(tmp_path, doc, env, "--auto-approve")
    assert run.code == 1, run.stdout + run.stderr
    assert message in run.stderr
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    assert sandbox.writes() == []


def test_the_untouched_plan_applies_only_when_mass_changes_are_allowed(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """The control: the same file, not forged, is refused by the threshold and applies with
    the flag (what refuses the forgeries above is the check, not something else)."""
    doc, env = _planned(sandbox, tmp_path)
    refused = _apply(tmp_path, dict(doc), env, "--auto-approve")
    assert refused.code == 1 and "above the 10% safety threshold" in refused.stderr
    assert sandbox.writes() == []
    run = _apply(tmp_path, doc, env, "--auto-approve", "--allow-mass-changes")
    assert run.code == 0, run.stdout + run.stderr
    assert len(sandbox.writes()) == 3


def test_the_threshold_counts_what_is_live_at_apply_not_what_the_file_recorded(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """Forged recorded reads that pass re-derivation cannot lower the live count either:
    with the threshold raised to allow 3 of 3, the plan applies; the count apply shows is
    the live one."""
    spec = AccountSpec(ACCOUNT, SPEC.env, SPEC.key)  # default thresholds: min_existing 10
    env = write_workspace(tmp_path, sandbox.url, [spec], _desired(sandbox))
    cfg, out = str(tmp_path / "callfwd.yaml"), str(tmp_path / "plan.json")
    assert run_cli("plan", "--config", cfg, "--out", out, env=env).code == 0
    write_workspace(tmp_path, sandbox.url, [SPEC], _desired(sandbox))  # now 10%, min 1
    doc = json.loads(Path(out).read_text())
    doc["accounts"][0]["managed_forwardings"] = 0  # below min_existing: "no verdict"
    run = _apply(tmp_path, doc, env, "--auto-approve")
    assert run.code == 1 and "update 3 of 3 managed forwardings" in run.stderr
    assert sandbox.writes() == []


def test_a_plan_made_against_one_api_is_refused_against_another(
    sandbox: Sandbox, tmp_path: Path, server_factory: Any
) -> None:
    other = server_factory("--admin", "--rate-limit", "off")
    with other.client(None) as admin:
        assert admin.post("/_sandbox/reset", json=SEED).status_code == 200
    doc, env = _planned(sandbox, tmp_path)
    write_workspace(tmp_path, other.url, [SPEC], _desired(sandbox))  # callfwd.yaml: now B
    run = _apply(tmp_path, doc, env, "--auto-approve", "--allow-mass-changes")
    assert run.code == 1
    assert f"was planned against {sandbox.url}" in run.stderr
    assert f"now sends it to {other.url}" in run.stderr
    with other.client(None) as admin:
        events = admin.get("/_sandbox/audit-events").json()["events"]
    assert events == [] and sandbox.writes() == []
