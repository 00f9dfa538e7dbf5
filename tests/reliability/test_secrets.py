"""A sentinel API key goes through every command, and comes out nowhere.

The sandbox account's key is a sentinel; so is a second key the server does
not know. Every command runs at debug verbosity (``--debug`` or ``-vv``), in
every output format, with an audit log, plan files, an import and GitHub's
output files, on its happy path and its error paths: a wrong URL, an unknown
key (401), 500s from the server, another account's manifest, a bad manifest,
a key pasted into callfwd.yaml or into an API URL, a bad seed for ``serve``.

The test fails if either key appears, whole or in part, in: stdout or stderr
of any run, any file written under the temp dir (plans, audit log, imported
manifests, GITHUB_OUTPUT, the server's database and log), the message,
repr or traceback of any exception the library raises, any log record
(before the scrubbing filter sees it), or the request log of any server.
"""

from __future__ import annotations

import asyncio
import logging
import os
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sandbox_fixtures import Sandbox, ServerFactory
from workspace import AccountSpec, manifest_text, run_cli, write_workspace

from reconciler.api.client import SettingsClient
from reconciler.api.retry import RetryPolicy
from reconciler.errors import CallfwdError

SENTINEL = "sk-SENTINEL-7f3a9c2e4b1d8a6f0c5e"
UNKNOWN = "sk-SENTINEL-0000dead0000beef1111"  # a key no server knows: 401
# A leak of part of a key is a leak too: these are what no output may hold.
NEEDLES = [SENTINEL, UNKNOWN, "7f3a9c2e4b1d8a6f", "0000dead0000beef", "SENTINEL-"]
ACCOUNT = "sentinel"
SENDERS = ["+18336100001", "+18446100002", "+18556100003"]


def seed() -> dict[str, Any]:
    senders: list[dict[str, Any]] = [
        {"number": n, "type": "toll_free", "country": "US"} for n in SENDERS
    ]
    senders[0]["forward_to"] = "+12125550100"
    senders.append({"number": SENDERS[0], "type": "toll_free", "country": "CA"})
    user = {
        "email": "owner@sentinel.example",
        "role": "owner",
        "api_key": SENTINEL,
        "scopes": ["sender-config:read", "sender-config:write", "accounts:read"],
    }
    return {"accounts": [{"id": ACCOUNT, "name": "Sentinel", "users": [user], "senders": senders}]}


@pytest.fixture
def sandbox_seed() -> dict[str, Any]:
    return seed()


class Records(logging.Handler):
    """Every log record as emitted: raw message, arguments and exception."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.name} {record.msg!s} {record.args!r}"
        if record.exc_info and record.exc_info[1] is not None:
            text += "".join(traceback.format_exception(record.exc_info[1]))
        self.texts.append(text)


@pytest.fixture
def records() -> Iterator[Records]:
    # On named loggers, not the root: `callfwd` resets the root's handlers on every run.
    handler = Records()
    names = ["reconciler", "callfwd", "httpx", "httpcore", "uvicorn", "asyncio"]
    for name in names:
        logging.getLogger(name).addHandler(handler)
    yield handler
    for name in names:
        logging.getLogger(name).removeHandler(handler)


class Seen:
    """Everything the runs showed, to search at the end."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []

    def add(self, label: str, text: str) -> None:
        self.texts.append((label, text))

    def exception(self, label: str, exc: BaseException) -> None:
        self.add(label, f"{exc!s} {exc!r} " + "".join(traceback.format_exception(exc)))

    def leaks(self) -> list[str]:
        return [
            f"{label}: …{text[max(0, text.find(n) - 80) : text.find(n) + 40]}…"
            for label, text in self.texts
            for n in NEEDLES
            if n in text
        ]


