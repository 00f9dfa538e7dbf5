"""``callfwd report`` against the real local settings API, checked by hand-computed figures."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from report_seed import (
    ACME_AFTER,
    ACME_BY_STATUS,
    ACME_COUNTS,
    ACME_COVERAGE,
    CARE_PATH,
    FLEET_AFTER,
    FLEET_COVERAGE,
    GLOBEX_COVERAGE,
    LINES,
    SEED,
)
from sandbox_fixtures import ROOT
from workspace import Workspace


def _report(ws: Workspace, *args: str) -> dict:
    run = ws.run("report", "--format", "json", *args)
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)


def _senders(account: dict) -> dict[tuple[str | None, str, str], dict]:
    return {(s["number"], s["type"], s["country"]): s for s in account["senders"]}


def test_report_covers_every_configured_account_with_hand_computed_coverage(
    ws: Workspace,
) -> None:
    doc = _report(ws)
    assert doc["format_version"] == 1
    assert doc["api_urls"] == [ws.sandbox.url]
    acme, globex = doc["accounts"]
    assert (acme["account"], globex["account"]) == ("acme-us", "globex")
    assert acme["vendor"] == {"id": "acme-us", "name": "Acme US"}  # from the key check
    # the configured account_id, proved by the key check
    assert globex["vendor"] == {"id": "Gx7Lm2", "name": "Globex Corp"}
    assert acme["coverage"] == ACME_COVERAGE
    assert acme["coverage_after_changes"] == ACME_AFTER
    assert globex["coverage"] == globex["coverage_after_changes"] == GLOBEX_COVERAGE
    assert doc["fleet"]["coverage"] == FLEET_COVERAGE
    assert doc["fleet"]["coverage_after_changes"] == FLEET_AFTER
    assert doc["fleet"]["accounts"] == 2
    assert acme["by_status"] == ACME_BY_STATUS
    assert acme["counts"] == ACME_COUNTS
    assert acme["manifests"] == [CARE_PATH]
    assert globex["manifests"] == []


def test_report_lists_every_sender_with_why_it_does_or_does_not_forward(
    ws: Workspace,
) -> None:
    acme = _report(ws)["accounts"][0]
    rows = _senders(acme)
    assert len(rows) == 12
    us = rows[("+18335550100", "toll_free", "US")]
    assert (us["standing"], us["management"], us["may_forward"]) == ("forwarding", "managed", True)
    assert us["declared"] == {"path": CARE_PATH, "line": LINES["+18335550100"], "column": 13}
    sibling = rows[("+18335550100", "toll_free", "CA")]
    assert (sibling["standing"], sibling["may_forward"]) == ("cannot_forward", False)
    assert "Canadian sibling" in sibling["reasons"][1]
    short = rows[("24680", "short_code", "US")]
    long_code = rows[("+12125550123", "long_code", "US")]
    assert short["standing"] == long_code["standing"] == "cannot_forward"
    assert short["management"] == long_code["management"] == "not_manageable"
    (pending,) = [s for s in acme["senders"] if s["number"] is None]
    assert (pending["standing"], pending["status"]) == ("no_number", "pending_registration")
    create = rows[("+18445550111", "toll_free", "US")]
    assert create["change"]["action"] == "create"
    assert create["change"]["after"] == "+12125550142"
    assert create["reasons"][0] == "no forwarding"
    declared_null = rows[("+18555550122", "toll_free", "US")]
    assert "the manifest declares no forwarding" in declared_null["reasons"]
    assert acme["verifying_without_forwarding"] == ["+18665550133"]
    assert acme["not_sending"] == [
        {"number": "+18005550166", "status": "registration_failed"},
        {"number": "+18335550177", "status": "suspended"},
    ]
    assert acme["unmanaged"] == ["+18335550177", "+18665550133", "+18775550144", "+18885550155"]
    assert acme["import_command"] == "callfwd import --account acme-us --include-empty"
    assert [c["action"] for c in acme["changes"]] == ["create"]
    assert {n["code"] for n in acme["notices"]} >= {"CF510", "CF511", "CF512"}


def test_an_account_in_no_manifest_is_read_and_never_pruned(ws: Workspace) -> None:
    """globex prunes, but no manifest names it: plan never plans it, so no deletion shows."""
    globex = _report(ws)["accounts"][1]
    assert globex["prune"] is False
    assert globex["changes"] == []
    assert globex["unmanaged"] == ["+18005550161", "+18885550160"]
    assert globex["counts"]["cannot_forward"] == 2
    # forwarding is still set: the report only reads
    assert ws.sandbox.sender("Gx7Lm2", "+18005550161")["forward_to"] == "+14155550100"


def test_report_costs_per_account_exactly_what_plan_costs(ws: Workspace) -> None:
    ws.sandbox.reset_metrics()
    assert ws.run("plan").code == 0
    plan = {a: ws.sandbox.count(account=a) for a in ("acme-us", "Gx7Lm2")}
    ws.sandbox.reset_metrics()
    assert ws.run("report", "--format", "html", "--out", "r.html").code == 0
    report = {a: ws.sandbox.count(account=a) for a in ("acme-us", "Gx7Lm2")}
    assert plan["Gx7Lm2"] == 0  # plan reads only the accounts the manifests name
    assert report["acme-us"] == plan["acme-us"] > 0
    # globex: the key check and one page of senders, as plan would for an account with no change
    assert report["Gx7Lm2"] == 2
    assert ws.sandbox.writes() == []


def test_account_option_narrows_and_rejects_unknown_names(ws: Workspace) -> None:
    doc = _report(ws, "--account", "globex")
    assert [a["account"] for a in doc["accounts"]] == ["globex"]
    run = ws.run("report", "--account", "nope")
    assert run.code == 64
    assert "not a configured account" in run.stderr and "acme-us, globex" in run.stderr


def test_out_writes_the_whole_file_and_nothing_on_stdout(ws: Workspace) -> None:
    run = ws.run("report", "--format", "markdown", "--out", "out/summary.md")
    assert run.code == 0, run.stderr
    assert run.stdout == ""
    text = Path("out/summary.md").read_text(encoding="utf-8")
    assert text.startswith("<!-- callfwd-report -->")
    assert "Wrote the markdown report to out/summary.md" in run.stderr
    assert [p.name for p in Path("out").iterdir()] == ["summary.md"]  # no temp file left


def test_a_failed_read_writes_no_file(ws: Workspace) -> None:
    ws.env["GLOBEX_KEY"] = "sandbox-not-a-key-at-all"
    run = ws.run("report", "--format", "html", "--out", "r.html")
    assert run.code == 1
    assert "globex" in run.stderr
    assert not Path("r.html").exists()
    assert list(Path(".").glob(".r.html*")) == []


def test_text_lists_unmanaged_senders_with_the_import_command(ws: Workspace) -> None:
    run = ws.run("report")
    assert run.code == 0, run.stderr
    out = run.stdout
    assert "fleet: 2 accounts; 3 of 6 active US toll-free senders forward (50%)" in out
    assert "unmanaged: 4 senders declared in no manifest: (833) 555-0177" in out
    assert "take them under management: callfwd import --account acme-us --include-empty" in out
    assert "being verified without forwarding (set it up now): (866) 555-0133" in out
    assert f"{CARE_PATH}:{LINES['+18445550111']}" in out


def test_several_outs_from_one_read_each_in_the_format_its_name_says(ws: Workspace) -> None:
    ws.sandbox.reset_metrics()
    run = ws.run("report", "--out", "r.html", "--out", "s.md", "--out", "d.json", "--out", "t")
    assert run.code == 0, run.stderr
    calls = ws.sandbox.count(account="acme-us")
    assert calls == _calls_of_one_plan(ws) > 0
    assert Path("r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert Path("s.md").read_text(encoding="utf-8").startswith("<!-- callfwd-report -->")
    assert json.loads(Path("d.json").read_text(encoding="utf-8"))["format_version"] == 1
    assert Path("t").read_text(encoding="utf-8").startswith("callfwd report:")


def _calls_of_one_plan(ws: Workspace) -> int:
    ws.sandbox.reset_metrics()
    assert ws.run("plan").code == 0
    return ws.sandbox.count(account="acme-us")


def test_a_format_that_contradicts_the_file_name_is_a_usage_error(ws: Workspace) -> None:
    run = ws.run("report", "--format", "json", "--out", "r.html")
    assert run.code == 64
    assert "--out r.html names a html file, but --format is json" in run.stderr
    assert not Path("r.html").exists()


def test_markup_in_a_configured_account_name_stays_text(ws: Workspace) -> None:
    """callfwd.yaml is input too: an account named with markup, end to end."""
    evil = "<img src=x onerror=alert(1)>|`x`"
    name = json.dumps(evil)  # a YAML key, quoted
    ws.accounts = {"acme-us": "ACME_KEY", name: "GLOBEX_KEY"}
    ws.prune, ws.account_extra = {name: True}, {name: ("account_id: Gx7Lm2",)}
    run = ws.run("report", "--out", "r.html", "--out", "r.md")
    assert run.code == 0, run.stderr
    html = Path("r.html").read_text(encoding="utf-8")
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;|`x`" in html
    md = Path("r.md").read_text(encoding="utf-8")
    assert "| `` <img src=x onerror=alert(1)>\\|`x` `` |" in md
    assert "callfwd import --account '<img src=x onerror=alert(1)>|`x`'" in md


def test_markup_in_the_vendors_account_name_stays_text(ws: Workspace) -> None:
    """The server is input too: the account name the key check reads, end to end."""
    evil = "<img src=x onerror=alert(1)>|`x`"
    seed = copy.deepcopy(SEED)
    seed["accounts"][0]["name"] = evil
    ws.sandbox.reset(seed)
    run = ws.run("report", "--out", "r.html", "--out", "r.md", "--out", "r.json")
    assert run.code == 0, run.stderr
    html = Path("r.html").read_text(encoding="utf-8")
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    md = Path("r.md").read_text(encoding="utf-8")
    assert "<img" not in md.replace("`` <img", "")  # only ever inside a code span
    doc = json.loads(Path("r.json").read_text(encoding="utf-8"))
    assert doc["accounts"][0]["vendor"]["name"] == evil  # data as it is


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_every_field_of_the_json_is_documented(ws: Workspace) -> None:
    """docs/report.md shows each field in its example or names it in its table."""
    docs = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
    keys = _keys(_report(ws)) - {"active", "registering", "verified", "suspended"}
    keys -= {"registration_failed", "pending_registration"}  # statuses: data, not fields
    missing = sorted(k for k in keys if f'"{k}"' not in docs and f"`{k}`" not in docs)
    assert missing == [], f"fields of report --format json not in docs/report.md: {missing}"
