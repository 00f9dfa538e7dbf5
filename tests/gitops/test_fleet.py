"""A fleet past GitHub's limits: 1,000 accounts planned in groups, against the real local API.

GitHub runs at most 256 jobs per matrix and an environment holds 100 secrets.
The workflows deal the accounts into groups (`callfwd accounts --groups`) and
hand each group's keys over in one secret (`CALLFWD_API_KEYS`); here the
action's own steps do exactly that for 1,000 accounts, each with its own key.
"""

from __future__ import annotations

import json
from pathlib import Path

from gitops_helpers import find_step, run_action, run_uses_step
from sandbox_fixtures import Sandbox, key_for, make_seed
from workspace import write_manifest

ACCOUNTS = 1_000
PREFIX = "flt"


def _fleet(ws: Path, url: str) -> dict[str, str]:
    """One manifest per account, as live; callfwd.yaml names each account's key variable."""
    seed = make_seed(ACCOUNTS, 1, forwarding=1, prefix=PREFIX)
    config = ["manifests: [manifests/]", "accounts:"]
    keys = {}
    for i, account in enumerate(seed["accounts"]):
        name, [sender] = account["id"], account["senders"]
        env = f"KEY_{i:04d}"
        keys[env] = key_for(PREFIX, i)
        config += [f"  {name}: {{api_url: '{url}', api_key_env: {env}}}"]
        write_manifest(
            ws / "manifests" / name / "ops.yaml",
            name,
            {sender["number"]: sender["forward_to"]},
            owner=f"user@{name}.example",
            role="owner",
        )
    (ws / "callfwd.yaml").write_text("\n".join(config) + "\n", encoding="utf-8")
    return keys


def test_a_thousand_accounts_plan_in_groups(tmp_path: Path, sandbox: Sandbox) -> None:
    sandbox.reset(make_seed(ACCOUNTS, 1, forwarding=1, prefix=PREFIX))
    ws = tmp_path / "ws"
    keys = _fleet(ws, sandbox.url)

    # The workflows' own list step: at most 64 jobs, whatever the fleet.
    listed = run_uses_step(find_step("apply.yml", "accounts", "list"), {}, cwd=ws, runner=tmp_path)
    assert listed.returncode == 0, listed.output
    dealt = json.loads(listed.outputs["accounts"])
    assert len(dealt) == 64
    names = [row["account"] for group in dealt for row in group["accounts"]]
    assert names == sorted(names) and len(set(names)) == ACCOUNTS

    # Planned as 4 groups of 250 (fewer processes than 64, the same steps), each job
    # given every key in CALLFWD_API_KEYS and using only its own accounts' keys.
    four = run_action({"command": "accounts", "groups": "4"}, cwd=ws, runner=tmp_path / "four")
    groups = json.loads(four.outputs["accounts"])
    assert [len(g["accounts"]) for g in groups] == [250] * 4
    sandbox.reset_metrics()
    step = find_step("apply.yml", "apply", "plan")
    planned = []
    for group in groups:
        values = {
            "toJSON(matrix)": json.dumps(group),
            "secrets.CALLFWD_API_KEYS": json.dumps(keys),
            "vars.CALLFWD_API_URL": "",
        }
        run = run_uses_step(
            step, values, cwd=ws, runner=tmp_path / f"g{group['group']}", temp=tmp_path / "t"
        )
        assert run.returncode == 0, run.output[-3000:]
        assert run.outputs["changes"] == "false"
        plan = json.loads(Path(run.outputs["plan-file"]).read_text(encoding="utf-8"))
        planned += sorted(a["account"] for a in plan["accounts"])
        shown = "\n".join(
            line for line in run.output.splitlines() if not line.startswith("::add-mask::")
        )
        assert not any(k in shown for k in keys.values())
    assert planned == names
    # Every account's key was checked by the API, each one exactly once.
    assert sandbox.count("GET", "/api/accounts") == ACCOUNTS
