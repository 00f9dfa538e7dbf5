"""The code registry: stable, well-formed, documented, and every code exercised by a test."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from reconciler.diagnostics import codes
from reconciler.rules.forwarding import FORWARD_TO_CODES, SENDER_CODES

REPO = Path(__file__).parent.parent.parent
DOC = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
CORPUS = yaml.safe_load((REPO / "tests" / "corpus" / "expected.yaml").read_text())
# Codes that need several files, a directory, a flag, links or a git repository: each is
# asserted by a test under tests/cli, tests/manifest or tests/rules.
CLI_TESTED = {
    "CF001",
    "CF002",
    "CF003",
    "CF018",
    "CF019",
    "CF020",
    "CF208",
    "CF305",
    "CF405",
    "CF407",
    "CF408",
    "CF409",
}
CLI_TESTS = [
    p
    for folder in ("cli", "manifest", "rules")
    for p in (REPO / "tests" / folder).glob("test_*.py")
    if p.name != "test_rules_codes.py"
]
# Plan codes need a live account: each is asserted by a test under tests/plan or tests/e2e.
# The trusted-configuration notices are built by config/trust.py: tests/config/test_trust.py.
PLAN_TESTS = [
    *(REPO / "tests" / "plan").glob("test_*.py"),
    *(REPO / "tests" / "e2e").glob("test_*.py"),
    REPO / "tests" / "config" / "test_trust.py",
    *(REPO / "tests" / "render").glob("test_*.py"),
]
# callfwd.yaml's codes: tests/config/test_config_load.py pins each one (and checks it does).
CONFIG_TESTED = {c for c in codes.CODES if c.startswith("CF6")}


def test_codes_are_well_formed_and_unique() -> None:
    assert all(re.fullmatch(r"CF[0-6]\d\d", c) for c in codes.CODES)
    assert len({c.title for c in codes.CODES.values()}) == len(codes.CODES)
    for code in codes.CODES.values():
        assert code.title and code.explanation.endswith(".")


def test_every_constant_and_number_problem_maps_to_a_registered_code() -> None:
    constants = {v for k, v in vars(codes).items() if k.isupper() and isinstance(v, str)}
    assert constants <= set(codes.CODES)
    assert set(SENDER_CODES.values()) | set(FORWARD_TO_CODES.values()) <= set(codes.CODES)


def test_every_code_is_documented_with_meaning_example_and_fix() -> None:
    sections = re.split(r"^## ", DOC, flags=re.M)[1:]
    documented = {s.split()[0]: s for s in sections}
    assert set(documented) == set(codes.CODES), "docs/rules.md and the registry differ"
    for code, section in documented.items():
        assert codes.CODES[code].title in section.splitlines()[0], code
        assert "```" in section, f"{code}: no example"
        assert "**Fix:**" in section, f"{code}: no fix"


def test_every_code_is_exercised_by_the_corpus_or_the_cli_tests() -> None:
    pinned = {pin.split()[0] for pins in CORPUS.values() for pin in pins}
    plan_codes = {c for c in codes.CODES if c.startswith("CF5")}
    assert set(codes.CODES) - pinned - CLI_TESTED - CONFIG_TESTED - plan_codes == set()
    asserted = "".join(p.read_text(encoding="utf-8") for p in PLAN_TESTS)
    assert {c for c in plan_codes if f'"{c}"' not in asserted and f"[{c}]" not in asserted} == set()
    by_cli = "".join(p.read_text(encoding="utf-8") for p in CLI_TESTS)
    assert {c for c in CLI_TESTED if c not in by_cli} == set()
