"""callfwd import: manifests from a live account; import then plan shows no changes."""

from __future__ import annotations

from pathlib import Path

from workspace import Workspace, manifest_text


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
    # No schemas/ in this repository: no modeline pointing at a file that is not there.
    assert "yaml-language-server" not in text
    assert workspace.run("plan", "--detailed-exitcode").code == 0


def test_the_modeline_points_at_the_schema_where_the_repository_has_it(
    workspace: Workspace,
) -> None:
    workspace.use_generated("mod", 1, 2)
    workspace.write("schemas/manifest.v1.schema.json", "{}")
    assert workspace.run("import", "--account", "mod-0000").code == 0
    text = Path("manifests/mod-0000/imported.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../../schemas/manifest.v1.schema.json")


def test_an_owner_whose_role_may_not_forward_is_refused_as_validate_refuses_it(
    workspace: Workspace,
) -> None:
    workspace.use_generated("rol", 1, 3)
    run = workspace.run("import", "--account", "rol-0000", "--owner", "bob@acme.example:analyst")
    assert run.code == 1
    assert (
        "manifests/rol-0000/imported.yaml:7:11: error[CF402] bob@acme.example: the role analyst "
        "may not configure call forwarding"
    ) in run.stderr
    assert "Nothing was written" in run.stderr
    assert not Path("manifests/rol-0000/imported.yaml").exists()


def test_senders_another_manifest_declares_are_left_out_and_the_result_plans_empty(
    workspace: Workspace,
) -> None:
    workspace.use_generated("dup", 1, 6, forwarding=1)
    live = [s for s in workspace.sandbox.senders("dup-0000") if s["country"] == "US"]
    first = live[0]
    workspace.write(
        "manifests/dup-0000/existing.yaml",
        manifest_text("dup-0000", {first["number"]: first["forward_to"]}),
    )
    run = workspace.run("import", "--account", "dup-0000", "--include-empty")
    assert run.code == 0, run.stderr
    assert f"Left out 1 sender that another manifest already declares: {first['number']}." in (
        run.stderr
    )
    text = Path("manifests/dup-0000/imported.yaml").read_text()
    assert first["number"] not in text
    assert text.count("  - sender:") == len(live) - 1
    assert workspace.run("validate").code == 0
    plan = workspace.run("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.stdout + plan.stderr
    assert workspace.sandbox.writes() == []


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


def test_a_canadian_sibling_is_not_counted_as_another_sender(workspace: Workspace) -> None:
    # The first two senders have Canadian siblings (same number); one is declared already.
    workspace.use_generated("sib", 1, 4, forwarding=4, canadian_siblings=2)
    live = workspace.sandbox.senders("sib-0000")
    first = next(s for s in live if s["country"] == "US")
    assert sum(s["number"] == first["number"] for s in live) == 2  # a US row and a CA row
    workspace.write(
        "manifests/sib-0000/existing.yaml",
        manifest_text("sib-0000", {first["number"]: first["forward_to"]}),
    )
    run = workspace.run("import", "--account", "sib-0000")
    assert run.code == 0, run.stderr
    assert f"Left out 1 sender that another manifest already declares: {first['number']}." in (
        run.stderr
    )
    assert "Wrote manifests/sib-0000/imported.yaml (3 senders)" in run.stderr
