"""The pull request as a trust boundary, end to end: pull-request.yml run as GitHub runs it.

A real git repository (``main`` and a change, checked out at their merge
commit), the workflow's own steps (pr_workflow.py runs them through
action.yml's scripts, in bash ``-eo pipefail`` with a runner's environment),
the real local settings API, and a loopback listener where a change tries to
send the keys.
"""

from __future__ import annotations

import json
from pathlib import Path

from listener import Listener
from markdown_check import balanced, structure
from pr_workflow import RUN_URL, demo_files, pull_request, run_pull_request
from sandbox_fixtures import ACME_ANALYST, BOTH_SCOPES, GLOBEX_OWNER, Sandbox
from workspace import manifest_text

ACTORS = ".github/callfwd-actors.yaml"
CARE = "manifests/acme-us/customer-care.yaml"


def test_a_pull_request_cannot_send_the_plan_jobs_keys_anywhere(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    """The exfiltration attempt: the change points api_url (and a new account) at a
    listener; the workflow plans against the base's URL and the listener hears nothing."""
    base = demo_files(sandbox.url, "dana-acme: dana@acme.example\n")
    with Listener() as listener:
        config = base["callfwd.yaml"]
        assert config is not None
        evil = config.replace(sandbox.url, listener.url, 1)  # acme-us's api_url
        evil = evil.replace("api_key_env: GLOBEX_KEY", "api_key_env: EVIL_KEY")
        evil += f"  newco: {{api_url: '{listener.url}', api_key_env: NEWCO_KEY}}\n"
        care = base[CARE]
        assert care is not None
        change = {
            "callfwd.yaml": evil,
            CARE: care.replace('"+1 212 555 0199"', '"+1 212 555 0177"'),
            "manifests/newco/care.yaml": manifest_text(
                account="newco",
                team="care",
                owners=[("dana@acme.example", "manager")],
                senders={"+1 888 555 0199": "+1 212 555 0100"},
            ),
        }
        pr = pull_request(tmp_path / "ws", base, change)
        # Every variable the change names holds a real key: had anything been sent to
        # the listener, it would have carried one.
        keys = {
            "ACME_KEY": ACME_ANALYST,
            "GLOBEX_KEY": GLOBEX_OWNER,
            "EVIL_KEY": GLOBEX_OWNER,
            "NEWCO_KEY": ACME_ANALYST,
        }
        run = run_pull_request(pr, tmp_path, login="dana-acme", keys=keys)
    assert listener.received == []

    assert run.validate.ok, {k: r.output for k, r in run.validate.runs.items()}
    rows = [r for g in json.loads(run.validate["scan"].outputs["accounts"]) for r in g["accounts"]]
    seen = [(r["account"], r.get("api_url"), r.get("api_key_env"), r.get("added")) for r in rows]
    assert seen == [
        ("acme-us", sandbox.url, "ACME_KEY", None),
        ("globex", sandbox.url, "GLOBEX_KEY", None),
        ("newco", None, None, True),
    ]
    assert [p.ok for p in run.plans] == [True, True, True], [
        r.output for p in run.plans for r in p.runs.values()
    ]
    plans = {
        p["plan"].outputs["plan-file"]: json.loads(
            Path(p["plan"].outputs["plan-file"]).read_text(encoding="utf-8")
        )
        for p in run.plans
    }
    accounts = {a["account"]: a for doc in plans.values() for a in doc["accounts"]}
    # Planned against the trusted URL: the local API's live values, which the listener has not.
    assert accounts["acme-us"]["summary"]["update"] >= 1

    comment = run.comment
    s = structure(comment)
    assert balanced(comment)
    differs = [c for c in s.code if "differs from the trusted configuration" in c]
    assert any("fields api_url;" in c for c in differs)  # acme-us: the URL, never its value
    assert any("fields api_key_env;" in c for c in differs)  # globex
    assert listener.url not in comment and "EVIL" not in comment
    [added] = [c for c in s.code if "account added by this change" in c]
    assert "validated, not planned" in added
    assert "`CF525`" in comment and comment.count("`CF524`") == 2
    assert "#### `newco`" in comment
    assert "+12125550177" in comment  # acme-us's change, planned against the trusted API
    # The author check is its own red job: no owner on the base vouches for newco's first
    # manifest (CF408); the plan above was made and shown all the same.
    assert run.author is not None and not run.author.ok
    assert "title=CF408" in run.author["author"].stdout
    assert "manifests/newco/care.yaml" in run.author["author"].stdout


# --- a large plan across three accounts, as one comment ------------------------------------


def _seed() -> dict[str, object]:
    accounts, n = [], 0
    for name, count in (("big", 2_000), ("small-a", 1), ("small-b", 1)):
        senders = [
            {
                "number": f"+1833{2_000_000 + n + j:07d}",
                "type": "toll_free",
                "country": "US",
                "forward_to": "+12125550100",
            }
            for j in range(count)
        ]
        n += count
        user = {
            "email": f"owner@{name}.example",
            "role": "owner",
            "api_key": f"sandbox-key-{name}",
            "scopes": BOTH_SCOPES,
        }
        accounts.append({"id": name, "name": name, "users": [user], "senders": senders})
    return {"accounts": accounts}


def _manifests(forward_to: str) -> dict[str, str | None]:
    files: dict[str, str | None] = {}
    n = 0
    for name, count in (("big", 2_000), ("small-a", 1), ("small-b", 1)):
        senders: dict[str, str | None] = {
            f"+1833{2_000_000 + n + j:07d}": forward_to for j in range(count)
        }
        n += count
        files[f"manifests/{name}/all.yaml"] = manifest_text(
            account=name, team="all", owners=[(f"owner@{name}.example", "owner")], senders=senders
        )
    return files


def test_a_2000_change_plan_across_three_accounts_makes_one_comment_that_fits(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    sandbox.reset(_seed())
    config = "defaults: {thresholds: {min_existing: 1}}\naccounts:\n" + "".join(
        f"  {n}: {{api_url: '{sandbox.url}', api_key_env: {n.upper().replace('-', '_')}_KEY}}\n"
        for n in ("big", "small-a", "small-b")
    )
    base = {"callfwd.yaml": config, ACTORS: "o: owner@big.example\n"}
    base |= _manifests("+12125550100")
    pr = pull_request(tmp_path / "ws", base, _manifests("+12125550199"))
    keys = {
        f"{n.upper().replace('-', '_')}_KEY": f"sandbox-key-{n}"
        for n in ("big", "small-a", "small-b")
    }
    run = run_pull_request(pr, tmp_path, login="o", keys=keys)
    assert [p.ok for p in run.plans] == [True, True, True], [
        r.output[-2000:] for p in run.plans for r in p.runs.values()
    ]
    assert run.compose is not None
    outputs = run.compose["comment"].outputs
    comment = run.comment

    assert len(comment) <= 65_536 and len(comment.encode()) <= 65_536
    assert balanced(comment)
    s = structure(comment)
    # Every account's CF520 warning, whatever was cut.
    warnings = [c for c in s.code if "safety threshold" in c]
    assert len(warnings) == 3
    assert "the plan would update 2000 of 2000 managed forwardings (100%)" in warnings[0]
    assert "**0 to create, 2002 to update, 0 to delete; 0 unchanged, 0 unmanaged.**" in comment
    # Cut at row boundaries, said so, and where the full plan is.
    assert outputs["cut"] == "true"
    assert "> ✂️ **Shortened to fit a comment.**" in comment
    assert (
        "> The full plan is the artifact `callfwd-full-plan` (json and markdown) of the "
        f"[run]({RUN_URL})." in comment
    )
    for table in s.tables:
        assert {len(row) for row in table} == {len(table[0])}  # no row cut in half
    # The full plan, beside the comment, has every row.
    out = Path(outputs["out-dir"])
    assert len(json.loads((out / "full-plan.json").read_text())["changes"]) == 2_002
    full = (out / "full-plan.md").read_text(encoding="utf-8")
    assert full.count("| ~ update |") == 2_002
    assert balanced(full)
