"""`callfwd validate --format sarif`: valid SARIF 2.1.0, the registry's rules, stable bytes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from reconciler import __version__
from reconciler.cli import cli
from reconciler.render.sarif import anchor, artifact_uri
from reconciler.rules.codes import CODES
from reconciler.validate import validate

HERE = Path(__file__).parent
REPO = HERE.parent.parent
SCHEMA = json.loads((HERE / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
SNAPSHOT = HERE / "sarif" / "snapshot.sarif"

BROKEN = """\
version: 1
account: acme-us
team: care
owners:
  - email: dana@acme.example
    role: analyst
forwarding:
  - sender: 8335550100
    forward_to: "+44 20 7946 0958"
"""
DUPLICATE_OWNER = """\
version: 1
account: acme-us
team: billing
owners:
  - email: dana@acme.example
    role: manager
  - email: Dana@acme.example
    role: manager
forwarding:
  - sender: "+1 844 555 0111"
    forward_to: null
"""


def _sarif(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["validate", "--format", "sarif", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "manifests" / "acme us").mkdir(parents=True)
    (tmp_path / "manifests" / "acme us" / "care.yaml").write_text(BROKEN)
    (tmp_path / "manifests" / "billing.yaml").write_text(DUPLICATE_OWNER)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _validator() -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(SCHEMA)
    cls.check_schema(SCHEMA)
    return cls(SCHEMA, format_checker=cls.FORMAT_CHECKER)  # type: ignore[no-any-return]


def test_output_is_valid_sarif_2_1_0(broken: Path) -> None:
    code, out = _sarif()
    assert code == 1  # invalid manifests still fail the step
    errors = sorted(_validator().iter_errors(json.loads(out)), key=str)
    assert errors == []


def test_the_schema_check_can_fail() -> None:
    bad: dict[str, Any] = {"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]}
    assert list(_validator().iter_errors(bad))  # driver.name is required


def test_output_matches_the_snapshot_byte_for_byte(broken: Path) -> None:
    _, out = _sarif()
    assert out == _sarif()[1]
    expected = SNAPSHOT.read_text(encoding="utf-8").replace("@VERSION@", __version__)
    assert out == expected


def test_results_point_at_the_problem_relative_to_the_working_directory(broken: Path) -> None:
    _, out = _sarif()
    run = json.loads(out)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    unquoted = by_rule["CF104"]
    assert unquoted["level"] == "error"
    assert rules[unquoted["ruleIndex"]]["id"] == "CF104"
    [loc] = unquoted["locations"]
    assert loc["physicalLocation"]["artifactLocation"] == {"uri": "manifests/acme%20us/care.yaml"}
    assert loc["physicalLocation"]["region"] == {"startLine": 8, "startColumn": 13}
    assert by_rule["CF406"]["level"] == "warning"
    assert "listed twice" in by_rule["CF406"]["message"]["text"]


def test_a_valid_run_has_every_rule_and_no_results() -> None:
    code, out = _sarif(str(REPO / "manifests" / "acme-us"))
    assert code == 0
    run = json.loads(out)["runs"][0]
    assert run["results"] == []
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("callfwd", __version__)
    assert [r["id"] for r in driver["rules"]] == list(CODES)


def test_rules_come_from_the_registry_with_help_links_into_docs_rules_md() -> None:
    _, out = _sarif(str(REPO / "manifests" / "acme-us"))
    rules = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
    doc = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    headings = {anchor(h): h for h in re.findall(r"^## (.+)$", doc, flags=re.M)}
    for r in rules:
        code = CODES[r["id"]]
        assert r["shortDescription"]["text"] == code.title
        assert r["defaultConfiguration"]["level"] == code.severity
        base, _, fragment = r["helpUri"].partition("#")
        assert base.endswith("/blob/main/docs/rules.md")
        assert headings[fragment] == f"{code.code} {code.title}"


@pytest.mark.parametrize(
    ("heading", "expected"),
    [  # as github.com renders them
        ("CF301 forward_to outside the US", "cf301-forward_to-outside-the-us"),
        ("CF106 YAML date or other typed value", "cf106-yaml-date-or-other-typed-value"),
        ("CF405 actor is not an owner", "cf405-actor-is-not-an-owner"),
    ],
)
def test_anchor_follows_github(heading: str, expected: str) -> None:
    assert anchor(heading) == expected


def test_registry_severity_is_what_the_rules_emit() -> None:
    result = validate([str(REPO / "tests" / "corpus" / "bad")])
    seen = {(d.code, d.severity.value) for d in result.diagnostics}
    assert seen
    for code, severity in seen:
        assert CODES[code].severity == severity, code


def test_artifact_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert artifact_uri("./manifests/a b#.yaml") == "manifests/a%20b%23.yaml"
    assert artifact_uri(str(tmp_path / "m" / "x.yaml")) == "m/x.yaml"
    outside = tmp_path.parent / "elsewhere.yaml"
    assert artifact_uri(str(outside)) == outside.as_uri()


def test_sarif_end_to_end_as_a_subprocess(broken: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "reconciler", "validate", "--format", "sarif"],
        cwd=broken,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "GITHUB_ACTIONS": "true"},  # an explicit format wins
    )
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["version"] == "2.1.0"
