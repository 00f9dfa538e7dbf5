"""The CLI's own small things, as users type them: flag order, a missing --config, --help."""

from __future__ import annotations

import logging
import re
import socket
from pathlib import Path

import pytest
from workspace import run_cli, run_process

from reconciler.cli import COMMANDS, cli, hoist_global_flags


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["plan", "-v"], ["-v", "plan"]),
        (["plan", "--debug", "-vv", "x.yaml"], ["--debug", "-vv", "plan", "x.yaml"]),
        (["-v", "validate", "--verbose"], ["-v", "--verbose", "validate"]),
        (["validate", "--", "-v"], ["validate", "--", "-v"]),  # a path named -v stays a path
        (["import", "--team", "-vx"], ["import", "--team", "-vx"]),
    ],
)
def test_logging_flags_move_before_the_subcommand(args: list[str], expected: list[str]) -> None:
    assert hoist_global_flags(args) == expected


@pytest.mark.parametrize(
    ("flag", "level"), [("-v", logging.INFO), ("-vv", logging.DEBUG), ("--debug", logging.DEBUG)]
)
def test_verbosity_after_the_subcommand_takes_effect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: str, level: int
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CALLFWD_DEBUG", raising=False)
    (tmp_path / "m.yaml").write_text("version: 2\n", encoding="utf-8")
    result = run_cli("validate", "m.yaml", flag)
    assert result.code == 1  # the manifest is invalid; the flag itself is accepted
    assert "No such option" not in result.stderr
    assert logging.getLogger().level == level


@pytest.mark.parametrize("command", ["validate", "plan", "apply", "route-call"])
def test_a_missing_config_file_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.chdir(tmp_path)
    extra = ["--from", "+13125550100", "--to", "+18335550100"] if command == "route-call" else []
    result = run_cli(command, "--config", "missing.yaml", *extra)
    assert (result.code, result.stderr) == (
        64,
        "error: --config missing.yaml: config file not found\n",
    )


def test_config_problems_are_listed_one_a_line_then_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("callfwd.yaml").write_text("acounts: {}\ndefaults:\n  prune: 'no'\n", encoding="utf-8")
    result = run_cli("plan")
    assert (result.code, result.stderr) == (
        1,
        "callfwd.yaml:1:1: error[CF601] unknown key 'acounts'; did you mean 'accounts'?\n"
        "callfwd.yaml:3:10: error[CF603] defaults.prune must be true or false, "
        "not the text 'no'\n"
        "error: 2 problems in the configuration\n",
    )


def test_help_shows_each_commands_whole_first_sentence() -> None:
    result = run_cli("--help")
    assert result.code == 0
    flat = " ".join(result.stdout.split())
    for name in COMMANDS:
        command = cli.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None and command.help
        sentence = " ".join(command.help.split(". ")[0].split("\n\n")[0].split())
        assert f"{name} {sentence.rstrip('.')}" in flat, name
    assert "..." not in result.stdout.split("Commands:")[1]  # click's cut marker


def test_an_unreachable_api_is_retried_briefly_with_a_line_each_time(tmp_path: Path) -> None:
    """End to end, the console script: notice lines, then one error naming everything."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "callfwd.yaml").write_text(
        "retry: {max_connect_total: 1}\n"
        f"accounts:\n  acme-us: {{api_url: 'http://127.0.0.1:{port}', api_key_env: ACME_US_KEY}}\n",
        encoding="utf-8",
    )
    route = ["route-call", "--from", "+13125550100", "--to", "+18335550100"]
    run = run_process(*route, cwd=tmp_path, env={"ACME_US_KEY": "sk_test_unreachable_0123"})
    *retries, last = run.stderr.splitlines()
    assert run.code == 1 and retries, run.stderr
    for n, line in enumerate(retries, start=2):
        assert re.fullmatch(
            rf"acme-us: GET /api/accounts: connection refused; "
            rf"retrying in \d+\.\d s \(attempt {n} of 8\)",
            line,
        ), line
    assert re.fullmatch(
        rf"error: account acme-us: GET /api/accounts: could not connect to "
        rf"http://127\.0\.0\.1:{port}: "
        rf"connection refused \(gave up after {len(retries) + 1} attempts in [01]\.\d s\)",
        last,
    ), last
    assert "sk_test_unreachable" not in run.stderr + run.stdout


def test_route_call_needs_account_when_callfwd_yaml_lists_several(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("callfwd.yaml").write_text(
        "defaults: {api_url: 'http://127.0.0.1:9'}\naccounts:\n  acme-us: {}\n  globex: {}\n",
        encoding="utf-8",
    )
    args = ["route-call", "--from", "+13125550100", "--to", "+18335550100"]
    several = run_cli(*args)
    assert several.code == 64
    assert several.stderr.endswith(
        "Error: callfwd.yaml lists 2 accounts (acme-us, globex): pick one with --account NAME\n"
    )
    monkeypatch.delenv("CALLFWD_API_KEY", raising=False)
    picked = run_cli(*args, "--account", "globex")
    assert (picked.code, picked.stderr) == (
        1,
        "error: account globex: environment variable CALLFWD_API_KEY is not set "
        "(it holds the account's API key)\n",
    )
