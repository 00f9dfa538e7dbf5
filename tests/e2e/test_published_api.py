"""An API that publishes reads only: known, never probed; checklists that track progress.

- ``api: published``: every command calls only what the vendor publishes (the
  server's metrics say which requests were not).
- ``api: auto`` (an unknown server): a probe answered with anything but success
  means "not offered", never a failed plan.
- ``plan --format checklist --since PLAN.json`` ticks what is done.
- apply without a terminal: the checklist and exit 3; a plan with accounts of
  both kinds applies the writable ones and lists the others.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from sandbox_fixtures import ACME_MANAGER, GLOBEX_OWNER, ROOT, Sandbox
from workspace import Workspace, manifest_text


@pytest.fixture
def vendor(published_workspace: Workspace) -> Workspace:
    return published_workspace


def test_a_published_api_is_called_only_at_its_published_endpoints(vendor: Workspace) -> None:
    box = vendor.sandbox
    runs = {
        "plan": vendor.run("plan", "--out", "plan.json"),
        "checklist": vendor.run("plan", "--format", "checklist"),
        "report": vendor.run("report"),
        "apply": vendor.run("apply", "--auto-approve"),
        "route-call": vendor.run(
            "route-call", "--account", "acme-us", "--from", "+13125550100", "--to", "+18335550100"
        ),
        "import": vendor.run("import", "--account", "acme-us", "--force"),
    }
    assert box.unpublished_requests() == [], {k: r.stderr for k, r in runs.items()}
    assert runs["plan"].code == 0 and runs["report"].code == 0
    assert runs["apply"].code == 3  # no terminal: the checklist (below)
    assert runs["route-call"].code == 0
    # /api/me is not asked of a published API: import needs the owner given
    assert runs["import"].code == 1
    assert "name at least one owner with --owner EMAIL:ROLE" in runs["import"].stderr
    methods = {(r["method"], r["route"]) for r in box.metrics()["requests"]}
    assert ("OPTIONS", "/api/text-messaging-senders/{sender_id}") not in methods
    assert box.writes() == []


def test_plan_out_on_a_read_only_api_suggests_the_guided_apply_and_the_checklist(
    vendor: Workspace,
) -> None:
    run = vendor.run("plan", "--out", "plan.json")
    assert run.code == 0
    assert "apply --plan" not in run.stderr
    assert (
        "Saved the plan to plan.json. Its API offers no forwarding write (acme-us, globex): make "
        "the changes in the vendor's UI, guided and checked one by one with `callfwd apply` on "
        "a terminal, or from `callfwd plan --format checklist --since plan.json`, which ticks "
        "what is done."
    ) in run.stderr


def test_the_checklist_since_a_saved_plan_ticks_what_is_done_then_lists_what_is_new(
    vendor: Workspace,
) -> None:
    box = vendor.sandbox
    assert vendor.run("plan", "--out", "plan.json").code == 0
    box.ui_set_forwarding("acme-us", "+18445550111", "+12125550142")  # done, as planned
    box.ui_set_forwarding("globex", "+18885550160", "+14155550123")  # done, as planned
    box.ui_set_forwarding("acme-us", "+18335550100", "+12125550100")  # an edit nobody planned

    run = vendor.run("plan", "--format", "checklist", "--since", "plan.json")
    assert run.code == 0, run.stderr
    text = run.stdout
    print(text)
    assert "3 changes to make by hand (2 of 5 done since the saved plan)" in text
    acme = text[text.index("## Account `Acme US` (id `acme-us`), `acme-us` in callfwd.yaml") :]
    tasks = re.findall(r"^- \[(.)\] \*\*[^*]+\*\* \((\+1\d{10})\)", acme, re.MULTILINE)
    assert tasks == [
        ("x", "+18445550111"),
        (" ", "+18555550122"),
        (" ", "+18665550133"),
        (" ", "+18335550100"),  # new since the plan: after the plan's own
        ("x", "+18885550160"),  # globex's, under its own heading
    ]
    assert text.index("## Account `Globex Corp` (id `globex`)") > text.index("+18335550100")
    # CF522 in a checklist says what the checklist is for, not to go and read it
    assert "`callfwd plan --format checklist` lists them" not in text
    assert "each change here is made by hand in the vendor's UI" in text

    for account, sender, to in [
        ("acme-us", "+18555550122", "+13125550175"),
        ("acme-us", "+18665550133", None),
        ("acme-us", "+18335550100", "+12125550199"),
    ]:
        box.ui_set_forwarding(account, sender, to)
    done = vendor.run("plan", "--format", "checklist", "--since", "plan.json")
    # the saved plan's four (the unplanned edit was undone: nothing to do for it)
    assert "All 4 done: live settings match the manifests." in done.stdout
    print(done.stdout)
    assert "- [ ]" not in done.stdout
    assert done.stdout.count("- [x]") == 4


def test_since_needs_a_file_that_exists_and_the_checklist_format(vendor: Workspace) -> None:
    missing = vendor.run("plan", "--format", "checklist", "--since", "nowhere.json")
    assert missing.code == 64
    assert "nowhere.json" in missing.stderr
    vendor.write("plan.json", "{}")
    other = vendor.run("plan", "--since", "plan.json")
    assert other.code == 64
    assert "--since works with --format checklist" in other.stderr


def test_cf511_is_not_repeated_for_a_sender_whose_manifest_says_no_forwarding(
    vendor: Workspace,
) -> None:
    box = vendor.sandbox
    users = [
        {
            "email": "dana@acme.example",
            "role": "manager",
            "api_key": ACME_MANAGER,
            "scopes": ["sender-config:read", "accounts:read"],
        }
    ]
    senders = [
        {"number": n, "type": "toll_free", "country": "US", "status": "registering"}
        for n in ("+18445550111", "+18555550122")
    ]
    box.reset(
        {"accounts": [{"id": "acme-us", "name": "Acme US", "users": users, "senders": senders}]}
    )
    shutil.rmtree(vendor.root / "manifests")
    vendor.accounts = {"acme-us": "ACME_US_KEY"}
    vendor.write("manifests/acme.yaml", manifest_text("acme-us", {"+18445550111": None}))
    run = vendor.run("plan")
    assert run.code == 0, run.stderr
    # the declared one was decided on; the undeclared one still gets the vendor's advice
    assert "CF511" not in run.stdout.replace("note[CF511]: +18555550122", "")
    assert "note[CF511]: +18555550122 is being verified (registering)" in run.stdout


@pytest.mark.parametrize("status", [403, 400, 401])
def test_an_unknown_server_that_refuses_the_probes_is_planned_as_offering_no_write(
    workspace: Workspace, status: int
) -> None:
    """``api: auto`` (a loopback URL's default): /api/me and OPTIONS answered as unknown routes."""
    workspace.sandbox.set_faults(
        {"kind": "error", "status": status, "path": "/api/me"},
        {"kind": "error", "status": status, "method": "OPTIONS"},
    )
    run = workspace.run("plan", "--detailed-exitcode")
    assert run.code == 2, run.stdout + run.stderr
    assert "warning[CF522]" in run.stdout
    assert "Plan: 2 to create, 1 to update, 1 to delete" in run.stdout
    fired = [r["fired"] for r in workspace.sandbox.faults()["faults"]]
    assert fired == [1, 1]  # each asked once, the answer remembered for the run
    applied = workspace.run("apply", "--auto-approve")
    assert applied.code == 3  # guided where there is a terminal; here the checklist
    assert workspace.sandbox.writes() == []


class Mixed(Workspace):
    """acme-us on the published-only server, globex on the local API with its extensions."""

    published_url = ""

    def write_config(self) -> None:
        (self.root / "callfwd.yaml").write_text(
            "manifests: [manifests/]\n"
            "accounts:\n"
            f"  acme-us: {{api_url: {self.published_url}, api_key_env: ACME_US_KEY, "
            "api: published}\n"
            f"  globex: {{api_url: {self.sandbox.url}, api_key_env: GLOBEX_KEY, api: extended}}\n"
        )


def test_a_mixed_plan_applies_what_the_api_can_and_lists_the_rest_for_a_person(
    sandbox: Sandbox,
    published_sandbox: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shutil.copytree(ROOT / "manifests", tmp_path / "manifests")
    (tmp_path / "manifests" / "sandbox-seed.yaml").unlink()
    monkeypatch.chdir(tmp_path)
    ws = Mixed(tmp_path, sandbox, env={"ACME_US_KEY": ACME_MANAGER, "GLOBEX_KEY": GLOBEX_OWNER})
    ws.published_url = published_sandbox.url
    run = ws.run("apply", "--auto-approve")
    assert run.code == 3, run.stdout + run.stderr
    assert (
        "Apply: 1 change (globex) through the API; 3 changes (acme-us) by a person in the "
        "vendor's UI: this API offers no forwarding write."
    ) in run.stderr
    assert "applied + globex +18885550160" in run.stdout
    assert sandbox.sender("globex", "+18885550160")["forward_to"] == "+14155550123"
    checklist = run.stdout[run.stdout.index("# callfwd checklist") :]
    assert "## Account `Acme US` (id `acme-us`)" in checklist
    assert checklist.count("- [ ]") == 3 and "globex" not in checklist
    assert published_sandbox.writes() == [] and published_sandbox.unpublished_requests() == []


def test_apply_json_reports_what_was_written_through_an_api_and_exits_3(vendor: Workspace) -> None:
    run = vendor.run("apply", "--auto-approve", "--format", "json")
    assert run.code == 3, run.stderr
    doc = json.loads(run.stdout)  # one document: nothing was written through an API
    assert doc["results"] == [] and set(doc["summary"].values()) == {0}
    assert "4 changes wait for a person in the vendor's UI" in run.stderr
    assert vendor.sandbox.writes() == []
