"""reconciler.rules.check.validate: the library entry that plan and apply build on."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from budgets import budget
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from workspace import manifest_text, write_file

from reconciler.config import Config
from reconciler.diagnostics import Position
from reconciler.domain.state import Forwarding
from reconciler.manifest.nodes import MappingNode, SequenceNode
from reconciler.rules.check import validate

REPO = Path(__file__).parent.parent.parent


def _write(tmp: Path, name: str, body: str) -> str:
    return write_file(tmp / name, body).as_posix()


def _manifest(
    account: str, team: str, entries: list[tuple[str, str | None]], role: str = "manager"
) -> str:
    return manifest_text(account, entries, team=team, role=role)


def test_examples_give_one_forwarding_per_sender_in_e164(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = validate([])
    assert result.ok and result.diagnostics == []
    assert (result.files, result.senders, result.errors, result.warnings) == (3, 6, 0, 0)
    assert [(f.account, f.sender, f.forward_to) for f in result.forwardings] == [
        ("acme-us", "+18335550100", "+12125550199"),
        ("acme-us", "+18445550111", "+12125550142"),
        ("acme-us", "+18555550122", "+13125550175"),
        ("acme-us", "+18665550133", None),
        ("globex", "+18005550161", "+14155550100"),
        ("globex", "+18885550160", "+14155550123"),
    ]
    first = result.forwardings[0]
    assert first.position == Position("manifests/acme-us/customer-care.yaml", 9, 13)


def test_manifests_are_summed_up_with_their_owners_positions(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.yaml", _manifest("acme-us", "care", [("833-555-0100", None)]))
    result = validate([path], config=Config())
    [pm] = result.manifests
    assert (pm.path, pm.account, pm.named_account, pm.senders) == (path, "acme-us", "acme-us", 1)
    assert pm.owners_at == Position(path, 4, 1)
    [owner] = pm.owners
    assert owner.email_at == Position(path, 5, 12)
    assert owner.role_at == Position(path, 6, 11)


def test_a_run_keeps_no_manifest_node_tree_once_the_files_are_checked(tmp_path: Path) -> None:
    # the trees hold every sender twice over: a large fleet's run must not keep them all
    paths = [
        _write(tmp_path, f"m{i}.yaml", _manifest(f"acct-{i}", "t", [(f"833-555-01{i:02d}", None)]))
        for i in range(20)
    ]

    def trees() -> int:
        return sum(isinstance(o, MappingNode | SequenceNode) for o in gc.get_objects())

    before = trees()
    result = validate(paths, config=Config())
    assert result.ok and len(result.manifests) == 20
    assert trees() == before


def test_a_manifest_with_errors_contributes_no_forwardings(tmp_path: Path) -> None:
    good = _write(
        tmp_path, "good.yaml", _manifest("acme-us", "a", [("833-555-0100", "212-555-0199")])
    )
    bad = _write(
        tmp_path,
        "bad.yaml",
        _manifest("acme-us", "b", [("844-555-0111", "212-555-0198"), ("212-555-0100", None)]),
    )
    result = validate([good, bad], config=Config())
    assert not result.ok
    assert [d.code for d in result.diagnostics] == ["CF203"]
    assert result.forwardings == [
        Forwarding("acme-us", "+18335550100", "+12125550199", Position(good, 8, 13))
    ]
    assert result.senders == 3


def test_output_is_the_same_whatever_the_argument_order(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.yaml", _manifest("acme-us", "a", [("833-555-0100", None)]))
    b = _write(tmp_path, "b.yaml", _manifest("acme-us", "b", [("(833) 555-0100", None)]))
    one, two = validate([a, b], config=Config()), validate([b, a], config=Config())
    assert one.diagnostics == two.diagnostics
    [d] = one.diagnostics
    assert (d.code, d.position) == ("CF208", Position(b, 8, 13))
    assert f"{a}:8:13" in d.message


roles = st.sampled_from(["owner", "manager", "analyst", "support", "Manager", "", "x"])
numbers = st.one_of(
    st.sampled_from(
        [
            "+1 833 555 0100",
            "833-555-0100",
            "24680",
            "+1 416 555 0100",
            "+1 900 555 0100",
            "",
            "８３３",
            "+1 212 555 0199 x1",
            "null",
            "+44 20 7946 0958",
        ]
    ),
    st.text(max_size=12),
)


@pytest.mark.slow
@settings(
    max_examples=budget(60, 2_000),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    entries=st.lists(st.tuples(numbers, st.one_of(st.none(), numbers)), max_size=5),
    role=roles,
    actor=st.sampled_from([None, "dana@acme.example", "x@y.example"]),
)
def test_rules_never_raise_on_any_combination(
    tmp_path: Path, entries: list[tuple[str, str | None]], role: str, actor: str | None
) -> None:
    body = _manifest("acme-us", "t", [], role=role)
    for sender, target in entries:  # JSON strings are YAML double-quoted scalars
        body += f"  - sender: {json.dumps(sender)}\n    forward_to: {json.dumps(target)}\n"
    path = _write(tmp_path, "f.yaml", body)
    result = validate([path], actor=actor, config=Config())
    assert result.ok == (result.errors == 0)
    assert result.diagnostics == sorted(result.diagnostics, key=lambda d: d.sort_key)
    if result.ok:
        assert len(result.forwardings) == len(entries)
