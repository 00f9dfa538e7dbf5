"""drift.yml's vendor-UI issue, run as GitHub runs it: opened, ticked, closed, never forged.

Each test runs whole scheduled runs of the drift workflow (tests/drift_workflow.py):
the drift checks through the callfwd action against the local settings API serving
only the published API (reads), the compose job's steps, and the github-script
steps under node against a stand-in for GitHub's issues API, which keeps the
repository's issues from one run to the next. The person making the changes in
the vendor's UI is played through the local API's UI route.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from drift_workflow import BOT, MARKER, RUN_URL, TITLE, GitHub, drift_run
from gitops_helpers import load_workflow
from markdown_check import structure
from pr_workflow import demo_files
from sandbox_fixtures import ACME_ANALYST, GLOBEX_OWNER, Sandbox, key_for, make_seed

from reconciler.plan import baseline, planfile

KEYS = {"ACME_KEY": ACME_ANALYST, "GLOBEX_KEY": GLOBEX_OWNER}
TASK = re.compile(r"^- \[(.)\] \*\*[^*]+\*\* \((\+1\d{10})\)(.*)$", re.MULTILINE)


def _tasks(body: str) -> list[tuple[str, str]]:
    return [(box, sender) for box, sender, _ in TASK.findall(body)]


@pytest.fixture
def github(tmp_path: Path) -> GitHub:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (actions/github-script runs the script under node)")
    return GitHub(tmp_path / "github", node)


@pytest.fixture
def ws(tmp_path: Path, published_sandbox: Sandbox) -> Path:
    """main's checkout: the demo manifests, against an API that publishes reads only."""
    ws = tmp_path / "ws"
    files = demo_files(published_sandbox.url, "")
    files["callfwd.yaml"] = f"defaults: {{api: published}}\n{files['callfwd.yaml']}"
    for name, text in files.items():
        assert text is not None
        (ws / name).parent.mkdir(parents=True, exist_ok=True)
        (ws / name).write_text(text, encoding="utf-8")
    return ws


# --- opened, ticked, closed -------------------------------------------------------------------


def test_the_issue_is_opened_ticked_as_changes_are_made_and_closed_when_none_is_left(
    ws: Path, tmp_path: Path, github: GitHub, published_sandbox: Sandbox
) -> None:
    box = published_sandbox
    person = github.add_issue(f"{MARKER} quoted by a person", user={"type": "User", "login": "p"})

    first = drift_run(ws, tmp_path / "run1", github, keys=KEYS)
    assert [j["drift"].returncode for j in first.drifts] == [2, 2]  # drift: both jobs red
    assert first.composed.outputs["issue"] == "open"
    assert first.issue is not None and first.issue["failed"] == []
    [issue] = github.ours()
    assert first.issue["calls"] == [
        ["list", "open", "github-actions[bot]"],
        ["create", issue["number"]],
    ]
    body = issue["body"]
    assert body.startswith(f"{MARKER}\n_Kept by the callfwd drift workflow")
    assert f"Last [run]({RUN_URL})" in body
    assert "4 changes to make by hand." in body
    assert _tasks(body) == [
        (" ", "+18445550111"),
        (" ", "+18555550122"),
        (" ", "+18665550133"),
        (" ", "+18885550160"),
    ]
    # each account headed by its name and id at the vendor: the account to open in the UI
    assert "## Account `Acme US` (id `acme-us`), `acme-us` in callfwd.yaml" in body
    assert "Settings → SMS → Sender preferences → Call forwarding" in body
    assert body.rstrip().endswith("-->")  # the baseline, hidden
    assert structure(body).html[0] == MARKER
    assert first.composed.summary.startswith("# callfwd checklist")  # the whole checklist
    assert github.issue(person)["body"] == f"{MARKER} quoted by a person"  # never touched

    # A person makes two changes in the vendor's UI, and one nobody planned.
    box.ui_set_forwarding("acme-us", "+18445550111", "+12125550142")
    box.ui_set_forwarding("globex", "+18885550160", "+14155550123")
    box.ui_set_forwarding("acme-us", "+18335550100", "+12125550100")
    second = drift_run(ws, tmp_path / "run2", github, keys=KEYS)
    assert second.composed.outputs["issue"] == "open"
    assert second.issue is not None
    assert second.issue["calls"] == [
        ["list", "open", "github-actions[bot]"],
        ["update", issue["number"], None],
    ]
    [edited] = github.ours()
    assert edited["number"] == issue["number"] and edited["state"] == "open"
    body = edited["body"]
    assert "3 changes to make by hand (2 of 5 done since the saved plan)" in body
    assert _tasks(body) == [
        ("x", "+18445550111"),
        (" ", "+18555550122"),
        (" ", "+18665550133"),
        (" ", "+18335550100"),  # new since the issue opened: after its own
        ("x", "+18885550160"),
    ]

    # The rest, and the unplanned edit undone: nothing is left.
    box.ui_set_forwarding("acme-us", "+18555550122", "+13125550175")
    box.ui_set_forwarding("acme-us", "+18665550133", None)
    box.ui_set_forwarding("acme-us", "+18335550100", "+12125550199")
    third = drift_run(ws, tmp_path / "run3", github, keys=KEYS)
    assert [j["drift"].returncode for j in third.drifts] == [0, 0]
    assert third.composed.outputs["issue"] == "close"
    assert third.issue is not None
    assert third.issue["calls"][-1] == ["update", issue["number"], "closed"]
    closed = github.issue(issue["number"])
    assert (closed["state"], closed["state_reason"]) == ("closed", "completed")
    assert "All 5 done: live settings match the manifests." in closed["body"]
    assert [ticked for ticked, _ in _tasks(closed["body"])] == ["x"] * 5
    # callfwd only read the published API: every change was the person's, in the UI
    assert box.unpublished_requests() == []
    assert {w["by"] for w in box.writes()} == {"ui"}

    # The next run finds no open issue, and opens none: there is nothing to do.
    fourth = drift_run(ws, tmp_path / "run4", github, keys=KEYS)
    assert fourth.composed.outputs["issue"] == "close"
    assert fourth.issue is not None and fourth.issue["calls"] == [
        ["list", "open", "github-actions[bot]"]
    ]
    assert "Nothing to do: live settings match the manifests." in fourth.body


