"""Seeds: the demo seed, idempotent loading, clear errors for bad seeds, fast bulk seeding."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml
from sandbox_fixtures import DEFAULT_SEED, Sandbox, key_for, make_seed
from workspace import Run, run_process

from reconciler.sandbox.seed import SeedError, load_seed


def test_demo_seed_matches_the_demo_data_contract() -> None:
    seed = load_seed(DEFAULT_SEED)
    assert [a for a, _ in seed.accounts] == ["acme-us", "globex", "Qz4nW8"]
    forwarding = {
        (s.account_id, s.identifier, s.country): s.forwarding_number for s in seed.senders
    }
    assert forwarding == {
        ("acme-us", "+18335550100", "US"): "+12125550199",
        ("acme-us", "+18335550100", "CA"): None,
        ("acme-us", "+18445550111", "US"): None,
        ("acme-us", "+18555550122", "US"): "+13125550100",
        ("acme-us", "+18665550133", "US"): "+16175550100",
        ("acme-us", "+18775550144", "US"): "+12065550100",
        ("acme-us", None, "US"): None,  # pending registration: no number yet
        ("acme-us", "24680", "US"): None,
        ("acme-us", "+14165550100", "CA"): None,
        ("globex", "+18885550160", "US"): None,
        ("globex", "+18005550161", "US"): "+14155550100",
        ("Qz4nW8", "+18665550170", "US"): None,
        ("Qz4nW8", None, "US"): None,  # pending registration: no number yet
    }
    assert {(u.email, u.role) for u in seed.users} == {
        ("dana@acme.example", "manager"),
        ("ari@acme.example", "analyst"),
        ("hank@globex.example", "owner"),
        ("peter@initech.example", "admin"),
    }
    assert "sandbox-only" in DEFAULT_SEED.read_text().lower()
    assert all("accounts:read" in u.scopes for u in seed.users)  # callfwd's key check needs it


def test_loading_the_same_seed_twice_gives_the_same_state(sandbox: Sandbox) -> None:
    first = sandbox.state()
    sandbox.reset()
    assert sandbox.state() == first
    assert load_seed(DEFAULT_SEED) == load_seed(DEFAULT_SEED)


def test_unquoted_numbers_and_optional_keys(sandbox: Sandbox) -> None:
    sandbox.reset(
        """
accounts:
  - id: plain
    name: Plain
    users:
      - {email: a@plain.example, role: admin, api_key: sandbox-plain-key,
         scopes: [sender-config:read]}
    senders:
      - {number: +18335550100, type: toll_free, country: US, forward_to: 2125550199}
      - {number: 24680, type: short_code, country: US}
      - {number: "+18445550111", type: toll_free, country: US, id: my-own-id, status: suspended,
         created_at: "2025-05-01T10:00:00+02:00"}