def test_the_sentinel_key_appears_in_no_output_file_exception_or_log(
    sandbox: Sandbox,
    server_factory: ServerFactory,
    tmp_path: Path,
    records: Records,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = Seen()
    inputs = tmp_path.parent / f"{tmp_path.name}-inputs"  # files holding keys on purpose
    inputs.mkdir()
    ws = tmp_path / "ws"
    monkeypatch.chdir(tmp_path)
    spec = AccountSpec(ACCOUNT, "SENTINEL_KEY", SENTINEL)
    cfg = str(ws / "callfwd.yaml")
    debug = ["--debug"]

    def run(label: str, args: list[str], env: dict[str, str]) -> int:
        nonlocal debug
        debug = ["-vv"] if debug == ["--debug"] else ["--debug"]  # both ways, in turn
        r = run_cli(*debug, *args, env=env)
        seen.add(f"{label} stdout", r.stdout)
        seen.add(f"{label} stderr", r.stderr)
        assert r.code in (0, 1, 2), (label, r.code, r.stderr)
        return r.code

    def workspace(want: dict[str, str | None], **kw: Any) -> dict[str, str]:
        return write_workspace(ws, kw.pop("url", sandbox.url), [spec], {ACCOUNT: want}, **kw)

    small = {"max_attempts": 2, "max_total": 1}
    github = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(tmp_path / "gh-output")}

    # -- happy paths: every command, every format -----------------------------------
    env = workspace({SENDERS[0]: "+13125550175", SENDERS[1]: "+12125550142", SENDERS[2]: None})
    for fmt in ("text", "json", "github"):
        run(f"validate {fmt}", ["validate", "--config", cfg, "--format", fmt], env)
    for fmt in ("text", "json", "markdown"):
        out = str(ws / f"plan-{fmt}.json")
        args = ["plan", "--config", cfg, "--format", fmt, "--out", out, "--detailed-exitcode"]
        assert run(f"plan {fmt}", args, {**env, **github}) == 2
    log = str(ws / "audit.jsonl")
    args = ["apply", "--config", cfg, "--plan", str(ws / "plan-json.json"), "--auto-approve"]
    assert run("apply --plan json", [*args, "--format", "json", "--audit-log", log], env) == 0
    env = workspace({SENDERS[0]: None, SENDERS[1]: "+16175550100"})
    args = ["apply", "--config", cfg, "--auto-approve", "--audit-log", log]
    assert run("apply text", [*args, "--allow-mass-changes"], env) == 0
    args = ["import", "--config", cfg, "--account", ACCOUNT, "--out-dir", str(ws / "imported")]
    assert run("import", [*args, "--include-empty"], env) == 0
    api = {"CALLFWD_API_URL": sandbox.url, "CALLFWD_API_KEY": SENTINEL}
    for caller in ("+13125550100", "+14165550100"):
        args = ["route-call", "--from", caller, "--to", SENDERS[1]]
        assert run(f"route-call {caller}", args, api) == 0
    assert run("schema", ["schema"], {}) == 0

    # -- error paths -------------------------------------------------------------------
    env = workspace({SENDERS[1]: "+12125550199"}, **small)
    commands = {
        "plan": ["plan", "--config", cfg, "--format", "json"],
        "apply": ["apply", "--config", cfg, "--auto-approve", "--audit-log", log],
        "import": [
            "import",
            "--config",
            cfg,
            "--account",
            ACCOUNT,
            "--force",
            "--out-dir",
            str(ws / "imported"),
        ],
    }
    # route-call without accounts (CALLFWD_API_URL/KEY serve), retrying as little as the rest
    quick = inputs / "retry-only.yaml"
    quick.write_text("retry: {max_attempts: 2, max_total: 1, max_connect_total: 0.3}\n")
    route = ["route-call", "--config", str(quick), "--from", "+13125550100", "--to", SENDERS[1]]
    sandbox.set_faults({"kind": "error", "status": 500})
    for name, args in commands.items():
        assert run(f"{name} under 500s", args, env) == 1
    assert run("route-call under 500s", route, api) == 1
    sandbox.clear_faults()
    for name, args in commands.items():
        assert run(f"{name} with an unknown key", args, {**env, "SENTINEL_KEY": UNKNOWN}) == 1
    assert run("route-call 401", route, {**api, "CALLFWD_API_KEY": UNKNOWN}) == 1
    env = workspace({SENDERS[1]: "+12125550199"}, url="http://127.0.0.1:9", **small)
    for name, args in commands.items():
        assert run(f"{name} at a wrong URL", args, env) == 1
    closed = {**api, "CALLFWD_API_URL": "http://127.0.0.1:9"}
    assert run("route-call at a wrong URL", route, closed) == 1
    with_creds = {**api, "CALLFWD_API_URL": f"http://u:{SENTINEL}@127.0.0.1:9"}
    assert run("route-call, key in the URL", route, with_creds) == 1
    assert run("route-call, key as the URL", route, {**api, "CALLFWD_API_URL": SENTINEL}) == 1

    env = workspace({SENDERS[1]: "+12125550199"})
    (ws / "manifests" / "other.yaml").write_text(manifest_text("globex", {SENDERS[2]: None}))
    (ws / "callfwd.yaml").write_text(
        (ws / "callfwd.yaml").read_text()
        + f"  globex:\n    api_url: {sandbox.url}\n    api_key_env: SENTINEL_KEY\n"
    )  # another account's manifest, planned with this key: refused
    assert run("plan, key of another account", ["plan", "--config", cfg], env) == 1
    bad = ws / "manifests" / "bad.yaml"
    bad.write_text("version: 1\naccount: sentinel\nforwarding:\n  - sender: 12\n    to: x\n")
    assert run("validate a bad manifest", ["validate", "--config", cfg, str(bad)], env) == 1
    bad.unlink()

    pasted = inputs / "pasted.yaml"  # keys pasted where they do not belong
    for line in (
        f"    api_key: {SENTINEL}",
        f"    api_key_env: {SENTINEL}",
        f"    api_url: http://u:{SENTINEL}@127.0.0.1:9",
    ):
        pasted.write_text(f"accounts:\n  {ACCOUNT}:\n{line}\n")
        assert (
            run(f"config: {line.split(':')[0].strip()}", ["plan", "--config", str(pasted)], env)
            == 1
        )

    # -- the library's exceptions ---------------------------------------------------------
    async def call(url: str, key: str) -> None:
        retry = RetryPolicy(max_attempts=2, max_total=0.2)
        async with SettingsClient(base_url=url, api_key=key, retry=retry) as client:
            await client.list_senders()

    for label, url, key in [
        ("401", sandbox.url, UNKNOWN),
        ("refused connection", "http://127.0.0.1:9", SENTINEL),
        ("key in the URL", f"http://u:{SENTINEL}@127.0.0.1:9", SENTINEL),
    ]:
        with pytest.raises(CallfwdError) as info:
            asyncio.run(call(url, key))
        seen.exception(f"exception: {label}", info.value)

    # -- serve: a server seeded with the keys, its request log, a bad seed ----------------
    seed_file = inputs / "seed.yaml"
    seed_file.write_text(yaml.safe_dump(seed()))
    server = server_factory("--seed", str(seed_file), "--rate-limit", "off")
    env = workspace({SENDERS[1]: "+12125550199"}, url=server.url)
    assert run("plan against serve", ["plan", "--config", cfg], env) == 0
    assert (
        run("plan against serve, 401", ["plan", "--config", cfg], {**env, "SENTINEL_KEY": UNKNOWN})
        == 1
    )
    server.stop()
    seen.add("serve request log", server.log_text())
    broken = seed()
    broken["accounts"][0]["users"].append(
        {**broken["accounts"][0]["users"][0], "email": "b@x.example"}
    )
    seed_file.write_text(yaml.safe_dump(broken))  # the same key twice
    args = ["serve", "--seed", str(seed_file), "--db", str(tmp_path / "bad.db"), "--port", "0"]
    assert run("serve with a bad seed", args, {}) == 1
    seen.add("session server request log", sandbox.server.log_text())

    # -- everything written, every record -------------------------------------------------
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "audit.jsonl" for p in written) and any(
        p.suffix == ".json" for p in written
    )
    for path in written:
        seen.add(f"file {path.relative_to(tmp_path)}", path.read_bytes().decode("latin-1"))
    for i, text in enumerate(records.texts):
        seen.add(f"log record {i}", text)
    assert len(records.texts) > 20, "debug logging did not reach the records"
    assert not seen.leaks(), "\n".join(seen.leaks()[:10])


