"""Messages about a manifest's values: the fix they name, and how little of a value they quote."""

from __future__ import annotations

import pytest

from reconciler.manifest.loader import load
from reconciler.manifest.parse import parse_manifest
from reconciler.manifest.text import EXCERPT, excerpt, shown

BODY = """\
version: 1
account: {account}
team: care
owners:
  - email: dana@acme.example
    role: manager
forwarding:
  - sender: "+1 833 555 0100"
    forward_to: null
"""


def messages(text: str) -> list[str]:
    loaded = load("m.yaml", text.encode())
    if loaded.root is None:
        return [d.message for d in loaded.diagnostics]
    return [d.message for d in parse_manifest("m.yaml", loaded.root)[1]]


@pytest.mark.parametrize(
    ("account", "message"),
    [
        (
            "Lm3Rt9",
            "account 'Lm3Rt9' looks like the vendor's account id, but manifests name the account "
            "with a slug: write account: lm3rt9 here, and map the slug to the id in "
            "callfwd.yaml: accounts: {lm3rt9: {account_id: Lm3Rt9}}",
        ),
        (
            "Acme_US",
            "account 'Acme_US' is not a slug: use lowercase letters, digits and dashes "
            "(e.g. acme-us); write account: acme-us",
        ),
        (
            "ACME",
            "account 'ACME' is not a slug: use lowercase letters, digits and dashes "
            "(e.g. acme-us); write account: acme",
        ),
        (
            "'---'",
            "account '---' is not a slug: use lowercase letters, digits and dashes (e.g. acme-us)",
        ),
    ],
)
def test_an_account_that_is_not_a_slug_says_what_to_write(account: str, message: str) -> None:
    assert messages(BODY.format(account=account)) == [message]


def test_no_message_quotes_more_than_an_excerpt_of_a_value() -> None:
    secret = "x" * 500
    for text in (
        BODY.format(account=secret.upper()),
        BODY.replace("team: care", f"team: {secret}"),
        BODY.replace("forward_to: null", f'forward_to: "{secret}"'),
        BODY.replace("version: 1", f"version: {secret}"),
        BODY.replace("role: manager", f"role: manager{secret}"),
        BODY + f"{secret}: 1\n",
        BODY + f"team: {secret}\n" + f"{secret}: 1\n{secret}: 2\n",
    ):
        for line in messages(text):
            assert "x" * EXCERPT not in line.lower(), line


def test_excerpts_are_cut_with_an_ellipsis() -> None:
    assert excerpt("a" * EXCERPT) == "a" * EXCERPT
    assert excerpt("a" * (EXCERPT + 1)) == "a" * (EXCERPT - 1) + "…"
    assert shown("a" * 100) == "'" + "a" * (EXCERPT - 1) + "…' (100 characters)"
    assert shown("tab\there") == "'tab\\there'"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("TOKEN=abcdef0123456789\n", "a single value"),
        ("- TOKEN=abcdef0123456789\n", "a list"),
    ],
)
def test_a_top_level_value_is_named_never_quoted(text: str, where: str) -> None:
    assert messages(text) == [
        f"the top level of a manifest must be a mapping (key: value), not {where}"
    ]
