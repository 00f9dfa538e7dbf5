"""`callfwd validate --format sarif`: valid SARIF 2.1.0, the registry's rules, stable bytes."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from markdown_check import structure
from workspace import run_cli, run_process

import reconciler
from reconciler import __version__
from reconciler.diagnostics import Diagnostic, Position, Severity, Summary
from reconciler.diagnostics.codes import CODES
from reconciler.render.sarif import MAX_RESULTS, anchor, artifact_uri, render_sarif
from reconciler.rules.check import validate

HERE = Path(__file__).parent
REPO = HERE.parent.parent
SCHEMA = json.loads((HERE / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
SNAPSHOT = HERE / "sarif" / "snapshot.sarif"
# The snapshot's links: the repository URL is package metadata, set elsewhere.
REPOSITORY = "https://github.com/example/callfwd"

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
    result = run_cli("validate", "--format", "sarif", *args)
    return result.code, result.output


@pytest.fixture(autouse=True)
def repository(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(reconciler, "REPOSITORY_URL", REPOSITORY)
    return REPOSITORY


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
    if os.environ.get("CALLFWD_UPDATE_GOLDEN"):
        SNAPSHOT.write_text(out.replace(__version__, "@VERSION@"), encoding="utf-8")
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
    driver = json.loads(out)["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == REPOSITORY
    doc = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    headings = {anchor(h): h for h in re.findall(r"^## (.+)$", doc, flags=re.M)}
    for r in driver["rules"]:
        code = CODES[r["id"]]
        assert r["shortDescription"]["text"] == code.title
        assert r["defaultConfiguration"]["level"] == code.severity
        base, _, fragment = r["helpUri"].partition("#")
        assert base == f"{REPOSITORY}/blob/main/docs/rules.md"
        assert headings[fragment] == f"{code.code} {code.title}"
        assert r["help"]["text"].startswith(code.explanation)
        assert r["help"]["markdown"].startswith(f"**{code.code} {code.title}**")
        help_md = structure(r["help"]["markdown"])
        assert help_md.links == [r["helpUri"]] and help_md.html == []
        assert len(r["fullDescription"]["text"]) <= 1024


@pytest.mark.parametrize("url", [None, ""])
def test_without_a_repository_url_no_link_is_written(
    url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reconciler, "REPOSITORY_URL", url)
    code, out = _sarif(str(REPO / "manifests" / "acme-us"))
    assert code == 0
    assert "ORG/" not in out and "None" not in out and "https://github.com" not in out
    doc = json.loads(out)
    assert list(_validator().iter_errors(doc)) == []
    driver = doc["runs"][0]["tool"]["driver"]
    assert "informationUri" not in driver
    for r in driver["rules"]:
        assert "helpUri" not in r
        assert r["help"]["text"].endswith("See docs/rules.md.")


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
    # an explicit format wins over GitHub Actions' default
    proc = run_process("validate", "--format", "sarif", cwd=broken, env={"GITHUB_ACTIONS": "true"})
    assert proc.code == 1
    assert json.loads(proc.stdout)["version"] == "2.1.0"


class _Report:
    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        self.summary = Summary(1, len(diagnostics), 0, 0)


def _problems(n: int, *, errors_every: int = 3) -> list[Diagnostic]:
    return [
        Diagnostic(
            Position(f"manifests/team-{i % 40:02d}.yaml", 8 + i, 13),
            Severity.ERROR if i % errors_every == 0 else Severity.WARNING,
            "CF104" if i % errors_every == 0 else "CF006",
            f'sender 1833{i:07d} is an unquoted number; quote it: "+1833{i:07d}"',
        )
        for i in range(n)
    ]


def test_more_problems_than_github_keeps_the_most_severe_and_a_summary() -> None:
    problems = _problems(30_300)  # 10,100 errors, 20,200 warnings
    out = render_sarif(_Report(problems))
    assert len(out.encode()) < 10_000_000  # GitHub's limit, here without compression
    doc = json.loads(out)
    assert list(_validator().iter_errors(doc)) == []
    [run] = doc["runs"]  # GitHub: at most 20 runs
    results = run["results"]
    assert len(results) == MAX_RESULTS <= 25_000
    *kept, summary = results
    assert {r["level"] for r in kept} == {"error"}  # errors first: 4,999 of the 10,100
    assert summary["ruleId"] == "CF530"
    assert run["tool"]["driver"]["rules"][summary["ruleIndex"]]["id"] == "CF530"
    assert summary["level"] == "error"
    assert summary["message"]["text"] == (
        "25,301 more problems (5,101 errors, 20,200 warnings) are not in this SARIF file: "
        "GitHub code scanning keeps at most 5,000 results of a run. See them all with "
        "`callfwd validate --format text`."
    )
    assert summary["locations"][0]["physicalLocation"]["region"]["startLine"] == 8 + 3 * 4_999
    assert all(len(r["locations"]) == 1 for r in results)  # GitHub: at most 1,000


def test_at_the_limit_nothing_is_left_out() -> None:
    doc = json.loads(render_sarif(_Report(_problems(MAX_RESULTS))))
    results = doc["runs"][0]["results"]
    assert len(results) == MAX_RESULTS
    assert "CF530" not in {r["ruleId"] for r in results}
    doc = json.loads(render_sarif(_Report(_problems(MAX_RESULTS + 1))))
    assert [r["ruleId"] for r in doc["runs"][0]["results"]][-1] == "CF530"


def test_oversized_messages_are_left_out_to_stay_under_the_size_limit() -> None:
    problems = [
        Diagnostic(Position("m.yaml", i + 1, 1), Severity.ERROR, "CF104", "x" * 20_000)
        for i in range(1_000)
    ]
    out = render_sarif(_Report(problems))
    assert len(out.encode()) < 10_000_000
    results = json.loads(out)["runs"][0]["results"]
    assert 300 < len(results) < 1_000
    assert results[-1]["ruleId"] == "CF530"


def _fingerprints(problems: list[Diagnostic]) -> list[str]:
    doc = json.loads(render_sarif(_Report(problems)))
    return [r["partialFingerprints"]["callfwd/problem/v1"] for r in doc["runs"][0]["results"]]


def test_fingerprints_survive_moved_lines_and_tell_problems_apart() -> None:
    problems = _problems(50)
    moved = [
        Diagnostic(
            Position(d.position.path, d.position.line + 40, d.position.column + 2),
            d.severity,
            d.code,
            d.message,
        )
        for d in problems
    ]
    assert _fingerprints(problems) == _fingerprints(moved)
    assert len(set(_fingerprints(problems))) == 50
    d = problems[0]
    elsewhere = Diagnostic(Position("other.yaml", 1, 1), d.severity, d.code, d.message)
    assert _fingerprints([elsewhere]) != _fingerprints([d])
    # a message that names another line ("first at line 9") is the same problem when it moves
    dup = "duplicate key 'team' (first at line {}, column 1)"
    first = Diagnostic(Position("a.yaml", 12, 3), Severity.ERROR, "CF012", dup.format(4))
    later = Diagnostic(Position("a.yaml", 15, 3), Severity.ERROR, "CF012", dup.format(7))
    assert _fingerprints([first]) == _fingerprints([later])
    # the same problem twice in one file: two results, two fingerprints
    assert len(set(_fingerprints([first, later]))) == 2