# Keys as they arrive when copied badly: a line break, a carriage return, a tab, a
# control or non-ASCII character inside. None may leak, none may crash callfwd.
MANGLED = {
    "newline": "sk-SENTINEL-7f3a9c2e\n4b1d8a6f0c5e",
    "carriage-return": "sk-SENTINEL-7f3a9c2e\r4b1d8a6f0c5e",
    "tab": "sk-SENTINEL-7f3a9c2e\t4b1d8a6f0c5e",
    "control": "sk-SENTINEL-7f3a9c2e\x014b1d8a6f0c5e",
    "non-ascii": "sk-SENTINEL-7f3a9c2e\u00e94b1d8a6f0c5e",
}


@pytest.mark.parametrize("key", list(MANGLED.values()), ids=list(MANGLED))
def test_a_mangled_key_is_a_clear_error_that_never_shows_it(
    sandbox: Sandbox, tmp_path: Path, key: str
) -> None:
    ws = tmp_path / "ws"
    spec = AccountSpec(ACCOUNT, "SENTINEL_KEY", key)
    env = write_workspace(ws, sandbox.url, [spec], {ACCOUNT: {SENDERS[1]: "+12125550199"}})
    cfg = str(ws / "callfwd.yaml")
    api = {"CALLFWD_API_URL": sandbox.url, "CALLFWD_API_KEY": key}
    for args, run_env in [
        (["plan", "--config", cfg], env),
        (["apply", "--config", cfg, "--auto-approve"], env),
        (["import", "--config", cfg, "--account", ACCOUNT, "--out-dir", str(ws / "i")], env),
        (["route-call", "--config", os.devnull, "--from", "+13125550100", "--to", SENDERS[1]], api),
        (["route-call", "--config", cfg, "--from", "+13125550100", "--to", SENDERS[1]], env),
    ]:
        for debug in ([], ["--debug"]):
            r = run_cli(*debug, *args, env=run_env)
            out = r.stdout + r.stderr
            assert r.code == 1, (args[0], debug, r.code, out)
            assert "internal error" not in out, out
            assert "7f3a9c2e" not in out and "4b1d8a6f" not in out, out
    assert sandbox.writes() == []
    with pytest.raises(CallfwdError) as info:  # the library refuses it too
        SettingsClient(base_url=sandbox.url, api_key=key)
    text = "".join(traceback.format_exception(info.value))
    assert "7f3a9c2e" not in text and "4b1d8a6f" not in text


