"""Saved plans: round trip, refusal of damaged or foreign files."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from reconciler.diagnostics import Position
from reconciler.errors import PlanFileError
from reconciler.plan import planfile
from reconciler.plan.model import AccountPlan, Action, Change, Plan, SenderSnapshot, Summary


def sample() -> Plan:
    change = Change(
        Action.UPDATE,
        "acme-us",
        "+18335550100",
        "s1",
        "+12125550100",
        "+12125550199",
        Position("m.yaml", 3, 13),
        'W/"1"',
    )
    acct = AccountPlan(
        "acme-us",
        (change,),
        Summary(update=1),
        managed=1,
        managed_forwardings=1,
        senders=(SenderSnapshot("s1", "+18335550100", "US", "+12125550100", 'W/"1"'),),
    )
    return Plan((acct,), "sha256:abc", "0.1.0")


def test_round_trip_is_exact_and_deterministic() -> None:
    text = planfile.dumps(sample())
    assert planfile.loads(text) == sample()
    assert planfile.dumps(planfile.loads(text)) == text


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("not json", "invalid JSON"),
        ("[]", "not a callfwd plan"),
        (json.dumps({"kind": "callfwd-plan", "format_version": 99}), "format 99"),
    ],
)
def test_foreign_or_future_files_are_refused(text: str, fragment: str) -> None:
    with pytest.raises(PlanFileError, match=fragment):
        planfile.loads(text)


def rebound(doc: dict[str, object]) -> str:
    """The document with its plan_digest recomputed, as a careful forger would."""
    doc["plan_digest"] = planfile._bind(doc)
    return json.dumps(doc)


def test_damaged_plan_names_the_field() -> None:
    doc = json.loads(planfile.dumps(sample()))
    doc["accounts"][0]["changes"][0]["action"] = "explode"
    with pytest.raises(PlanFileError, match=r"accounts\.0\.changes\.0\.action"):
        planfile.loads(rebound(doc))


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["accounts"][0]["changes"][0].update(after="+14165550100"),
        lambda d: d["accounts"][0]["changes"].append(dict(d["accounts"][0]["changes"][0])),
        lambda d: d["accounts"][0]["changes"].clear(),
        lambda d: d["accounts"][0]["senders"][0].update(forwarding_number=None),
        lambda d: d.update(manifest_digest="sha256:0"),
        lambda d: d.pop("plan_digest"),
    ],
    ids=["edited-after", "added-change", "removed-changes", "edited-read", "digest", "unbound"],
)
def test_any_edit_of_a_saved_plan_is_refused_at_load(edit: object) -> None:
    doc = json.loads(planfile.dumps(sample()))
    edit(doc)  # type: ignore[operator]
    with pytest.raises(PlanFileError, match="edited after `callfwd plan --out` wrote it"):
        planfile.loads(json.dumps(doc))


def test_a_truncated_plan_file_is_refused() -> None:
    text = planfile.dumps(sample())
    with pytest.raises(PlanFileError, match="invalid JSON"):
        planfile.loads(text[: len(text) // 2])


def test_the_file_records_the_api_and_the_vendor_account() -> None:
    plan = sample()
    acct = replace(plan.accounts[0], api_url="https://a.klaviyo.com", account_id="Lm3Rt9")
    doc = json.loads(planfile.dumps(replace(plan, accounts=(acct,))))
    assert doc["format_version"] == planfile.FORMAT_VERSION == 3
    assert (doc["accounts"][0]["api_url"], doc["accounts"][0]["account_id"]) == (
        "https://a.klaviyo.com",
        "Lm3Rt9",
    )


def test_a_plan_of_an_older_format_says_why_to_plan_again() -> None:
    doc = json.loads(planfile.dumps(sample()))
    doc["format_version"] = 2
    with pytest.raises(PlanFileError) as info:
        planfile.loads(rebound(doc))
    assert str(info.value) == (
        "plan file: plan format 2 is not supported by this callfwd (it reads format 3) "
        "(a plan now records the API and the account it was made against); plan again "
        "with this version"
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["accounts"].append(dict(d["accounts"][0])),
            "account acme-us appears twice in the plan",
        ),
        (
            lambda d: d["accounts"][0]["senders"].append(dict(d["accounts"][0]["senders"][0])),
            "account acme-us records sender id 's1' twice",
        ),
    ],
    ids=["account", "sender"],
)
def test_each_account_and_recorded_sender_appears_once(edit: object, message: str) -> None:
    doc = json.loads(planfile.dumps(sample()))
    edit(doc)  # type: ignore[operator]
    with pytest.raises(PlanFileError, match=message):
        planfile.loads(rebound(doc))


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        '{"kind": "callfwd-plan", "format_version": 3, "x": ' + "[" * 300 + "]" * 300 + "}",
        '{"kind": "callfwd-plan", "format_version": 3, "x": ' + "[" * 1000 + "]" * 1000 + "}",
    ],
    ids=["100000-brackets", "300-deep", "1000-deep"],
)
def test_deep_nesting_is_a_clear_error_not_a_recursion_error(text: str) -> None:
    with pytest.raises(PlanFileError, match=r"not a callfwd plan \(JSON nested deeper than"):
        planfile.loads(text)
