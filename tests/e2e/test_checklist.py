"""plan --format checklist: a person follows it in the UI, and the next plan is empty."""

from __future__ import annotations

import re

from sandbox_fixtures import ACME_MANAGER, GLOBEX_OWNER, patch_body
from workspace import Workspace

TASK = re.compile(
    r"^- \[ \] \*\*(?P<ui>[^*]+)\*\* \((?P<sender>\+1\d{10})\): (?P<what>.*)$", re.MULTILINE
)
E164 = re.compile(r"\((\+1\d{10})\)")
HEADING = re.compile(r"^## Account .*, `(?P<account>[^`]+)` in callfwd\.yaml$")


def follow(workspace: Workspace, checklist: str) -> int:
    """Do what each line says, as a person in the vendor's UI would; count the lines."""
    done = 0
    account = None
    keys = {"acme-us": ACME_MANAGER, "globex": GLOBEX_OWNER}
    for line in checklist.splitlines():
        if heading := HEADING.match(line):
            account = heading["account"]
        m = TASK.match(line)
        if not m:
            continue
        assert account is not None
        what = m["what"]
        # the last number of a set-up or edit line is the one to set
        number = None if what.startswith("delete") else E164.findall(what)[-1]
        sid = workspace.sandbox.sender_id(account, m["sender"])
        with workspace.sandbox.client(keys[account]) as ui:
            r = ui.patch(f"/api/text-messaging-senders/{sid}", json=patch_body(sid, number))
            assert r.status_code == 200, r.text
        done += 1
    return done


def test_following_the_checklist_leaves_nothing_to_do(workspace: Workspace) -> None:
    run = workspace.run("plan", "--format", "checklist")
    assert run.code == 0, run.stderr
    text = run.stdout
    assert text.startswith("# callfwd checklist\n")
    assert "Settings → SMS → Sender preferences → Call forwarding" in text
    assert (
        "- [ ] **(844) 555-0111** (+18445550111): set up forwarding to "
        "**(212) 555-0142 (+12125550142)**"
    ) in text
    assert (
        "- [ ] **(855) 555-0122** (+18555550122): edit: change the forwarding number from "
        "(312) 555-0100 (+13125550100) to **(312) 555-0175 (+13125550175)**"
    ) in text
    assert (
        "- [ ] **(866) 555-0133** (+18665550133): delete the forwarding number "
        "(now (617) 555-0100 (+16175550100))"
    ) in text
    # headed by the account as the vendor's UI names it, and its id there
    acme = "## Account `Acme US` (id `acme-us`), `acme-us` in callfwd.yaml"
    globex = "## Account `Globex Corp` (id `globex`), `globex` in callfwd.yaml"
    assert text.index(acme) < text.index(globex)
    assert follow(workspace, text) == 4
    again = workspace.run("plan", "--detailed-exitcode")
    assert again.code == 0, again.stdout
    done = workspace.run("plan", "--format", "checklist")
    assert "Nothing to do: live settings match the manifests." in done.stdout
    assert "- [ ]" not in done.stdout