# -- scrub: keys hidden whole or in part, with many keys and long texts ----------------


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A registry of its own: keys registered here must not mangle other tests' output."""
    from reconciler import secrets

    monkeypatch.setattr(secrets, "_secrets", set())
    monkeypatch.setattr(secrets, "_index", secrets._Index())
    yield


def _random_keys(n: int, seed: int = 7) -> list[str]:
    import random

    rng = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return ["pk_" + "".join(rng.choice(alphabet) for _ in range(34)) for _ in range(n)]


@pytest.mark.usefixtures("registry")
def test_a_key_echoed_in_part_by_a_server_is_hidden() -> None:
    from reconciler.secrets import register, scrub_echo

    register(SENTINEL)
    for part in (SENTINEL[:14], SENTINEL[-9:], SENTINEL[8:14], SENTINEL[3:30]):
        text = f'HTTP 401: {{"detail": "key {part} is not valid"}}'
        shown = scrub_echo(text)
        assert part not in shown and shown == 'HTTP 401: {"detail": "key *** is not valid"}'
    # five characters are not part of the key; six are
    assert scrub_echo(f"x {SENTINEL[12:17]} x") == f"x {SENTINEL[12:17]} x"
    assert scrub_echo(f"x {SENTINEL[12:18]} x") == "x *** x"


