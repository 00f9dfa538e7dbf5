"""A hostile corpus through every output format: inert in each medium.

Values that came from a manifest, a file name, a saved plan or the server
(account and team names, sender ids and numbers, paths, error details, notice
messages) hold markdown, HTML, backticks, table pipes, line breaks, terminal
escape sequences, C0/C1 controls and a right-to-left override. Each medium
must show them as data: the terminal never receives a raw control character
(our own colour codes aside), markdown parses to the same structure as with
harmless values, annotations stay one line each, SARIF forms no link, JSON
round-trips them exactly.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from markdown_check import OUR_HTML, balanced, structure
from sandbox_fixtures import GLOBEX_OWNER, Sandbox
from workspace import run_cli

from reconciler.diagnostics import Diagnostic, Position, Severity, Summary
from reconciler.errors import AccountFailure
from reconciler.plan import planfile
from reconciler.plan.model import AccountPlan, Action, Change, Level, Notice, Plan, SenderSnapshot
from reconciler.plan.model import Summary as PlanSummary
from reconciler.plan.results import ApplyReport, ChangeResult, Outcome
from reconciler.render import accounts as render_accounts
from reconciler.render import apply as render_apply
from reconciler.render import diagnostics as render_diagnostics
from reconciler.render import escape
from reconciler.render import plan as render_plan
from reconciler.render.sarif import render_sarif
from reconciler.report.model import Vendor

HERE = Path(__file__).parent
FILE_NAME = "x<img src=x onerror=alert(1)>.yaml"
HOSTILE = [
    "![](https://evil.example/p.png)",
    "[click](https://evil.example)",
    "`code` ``two``",
    "<!-- hidden",
    "a|b|c",
    "line\nbreak\r\n# heading\n- item\n| x | y |",
    "\x1b[1A\x1b[2K rewritten",
    "nul\x00bel\x07del\x7fc1\x9b31m\x1b]8;;https://evil.example\x07",
    "rtl\u202eexe.yaml",
    "@admin #1 https://evil.example www.evil.example",
    "**bold** _em_ ~~strike~~ $x$",
    "</details></summary><details><summary>",
    FILE_NAME,
]
# Something in every value, so each one can be found again in every output.
VALUES = [f"v{i}:{h}" for i, h in enumerate(HOSTILE)]
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
OUR_SGR = re.compile(r"\x1b\[(?:[0-9;]*)m")


def _v(i: int) -> str:
    return VALUES[i % len(VALUES)]


def hostile_plan() -> Plan:
    accounts = []
    for a in range(3):
        name = _v(a)
        changes = tuple(
            Change(
                action,
                name,
                _v(a + i + 1),
                _v(a + i + 2),
                None if action is Action.CREATE else _v(a + i + 3),
                None if action is Action.DELETE else _v(a + i + 4),
                None if i == 2 else Position(_v(a + i + 5), 7, 3),
                etag=_v(a + i + 6),
            )
            for i, action in enumerate([Action.CREATE, Action.UPDATE, Action.DELETE] * 5)
        )
        notices = (
            Notice(Level.WARNING, "CF520", _v(a + 7), _v(a + 8)),
            Notice(Level.NOTE, _v(a + 9), _v(a + 10)),
        )
        senders = (SenderSnapshot(_v(a + 11), None, "US", _v(a + 12), None),)
        accounts.append(
            AccountPlan(
                name,
                changes,
                PlanSummary(create=5, update=5, delete=5),
                True,
                15,
                10,
                senders,
                notices,
            )
        )
    return Plan(tuple(accounts), "sha256:x", "0.1.0", sources=((_v(4), "sha256:y"),))


class _Report:
    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        self.summary = Summary(len(diagnostics), 1, len(diagnostics), 0)


def hostile_report() -> _Report:
    return _Report(
        [
            Diagnostic(Position(v, i + 1, 2), Severity.ERROR, "CF301", _v(i + 1))
            for i, v in enumerate(VALUES)
        ]
        + [Diagnostic(Position("::error::forged.yaml", 1, 1), Severity.WARNING, "CF006", "x")]
    )


# ---------------------------------------------------------------- the media


def assert_terminal_inert(plain: str, coloured: str | None = None) -> None:
    """No raw control character but line breaks; colour only our own SGR codes."""
    assert not CONTROL.search(plain.replace("\n", "")), CONTROL.findall(plain)
    assert all(ch.isprintable() for line in plain.splitlines() for ch in line)
    assert "\\x1b[2K" in plain or "\\x1b" in plain  # shown, not sent
    for line in plain.splitlines():
        assert not line.startswith("::"), line  # no workflow command from a value
    if coloured is not None:
        assert OUR_SGR.sub("", coloured) == plain
        assert OUR_SGR.search(coloured)


def assert_markdown_inert(
    md: str, *, headings: set[tuple[str, str]], links: tuple[str, ...] = ()
) -> None:
    s = structure(md)
    assert set(s.html) <= OUR_HTML, set(s.html) - OUR_HTML
    assert set(s.links) <= set(links) and s.images == []
    assert set(s.headings) <= headings, set(s.headings) - headings
    assert balanced(md)
    prose = "".join(s.prose)
    for needle in ("evil", "@admin", "<img", "onerror", "<!--", "\x1b", "\u202e"):
        assert needle not in prose, needle  # every value sits in a code span
    for code in s.code:
        assert code.isprintable(), code
    assert not CONTROL.search(md.replace("\n", ""))


def _values_in_code(md: str) -> set[str]:
    return set(structure(md).code)


# ---------------------------------------------------------------- plans


def test_plan_text_shows_every_hostile_value_escaped() -> None:
    plan = hostile_plan()
    plain = render_plan.render_text(plan, unchanged=VALUES)
    coloured = render_plan.render_text(plan, colour=True, unchanged=VALUES)
    assert_terminal_inert(plain, coloured)
    for v in VALUES:
        assert escape.terminal(v) in plain


def _expected_headings(plan: Plan) -> set[tuple[str, str]]:
    return {("h3", "callfwd plan")} | {
        ("h4", escape.markdown(a.account) + (" (prune)" if a.prune else "")) for a in plan.accounts
    }


@pytest.mark.parametrize("budget", [60_000, 6_000, 2_000])
def test_plan_markdown_keeps_its_structure(budget: int) -> None:
    plan = hostile_plan()
    run = "https://github.com/o/r/actions/runs/1"
    md = render_plan.render_markdown(plan, budget=budget, unchanged=VALUES, run_url=run)
    assert len(md.encode()) <= budget
    assert_markdown_inert(md, headings=_expected_headings(plan), links=(run,))
    s = structure(md)
    if budget == 60_000:
        for v in VALUES:
            assert escape.visible(v) in s.code, v  # each value shown, whole, as data
        [totals, *changes] = s.tables
        assert len(totals) == 1 + len(plan.accounts)
        assert len(changes) == 3
        for table in changes:
            assert len(table) == 16  # the head and 15 rows
            for row in table[1:]:
                assert len(row) == 5
                assert [t for t, _ in row[1]] == ["code_inline"]  # the sender, one code span
    else:
        assert structure(md).links == [run]  # what was cut is in the run's artifacts


def test_the_run_link_is_the_only_link_and_only_for_a_plain_https_url() -> None:
    plan = hostile_plan()
    md = render_plan.render_markdown(plan, budget=2_000, run_url="https://github.com/o/r/runs/1")
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable("table").render(md)
    assert re.findall(r'href="([^"]*)"', html) == ["https://github.com/o/r/runs/1"]
    for bad in ("javascript:alert(1)", "https://x.example/a b", "https://x.example/)[x](y"):
        md = render_plan.render_markdown(plan, budget=2_000, run_url=bad)
        assert "href" not in MarkdownIt("commonmark").render(md)


def test_checklist_keeps_its_structure() -> None:
    plan = hostile_plan()
    md = render_plan.render_checklist(plan)
    headings = {("h1", "callfwd checklist")} | {
        ("h2", f"Account {escape.markdown(a.account)}") for a in plan.accounts
    }
    assert_markdown_inert(md, headings=headings)
    tasks = [line for line in md.splitlines() if line.startswith("- [ ] ")]
    assert len(tasks) == len(plan.changes)


def test_checklist_with_vendor_names_and_progress_keeps_its_structure() -> None:
    plan = hostile_plan()
    vendors = {a.account: Vendor(id=_v(9), name=_v(10)) for a in plan.accounts}
    since = replace(plan, accounts=plan.accounts[:2])  # a saved plan: two accounts' changes
    md = render_plan.render_checklist(plan, vendors=vendors, since=since)
    headings = {("h1", "callfwd checklist")} | {
        ("h2", render_plan.account_heading(a.account, vendors[a.account])) for a in plan.accounts
    }
    assert_markdown_inert(md, headings=headings)
    assert md.count("- [ ] ") == len(plan.changes)  # nothing done: every change still planned


def test_guided_steps_are_inert_on_a_terminal() -> None:
    from reconciler.plan.guided import Differs, Finished, HandOutcome, ReadFailed, Step, StepResult
    from reconciler.render import guided as render_guided

    out = []
    for i, c in enumerate(hostile_plan().changes):
        step = Step(c, i + 1, 45, vendor_id=_v(i), vendor_name=_v(i + 1))
        out += [
            render_guided.render_step(step, 2.0),
            render_guided.render_event(Differs(step, _v(i + 2))),
            render_guided.render_event(ReadFailed(step, _v(i + 3))),
            render_guided.render_event(Finished(StepResult(step, HandOutcome.STALE, _v(i + 4)))),
        ]
    assert_terminal_inert("".join(out))


def test_plan_json_round_trips_every_value() -> None:
    plan = hostile_plan()
    out = render_plan.render_json(plan)
    assert out.isascii() and not CONTROL.search(out)
    doc = json.loads(out)
    assert [c["sender"] for c in doc["changes"]] == [c.sender for c in plan.changes]
    assert [w["message"] for w in doc["warnings"]] == [_v(a + 7) for a in range(3)]


# ---------------------------------------------------------------- diagnostics


def test_diagnostics_text_and_github_annotations() -> None:
    report = hostile_report()
    plain = render_diagnostics.render_text(report)
    assert_terminal_inert(plain, render_diagnostics.render_text(report, colour=True))
    github = render_diagnostics.render_github(report)
    annotations = [line for line in github.splitlines() if line.startswith("::")]
    assert len(annotations) == len(report.diagnostics)
    form = re.compile(r"::(error|warning) file=[^,:]*,line=\d+,col=\d+,title=CF\d{3}::[^\n]*")
    for line in annotations:
        assert form.fullmatch(line), line
        assert line.isprintable()
    assert_terminal_inert("".join(f"{line}\n" for line in github.splitlines()[len(annotations) :]))


def test_diagnostics_json_round_trips() -> None:
    report = hostile_report()
    out = render_diagnostics.render_json(report)
    assert not CONTROL.search(out)
    assert [d["message"] for d in json.loads(out)["diagnostics"]] == [
        d.message for d in report.diagnostics
    ]


def test_sarif_forms_no_link_and_stays_valid() -> None:
    out = render_sarif(hostile_report())
    assert not CONTROL.search(out.replace("\n", ""))
    doc = json.loads(out)
    schema = json.loads((HERE / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)
    for result in doc["runs"][0]["results"]:
        text = result["message"]["text"]
        assert text.isprintable()
        assert not re.search(r"(?<!\\)\[", text), text  # every bracket escaped
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.isascii() and " " not in uri and "<" not in uri


# ---------------------------------------------------------------- apply and accounts


def test_apply_lines_and_summary() -> None:
    plan = hostile_plan()
    report = ApplyReport(
        [ChangeResult(c, Outcome.FAILED, _v(i)) for i, c in enumerate(plan.changes)],
        mismatches=[AccountFailure(v, v, sender=v) for v in VALUES],
    )
    lines = "\n".join(render_apply.render_result_line(r) for r in report.results) + "\n"
    lines += "\n".join(render_apply.render_progress_line(r) for r in report.results) + "\n"
    lines += "\n".join(render_apply.render_mismatch(m) for m in report.mismatches) + "\n"
    assert_terminal_inert(lines + render_apply.render_summary(report))
    doc = json.loads(render_apply.render_json(plan, report))
    assert sorted(r["detail"] for r in doc["results"]) == sorted(r.detail for r in report.results)
    assert doc["verify_mismatches"] == [f"account {v}: {v}" for v in VALUES]
    assert_terminal_inert("\n".join(render_apply.render_failures(report.mismatches)) + "\n")


class _Row:
    def __init__(self, i: int) -> None:
        self.account, self.api_key_env, self.account_id = _v(i), _v(i + 1), _v(i + 2)
        self.api_url, self.manifests = _v(i + 3), (_v(i + 4), _v(i + 5))
        self.changed, self.changed_manifests, self.added = True, (_v(i + 4),), False

    def as_dict(self) -> dict[str, Any]:
        return {"account": self.account, "manifests": list(self.manifests)}


def test_accounts_text_and_json() -> None:
    rows = [_Row(i) for i in range(len(VALUES))]
    assert_terminal_inert(render_accounts.render_text(rows))
    assert json.loads(render_accounts.render_json(rows))[0]["account"] == VALUES[0]


# ---------------------------------------------------------------- end to end


def _show(plan_file: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli("show", str(plan_file), *args)
    return result.code, result.stdout, result.stderr


def test_a_hostile_saved_plan_through_callfwd_show(tmp_path: Path) -> None:
    """A saved plan is a CI artifact anyone could write: its digest is a checksum."""
    plan = hostile_plan()
    path = tmp_path / "plan.json"
    path.write_text(planfile.dumps(plan), encoding="utf-8")
    code, md, _ = _show(path, "--budget", "5000", "--unchanged", VALUES[0])
    assert code == 0
    assert_markdown_inert(md, headings=_expected_headings(plan))
    code, text, _ = _show(path, "--format", "text")
    assert code == 0
    assert_terminal_inert(text)
    code, checklist, _ = _show(path, "--format", "checklist")
    assert code == 0 and not CONTROL.search(checklist.replace("\n", ""))
    code, out, _ = _show(path, "--format", "json")
    assert json.loads(out)["changes"][0]["sender"] == plan.changes[0].sender


HOSTILE_FILE = "x<img src=x onerror=alert(1)>\x1b[2K`|![](https:⁄⁄evil)\u202e.yaml"
MANIFEST = """\
version: 1
account: globex
team: "team <img src=x> `|` ![](https://evil.example)"
owners:
  - email: hank@globex.example
    role: owner