"""
    )
    senders = {s["number"]: s for s in sandbox.senders("plain")}
    assert senders["+18335550100"]["forward_to"] == "+12125550199"
    assert senders["24680"]["type"] == "short_code"
    assert senders["+18445550111"]["id"] == "my-own-id"
    r = sandbox.client("sandbox-plain-key").get("/api/text-messaging-senders/my-own-id")
    assert r.json()["data"]["attributes"]["created_at"] == "2025-05-01T08:00:00Z"
    assert r.json()["data"]["attributes"]["status"] == "suspended"


def _account(**extra: object) -> dict[str, object]:
    base: dict[str, object] = {"id": "a", "name": "A", "users": [], "senders": []}
    return {**base, **extra}


def _user(**extra: object) -> dict[str, object]:
    return {
        "email": "u@a.example",
        "role": "owner",
        "api_key": "sandbox-a-key",
        "scopes": [],
        **extra,
    }


def _sender(**extra: object) -> dict[str, object]:
    return {"number": "+18335550100", "type": "toll_free", "country": "US", **extra}


BAD_YAML = [
    ("accounts: [", "seed:2:1: YAML syntax error"),
    (
        "- just a list",
        "seed:1:1: the top level of a seed must be a mapping (key: value), not a list",
    ),
    ("accounts: &a []\nmore: *a", "seed:1:11: YAML anchors (&) and aliases (*) are not allowed"),
    (
        "accounts:\n  - id: a\n    id: b\n    name: A",
        "seed:3:5: duplicate key 'id' (first at line 2, column 5)",
    ),
    (
        "accounts:\n  - {id: a, name: A, senders: [{number: +18335550100, type: toll_free,"
        " country: US, created_at: 2026-02-30}]}",
        "seed:2:97: created_at: the value '2026-02-30' is not a time; write ISO 8601",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_YAML)
def test_bad_yaml_is_refused_where_it_is(text: str, message: str) -> None:
    with pytest.raises(SeedError) as info:
        load_seed(text)
    assert message in str(info.value)


# (seed, where the problem is, what it is): the JSON form names the path, the file form
# the line and column and the key.
BAD_SEEDS: list[tuple[dict[str, object], str, str]] = [
    ({"acounts": []}, "acounts", "unknown key; did you mean 'accounts'?"),
    (
        {"accounts": [_account(id="has space")]},
        "accounts[0].id",
        "the text 'has space' is not an account id: letters, digits",
    ),
    ({"accounts": [_account(), _account()]}, "accounts[1].id", "account 'a' appears twice"),
    (
        {"accounts": [_account(users=[_user(role="boss")])]},
        "accounts[0].users[0].role",
        "the text 'boss' is not a role; expected one of: owner, admin",
    ),
    (
        {"accounts": [_account(users=[_user(scopes=["everything"])])]},
        "accounts[0].users[0].scopes[0]",
        "the text 'everything' is not a scope: write name:read or name:write",
    ),
    (
        {"accounts": [_account(users=[_user(), _user(email="v@a.example")])]},
        "accounts[0].users[1].api_key",
        "the same key is already given to u@a.example",
    ),
    (
        {"accounts": [_account(senders=[_sender(country="MX")])]},
        "accounts[0].senders[0].country",
        "the text 'MX' is not a country; expected one of: US, CA",
    ),
    (
        {"accounts": [_account(senders=[_sender(number="+12125550100")])]},
        "accounts[0].senders[0].number",
        "not a toll-free number",
    ),
    (
        {"accounts": [_account(senders=[_sender(number="1234")])]},
        "accounts[0].senders[0].number",
        "not a toll-free number",
    ),
    (
        {"accounts": [_account(senders=[_sender(number=None, status="active")])]},
        "accounts[0].senders[0].number",
        "only a sender with status pending_registration may have no number",
    ),
    (
        {"accounts": [_account(senders=[_sender(status="approved")])]},
        "accounts[0].senders[0].status",
        "the text 'approved' is not a status; expected one of: active, pending_registration",
    ),
    (
        {"accounts": [_account(senders=[_sender(status="activ")])]},
        "accounts[0].senders[0].status",
        "the text 'activ' is not a status; did you mean 'active'?",
    ),
    (
        {"accounts": [_account(configuration={"status": "paused"})]},
        "accounts[0].configuration.status",
        "the text 'paused' is not a status; expected one of: active, disabled",
    ),
    (
        {
            "accounts": [
                _account(
                    senders=[_sender(number="24680", type="short_code", forward_to="+12125550100")]
                )
            ]
        },
        "accounts[0].senders[0].forward_to",
        "only US toll-free senders can forward calls",
    ),
    (
        {"accounts": [_account(senders=[_sender(country="CA", forward_to="+12125550100")])]},
        "accounts[0].senders[0].forward_to",
        "this is a CA toll_free sender",
    ),
    (
        {"accounts": [_account(senders=[_sender(forward_to="+44 20 7946 0958")])]},
        "accounts[0].senders[0].forward_to",
        "+442079460958 is a number in",
    ),
    (
        {"accounts": [_account(senders=[_sender(forward_to="+1 833 555 0100")])]},
        "accounts[0].senders[0].forward_to",
        "would loop",
    ),
    (
        {"accounts": [_account(senders=[_sender(), _sender(number="833-555-0100")])]},
        "accounts[0].senders[1].number",
        "+18335550100 (US) appears twice in a",
    ),
    (
        {"accounts": [_account(senders=[_sender(id="x"), _sender(number="+18445550111", id="x")])]},
        "accounts[0].senders[1].id",
        "sender id 'x' appears twice",
    ),
    (
        {"accounts": [_account(senders=[_sender(forward=1)])]},
        "accounts[0].senders[0].forward",
        "unknown key; did you mean 'forward_to'?",
    ),
    (
        {"accounts": [{"name": "A"}]},
        "accounts[0].id",
        "missing; every account needs id and name",
    ),
    (
        {"accounts": ["acme"]},
        "accounts[0]",
        "must be an account: a mapping with id and name, not the text 'acme'",
    ),
    (
        {"accounts": [_account(senders=[_sender(created_at="yesterday")])]},
        "accounts[0].senders[0].created_at",
        "the text 'yesterday' is not a time; write ISO 8601, such as 2026-01-01T00:00:00Z",
    ),
    (
        {"accounts": [_account(users=[_user(role=["owner"])])]},
        "accounts[0].users[0].role",
        "is not a role",
    ),
    ({"accounts": {"a": 1}}, "accounts", "must be a list of accounts, not a mapping"),
    ({"accounts": [_account(name="")]}, "accounts[0].name", "must be at least 1 character"),
    (
        {"accounts": [_account(configuration={"org_prefix": "x" * 51})]},
        "accounts[0].configuration.org_prefix",
        "must be at most 50 characters",
    ),
]


@pytest.mark.parametrize(("seed", "where", "what"), BAD_SEEDS)
def test_bad_seeds_are_refused_with_where_and_why(
    sandbox: Sandbox, seed: dict[str, object], where: str, what: str
) -> None:
    with pytest.raises(SeedError) as info:
        load_seed(yaml.safe_dump(seed))
    key = re.sub(r"^.*?([A-Za-z_]+(\[\d+\])?)$", r"\1", where)
    found = str(info.value)
    assert re.search(rf"seed:\d+:\d+: {re.escape(key)}: [^\n]*{re.escape(what)}", found), found
    before = sandbox.state()
    r = sandbox.http.post("/_sandbox/reset", json=seed)
    assert r.status_code == 400
    (err,) = r.json()["errors"]
    assert err["code"] == "invalid_seed"
    assert re.search(rf"(^seed: |\n  ){re.escape(where)}: [^\n]*{re.escape(what)}", err["detail"])
    assert sandbox.state() == before  # a bad seed changes nothing


def test_every_problem_is_reported_at_once_and_keys_are_never_echoed() -> None:
    seed = {
        "accounts": [
            _account(
                users=[_user(api_key="short"), _user(api_key="sandbox-secret-key", role="x")],
                senders=[_sender(country="MX")],
            )
        ]
    }
    with pytest.raises(SeedError) as info:
        load_seed(yaml.safe_dump(seed))
    text = str(info.value)
    assert "3 problems" in text
    assert (
        "short" not in text.replace("String should have at least", "")
        and "sandbox-secret-key" not in text
    )


def _serve(tmp_path: Path, seed: Path) -> Run:
    args = ["serve", "--port", "0", "--db", str(tmp_path / "db.sqlite"), "--seed", str(seed)]
    return run_process(*args, cwd=tmp_path)


def test_serve_with_a_bad_seed_exits_1_with_every_problem_where_it_is(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "accounts:\n  - id: a\n    name: A\n"
        "    senders: [{number: '+12125550100', type: toll_free, country: US}]\n"
        "    users: [{email: a@a.example, role: owner, api_key: sandbox-secret-key, scope: []}]\n"
    )
    run = _serve(tmp_path, bad)
    assert run.code == 1, run.stderr
    assert f"error: {bad}: 2 problems:\n" in run.stderr
    assert f"  {bad}:4:24: number: not a toll-free number: +12125550100" in run.stderr
    assert f"  {bad}:5:76: scope: unknown key; did you mean 'scopes'?" in run.stderr
    assert "sandbox-secret-key" not in run.stderr
    assert run.stdout == ""


def test_serve_with_a_missing_seed_is_a_usage_error(tmp_path: Path) -> None:
    for seed, why in [(tmp_path / "missing.yaml", "seed file not found"), (tmp_path, "directory")]:
        run = _serve(tmp_path, seed)
        assert run.code == 64, run.stderr
        assert "--seed" in run.stderr and why in run.stderr
        assert run.stdout == ""
        assert not (tmp_path / "db.sqlite").exists()  # refused before anything was opened


def test_bulk_seeding_is_fast(sandbox: Sandbox) -> None:
    seed = make_seed(accounts=1000, senders=3, canadian_siblings=1)
    started = time.perf_counter()
    counts = sandbox.reset(seed)
    elapsed = time.perf_counter() - started
    assert counts["senders"] == 4000 and counts["accounts"] == 1000
    assert elapsed < 5.0, (
        f"seeding 4,000 senders took {elapsed:.2f} s"
    )  # ~0.3 s here; generous for loaded CI
    r = sandbox.client(key_for("acct", 999)).get("/api/text-messaging-senders")
    assert [s["attributes"]["sender_details"]["country"] for s in r.json()["data"]] == [
        "US",
        "CA",
        "US",
        "US",
    ]
    assert r.json()["data"][0]["attributes"]["forwarding_number"] == "+12122002997"


def test_vendor_style_ids_pending_senders_and_configurations(sandbox: Sandbox) -> None:
    key = "sandbox-opaque-owner"
    user = _user(api_key=key, scopes=["sender-config:read", "accounts:read"])
    pending = [_sender(number=None, status="pending_registration", id=f"P{i}") for i in (1, 2)]
    sandbox.reset(
        {
            "accounts": [
                _account(id="aB3xY9", name="Opaque", users=[user], senders=pending),
                _account(id="acme-us", configuration={"org_prefix": "Acme"}),
            ]
        }
    )
    api = sandbox.client(key)
    assert api.get("/api/accounts").json()["data"][0]["id"] == "aB3xY9"
    data = api.get("/api/text-messaging-senders").json()["data"]
    assert [(d["id"], d["attributes"]["sender_identifier"]) for d in data] == [
        ("P1", None),
        ("P2", None),
    ]
    config = api.get("/api/text-messaging-configurations/aB3xY9").json()["data"]["attributes"]
    assert (config["org_prefix"], config["status"]) == ("Opaque", "active")  # the defaults
    assert config["opt_out_language"]
    assert [s["number"] for s in sandbox.senders("aB3xY9")] == [None, None]


@pytest.mark.parametrize(
    ("account", "message"),
    [
        ('"name": "A\\ud800"', "accounts[0].name: it is not text: a lone surrogate"),
        ('"name": "A", "\\udfff": 1', "accounts[0]: "),
        (
            '"name": "A", "senders": [{"number": "+18335550100", "type": "toll_free", '
            '"country": "US", "id": "x\\ud800"}]',
            "accounts[0].senders[0].id: it is not text: a lone surrogate",
        ),
    ],
)
def test_a_json_seed_with_lone_surrogates_is_a_clear_400(
    sandbox: Sandbox, account: str, message: str
) -> None:
    before = sandbox.state()
    body = '{"accounts": [{"id": "a", ' + account + "}]}"
    r = sandbox.http.post(
        "/_sandbox/reset", content=body, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400, r.text
    assert message in r.json()["errors"][0]["detail"]
    assert sandbox.state() == before
