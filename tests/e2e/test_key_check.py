"""The key check's failures name the fix: which lines to write, which api_url is wrong and where."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest
from sandbox_fixtures import ACME_MANAGER, Sandbox
from workspace import manifest_text, run_cli

SENDERS = {"+18335550100": "+12125550199"}


def plan(tmp_path: Path, config: str, env: dict[str, str], account: str = "acme-us") -> str:
    (tmp_path / "manifests").mkdir(exist_ok=True)
    (tmp_path / "manifests" / "m.yaml").write_text(manifest_text(account, SENDERS))
    (tmp_path / "callfwd.yaml").write_text(config)
    run = run_cli("plan", env=env)
    assert run.code == 1, run.output
    return run.stderr


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_https_at_a_plain_http_server_says_which_line_to_change(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    https = sandbox.url.replace("http://", "https://")
    config = f"manifests: [manifests/]\naccounts:\n  acme-us:\n    api_url: {https}\n"
    stderr = plan(tmp_path, config, {"CALLFWD_API_KEY": ACME_MANAGER})
    assert "retrying" not in stderr  # a TLS refusal is not retried
    assert stderr == (
        f"error: account acme-us: GET /api/accounts: could not connect to {https}: TLS "
        "failed: the server does not speak TLS (https) there (wrong version number); "
        f"api_url probably should be {sandbox.url} (set at callfwd.yaml:4:5)\n"
    )


def test_a_key_of_another_id_suggests_the_account_id_lines(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    # No accounts: in callfwd.yaml; the manifests name the vendor's id in lower case.
    stderr = plan(
        tmp_path,
        "manifests: [manifests/]\n",
        {"CALLFWD_API_URL": sandbox.url, "CALLFWD_API_KEY": ACME_MANAGER},
        account="acme-us-old",
    )
    assert stderr == (
        "error: account acme-us-old: the API key in CALLFWD_API_KEY belongs to account "
        "acme-us, not acme-us-old; refusing to plan or apply acme-us-old with another "
        "account's key. If it is acme-us-old's key and acme-us is that account's id at the "
        "vendor, write the id in callfwd.yaml:\n"
        "    accounts:\n      acme-us-old:\n        account_id: acme-us\n"
    )


def test_a_configured_account_id_that_does_not_match_points_at_it(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    config = (
        "manifests: [manifests/]\naccounts:\n  acme-us:\n"
        f"    api_url: {sandbox.url}\n    account_id: Xy7pQ2\n"
    )
    stderr = plan(tmp_path, config, {"CALLFWD_API_KEY": ACME_MANAGER})
    assert stderr == (
        "error: account acme-us: the API key in CALLFWD_API_KEY belongs to account acme-us, "
        "not Xy7pQ2 (acme-us); refusing to plan or apply acme-us with another account's key: "
        "check that CALLFWD_API_KEY holds acme-us's key, or correct its account_id "
        "(callfwd.yaml:5:5)\n"
    )


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass  # the request log would go to the stderr the test reads


def test_a_url_of_another_web_server_says_which_line_names_it(tmp_path: Path) -> None:
    """A real web server on loopback (Python's own), not a settings API."""
    (tmp_path / "www").mkdir()
    handler = functools.partial(_QuietFiles, directory=tmp_path / "www")
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as www:
        threading.Thread(target=www.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{www.server_address[1]}"
        config = f"manifests: [manifests/]\naccounts:\n  acme-us:\n    api_url: {url}\n"
        try:
            stderr = plan(tmp_path, config, {"CALLFWD_API_KEY": ACME_MANAGER})
        finally:
            www.shutdown()
    assert "retrying" not in stderr  # another web server's 404 is no reason to try again
    assert stderr == (
        "error: account acme-us: GET /api/accounts: HTTP 404: File not found (an answer in "
        "text/html, not from a settings API); api_url probably points at another web "
        f"server, not a settings API ({url}, set at callfwd.yaml:4:5)\n"
    )