def test_an_account_whose_check_failed_is_named_and_keeps_the_issue_open(
    ws: Path, tmp_path: Path, github: GitHub, published_sandbox: Sandbox
) -> None:
    first = drift_run(ws, tmp_path / "run1", github, keys=KEYS)
    [issue] = github.ours()
    # globex's changes are made, but its check fails this time (a key gone bad).
    published_sandbox.ui_set_forwarding("globex", "+18885550160", "+14155550123")
    for sender, to in [
        ("+18445550111", "+12125550142"),
        ("+18555550122", "+13125550175"),
        ("+18665550133", None),
    ]:
        published_sandbox.ui_set_forwarding("acme-us", sender, to)
    broken = drift_run(ws, tmp_path / "run2", github, keys={**KEYS, "GLOBEX_KEY": "nope"})
    assert [j["drift"].returncode for j in broken.drifts] == [0, 1]
    assert broken.composed.outputs["issue"] == "edit"  # nothing left where checked: not closed
    body = github.issue(issue["number"])["body"]
    assert github.issue(issue["number"])["state"] == "open"
    assert "> **Not checked:** `globex`: their drift check failed or did not run" in body
    assert _tasks(body) == [("x", "+18445550111"), ("x", "+18555550122"), ("x", "+18665550133")]

    # No account checked at all (both keys bad): nothing is known, the issue is left alone.
    kept = github.issue(issue["number"])["body"]
    blind = drift_run(ws, tmp_path / "blind", github, keys={"ACME_KEY": "x", "GLOBEX_KEY": "y"})
    assert [j["drift"].returncode for j in blind.drifts] == [1, 1]
    assert blind.composed.outputs["issue"] == "keep"
    assert blind.issue is not None and blind.issue["calls"] == []
    assert github.issue(issue["number"])["body"] == kept

    # Checked again: globex's change, kept in the baseline meanwhile, is ticked; closed.
    again = drift_run(ws, tmp_path / "run3", github, keys=KEYS)
    assert again.composed.outputs["issue"] == "close"
    closed = github.issue(issue["number"])
    assert closed["state"] == "closed" and "Not checked" not in closed["body"]
    assert ("x", "+18885550160") in _tasks(closed["body"])
    assert first.composed.outputs["issue"] == "open"


# --- what is read back from the issue is untrusted --------------------------------------------


def _block_of(body: str) -> str:
    return body[body.index(baseline.MARK) :]


