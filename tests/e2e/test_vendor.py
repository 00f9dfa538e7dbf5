"""callfwd against exactly what the vendor publishes (``callfwd serve --published-only``).

Reads only: a key check with GET /api/accounts, the senders list; senders pending
registration with no number; an opaque mixed-case account id named through
``account_id``. Plan works, the checklist works, apply refuses with nothing written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from sandbox_fixtures import ServerFactory
from workspace import Run, manifest_text, run_cli

KEY = "sandbox-initech-manager"
SEED: dict[str, Any] = {
    "accounts": [
        {
            "id": "Qz4nW8",
            "name": "Initech",
            "users": [
                {
                    "email": "peter@initech.example",
                    "role": "manager",
                    "api_key": KEY,
                    "scopes": ["accounts:read", "sender-config:read", "sender-config:write"],
                }
            ],
            "senders": [
                {"number": "+18335550170", "type": "toll_free", "country": "US",
                 "status": "active", "forward_to": "+12125550100"},
                {"number": "+18335550170", "type": "toll_free", "country": "CA",
                 "status": "active"},
                {"number": "+18445550171", "type": "toll_free", "country": "US",
                 "status": "registering"},
                {"number": None, "type": "toll_free", "country": "US",
                 "status": "pending_registration"},
                {"number": None, "type": "toll_free", "country": "US",
                 "status": "pending_registration", "id": "01PENDINGTWO"},
                {"number": "24680", "type": "short_code", "country": "US", "status": "active"},
            ],
        }
    ]
}  # fmt: skip


class Vendorish:
    def __init__(self, root: Path, url: str, state: Any) -> None:
        self.root, self.url, self.state = root, url, state

    def run(self, *args: str) -> Run:
        return run_cli(*args, env={"INITECH_KEY": KEY})


@pytest.fixture
def vendor(
    server_factory: ServerFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Vendorish:
    seed = tmp_path / "seed.yaml"
    seed.write_text(yaml.safe_dump(SEED))
    # The vendor's own default limits: the key check and one page fit well within them.
    server = server_factory("--published-only", "--seed", str(seed))
    # A second server on the same database with --admin, to read the state as a judge.
    judge = server_factory("--admin", "--rate-limit", "off", db=tmp_path / "db1.sqlite")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "callfwd.yaml").write_text(
        "manifests: [manifests/]\n"
        "accounts:\n"
        f"  initech: {{account_id: Qz4nW8, api_url: {server.url}, api_key_env: INITECH_KEY}}\n"
    )
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "initech.yaml").write_text(
        manifest_text("initech", {"+18335550170": "+13125550199"})
    )

    def state() -> dict[str, str | None]:
        with judge.client(None) as c:
            doc = c.get("/_sandbox/state").json()
        return {
            f"{s['number']} {s['country']}": s["forward_to"]
            for a in doc["accounts"]
            for s in a["senders"]
        }

    return Vendorish(tmp_path, server.url, state)


def test_plan_against_the_published_api_lists_pending_senders_and_warns_no_write(
    vendor: Vendorish,
) -> None:
    run = vendor.run("plan", "--detailed-exitcode")
    assert run.code == 2, run.stdout + run.stderr
    out = run.stdout
    assert "~ +18335550170  +12125550100 -> +13125550199  (manifests/initech.yaml:8)" in out
    assert "note[CF510]: 2 senders are pending registration and have no number yet (" in out
    assert "01PENDINGTWO" in out
    assert "note[CF511]: +18445550171 is being verified (registering)" in out
    assert "warning[CF522]: the settings API at " in out
    assert "offers no way to change forwarding numbers" in out
    assert "1 unmanaged, 2 pending registration" in out
    doc = json.loads(vendor.run("plan", "--format", "json").stdout)
    assert doc["accounts"][0]["pending"] == sorted(doc["accounts"][0]["pending"])
    assert len(doc["accounts"][0]["pending"]) == 2
    assert [w["code"] for w in doc["warnings"]] == ["CF522"]


def test_a_key_of_another_vendor_account_is_refused_before_any_read(vendor: Vendorish) -> None:
    text = (vendor.root / "callfwd.yaml").read_text().replace("Qz4nW8", "Xy7pQ2")
    (vendor.root / "callfwd.yaml").write_text(text)
    run = vendor.run("plan")
    assert run.code == 1
    assert (
        "account initech: the API key in INITECH_KEY belongs to account Qz4nW8, not "
        "Xy7pQ2 (initech)"
    ) in run.stderr


def test_the_checklist_is_the_way_to_apply_against_the_vendor(vendor: Vendorish) -> None:
    run = vendor.run("plan", "--format", "checklist")
    assert run.code == 0
    assert (
        "- [ ] **(833) 555-0170** (+18335550170): edit: change the forwarding number from "
        "(212) 555-0100 (+12125550100) to **(312) 555-0199 (+13125550199)**"
    ) in run.stdout


def test_apply_without_a_terminal_prints_the_checklist_writes_nothing_and_exits_3(
    vendor: Vendorish,
) -> None:
    before = vendor.state()
    run = vendor.run("apply", "--auto-approve")
    assert run.code == 3, run.stderr
    assert "1 change (initech) by a person in the vendor's UI" in run.stderr
    assert "No terminal to guide you: 1 change waits for a person" in run.stderr
    assert "# callfwd checklist" in run.stdout
    assert (
        "- [ ] **(833) 555-0170** (+18335550170): edit: change the forwarding number from "
        "(212) 555-0100 (+12125550100) to **(312) 555-0199 (+13125550199)**"
    ) in run.stdout
    assert "## Account `Initech` (id `Qz4nW8`), `initech` in callfwd.yaml" in run.stdout
    assert "Traceback" not in run.stderr
    assert vendor.state() == before
    saved = vendor.run("plan", "--out", "plan.json")
    assert saved.code == 0
    assert "apply it with `callfwd apply --plan" not in saved.stderr
    assert "`callfwd plan --format checklist --since plan.json`" in saved.stderr
    again = vendor.run("apply", "--plan", "plan.json", "--auto-approve")
    assert again.code == 3 and "# callfwd checklist" in again.stdout
    assert vendor.state() == before


def test_route_call_answers_from_the_published_reads(vendor: Vendorish) -> None:
    """The published API has no call routes: callfwd reads the sender and applies the rule."""
    ask = ["route-call", "--to", "+1 833 555 0170"]
    us = vendor.run(*ask, "--from", "+1 312 555 0100")
    assert (us.code, us.stdout) == (
        0,
        "call from +13125550100 to +18335550170: forwarded to +12125550100\n",
    )
    ca = vendor.run(*ask, "--from", "+1 416 555 0100")
    assert (ca.code, ca.stdout) == (
        0,
        "call from +14165550100 to +18335550170: rings: calls from Canadian area codes are "
        "not forwarded; the line rings until the caller hangs up\n",
    )
    unset = vendor.run("route-call", "--to", "+18445550171", "--from", "+13125550100")
    assert unset.stdout == (
        "call from +13125550100 to +18445550171: rings: no forwarding number is set for "
        "+18445550171; the line rings until the caller hangs up\n"
    )
    short = vendor.run("route-call", "--to", "24680", "--from", "+13125550100")
    assert short.code == 0 and "rings: 24680 is a short code" in short.stdout
    unknown = vendor.run("route-call", "--to", "+18005550000", "--from", "+13125550100")
    assert unknown.code == 1
    # (the vendor allows one key check a second: a retry line may come first)
    assert unknown.stderr.splitlines()[-1] == (
        "error: account initech: no sender of this account has the number +18005550000"
    )
