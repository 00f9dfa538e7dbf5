"""The loader: positions of every node, YAML 1.1 typing kept visible, traps refused."""

from __future__ import annotations

import pytest
from budgets import budget
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.manifest import loader
from reconciler.manifest.loader import MappingNode, ScalarNode, SequenceNode, Unreadable, find

DOC = b"""# comment
version: 1
team: "care"
forwarding:
  - sender: "+1 833 555 0100"
    forward_to: null
  - {sender: '844-555-0111', forward_to: "+1 212 555 0199"}
"""


def _load(data: bytes) -> MappingNode:
    result = loader.load("m.yaml", data)
    assert result.root is not None, result.diagnostics
    return result.root


def _at(root: MappingNode, *loc: str | int) -> tuple[int, int]:
    node, _, reached = find(root, loc)
    assert reached == len(loc)
    return node.line, node.column


def test_every_value_knows_its_line_and_column() -> None:
    root = _load(DOC)
    assert _at(root, "version") == (2, 10)
    assert _at(root, "team") == (3, 7)
    assert _at(root, "forwarding") == (5, 3)
    assert _at(root, "forwarding", 0) == (5, 5)
    assert _at(root, "forwarding", 0, "sender") == (5, 13)
    assert _at(root, "forwarding", 0, "forward_to") == (6, 17)
    assert _at(root, "forwarding", 1, "sender") == (7, 14)
    assert _at(root, "forwarding", 1, "forward_to") == (7, 42)


def test_keys_know_their_position_too() -> None:
    root = _load(DOC)
    _, key, _ = find(root, ("forwarding", 0, "forward_to"))
    assert key is not None and (key.line, key.column) == (6, 5)


def test_plain_data_is_built_alongside() -> None:
    assert loader.to_data(_load(DOC)) == {
        "version": 1,
        "team": "care",
        "forwarding": [
            {"sender": "+1 833 555 0100", "forward_to": None},
            {"sender": "844-555-0111", "forward_to": "+1 212 555 0199"},
        ],
    }


@pytest.mark.parametrize(
    ("text", "kind", "value", "plain"),
    [
        ("+18335550100", "int", 18335550100, True),
        ('"+18335550100"', "str", "+18335550100", False),
        ("'012'", "str", "012", False),
        ("012", "int", 10, True),
        ("0x1F", "int", 31, True),
        ("1:30", "int", 90, True),
        ("1_000", "int", 1000, True),
        ("no", "bool", False, True),
        ("On", "bool", True, True),
        ("~", "null", None, True),
        ("", "null", None, True),
        ("2026-01-15", "timestamp", __import__("datetime").date(2026, 1, 15), True),
        ("1.5", "float", 1.5, True),
        ("!!str 123", "str", "123", True),
        ("9" * 5000, "int", Unreadable("9" * 5000, "int"), True),
        ("2026-02-30", "timestamp", Unreadable("2026-02-30", "timestamp"), True),
        ("+1 (833) 555-0100", "str", "+1 (833) 555-0100", True),
    ],
)
def test_scalars_keep_their_yaml_type_and_raw_text(
    text: str, kind: str, value: object, plain: bool
) -> None:
    node, _, _ = find(_load(f"v: {text}\n".encode()), ("v",))
    assert isinstance(node, ScalarNode)
    assert (node.kind, node.value, node.plain) == (kind, value, plain)
    assert node.raw == text.removeprefix("!!str ").strip("\"'")


def test_crlf_and_cr_line_endings_keep_lines_right() -> None:
    for newline in (b"\r\n", b"\r"):
        root = _load(DOC.replace(b"\n", newline))
        assert _at(root, "forwarding", 0, "forward_to") == (6, 17)


def test_a_bom_is_a_warning_and_columns_stay_right() -> None:
    result = loader.load("m.yaml", b"\xef\xbb\xbf" + DOC)
    assert [d.code for d in result.diagnostics] == ["CF006"]
    assert result.root is not None
    assert _at(result.root, "version") == (2, 10)


def test_columns_count_characters_not_bytes() -> None:
    root = _load("team: \u00e9quipe\nx: y\nz: [\u00e9, w]\n".encode())
    assert _at(root, "z", 1) == (3, 8)


def test_duplicate_keys_keep_the_first_and_name_both_lines() -> None:
    result = loader.load("m.yaml", b"a: 1\nb: 2\na: 3\n")
    assert result.root is not None
    assert loader.to_data(result.root) == {"a": 1, "b": 2}
    [d] = result.diagnostics
    assert (d.code, d.position.line, d.position.column) == ("CF012", 3, 1)
    assert "first at line 1, column 1" in d.message


def test_nesting_limit_allows_what_a_manifest_needs() -> None:
    ok = b"a:\n  - b:\n      - c:\n          - [[x]]\n"
    assert loader.load("m.yaml", ok).root is not None
    deep = b"a: " + b"[" * 20 + b"]" * 20 + b"\n"
    [d] = loader.load("m.yaml", deep).diagnostics
    assert d.code == "CF016"


def test_size_limit_uses_the_reported_size() -> None:
    [d] = loader.load("m.yaml", b"", size=loader.MAX_BYTES + 1).diagnostics
    assert d.code == "CF003" and f"{loader.MAX_BYTES + 1:,} bytes" in d.message


def test_sequence_root_is_not_a_mapping() -> None:
    result = loader.load("m.yaml", b"- a\n")
    assert result.root is None
    assert [d.code for d in result.diagnostics] == ["CF011"]


def test_a_cached_resolution_is_never_shared_mutable_state() -> None:
    a = _load(b"x: 012\n")
    b = _load(b"y: 012\n")
    na, _, _ = find(a, ("x",))
    nb, _, _ = find(b, ("y",))
    assert isinstance(na, ScalarNode) and isinstance(nb, ScalarNode)
    assert na.value == nb.value == 10
    assert isinstance(a, MappingNode) and not isinstance(a, SequenceNode)


yamlish = st.text(
    alphabet=st.sampled_from(list("ab:-[]{}&*!<>|'\"#,?%@`~ \n\t\r01+.\x00\x1b\ufeff\u00e9")),
    max_size=80,
)


# CALLFWD_LONG=1 (docs/reliability.md) gives the fuzz target a long budget.
FUZZ_EXAMPLES = budget(400, 20_000)


@pytest.mark.slow
@settings(max_examples=FUZZ_EXAMPLES, deadline=None)
@given(data=st.one_of(yamlish.map(lambda s: s.encode("utf-8")), st.binary(max_size=80)))
def test_fuzz_loader_never_raises(data: bytes) -> None:
    result = loader.load("f.yaml", data)
    assert result.root is not None or result.diagnostics
    for d in result.diagnostics:
        assert d.position.line >= 1 and d.position.column >= 1
