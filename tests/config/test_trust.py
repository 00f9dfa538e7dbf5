"""Trusted configuration: the working tree's callfwd.yaml never chooses where a key goes.

In a pull request, callfwd.yaml in the working tree is the author's. With a
trusted file (the base branch's), every setting that decides where a key goes
or how it is used comes from the trusted file; the differences are reported
by field (never by value) and accounts only the working tree lists are
validated, not planned.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from listener import Listener

from reconciler.api.target import client_for
from reconciler.config import (
    SETTINGS,
    Config,
    TrustedConfig,
    load_config,
    load_trusted,
    resolve_accounts,
    trust,
)
from reconciler.diagnostics import codes
from reconciler.errors import ConfigError

KEY = "sk_test_trust_5ecret_Vb93Tk"  # no account id inside: keys are scrubbed by parts
TRUSTED = """\
defaults: {api_url: "https://a.klaviyo.com"}
accounts:
  acme-us: {account_id: Qz4nW8, api_key_env: ACME_US_KEY}
  globex: {api_key_env: GLOBEX_KEY}
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def pair(tmp_path: Path, working: str, trusted: str = TRUSTED) -> TrustedConfig:
    w = write(tmp_path / "pr" / "callfwd.yaml", working)
    t = write(tmp_path / "base" / "callfwd.yaml", trusted)
    return load_trusted(w, t)[1]


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ACME_US_KEY", "GLOBEX_KEY", "EVIL_KEY", "CALLFWD_API_KEY"):
        monkeypatch.setenv(name, KEY)


def test_without_a_trusted_file_the_working_tree_is_trusted_as_itself(tmp_path: Path) -> None:
    working = load_config(write(tmp_path / "callfwd.yaml", TRUSTED))
    view = trust(working)
    assert view.config is working and not view.separate
    assert view.changed("acme-us") == () and view.added == ()
    [target] = resolve_accounts(view, ["acme-us"]).values()
    assert (target.api_url, target.api_key_env, target.account_id) == (
        "https://a.klaviyo.com",
        "ACME_US_KEY",
        "Qz4nW8",
    )


@pytest.mark.parametrize(
    ("edit", "fields"),
    [
        (
            "  acme-us: {account_id: Qz4nW8, api_key_env: ACME_US_KEY, api_url: 'https://x.example'}",
            ("api_url",),
        ),
        ("  acme-us: {account_id: Qz4nW8, api_key_env: EVIL_KEY}", ("api_key_env",)),
        ("  acme-us: {account_id: Xx9yZ1, api_key_env: ACME_US_KEY}", ("account_id",)),
        ("  acme-us: {account_id: Qz4nW8, api_key_env: ACME_US_KEY, prune: true}", ("prune",)),
        (
            "  acme-us: {account_id: Qz4nW8, api_key_env: ACME_US_KEY, "
            "thresholds: {min_existing: 0}}",
            ("thresholds",),
        ),
        ("  acme-us: {account_id: Qz4nW8, api_key_env: ACME_US_KEY, api: extended}", ("api",)),
        ("  acme-us: {account_id: Qz4nW8, api_key_env: ACME_US_KEY, max_pages: 1}", ("max_pages",)),
        (
            "  acme-us: {account_id: Qz4nW8, api_key_env: EVIL_KEY, prune: true, api: auto}",
            ("api_key_env", "prune", "api"),
        ),
    ],
)
def test_every_setting_the_working_tree_changes_is_named_and_the_trusted_one_used(
    tmp_path: Path, edit: str, fields: tuple[str, ...]
) -> None:
    working = TRUSTED.replace(TRUSTED.splitlines()[2], edit)
    view = pair(tmp_path, working)
    assert view.changed("acme-us") == fields
    assert view.differences == {"acme-us": fields}
    target = resolve_accounts(view, ["acme-us"])["acme-us"]
    trusted = resolve_accounts(trust(load_config(tmp_path / "base" / "callfwd.yaml")), ["acme-us"])
    assert target == trusted["acme-us"]
    assert (target.api_url, target.api_key_env, target.account_id, target.prune) == (
        "https://a.klaviyo.com",
        "ACME_US_KEY",
        "Qz4nW8",
        False,
    )
    (notice,) = view.notices("acme-us")
    assert notice.code == codes.CONFIG_DIFFERS == "CF524"
    assert notice.message == (
        "callfwd.yaml in the working tree differs from the trusted configuration for this "
        f"account: fields {', '.join(fields)}; the plan uses the trusted values (from "
        f"{tmp_path / 'base' / 'callfwd.yaml'})"
    )
    assert "x.example" not in notice.message and "EVIL" not in notice.message


def test_retry_is_a_setting_of_every_account(tmp_path: Path) -> None:
    view = pair(tmp_path, TRUSTED + "retry: {max_attempts: 20, max_total: 3600}\n")
    assert view.differences == {"acme-us": ("retry",), "globex": ("retry",)}
    assert resolve_accounts(view, ["globex"])["globex"].retry.max_attempts == 8


