"""``callfwd init``'s library half: the answers from flags and questions, then the files.

The command itself (a real terminal, a real git repository, the files judged by
the tools that read them) is tested in tests/gitops/test_init.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.engine.importer import Owner
from reconciler.engine.initialize import Flags, InitUsage, gather, initialize

DANA = "dana@acme.example"
PIN = "callfwd/callfwd@v0.1.0"


class Script:
    """A person who answers each question in turn; what was asked is kept."""

    def __init__(self, *answers: str | bool) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    def text(self, question: str, default: str | None = None) -> str:
        self.asked.append(question)
        answer = self.answers.pop(0)
        assert isinstance(answer, str)
        return answer or (default or "")

    def confirm(self, question: str, default: bool) -> bool:
        self.asked.append(question)
        answer = self.answers.pop(0)
        assert isinstance(answer, bool)
        return answer


def test_flags_alone_make_the_answers_and_ask_nothing() -> None:
    flags = Flags(accounts=("acme-us=Qz4nW8",), owners=(f"{DANA}:manager",), action=PIN)
    choices = gather(flags, None, environ={})
    (row,) = choices.answers.accounts
    assert (row.name, row.account_id, row.api_url) == ("acme-us", "Qz4nW8", "https://a.klaviyo.com")
    assert choices.answers.owners == (Owner(DANA, "manager"),)
    assert choices.importing == {"acme-us": False}


def test_questions_come_in_a_persons_order_for_what_the_flags_leave_out() -> None:
    person = Script("acme-us", "Qz4nW8", "", f"{DANA}:admin", "dana-acme")
    choices = gather(Flags(action=PIN), person, environ={})
    assert [q.split(" ")[0] for q in person.asked] == [
        "Account",
        "The",
        "Settings",
        "Owner",
        "Your",
    ]
    assert choices.answers.accounts[0].account_id == "Qz4nW8"
    assert choices.answers.github_login == "dana-acme"
    assert choices.answers.owners == (Owner(DANA, "admin"),)


def test_with_the_key_set_the_person_is_asked_whether_to_import() -> None:
    env = {"ACME_US_KEY": "sk_test_0123456789"}
    person = Script(True, "")
    flags = Flags(accounts=("acme-us",), api_url="https://a.klaviyo.com", action=PIN)
    choices = gather(flags, person, environ=env)
    assert choices.importing == {"acme-us": True}
    assert choices.answers.owners == ()  # the key's user will be the owner
    assert person.asked[0] == "Import acme-us's live forwarding with $ACME_US_KEY?"


@pytest.mark.parametrize(
    ("flags", "option", "words"),
    [
        (Flags(action=PIN, owners=(f"{DANA}:manager",)), None, "name at least one account"),
        (Flags(accounts=("acme-us",), action=PIN), None, "name an owner"),
        (Flags(accounts=("Qz4nW8",), action=PIN), "--account", "must be a slug"),
        (Flags(accounts=("acme-us=Qz 4",), action=PIN), "--account", "not a vendor account id"),
        (Flags(accounts=("a",), owners=(f"{DANA}:boss",), action=PIN), "--owner", "not a role"),
        (Flags(accounts=("a",), api_url="http://x.example", action=PIN), "--api-url", "https"),
        (Flags(accounts=("acme-us",), do_import=True, action=PIN), None, "$ACME_US_KEY"),
    ],
)
def test_what_cannot_be_used_is_a_usage_error_naming_the_flag(
    flags: Flags, option: str | None, words: str
) -> None:
    with pytest.raises(InitUsage) as caught:
        gather(flags, None, environ={})
    assert caught.value.option == option
    assert words in caught.value.message


def test_an_owner_typed_at_the_prompt_is_checked_as_the_flag_is() -> None:
    with pytest.raises(InitUsage) as caught:
        gather(Flags(accounts=("acme-us",), action=PIN), Script("", "dana"), environ={})
    assert caught.value.option == "--owner"
    assert "expected EMAIL:ROLE" in caught.value.message


def test_initialize_writes_once_and_a_second_run_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    flags = Flags(accounts=("acme-us=Qz4nW8",), owners=(f"{DANA}:manager",), action=PIN)
    first = initialize(gather(flags, None, environ={}))
    assert first.ok
    made = {o.path: o.action for o in first.outcomes}
    assert made["callfwd.yaml"] == made["manifests/acme-us/main.yaml"] == "created"
    again = initialize(gather(flags, None, environ={}))
    assert {o.action for o in again.outcomes} <= {"kept", "up to date"}


def test_a_first_manifest_that_would_not_validate_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    flags = Flags(accounts=("acme-us",), owners=(f"{DANA}:analyst",), action=PIN)
    result = initialize(gather(flags, None, environ={}))
    assert not result.ok
    (refused,) = result.not_written
    assert refused.path == "manifests/acme-us/main.yaml"
    assert any("may not configure call forwarding" in d.message for d in refused.diagnostics)
    assert not (tmp_path / refused.path).exists()
    assert (tmp_path / "callfwd.yaml").exists()  # the rest is written