def test_a_broken_baseline_is_not_used_and_progress_counts_from_that_run(
    ws: Path, tmp_path: Path, github: GitHub, published_sandbox: Sandbox
) -> None:
    drift_run(ws, tmp_path / "run1", github, keys=KEYS)
    [issue] = github.ours()
    published_sandbox.ui_set_forwarding("acme-us", "+18445550111", "+12125550142")
    block = _block_of(issue["body"])
    lines = block.splitlines()
    lines[2] = lines[2][:10] + ("A" if lines[2][10] != "A" else "B") + lines[2][11:]
    github.edit(issue["number"], issue["body"].replace(block, "\n".join(lines) + "\n"))

    run = drift_run(ws, tmp_path / "run2", github, keys=KEYS)
    step = run.composed
    assert step.returncode == 0, step.output
    assert (
        "::warning title=callfwd drift issue::the issue's baseline block could not be read"
        in step.stdout
    )
    assert "the baseline block is damaged" in step.stderr or "edited after" in step.stderr
    body = github.issue(issue["number"])["body"]
    # no baseline: the done change is no longer listed, the three left are
    assert _tasks(body) == [(" ", "+18555550122"), (" ", "+18665550133"), (" ", "+18885550160")]
    assert "since the saved plan" not in body
    assert baseline.decode(body, name="issue") is not None  # a fresh one, from this run


def test_a_forged_baseline_can_tick_only_what_the_api_bears_out(
    ws: Path, tmp_path: Path, github: GitHub, published_sandbox: Sandbox
) -> None:
    """A valid block (its digest recomputed) claiming work that was never planned or done:
    a sender the account does not have, another account, a sender's number swapped, and
    a real sender's change that the API does not show."""
    drift_run(ws, tmp_path / "run1", github, keys=KEYS)
    [issue] = github.ours()
    saved = baseline.decode(issue["body"], name="issue")
    assert saved is not None
    acme = saved.accounts[0]
    real = acme.changes[0]  # +18445550111, planned and not done
    forged = (
        replace(real, sender="+18005550199", sender_id="no-such-sender", after="+19005550100"),
        replace(real, sender="+18555550122"),  # another sender's id under this number
        replace(
            real,
            sender="+18335550100",
            sender_id=published_sandbox.sender_id("acme-us", "+18335550100"),
            before="+19005550199",
            after="+19005550100",
        ),
        *acme.changes,
    )
    evil = replace(saved.accounts[0], account="initech", changes=())
    evil = replace(evil, changes=(replace(real, account="initech"),))
    plan = replace(saved, accounts=(replace(acme, changes=forged), evil, *saved.accounts[1:]))
    text = issue["body"].replace(_block_of(issue["body"]), baseline.encode(plan))
    github.edit(issue["number"], text.replace("4 changes to make", "0 changes to make"))

    run = drift_run(ws, tmp_path / "run2", github, keys=KEYS)
    assert run.composed.returncode == 0, run.composed.output
    assert "::warning" not in run.composed.stdout  # it passed every check: it is well-formed
    body = github.issue(issue["number"])["body"]
    # Every open task is the plan's; nothing forged is listed, ticked or not.
    assert _tasks(body) == [
        (" ", "+18445550111"),
        (" ", "+18555550122"),
        (" ", "+18665550133"),
        (" ", "+18885550160"),
    ]
    assert "+18005550199" not in body and "900555" not in body and "initech" not in body
    assert "+18335550100" not in body
    assert "4 changes to make by hand (0 of 4 done since the saved plan)" in body
    # The next baseline holds only what the plan bears out, and the forged account as it was.
    carried = baseline.decode(body, name="issue")
    assert carried is not None
    senders = {(c.account, c.sender, c.sender_id) for c in carried.changes}
    assert ("acme-us", "+18005550199", "no-such-sender") not in senders
    assert len([c for c in carried.changes if c.account == "acme-us"]) == 3


def test_a_baseline_is_bounded_before_it_is_unpacked(tmp_path: Path) -> None:
    huge = "\n".join([baseline.MARK, *(["A" * 76] * 400), "-->"])
    with pytest.raises(planfile.PlanFileError, match="larger than 24,000 characters"):
        baseline.decode(f"{MARKER}\n{huge}\n", name="issue")


# --- GitHub's limit -----------------------------------------------------------------------------

SENDERS = 600


