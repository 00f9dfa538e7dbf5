"""callfwd.yaml gets the manifests' treatment: positioned, strict, every problem in one run."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import ConfigFileError, ConfigNotFoundError, load_config
from reconciler.diagnostics import codes

# (callfwd.yaml text, every line of the error) -- the path is written as F.
CASES: list[tuple[str, str, list[str]]] = [
    (
        "misspelt-top-key",
        "acounts:\n  acme-us: {}\n",
        ["F:1:1: error[CF601] unknown key 'acounts'; did you mean 'accounts'?"],
    ),
    (
        "misspelt-account-key",
        "accounts:\n  acme-us:\n    api_key_evn: ACME_US_KEY\n",
        [
            "F:3:5: error[CF601] unknown key 'api_key_evn' in accounts.acme-us; "
            "did you mean 'api_key_env'?"
        ],
    ),
    (
        "account-id-in-defaults",
        "defaults:\n  account_id: Qz4nW8\n",
        [
            "F:2:3: error[CF601] unknown key 'account_id' in defaults; "
            "account_id belongs to each account, not to defaults"
        ],
    ),
    (
        "yes-boolean",
        "accounts:\n  acme-us:\n    prune: yes\n",
        [
            "F:3:12: error[CF603] prune: the unquoted value yes is read as the boolean true "
            "by YAML 1.1 (yes/no/on/off); write prune: true"
        ],
    ),
    (
        "quoted-boolean",
        'defaults:\n  prune: "true"\n',
        ["F:2:10: error[CF603] defaults.prune must be true or false, not the text 'true'"],
    ),
    (
        "number-boolean",
        "accounts:\n  acme-us: {prune: 1}\n",
        ["F:2:20: error[CF603] accounts.acme-us.prune must be true or false, not the integer 1"],
    ),
    (
        "unquoted-numeric-id",
        "accounts:\n  acme-us: {account_id: 12345}\n",
        [
            "F:2:25: error[CF602] accounts.acme-us.account_id must be text (the vendor's account "
            'id), not the integer 12345; quote it: account_id: "12345"'
        ],
    ),
    (
        "bad-account-id",
        "accounts:\n  acme-us: {account_id: 'Qz4 nW8'}\n",
        [
            "F:2:25: error[CF604] accounts.acme-us.account_id must be the vendor's account id: "
            "1 to 64 letters, digits, '-', '_' or '.' (e.g. Qz4nW8)"
        ],
    ),
    (
        "threshold-out-of-range",
        "defaults:\n  thresholds:\n    delete_share: 2\n",
        [
            "F:3:19: error[CF604] defaults.thresholds.delete_share must be at most 1, "
            "not the integer 2"
        ],
    ),
    (
        "key-in-file",
        "accounts:\n  acme-us:\n    api_key: sk_live_0123456789\n",
        [
            "F:3:5: error[CF605] api_key: keys are never read from callfwd.yaml; put the key in "
            "an environment variable and name it with api_key_env"
        ],
    ),
    (
        "url-with-api-path",
        "defaults:\n  api_url: https://a.klaviyo.com/api/\n",
        [
            "F:2:12: error[CF606] api_url 'https://a.klaviyo.com/api/' must not end in /api "
            "(callfwd adds /api/... itself): write 'https://a.klaviyo.com'"
        ],
    ),
    (
        "same-account-twice",
        "accounts:\n  acme-us: {account_id: Qz4nW8}\n  acme: {account_id: Qz4nW8}\n",
        [
            "F:3:22: error[CF607] account acme has the account_id 'Qz4nW8', like account acme-us; "
            "list each vendor account once"
        ],
    ),
    (
        "text-for-a-number",
        'retry: {max_attempts: 3, max_total: "60"}\n',
        ["F:1:37: error[CF602] retry.max_total must be a number of seconds, not the text '60'"],
    ),
    (
        "no-time-for-a-call",
        "retry: {max_attempts: 3, max_total: 0}\n",
        ["F:1:37: error[CF604] retry.max_total must be at least 1, not the integer 0"],
    ),
    (
        "account-without-settings",
        "accounts:\n  acme-us:\n",
        [
            "F:2:11: error[CF602] accounts.acme-us must be a mapping of its settings "
            "({} for none), not empty (null)"
        ],
    ),
    (
        "duplicate-key",
        "accounts:\n  acme-us: {}\n  acme-us: {}\n",
        [
            "F:3:3: error[CF012] duplicate key 'acme-us' (first at line 2, column 3); "
            "YAML would silently keep only the last one: remove one of them"
        ],
    ),
    (
        "tab",
        "accounts:\n\tacme-us: {}\n",
        [
            "F:2:1: error[CF008] YAML syntax error: found character that cannot start any token "
            "(while scanning for the next token); YAML does not allow tabs for indentation: "
            "use spaces"
        ],
    ),
    (
        "anchor",
        "defaults: &d {prune: true}\naccounts:\n  acme-us: *d\n",
        [
            "F:1:11: error[CF013] YAML anchors (&) and aliases (*) are not allowed in "
            "callfwd.yaml; write each value out"
        ],
    ),
    (
        "tag",
        "manifests: !!python/object/apply:os.system [ls]\n",
        [
            "F:1:12: error[CF015] the YAML tag !!python/object/apply:os.system is not allowed "
            "in callfwd.yaml; write a plain value (quote text)"
        ],
    ),
    (
        "top-level-list",
        "- manifests/\n",
        [
            "F:1:1: error[CF011] the top level of callfwd.yaml must be a mapping (key: value), "
            "not a list"
        ],
    ),
    (
        "cr-lf-in-api-url",
        'accounts:\n  acme-us: {api_url: "https://a.klaviyo.com\\r\\nX-Evil: 1"}\n',
        [
            "F:2:22: error[CF608] accounts.acme-us.api_url holds the control character U+000D "
            "(carriage return); remove it (callfwd.yaml takes no control characters in any text)"
        ],
    ),
    (
        "nul-in-key-variable",
        'defaults: {api_key_env: "KEY\\0"}\n',
        [
            "F:1:25: error[CF608] defaults.api_key_env holds the control character U+0000 (NUL); "
            "remove it (callfwd.yaml takes no control characters in any text)"
        ],
    ),
    (
        "line-feed-in-account-name",
        'accounts:\n  "acme\\nus": {}\n',
        [
            "F:2:3: error[CF608] a key under accounts holds the control character U+000A "
            "(line feed); remove it (callfwd.yaml takes no control characters in any text)"
        ],
    ),
    (
        "del-in-manifest-path",
        'manifests: ["manifests/\\x7f"]\n',
        [
            "F:1:13: error[CF608] manifests[0] holds the control character U+007F (DEL); remove "
            "it (callfwd.yaml takes no control characters in any text)"
        ],
    ),
    (
        "escape-in-account-id",
        'accounts:\n  acme-us: {account_id: "Qz\\e[2K"}\n',
        [
            "F:2:25: error[CF608] accounts.acme-us.account_id holds the control character U+001B "
            "(escape); remove it (callfwd.yaml takes no control characters in any text)"
        ],
    ),
    (
        "misspelt-api-mode",
        "accounts:\n  acme-us: {api: publshed}\n",
        [
            "F:2:18: error[CF604] accounts.acme-us.api must be published, extended or auto, not "
            "the text 'publshed'; did you mean 'published'?"
        ],
    ),
    (
        "api-mode-not-text",
        "defaults: {api: true}\n",
        [
            "F:1:17: error[CF604] defaults.api must be published, extended or auto, not the "
            "boolean true"
        ],
    ),
    (
        "max-pages-zero",
        "defaults: {max_pages: 0}\n",
        ["F:1:23: error[CF604] defaults.max_pages must be at least 1, not the integer 0"],
    ),
    (
        "max-pages-too-many",
        "accounts:\n  acme-us: {max_pages: 2000000}\n",
        [
            "F:2:24: error[CF604] accounts.acme-us.max_pages must be at most 1000000, not the "
            "integer 2000000"
        ],
    ),
    (
        "max-pages-text",
        'defaults: {max_pages: "50"}\n',
        ["F:1:23: error[CF602] defaults.max_pages must be a whole number, not the text '50'"],
    ),
    (
        "long-url-quoted-short",
        "defaults: {api_url: 'ftp://" + "x" * 200 + "'}\n",
        [
            "F:1:21: error[CF606] api_url 'ftp://" + "x" * 33 + "…' (206 characters) must be "
            "an http(s) URL with a host"
        ],
    ),
    (
        "every-problem-at-once",
        "acounts: {}\ndefaults:\n  prune: on\nretry: {max_attempts: 0}\nmanifests: [1]\n",
        [
            "F:1:1: error[CF601] unknown key 'acounts'; did you mean 'accounts'?",
            "F:3:10: error[CF603] prune: the unquoted value on is read as the boolean true by "
            "YAML 1.1 (yes/no/on/off); write prune: true",
            "F:4:23: error[CF604] retry.max_attempts must be at least 1, not the integer 0",
            "F:5:13: error[CF602] manifests[0] must be text, not the integer 1; quote it",
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_problem_is_reported_at_its_line_and_column(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    path = tmp_path / "callfwd.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigFileError) as info:
        load_config(path)
    assert str(info.value).splitlines() == [line.replace("F:", f"{path}:", 1) for line in expected]
    assert "sk_live_0123456789" not in str(info.value)


def test_every_config_code_is_pinned_by_a_case() -> None:
    pinned = {line.split("error[")[1][:5] for _, _, lines in CASES for line in lines}
    assert {c for c in codes.CODES if c.startswith("CF6")} <= pinned


@pytest.mark.parametrize("word", ["true", "false", "True", "FALSE"])
def test_true_and_false_are_booleans(tmp_path: Path, word: str) -> None:
    path = tmp_path / "callfwd.yaml"
    path.write_text(f"accounts:\n  acme-us:\n    prune: {word}\n", encoding="utf-8")
    assert load_config(path).accounts["acme-us"].prune is (word.lower() == "true")


def test_an_empty_file_gives_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "callfwd.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    config = load_config(path)
    # paths in callfwd.yaml are relative to its folder
    assert config.accounts == {} and config.manifests == [f"{tmp_path}/manifests/"]


def test_a_missing_explicit_file_is_its_own_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigNotFoundError) as info:
        load_config(tmp_path / "nope.yaml")
    assert str(info.value) == f"--config {tmp_path / 'nope.yaml'}: config file not found"
