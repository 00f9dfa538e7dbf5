"""callfwd import: manifests from a live account; import then plan shows no changes."""

from __future__ import annotations

from pathlib import Path

from workspace import Workspace


def test_import_then_plan_is_empty_for_several_accounts(workspace: Workspace) -> None:
    # 3 accounts × 45 senders: three pages each, a third with forwarding.
    workspace.use_generated("imp", 3, 45)
    for account in workspace.accounts:
        run = workspace.run("import", "--account", account, "--team", "ops")
        assert run.code == 0, run.stderr
        assert f"Wrote manifests/{account}/ops.yaml (15 senders)" in run.stderr
    assert workspace.run("validate").code == 0
    plan = workspace.run("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.stdout + plan.stderr
    assert "45 unchanged, 90 unmanaged" in plan.stdout


def test_include_empty_lists_every_toll_free_sender_and_still_plans_empty(
    workspace: Workspace,
) -> None:
    workspace.use_generated("emp", 1, 25, canadian_siblings=2)
    run = workspace.run("import", "--account", "emp-0000", "--include-empty")
    assert run.code == 0, run.stderr
    text = Path("manifests/emp-0000/imported.yaml").read_text()
    assert text.count("  - sender:") == 25  # the Canadian siblings are not listed
    assert text.count("forward_to: null") == 17
    assert text.startswith("# yaml-language-server: $schema=../../schemas/manifest.v1.schema.json")
    assert workspace.run("plan", "--detailed-exitcode").code == 0


def test_import_refuses_to_overwrite_without_force(workspace: Workspace) -> None:
    workspace.use_generated("ovr", 1, 3)
    assert workspace.run("import", "--account", "ovr-0000").code == 0
    path = Path("manifests/ovr-0000/imported.yaml")
    path.write_text("# my edits\n")
    again = workspace.run("import", "--account", "ovr-0000")
    assert again.code == 1
    assert "exists; pass --force" in again.stderr
    assert path.read_text() == "# my edits\n"
    assert workspace.run("import", "--account", "ovr-0000", "--force").code == 0
    assert path.read_text() != "# my edits\n"


def test_owner_defaults_to_the_keys_user_and_can_be_given(workspace: Workspace) -> None:
    workspace.use_generated("own", 1, 2)
    assert workspace.run("import", "--account", "own-0000").code == 0
    text = Path("manifests/own-0000/imported.yaml").read_text()
    assert '  - email: "user@own-0000.example"\n    role: owner' in text
    run = workspace.run(
        "import", "--account", "own-0000", "--force", "--owner", "kim@own.example:admin"
    )
    assert run.code == 0
    assert (
        '"kim@own.example"\n    role: admin' in Path("manifests/own-0000/imported.yaml").read_text()
    )
    bad = workspace.run("import", "--account", "own-0000", "--owner", "kim@own.example:boss")
    assert bad.code == 64
    assert "'boss' is not a role" in bad.stderr
