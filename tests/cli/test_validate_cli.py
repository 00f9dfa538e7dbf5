"""`callfwd validate` and `callfwd schema` through the CLI: formats, exit codes, flags."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from workspace import Run, run_cli, run_process, write_manifest

from reconciler.diagnostics import Diagnostic, Position, Severity, Summary
from reconciler.render.diagnostics import escape_data, escape_property, render

REPO = Path(__file__).parents[2]


def _write(
    directory: Path,
    name: str,
    *,
    team: str = "care",
    sender: str = "+1 833 555 0100",
    target: str = "+1 212 555 0199",
    role: str = "campaign_coordinator",  # the second owner's
) -> str:
    """A manifest of acme-us: dana the manager, and ari with ``role``."""
    owners = [("dana@acme.example", "manager"), ("ari@acme.example", role)]
    senders = {sender: target}
    return write_manifest(directory / name, "acme-us", senders, team=team, owners=owners).as_posix()


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = run_cli(*args, env=env)
    return result.code, result.output


def _callfwd(*args: str, cwd: Path = REPO, **env: str) -> Run:
    return run_process(*args, cwd=cwd, env=env)


# -- the examples and the default paths --------------------------------------


def test_examples_are_valid_by_default_as_a_real_process() -> None:
    proc = _callfwd("validate")
    assert (proc.code, proc.stdout, proc.stderr) == (
        0,
        "ok: 3 files, 6 senders, no problems\n",
        "",
    )


def test_default_paths_come_from_callfwd_yaml_and_its_exclude(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, "manifests/team.yaml")
    (tmp_path / "manifests" / "sandbox-seed.yaml").write_text("accounts: {}\n")
    monkeypatch.chdir(tmp_path)
    code, out = _run("validate")
    assert code == 1
    assert out == (
        "manifests/sandbox-seed.yaml:1:1: error[CF011] this file is not a manifest: its top "
        "level has none of the keys version, account, team, owners, forwarding; move it out "
        "of the manifests, or exclude it in callfwd.yaml\n"
        "invalid: 2 files, 1 sender, 1 error\n"
    )
    (tmp_path / "callfwd.yaml").write_text(
        "manifests: [manifests/]\nexclude: [manifests/sandbox-seed.yaml]\n"
    )
    assert _run("validate") == (0, "ok: 1 file, 1 sender, no problems\n")


def test_config_flag_names_the_file_and_a_missing_one_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "conf.yaml").write_text("manifests: [nowhere/]\n")
    code, out = _run("validate", "--config", "conf.yaml")
    assert code == 1
    assert out.splitlines() == [
        "nowhere:1:1: error[CF002] no manifests here: looked for nowhere/ (the manifests: "
        "list of conf.yaml); give the manifests to check (`callfwd validate PATH...`), run "
        "from your repository's root, or list them under manifests: in callfwd.yaml",
        "invalid: 0 files, 0 senders, 1 error",
    ]
    code, out = _run("validate", "--config", "missing.yaml")
    assert code == 64 and out == "error: --config missing.yaml: config file not found\n"


def test_a_folder_without_manifests_says_what_it_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = _run("validate")
    assert code == 1
    assert out.splitlines()[0] == (
        "manifests:1:1: error[CF002] no manifests here: looked for manifests/ (the default, "
        "as there is no callfwd.yaml here); give the manifests to check (`callfwd validate "
        "PATH...`), run from your repository's root, or list them under manifests: in "
        "callfwd.yaml"
    )


def test_an_empty_directory_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, out = _run("validate", (tmp_path / "empty").as_posix())
    assert code == 1
    assert out.startswith(f"{(tmp_path / 'empty').as_posix()}:1:1: error[CF002] no manifest files")


# -- formats ------------------------------------------------------------------


def _bad_pair(tmp_path: Path) -> list[str]:
    a = _write(tmp_path, "a.yaml", target="+1 416 555 0100", role="analyst")
    b = _write(tmp_path, "b.yaml", team="other", sender="833.555.0100", role="analyst")
    return [a, b]


def test_text_format_is_one_line_per_diagnostic_and_a_summary(tmp_path: Path) -> None:
    a, b = _bad_pair(tmp_path)
    code, out = _run("validate", a, b)
    assert code == 1
    assert out == (
        f"{a}:8:11: error[CF402] ari@acme.example: the role analyst may not configure call "
        "forwarding (allowed: owner, admin, manager, campaign_coordinator); remove this owner "
        "or list someone with an allowed role\n"
        f"{a}:11:17: error[CF301] forward_to +14165550100 is a number in Canada (CA); "
        "the forwarding number must be a US number\n"
        f"{b}:8:11: error[CF402] ari@acme.example: the role analyst may not configure call "
        "forwarding (allowed: owner, admin, manager, campaign_coordinator); remove this owner "
        "or list someone with an allowed role\n"
        f"{b}:10:13: error[CF208] sender +18335550100 is declared twice: here and at {a}:10:13; "
        "declare each sender once\n"
        "invalid: 2 files, 2 senders, 4 errors\n"
    )


def test_json_format(tmp_path: Path) -> None:
    a, b = _bad_pair(tmp_path)
    code, out = _run("validate", "--format", "json", a, b)
    assert code == 1
    doc = json.loads(out)
    assert list(doc) == ["diagnostics", "summary"]
    assert doc["summary"] == {"files": 2, "senders": 2, "errors": 4, "warnings": 0}
    first = doc["diagnostics"][0]
    assert list(first) == ["path", "line", "column", "severity", "code", "message"]
    assert (first["path"], first["line"], first["column"], first["severity"], first["code"]) == (
        a,
        8,
        11,
        "error",
        "CF402",
    )


def test_github_format_annotates_then_prints_the_full_list(tmp_path: Path) -> None:
    weird = Path(_write(tmp_path, "odd,name:1.yaml", sender="24680", role="analyst"))
    code, out = _run("validate", "--format", "github", weird.as_posix())
    assert code == 1
    escaped = weird.as_posix().replace(",", "%2C").replace(":", "%3A")
    lines = out.splitlines()
    assert lines[0] == (
        f"::error file={escaped},line=8,col=11,title=CF402::ari@acme.example: the role analyst "
        "may not configure call forwarding (allowed: owner, admin, manager, "
        "campaign_coordinator); remove this owner or list someone with an allowed role"
    )
    assert lines[1].startswith(f"::error file={escaped},line=10,col=13,title=CF201::sender 24680")
    assert lines[2].startswith(f"{weird.as_posix()}:8:11: error[CF402] ")
    assert lines[-1] == "invalid: 1 file, 1 sender, 2 errors"


def test_github_format_is_chosen_under_github_actions(tmp_path: Path) -> None:
    a, b = _bad_pair(tmp_path)
    _, out = _run("validate", a, b, env={"GITHUB_ACTIONS": "true"})
    assert out.startswith("::error file=")
    _, out = _run("validate", "--format", "text", a, b, env={"GITHUB_ACTIONS": "true"})
    assert not out.startswith("::")


def test_workflow_command_escaping_matches_the_actions_toolkit() -> None:
    assert escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    d = Diagnostic(Position("x.yaml", 1, 2), Severity.WARNING, "CF006", "line one\nline two")
    out = render("github", _Report([d]))
    assert (
        out.splitlines()[0] == "::warning file=x.yaml,line=1,col=2,title=CF006::line one%0Aline two"
    )


class _Report:
    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        self.summary = Summary(1, 0, 0, len(diagnostics))


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_output_is_byte_identical_across_runs_and_argument_orders(tmp_path: Path, fmt: str) -> None:
    a, b = _bad_pair(tmp_path)
    outs = {_run("validate", "--format", fmt, *order)[1] for order in ([a, b], [b, a], [a, b])}
    assert len(outs) == 1


# -- colour ---------------------------------------------------------------------


def _on_a_terminal(*args: str, **env: str) -> bytes:
    main, secondary = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "reconciler", *args],
            stdout=secondary,
            stderr=subprocess.PIPE,
            cwd=REPO,
            env={**{k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}, **env},
            timeout=60,
        )
        assert proc.returncode == 1
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: the other side is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(main)


def test_colour_only_on_a_terminal_and_never_with_no_color_or_dumb_term(tmp_path: Path) -> None:
    bad = _write(tmp_path, "c.yaml", sender="24680")
    assert b"\x1b[" in _on_a_terminal("validate", bad, TERM="xterm")
    assert b"\x1b[" not in _on_a_terminal("validate", bad, TERM="xterm", NO_COLOR="1")
    assert b"\x1b[" not in _on_a_terminal("validate", bad, TERM="dumb")
    assert b"\x1b[" not in _on_a_terminal("validate", "--format", "json", bad, TERM="xterm")
    piped = _callfwd("validate", bad, TERM="xterm")
    assert "\x1b[" not in piped.stdout


# -- --actor --------------------------------------------------------------------


def test_actor_must_be_an_allowed_owner_of_every_manifest(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.yaml", role="analyst")
    b = _write(tmp_path, "b.yaml", team="b", sender="+1 844 555 0111", role="analyst")
    c = _write(tmp_path, "c.yaml", team="c", sender="+1 855 555 0122")
    assert _run("validate", "--actor", "DANA@acme.example", c)[0] == 0
    assert _run("validate", "--actor", "ari@acme.example", c)[0] == 0
    code, out = _run("validate", "--actor", "ari@acme.example", a, b)
    assert code == 1
    assert [ln for ln in out.splitlines() if "CF402" not in ln] == [
        f"{a}:4:1: error[CF405] the actor ari@acme.example is listed with the role analyst, "
        "which may not configure call forwarding; only an owner with an allowed role "
        "(owner, admin, manager, campaign_coordinator) may change this manifest",
        f"{b}:4:1: error[CF405] the actor ari@acme.example is listed with the role analyst, "
        "which may not configure call forwarding; only an owner with an allowed role "
        "(owner, admin, manager, campaign_coordinator) may change this manifest",
        "invalid: 2 files, 2 senders, 4 errors",
    ]
    code, out = _run("validate", "--actor", "eve@evil.example", c)
    assert code == 1 and "is not among the owners of this manifest" in out


# -- cross-file rules ----------------------------------------------------------


def test_a_chain_across_files_names_the_other_sender(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.yaml", sender="+1 833 555 0100", target="+1 (844) 555-0111")
    b = _write(tmp_path, "b.yaml", team="b", sender="844-555-0111", target="+1 212 555 0199")
    code, out = _run("validate", "--format", "json", a, b)
    chain = [d for d in json.loads(out)["diagnostics"] if d["code"] == "CF305"]
    assert code == 1
    assert [(d["path"], d["line"], d["column"]) for d in chain] == [(a, 11, 17)]
    assert f"({b}:10:13)" in chain[0]["message"]


# -- hostile volume ----------------------------------------------------------


def test_a_file_with_thousands_of_problems_shows_a_hundred_and_a_count(tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    head = "version: 1\naccount: acme-us\nteam: t\nowners: []\nforwarding: []\n"
    path.write_text(head + "".join(f"kee{i}: v\n" for i in range(5000)))
    code, out = _run("validate", "--format", "json", path.as_posix())
    doc = json.loads(out)
    assert code == 1
    assert doc["summary"]["errors"] == 101
    last = doc["diagnostics"][-1]
    assert (last["code"], last["line"], last["column"]) == ("CF018", 105, 1)
    assert last["message"].startswith("901 or more problems in this file are not shown")
    assert [d["code"] for d in doc["diagnostics"][:2]] == ["CF403", "CF101"]


# -- usage errors exit 64 -------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "--format", "xml"],
        ["validate", "--no-such-flag"],
        ["validate", "does/not/exist.yaml"],
        ["validate", "--actor", "not an email"],
        ["validate", "--actor", "dаna@acme.example"],
        ["validate", "--config", "does/not/exist.yaml"],
        ["validate", "--base", "no-such-ref-anywhere"],
        ["schema", "extra-argument"],
    ],
)
def test_usage_errors_exit_64(args: list[str]) -> None:
    proc = _callfwd(*args)
    assert proc.code == 64, proc.stderr
    assert proc.stdout == ""


# -- schema and import discipline ----------------------------------------------


def test_schema_command_prints_json_schema() -> None:
    code, out = _run("schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["title"] == "callfwd manifest v1"
    assert schema["required"] == ["version", "account", "team", "owners", "forwarding"]


def test_command_modules_import_only_click() -> None:
    probe = (
        "import sys\n"
        "import reconciler.cli.validate, reconciler.cli.schema\n"
        "heavy = ('pydantic', 'phonenumbers', 'yaml', 'httpx', 'reconciler.rules.check')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"