def test_the_settings_compared_are_exactly_those_that_choose_where_a_key_goes() -> None:
    assert SETTINGS == (
        "api_url",
        "api_key_env",
        "account_id",
        "prune",
        "thresholds",
        "retry",
        "api",
        "max_pages",
    )


def test_an_account_the_working_tree_adds_is_validated_not_planned(tmp_path: Path) -> None:
    view = pair(
        tmp_path, TRUSTED + "  initech: {api_url: 'http://127.0.0.1:9', api_key_env: EVIL_KEY}\n"
    )
    assert view.added == ("initech",) and view.is_added("initech")
    assert view.plannable(["initech", "acme-us", "acme-us"]) == (["acme-us"], ["initech"])
    (notice,) = view.notices("initech")
    assert notice.code == codes.ACCOUNT_ADDED == "CF525"
    assert notice.message.startswith("account added by this change: validated, not planned")
    with pytest.raises(ConfigError) as info:
        resolve_accounts(view, ["acme-us", "initech"])
    assert "account initech is only in the working tree's callfwd.yaml" in str(info.value)
    assert "127.0.0.1:9" not in str(info.value)


def test_an_account_the_working_tree_drops_is_planned_with_the_trusted_settings(
    tmp_path: Path,
) -> None:
    view = pair(tmp_path, TRUSTED.replace("  globex: {api_key_env: GLOBEX_KEY}\n", ""))
    assert view.changed("globex") == ("accounts",)
    assert view.notices("globex")[0].message.startswith(
        "callfwd.yaml in the working tree drops this account; the plan uses the trusted values"
    )
    assert resolve_accounts(view, ["globex"])["globex"].api_key_env == "GLOBEX_KEY"


def test_single_account_mode_a_change_cannot_move_defaults_api_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CALLFWD_API_URL", raising=False)
    view = pair(
        tmp_path,
        "defaults: {api_url: 'http://127.0.0.1:9', api_key_env: EVIL_KEY}\n",
        "defaults: {api_url: 'https://a.klaviyo.com'}\n",
    )
    assert view.added == () and view.changed("acme-us") == ("api_url", "api_key_env")
    target = resolve_accounts(view, ["acme-us"])["acme-us"]
    assert (target.api_url, target.api_key_env) == ("https://a.klaviyo.com", "CALLFWD_API_KEY")


def test_single_account_mode_without_a_url_in_either_takes_the_environments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLFWD_API_URL", "http://127.0.0.1:8765")
    view = pair(tmp_path, "", "")
    assert view.changed("acme-us") == ()
    assert resolve_accounts(view, ["acme-us"])["acme-us"].api_url == "http://127.0.0.1:8765"


def test_the_working_trees_config_can_never_be_trusted_once_paired(tmp_path: Path) -> None:
    working = load_config(write(tmp_path / "pr" / "callfwd.yaml", TRUSTED))
    trusted = load_config(write(tmp_path / "base" / "callfwd.yaml", TRUSTED))
    trust(working, trusted)
    with pytest.raises(TypeError, match="never a plain Config"):
        resolve_accounts(working, ["acme-us"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="paired with a trusted one"):
        trust(working)
    with pytest.raises(TypeError, match=r"comes from reconciler\.config\.trust"):
        TrustedConfig(working, working, {}, (), token=object())


def test_a_missing_trusted_file_is_its_own_usage_error(tmp_path: Path) -> None:
    from reconciler.config import ConfigNotFoundError

    with pytest.raises(ConfigNotFoundError) as info:
        load_trusted(None, tmp_path / "nope.yaml")
    assert str(info.value) == f"--trusted-config {tmp_path / 'nope.yaml'}: config file not found"


# -- the exfiltration attempt: a listener on the change's URL hears nothing -------------


def test_a_key_never_goes_to_the_url_a_change_writes(
    tmp_path: Path, sandbox: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sandbox_fixtures import ACME_MANAGER, Sandbox

    assert isinstance(sandbox, Sandbox)
    monkeypatch.setenv("ACME_US_KEY", ACME_MANAGER)
    with Listener() as listener:
        trusted = f"accounts:\n  acme-us: {{api_url: '{sandbox.url}', api_key_env: ACME_US_KEY}}\n"
        working = f"accounts:\n  acme-us: {{api_url: '{listener.url}', api_key_env: ACME_US_KEY}}\n"
        view = pair(tmp_path, working, trusted)
        targets = resolve_accounts(view, ["acme-us"])
        assert [t.api_url for t in targets.values()] == [sandbox.url]

        async def who() -> str:
            async with client_for(targets["acme-us"]) as client:
                return (await client.get_account()).id

        assert asyncio.run(who()) == "acme-us"  # the key reached the trusted API...
    assert listener.received == []  # ...and nothing reached the change's


def test_resolve_takes_only_a_trusted_view(tmp_path: Path) -> None:
    """A plain Config is made a trusted view explicitly, never by resolve_accounts itself."""
    config = load_config(write(tmp_path / "callfwd.yaml", TRUSTED))
    with pytest.raises(TypeError, match="never a plain Config"):
        resolve_accounts(config, ["acme-us"])  # type: ignore[arg-type]
    assert not config._untrusted
    assert resolve_accounts(trust(Config()), []) == {}  # trusted as itself, said so
