"""`--published-only`, `--latency` and the OPTIONS/Allow probe, on real servers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sandbox_fixtures import ACME_ANALYST, ACME_MANAGER, DEFAULT_SEED, Sandbox, ServerFactory

from reconciler.sandbox.durations import parse_duration

SENDERS = "/api/text-messaging-senders"


def test_options_probe_lists_patch_with_extensions_and_writes_nothing(sandbox: Sandbox) -> None:
    sid = sandbox.sender_id("acme-us", "+18555550122")
    before = sandbox.state()
    for key in (ACME_MANAGER, ACME_ANALYST, None):  # no key needed: it reveals no data
        r = sandbox.client(key).options(f"{SENDERS}/{sid}")
        assert r.status_code == 204, r.text
        assert r.headers["allow"] == "GET, OPTIONS, PATCH"
    assert sandbox.audit_events() == []
    assert sandbox.state() == before
    assert sandbox.count(method="PATCH") == 0


def test_options_probe_without_patch_when_published_only(server_factory: ServerFactory) -> None:
    server = server_factory("--seed", str(DEFAULT_SEED), "--published-only", "--rate-limit", "off")
    with server.client(ACME_MANAGER) as api:
        sid = api.get(SENDERS).json()["data"][0]["id"]
        probe = api.options(f"{SENDERS}/{sid}")
        assert (probe.status_code, probe.headers["allow"]) == (204, "GET, OPTIONS")
        patch = api.patch(f"{SENDERS}/{sid}", json={"data": {}})
        assert patch.status_code == 405 and patch.headers["allow"] == "GET, OPTIONS"
        assert api.get(f"{SENDERS}/{sid}").json()["data"]["attributes"]["forwarding_number"]
        openapi = api.get("/openapi.json").json()
        assert "/api/me" not in openapi["paths"]
        assert "patch" not in openapi["paths"][SENDERS + "/{sender_id}"]


@pytest.mark.parametrize(
    ("text", "seconds"), [("50ms", 0.05), ("0.05s", 0.05), ("0", 0.0), ("2s", 2.0), ("0ms", 0.0)]
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["-5ms", "fast", "50", "1e3ms", "", "5 min", "61s"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("value", ["-50ms", "soon"])
def test_bad_latency_is_a_usage_error(tmp_path: Path, value: str) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "reconciler", "serve", "--latency", value, "--db", "db.sqlite"],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
        cwd=tmp_path,
    )
    assert run.returncode == 64, run.stderr
    assert "--latency" in run.stderr and "50ms" in run.stderr


def test_latency_delays_every_answer(server_factory: ServerFactory) -> None:
    server = server_factory(
        "--seed", str(DEFAULT_SEED), "--rate-limit", "off", "--latency", "150ms"
    )
    with server.client(ACME_MANAGER) as api:
        api.get("/api/accounts")  # the connection is open: time the answers only
        for path in ("/api/accounts", SENDERS, "/api/no-such-thing"):
            started = time.perf_counter()
            r = api.get(path)
            assert time.perf_counter() - started >= 0.15, (path, r.status_code)