@pytest.mark.usefixtures("registry")
def test_a_thousand_keys_each_hidden_in_a_long_text() -> None:
    from reconciler.secrets import register, scrub_echo

    keys = _random_keys(1_000)
    for key in keys:
        register(key)
    # spaces around each piece: a piece followed by a letter could be followed by the
    # key's own next letter, and that is hidden too
    filler = " GET /api/text-messaging-senders?page[size]=20 answered 200; " * 40
    pieces = [key[i : i + 6 + i % 9] for i, key in enumerate(keys[::7]) for i in (2, 11, 20)]
    text = filler.join(pieces) + filler + " ".join(keys)
    shown = scrub_echo(text)
    assert all(key not in shown for key in keys)
    assert all(piece not in shown for piece in pieces)
    assert shown.count(filler) == text.count(filler)  # the text around them is untouched


@pytest.mark.usefixtures("registry")
def test_words_and_numbers_a_key_shares_with_ordinary_text_stay_readable() -> None:
    from reconciler.secrets import register, scrub_echo

    register("sandbox-acme-manager")
    register("sk_test_accounts_0123456789")
    text = "account acme-us: role manager; GET /api/accounts; sender +18005550199"
    assert scrub_echo(text) == text
    # digits from the key's ten-digit word are not a word: hidden
    assert scrub_echo("sender +18001234567") == "sender +180***"  # 01234567
    # ...but not a run that mixes kinds of character, nor one of ten characters or more
    assert scrub_echo("echo: sandbox-acme-m") == "echo: ***"
    assert scrub_echo("ids 0123456789") == "ids ***"
    assert scrub_echo("t_accounts_01") == "***"


@pytest.mark.usefixtures("registry")
def test_short_or_plain_keys_are_hidden_whole() -> None:
    from reconciler.secrets import register, scrub_echo

    register("abcd")  # shorter than a part: only whole
    register("password")  # one kind of character: only whole
    assert scrub_echo("abcde abcd password passwor") == "***e *** *** passwor"
    register("ab")  # too short to register at all
    assert scrub_echo("ab") == "ab"


@pytest.mark.usefixtures("registry")
def test_overlapping_parts_of_two_keys_merge_into_one_hidden_span() -> None:
    from reconciler.secrets import register, scrub_echo

    first, second = _random_keys(2, seed=11)
    register(first)
    register(second)
    assert scrub_echo(f"[{first[:12]}{second[20:]}]") == "[***]"
    assert scrub_echo(f"{first}{first}") == "***"


@pytest.mark.usefixtures("registry")
def test_callfwds_own_text_loses_only_whole_keys() -> None:
    from reconciler.secrets import register, scrub, scrub_echo

    register("sandbox-globex-owner")
    own = "error: account globex is in both plan-globex.json and again/plan.json"
    assert scrub(own) == own  # a file name is not an echo of the key
    assert scrub_echo(own) != own  # text a server sent may echo part of it
    assert scrub("key sandbox-globex-owner here") == "key *** here"


@pytest.mark.usefixtures("registry")
def test_a_word_inside_a_random_key_is_hidden_when_echoed() -> None:
    from reconciler.secrets import register, scrub_echo

    register("pk_Xy7abcdefgQ9")  # "abcdefg" is a one-kind run, but not a word of the key
    assert scrub_echo("detail: abcdefg") == "detail: ***"
