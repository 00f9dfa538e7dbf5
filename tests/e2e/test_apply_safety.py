"""Apply never writes what no reviewed manifest asked for.

Each path is run end to end against the real local server, and the server's
own audit log is the judge of what was written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_apply import DEMO_WRITES, writes
from workspace import Workspace, manifest_text

from reconciler.plan import planfile

BILLING = "manifests/acme-us/billing.yaml"


def test_prune_with_one_file_never_deletes_what_another_file_declares(
    workspace: Workspace,
) -> None:
    workspace.prune["acme-us"] = True
    run = workspace.run("apply", BILLING, "--auto-approve")
    assert run.code == 0, run.stdout + run.stderr
    # Only billing's two changes, plus the prune of the one sender no manifest declares
    # (+18775550144); customer-care's senders are declared elsewhere: untouched.
    assert writes(workspace) == {
        ("acme-us", "+18555550122", "+13125550100", "+13125550175"),
        ("acme-us", "+18665550133", "+16175550100", None),
        ("acme-us", "+18775550144", "+12065550100", None),
    }
    assert "+18445550111" not in run.stdout and "+18335550100" not in run.stdout


def test_a_path_outside_the_configured_set_turns_prune_off_and_says_so(
    workspace: Workspace,
) -> None:
    workspace.prune["acme-us"] = True
    Path("manifests/acme-us/customer-care.yaml").unlink()  # +18335550100 is declared nowhere
    inside = workspace.run("plan", BILLING)
    assert "- +18335550100  +12125550199 -> (none)  (prune: declared in no manifest)" in (
        inside.stdout
    )
    outside = workspace.write(
        "elsewhere/extra.yaml", manifest_text("acme-us", {"+18775550144": "+12065550100"})
    )
    plan = workspace.run("plan", str(outside), BILLING)
    assert plan.code == 0, plan.stderr
    assert "note[CF523]: prune is off for this run" in plan.stdout
    assert "+18335550100" not in plan.stdout
    run = workspace.run("apply", str(outside), BILLING, "--auto-approve")
    assert run.code == 0, run.stdout + run.stderr
    assert "+18335550100" not in {w[1] for w in writes(workspace)}


def test_explicit_paths_still_catch_a_sender_declared_in_two_files(workspace: Workspace) -> None:
    workspace.write(
        "manifests/acme-us/again.yaml", manifest_text("acme-us", {"+18555550122": None})
    )
    run = workspace.run("apply", BILLING, "--auto-approve")
    assert run.code == 1
    assert "error[CF208]" in run.stderr
    assert workspace.sandbox.writes() == []


# -- saved plans are re-derived, not trusted ------------------------------------------


def _saved(workspace: Workspace) -> dict[str, Any]:
    assert workspace.run("plan", "--out", "plan.json").code == 0
    doc: dict[str, Any] = json.loads(Path("plan.json").read_text())
    return doc


def _acme(doc: dict[str, Any]) -> dict[str, Any]:
    return next(a for a in doc["accounts"] if a["account"] == "acme-us")


def _globex_sender(workspace: Workspace) -> dict[str, Any]:
    return workspace.sandbox.sender("globex", "+18005550161")


Edit = Callable[[dict[str, Any], Workspace], None]
HOSTILE: dict[str, Edit] = {
    "edited-number": lambda d, w: _acme(d)["changes"][0].update(after="+13125550111"),
    "canadian-number": lambda d, w: _acme(d)["changes"][0].update(after="+14165550100"),
    "added-change": lambda d, w: _acme(d)["changes"].append(
        {**_acme(d)["changes"][0], "sender": "+18775550144", "action": "delete", "after": None}
    ),
    "removed-change": lambda d, w: _acme(d)["changes"].pop(),
    "reordered": lambda d, w: _acme(d)["changes"].reverse(),
    "another-accounts-sender": lambda d, w: _acme(d)["changes"][0].update(
        sender_id=_globex_sender(w)["id"]
    ),
    "edited-read": lambda d, w: next(
        s for s in _acme(d)["senders"] if s["number"] == "+18555550122" and s["country"] == "US"
    ).update(forwarding_number="+12125550000"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_plan_file_is_refused_whole_and_writes_nothing(
    workspace: Workspace, name: str
) -> None:
    doc = _saved(workspace)
    HOSTILE[name](doc, workspace)
    doc["plan_digest"] = planfile._bind(doc)  # a careful forger recomputes the checksum
    Path("plan.json").write_text(json.dumps(doc))
    run = workspace.run("apply", "--plan", "plan.json", "--auto-approve")
    assert run.code == 1, run.stdout
    assert "nothing was changed" in run.stderr or "refusing" in run.stderr
    assert workspace.sandbox.writes() == []


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda t: t[: len(t) // 2], "invalid JSON"),
        (lambda t: t.replace('"format_version": 3', '"format_version": 2'), "plan format 2"),
        (lambda t: t.replace('"+13125550175"', '"+13125550111"'), "was edited after"),
    ],
    ids=["truncated", "format-version", "unbound-edit"],
)
def test_a_damaged_plan_file_is_refused_with_a_clear_error(
    workspace: Workspace, damage: Callable[[str], str], message: str
) -> None:
    _saved(workspace)
    Path("plan.json").write_text(damage(Path("plan.json").read_text()))
    run = workspace.run("apply", "--plan", "plan.json", "--auto-approve")
    assert run.code == 1
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert workspace.sandbox.writes() == []


def test_a_manifest_change_after_the_plan_names_the_file(workspace: Workspace) -> None:
    _saved(workspace)
    path = Path(BILLING)
    path.write_text(path.read_text().replace("+1 312 555 0175", "+1 312 555 0176"))
    run = workspace.run("apply", "--plan", "plan.json", "--auto-approve")
    assert run.code == 1
    assert f"the manifests changed since this plan was made ({BILLING})" in run.stderr
    assert workspace.sandbox.writes() == []


def test_an_untouched_saved_plan_applies_exactly(workspace: Workspace) -> None:
    _saved(workspace)
    run = workspace.run("apply", "--plan", "plan.json", "--auto-approve")
    assert run.code == 0, run.stdout + run.stderr
    assert writes(workspace) == DEMO_WRITES


# -- plan shows what apply will refuse ---------------------------------------------------


def _mass_update(workspace: Workspace) -> None:
    workspace.use_generated("mass", 1, 12, forwarding=12)
    rows = {
        s["number"]: "+1 212 555 0100"
        for s in workspace.sandbox.senders("mass-0000")
        if s["country"] == "US"
    }
    workspace.write("manifests/mass.yaml", manifest_text("mass-0000", rows))


def test_plan_warns_about_the_threshold_in_every_format_and_keeps_its_exit_code(
    workspace: Workspace,
) -> None:
    _mass_update(workspace)
    message = (
        "the plan would update 12 of 12 managed forwardings (100%), above the 30% safety "
        "threshold; apply will refuse unless run with --allow-mass-changes"
    )
    text = workspace.run("plan", "--detailed-exitcode")
    assert text.code == 2
    assert f"warning[CF520]: {message}" in text.stdout
    md = workspace.run("plan", "--format", "markdown")
    assert "`CF520`" in md.stdout and message in md.stdout
    doc = json.loads(workspace.run("plan", "--format", "json").stdout)
    assert doc["warnings"] == [
        {"account": "mass-0000", "code": "CF520", "message": message, "sender": None}
    ]
    refused = workspace.run("apply", "--auto-approve")
    assert refused.code == 1
    assert "above the 30% safety threshold" in refused.stderr
    assert workspace.sandbox.writes() == []
