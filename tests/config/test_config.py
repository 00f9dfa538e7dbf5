"""callfwd.yaml and account resolution: clear errors before any work, keys only from env."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest

from reconciler.config import Config, Thresholds, load_config, resolve_accounts, trust, url_problem
from reconciler.errors import ConfigError
from reconciler.secrets import Secret, scrub

KEY = "sk_test_acme_0123456789"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "callfwd.yaml"
    path.write_text(text, encoding="utf-8")
    return path


FULL = """\
manifests: [manifests/]
exclude: [manifests/sandbox-seed.yaml]
defaults:
  api_url: http://127.0.0.1:8765
  thresholds: {update_share: 0.5, min_existing: 4}
accounts:
  acme-us:
    api_key_env: ACME_US_KEY
    prune: true
    thresholds: {delete_share: 0.1}
  globex:
    api_url: https://api.globex.example/
    api_key_env: GLOBEX_KEY
"""


def test_accounts_resolve_with_defaults_and_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_US_KEY", KEY)
    monkeypatch.setenv("GLOBEX_KEY", "sk_test_globex_abcdef")
    config = load_config(write(tmp_path, FULL))
    targets = resolve_accounts(trust(config), ["globex", "acme-us", "acme-us"])
    assert list(targets) == ["acme-us", "globex"]
    acme, globex = targets["acme-us"], targets["globex"]
    assert acme.api_url == "http://127.0.0.1:8765" and acme.prune is True
    assert acme.api_key.reveal() == KEY and acme.api_key_env == "ACME_US_KEY"
    assert acme.thresholds == Thresholds(update_share=0.5, delete_share=0.1, min_existing=4)
    assert globex.api_url == "https://api.globex.example/" and globex.prune is False
    assert globex.thresholds == Thresholds(update_share=0.5, delete_share=0.3, min_existing=4)


def test_threshold_defaults_are_octodns_like() -> None:
    assert Thresholds() == Thresholds(update_share=0.3, delete_share=0.3, min_existing=10)


def test_the_key_never_shows_in_a_target_or_its_repr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_US_KEY", KEY)
    target = resolve_accounts(trust(load_config(write(tmp_path, FULL))), ["acme-us"])["acme-us"]
    for text in (repr(target), str(target), repr(target.api_key), f"{target.api_key}"):
        assert KEY not in text
    assert repr(target.api_key) == "Secret('***')"
    assert scrub(f"key={KEY}") == "key=***"  # registered for scrubbing when read


def test_secret_compares_copies_and_refuses_pickling() -> None:
    s = Secret("abcdefgh")
    assert s == Secret("abcdefgh") and s != Secret("abcdefgx")
    assert copy.deepcopy(s) is s
    with pytest.raises(TypeError):
        pickle.dumps(s)


def test_unknown_accounts_name_the_file_and_the_known_accounts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_US_KEY", KEY)
    path = write(tmp_path, FULL)
    with pytest.raises(ConfigError) as info:
        resolve_accounts(trust(load_config(path)), ["acme-us", "initech", "hooli"])
    assert str(info.value) == (
        f"unknown account hooli, initech ({path}:6:1: accounts: lists acme-us, globex)"
    )


def test_missing_key_variable_is_named_never_a_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GLOBEX_KEY", "sk_test_globex_abcdef")
    path = write(tmp_path, FULL)
    with pytest.raises(ConfigError) as info:
        resolve_accounts(trust(load_config(path)), ["acme-us", "globex"])
    assert str(info.value) == (
        "account acme-us: environment variable ACME_US_KEY is not set "
        f"(it holds the account's API key; named at {path}:8:5)"  # the api_key_env key
    )


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_key_variable_is_called_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("ACME_US_KEY", value)
    with pytest.raises(ConfigError, match=r"environment variable ACME_US_KEY is empty \("):
        resolve_accounts(trust(load_config(write(tmp_path, FULL))), ["acme-us"])


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://a.example.com", None),
        ("http://127.0.0.1:8765/", None),
        ("http://localhost:8765", None),
        ("http://[::1]:8765", None),
        ("http://a.example.com", "must use https"),
        ("ftp://a.example.com", "http(s) URL with a host"),
        ("https://", "http(s) URL with a host"),
        ("https://a.example.com/?x=1", "query or fragment"),
        ("https://a.example.com:99999", "not a valid URL"),
        ("https://bob:hunter22@a.example.com", "user name or password"),
        (
            "http://127.0.0.1:8765/api/",
            "must not end in /api (callfwd adds /api/... itself): write 'http://127.0.0.1:8765'",
        ),
        ("https://a.example.com/api", "write 'https://a.example.com'"),
        ("https://a.example.com/proxy/", None),
    ],
)
def test_url_rules(url: str, problem: str | None) -> None:
    got = url_problem(url)
    if problem is None:
        assert got is None
    else:
        assert got is not None and problem in got and "hunter22" not in got


def test_a_bad_url_is_reported_with_its_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path, "accounts:\n  acme-us:\n    api_key_env: K\n    api_url: http://a.example.com\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (
        f"{path}:4:14: error[CF606] api_url 'http://a.example.com' must use https "
        "(http is allowed only to a loopback address)"
    )


def test_account_without_url_falls_back_to_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "accounts:\n  acme-us: {}\n")
    monkeypatch.setenv("CALLFWD_API_KEY", KEY)
    with pytest.raises(ConfigError) as info:
        resolve_accounts(trust(load_config(path)), ["acme-us"])
    assert str(info.value) == (
        f"account acme-us: CALLFWD_API_URL is not set and {path} gives no api_url "
        f"(set one in {path}:2:3)"
    )
    monkeypatch.setenv("CALLFWD_API_URL", "http://127.0.0.1:9")
    target = resolve_accounts(trust(load_config(path)), ["acme-us"])["acme-us"]
    assert (target.api_url, target.api_key_env) == ("http://127.0.0.1:9", "CALLFWD_API_KEY")


# -- without accounts: the two environment variables serve one account --------------------------


def test_environment_serves_one_account_whatever_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLFWD_API_URL", "http://127.0.0.1:8765")
    monkeypatch.setenv("CALLFWD_API_KEY", KEY)
    targets = resolve_accounts(trust(Config()), ["anything-at-all"])
    assert targets["anything-at-all"].api_key.reveal() == KEY
    assert resolve_accounts(trust(Config()), []) == {}


def test_environment_mode_names_every_missing_variable() -> None:
    with pytest.raises(ConfigError) as info:
        resolve_accounts(trust(Config()), ["acme-us"])
    msg = str(info.value)
    assert "CALLFWD_API_URL is not set" in msg and "CALLFWD_API_KEY is not set" in msg


def test_environment_mode_refuses_several_accounts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLFWD_API_URL", "http://127.0.0.1:8765")
    monkeypatch.setenv("CALLFWD_API_KEY", KEY)
    with pytest.raises(ConfigError, match=r"name 2 accounts .*only one can be used"):
        resolve_accounts(trust(Config()), ["acme-us", "globex"])


def test_environment_mode_checks_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLFWD_API_URL", "http://api.example.com")
    monkeypatch.setenv("CALLFWD_API_KEY", KEY)
    with pytest.raises(
        ConfigError, match=r"CALLFWD_API_URL 'http://api\.example\.com' must use https"
    ):
        resolve_accounts(trust(Config()), ["acme-us"])


# -- loading: callfwd.yaml problems (all of them) are in tests/config/test_config_load.py ----------


def test_a_key_pasted_into_the_file_is_refused_without_echoing_it(tmp_path: Path) -> None:
    for text in (
        f"accounts:\n  a:\n    api_key: {KEY}\n",
        f"accounts:\n  a:\n    api_key_env: {KEY}-x\n",
    ):
        path = write(tmp_path, text)
        with pytest.raises(ConfigError) as info:
            load_config(path)
        assert KEY not in str(info.value) and f"{path}:3:" in str(info.value)


def test_no_file_gives_defaults_and_an_explicit_missing_file_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.manifests == ["manifests/"] and config.accounts == {}
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_exclude_patterns_match_paths_and_names(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, FULL))
    assert config.is_excluded("manifests/sandbox-seed.yaml")
    assert not config.is_excluded("manifests/acme-us/billing.yaml")
    assert config.where("accounts", "globex", "api_url").endswith("callfwd.yaml:12:5")