forwarding:
  - sender: "+1 888 555 0160"
    forward_to: "+1 415 555 0123"
"""
BROKEN = """\
version: 1
account: globex
team: t
owners:
  - email: hank@globex.example
    role: owner
forwarding:
  - sender: "+1 800 555 0161"
    forward_to: "\\e[1A\\e[2K![](https://evil.example) `x` <!-- |"
"""


@pytest.fixture
def repo(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "callfwd.yaml").write_text(
        "manifests: [manifests/]\naccounts:\n"
        f"  globex:\n    api_url: {sandbox.url}\n    api_key_env: GLOBEX_KEY\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GLOBEX_KEY", GLOBEX_OWNER)
    return tmp_path


def _run(*args: str) -> tuple[int, str, str]:
    result = run_cli(*args)
    return result.code, result.stdout, result.stderr


def test_a_hostile_manifest_file_name_through_plan_against_the_server(repo: Path) -> None:
    (repo / "manifests" / HOSTILE_FILE).write_text(MANIFEST)
    code, text, err = _run("plan")
    assert code == 0, err
    assert_terminal_inert(text)
    assert escape.terminal(f"manifests/{HOSTILE_FILE}") in text
    code, md, err = _run("plan", "--format", "markdown")
    assert code == 0, err
    assert_markdown_inert(md, headings={("h3", "callfwd plan"), ("h4", escape.markdown("globex"))})
    assert f"manifests/{escape.visible(HOSTILE_FILE)}" in structure(md).code
    code, checklist, _ = _run("plan", "--format", "checklist")
    assert code == 0
    assert_markdown_inert(
        checklist,
        headings={
            ("h1", "callfwd checklist"),
            ("h2", "Account `Globex Corp` (id `globex`), `globex` in callfwd.yaml"),
        },
    )
    code, out, _ = _run("plan", "--format", "json", "--out", "plan.json")
    assert json.loads(out)["changes"][0]["source"]["path"] == f"manifests/{HOSTILE_FILE}"
    code, shown, _ = _run("show", "plan.json", "--format", "text")
    assert code == 0 and shown == text


def test_hostile_values_in_a_manifest_through_validate(repo: Path) -> None:
    (repo / "manifests" / HOSTILE_FILE).write_text(BROKEN)
    code, text, _ = _run("validate", "--format", "text")
    assert code == 1
    assert_terminal_inert(text)
    code, github, _ = _run("validate", "--format", "github")
    assert code == 1
    for line in github.splitlines():
        assert line.isprintable()
    code, sarif, _ = _run("validate", "--format", "sarif")
    results = json.loads(sarif)["runs"][0]["results"]
    assert results
    for r in results:
        assert not re.search(r"(?<!\\)\[", r["message"]["text"])
        assert r["message"]["text"].isprintable()


def test_a_servers_hostile_error_detail_reaches_the_terminal_inert(
    repo: Path, sandbox: Sandbox
) -> None:
    (repo / "manifests" / "globex.yaml").write_text(MANIFEST)
    detail = "\x1b[1A\x1b[2Kall good \u202e ![](https://evil.example)\x07"
    sandbox.set_faults(
        {
            "kind": "error",
            "status": 400,
            "code": "bad\x1b[31m",
            "detail": detail,
            "path": "/api/accounts",
        }
    )
    code, out, err = _run("plan")
    assert code == 1 and out == ""
    assert "all good" in err  # the server's words are shown...
    assert_terminal_inert(err)  # ...and none of them is obeyed


def test_an_error_naming_a_hostile_file_reaches_the_terminal_inert(repo: Path) -> None:
    name = "plan\x1b[2K\x1b]0;pwned\x07.json"
    (repo / name).write_text("{}")
    code, out, err = _run("show", name)
    assert code == 1 and out == "" and "not a callfwd plan" in err
    assert_terminal_inert(err)
