"""One builder for every account: callfwd.yaml's accounts, its defaults, the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import AccountTarget, Config, load_config, resolve_accounts, trust
from reconciler.errors import ConfigError
from reconciler.secrets import Secret

KEY = "sk_test_accounts_0123456789"


def config_at(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "callfwd.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_account_id_is_the_configured_vendor_id_else_the_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_US_KEY", KEY)
    path = config_at(
        tmp_path,
        "defaults: {api_url: 'http://127.0.0.1:8765', api_key_env: ACME_US_KEY}\n"
        "accounts:\n  acme-us: {account_id: Qz4nW8}\n  globex: {}\n",
    )
    targets = resolve_accounts(trust(load_config(path)), ["acme-us", "globex"])
    assert (targets["acme-us"].name, targets["acme-us"].account_id) == ("acme-us", "Qz4nW8")
    assert targets["globex"].account_id == "globex"


def test_a_target_built_in_code_defaults_its_id_to_its_name() -> None:
    target = AccountTarget(name="acme-us", api_url="x", api_key=Secret(KEY), api_key_env="K")
    assert target.account_id == "acme-us"


def test_defaults_api_url_serves_the_environment_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CALLFWD_API_URL", raising=False)
    monkeypatch.setenv("CALLFWD_API_KEY", KEY)
    path = config_at(tmp_path, "defaults:\n  api_url: http://127.0.0.1:8765\n  prune: true\n")
    target = resolve_accounts(trust(load_config(path)), ["acme-us"])["acme-us"]
    assert (target.api_url, target.api_key_env, target.prune, target.account_id) == (
        "http://127.0.0.1:8765",
        "CALLFWD_API_KEY",
        True,
        "acme-us",
    )


def test_defaults_api_key_env_names_the_variable_without_accounts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLFWD_API_URL", "http://127.0.0.1:8765")
    path = config_at(tmp_path, "defaults:\n  api_key_env: SHARED_KEY\n")
    with pytest.raises(ConfigError) as info:
        resolve_accounts(trust(load_config(path)), ["acme-us"])
    assert str(info.value) == (
        "account acme-us: environment variable SHARED_KEY is not set "
        f"(it holds the account's API key; named at {path}:2:3)"
    )


def test_environment_url_with_an_api_path_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLFWD_API_URL", "http://127.0.0.1:8765/api/")
    monkeypatch.setenv("CALLFWD_API_KEY", KEY)
    with pytest.raises(ConfigError) as info:
        resolve_accounts(trust(Config()), ["acme-us"])
    assert str(info.value) == (
        "account acme-us: CALLFWD_API_URL 'http://127.0.0.1:8765/api/' must not end in /api "
        "(callfwd adds /api/... itself): write 'http://127.0.0.1:8765'"
    )


@pytest.mark.parametrize(
    ("text", "api", "max_pages"),
    [
        ("defaults: {api_url: 'https://a.klaviyo.com'}\n", "published", 5000),
        ("defaults: {api_url: 'https://A.Klaviyo.com:443/'}\n", "published", 5000),
        ("defaults: {api_url: 'https://a.klaviyo.com:8443'}\n", "auto", 5000),
        ("defaults: {api_url: 'http://127.0.0.1:8765'}\n", "auto", 5000),
        (
            "defaults: {api_url: 'http://127.0.0.1:8765', api: extended, max_pages: 7}\n",
            "extended",
            7,
        ),
        (
            "defaults: {api_url: 'https://a.klaviyo.com', api: auto, max_pages: 7}\n"
            "accounts:\n  acme-us: {api: published, max_pages: 9}\n",
            "published",
            9,
        ),
        (
            "defaults: {api_url: 'https://a.klaviyo.com', api: extended}\n"
            "accounts:\n  acme-us: {}\n",
            "extended",
            5000,
        ),
    ],
)
def test_api_and_max_pages_reach_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, api: str, max_pages: int
) -> None:
    monkeypatch.setenv("CALLFWD_API_KEY", KEY)
    target = resolve_accounts(trust(load_config(config_at(tmp_path, text))), ["acme-us"])["acme-us"]
    assert (target.api, target.max_pages) == (api, max_pages)


def test_a_target_built_in_code_takes_its_api_from_its_url() -> None:
    vendor = AccountTarget(
        name="a", api_url="https://a.klaviyo.com", api_key=Secret(KEY), api_key_env="K"
    )
    local = AccountTarget(
        name="a", api_url="http://127.0.0.1:1", api_key=Secret(KEY), api_key_env="K"
    )
    assert (vendor.api, local.api, local.max_pages) == ("published", "auto", 5000)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765\r\nX: y", "http://127.0.0.1:87\t65"])
def test_a_control_character_in_the_url_variable_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("CALLFWD_API_URL", url)
    monkeypatch.setenv("CALLFWD_API_KEY", KEY)
    with pytest.raises(ConfigError) as info:
        resolve_accounts(trust(load_config(config_at(tmp_path, ""))), ["acme-us"])
    assert str(info.value).startswith(
        "account acme-us: CALLFWD_API_URL holds the control character U+00"
    )