def test_an_over_long_checklist_is_cut_at_a_line_with_the_run_named(
    tmp_path: Path, github: GitHub, published_sandbox: Sandbox
) -> None:
    """600 changes: the checklist and the baseline together are past GitHub's 65,536
    characters; the baseline is kept whole, the checklist cut."""
    seed = make_seed(1, SENDERS, forwarding=0, prefix="big")
    published_sandbox.reset(seed)
    [account] = seed["accounts"]
    ws = tmp_path / "ws"
    lines = ["version: 1", "account: big-0000", "team: all", "owners:"]
    lines += ["  - email: user@big-0000.example", "    role: owner", "forwarding:"]
    for row in account["senders"]:
        lines += [f'  - sender: "{row["number"]}"', f'    forward_to: "+1312{row["number"][5:]}"']
    (ws / "manifests").mkdir(parents=True)
    (ws / "manifests" / "big.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (ws / "callfwd.yaml").write_text(
        "defaults: {api: published}\naccounts:\n"
        f"  big-0000: {{api_url: '{published_sandbox.url}', api_key_env: BIG_KEY}}\n",
        encoding="utf-8",
    )
    run = drift_run(ws, tmp_path / "run", github, keys={"BIG_KEY": key_for("big", 0)})
    assert run.composed.returncode == 0, run.composed.output
    assert run.composed.outputs["cut"] == "true"
    assert run.issue is not None and run.issue["refused"] == [] and run.issue["failed"] == []
    [issue] = github.ours()
    body = issue["body"]
    assert len(body) <= 65_536
    assert f"{SENDERS} changes to make by hand." in body
    shown = _tasks(body)
    assert 300 < len(shown) < SENDERS
    cut = re.search(r"^> \*\*Cut:\*\* ([\d,]+) more lines of the checklist", body, re.MULTILINE)
    assert cut is not None and f"of the [run]({RUN_URL})" in body
    whole = Path(run.composed.outputs["out-dir"], "checklist.md").read_text(encoding="utf-8")
    assert len(_tasks(whole)) == SENDERS  # whole in the artifact and the job summary
    assert body.count("\n- [ ] ") == len(shown)  # whole lines only
    shown_lines = body.split("\n> **Cut:**")[0].splitlines()[3:]
    assert [line for line in shown_lines if line not in whole.splitlines()] == []
    # the baseline is kept whole: the next run ticks any of the 600
    kept = baseline.decode(body, name="issue")
    assert kept is not None and len(kept.changes) == SENDERS


# --- the workflow's shape --------------------------------------------------------------------


def test_only_the_issue_job_writes_and_it_runs_no_callfwd() -> None:
    jobs = load_workflow("drift.yml")["jobs"]
    assert jobs["compose"]["permissions"] == {"contents": "read", "issues": "read"}
    assert "environment" not in jobs["compose"] and "secrets" not in str(jobs["compose"])
    assert jobs["issue"]["permissions"] == {"issues": "write"}
    assert not any(s.get("uses") == "./" for s in jobs["issue"]["steps"])
    assert jobs["issue"]["needs"] == "compose"
    assert jobs["compose"]["needs"] == ["accounts", "drift"]
    assert "!cancelled()" in jobs["compose"]["if"]  # also when a group's check failed
    upload = next(s for s in jobs["drift"]["steps"] if s["name"].startswith("Keep the plan"))
    assert upload["with"]["name"] == "callfwd-drift-plan-${{ matrix.group }}"
    assert upload["with"]["path"] == "${{ steps.drift.outputs.plan-file }}"
    assert upload["if"] == "${{ !cancelled() && steps.drift.outputs.plan-file != '' }}"
    download = next(s for s in jobs["compose"]["steps"] if "download-artifact" in s["uses"])
    assert download["with"]["pattern"] == "callfwd-drift-plan-*"
    # the same issue in both jobs: the oldest open one the workflow's bot opened
    scripts = [
        s["with"]["script"]
        for job in ("compose", "issue")
        for s in jobs[job]["steps"]
        if s.get("uses", "").startswith("actions/github-script@")
    ]
    found = [s[s.index(".filter(") : s.index(".sort(")] for s in scripts]
    assert len(found) == 2 and found[0] == found[1]
    assert "user.login === 'github-actions[bot]'" in found[0]
    assert TITLE in scripts[1] and BOT["login"] in scripts[1]
