"""The whole loop as a Hypothesis state machine, against the real sandbox server.

Each example starts from a random world (1-3 accounts, US toll-free senders
with or without forwarding, Canadian siblings, pruning on or off), then runs
random steps: edit a manifest, edit a sender out of band through the API (as a
person in the UI would, with another key), switch faults on or off (503s before
or after a write commits, 429 storms with Retry-After 0, dropped connections
before or after the commit, truncated answers), plan, apply a saved plan, plan
and apply at once through the library or through the CLI (with or without
--fail-fast), and converge.

Checked after every step (``@invariant``) and inside the steps that write:

- the tool never wrote to a sender no manifest ever managed: its live value is
  what the seed and the out-of-band edits alone made it;
- a Canadian sibling never forwards and is never written;
- every write the server accepted from the tool's key is a change some plan
  contained (sender, before, after): nothing outside a plan, nothing over a
  stale read; the tool's key never sends a request the server refuses other
  than a 412;
- a plan is exactly the managed senders whose live value differs from the
  manifests (and each change's ``after`` is what the manifests ask);
- an apply touches only its plan's senders; a change ends applied only if the
  sender holds its ``after``; a sender edited out of band since the plan is
  left as the edit made it (stale, or applied only if it already held
  ``after``); no change is stale without such an edit; an apply that reports
  success leaves every managed sender (not edited since its plan) as desired;
- after faults stop, at most two applies reach an empty plan (also at the end
  of every example).

Default budget ~20 s; CALLFWD_LONG=1 runs many more and longer examples.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from budgets import budget
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from reliability_helpers import POOL, TOLL_FREE, json_lines, key_id, target
from sandbox_fixtures import Sandbox, ServerProcess, patch_body
from workspace import AccountSpec, run_cli, write_workspace

from reconciler.diagnostics import Position
from reconciler.domain.state import Forwarding
from reconciler.engine.apply import ApplyOptions, apply
from reconciler.engine.planner import plan as make_plan
from reconciler.engine.session import run
from reconciler.errors import CallfwdError
from reconciler.plan import planfile
from reconciler.plan.model import Change, Plan
from reconciler.plan.results import ApplyReport, Outcome

SETTINGS = settings(
    max_examples=budget(15, 150),
    stateful_step_count=budget(15, 40),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

Live = dict[str, tuple[str | None, str]]  # sender id -> (forwarding number, etag)


@dataclass(frozen=True)
class SenderRef:
    account: str
    number: str
    country: str
    id: str


@dataclass(frozen=True)
class AccountWorld:
    name: str
    senders: tuple[tuple[str, str | None, bool], ...]  # number, forward_to, has a CA sibling
    prune: bool


@st.composite
def worlds(draw: st.DrawFn) -> tuple[AccountWorld, ...]:
    out = []
    k = 0
    for i in range(draw(st.integers(1, 3))):
        rows = []
        for _ in range(draw(st.integers(2, 5))):
            number = f"+1{TOLL_FREE[k % len(TOLL_FREE)]}{3000000 + k:07d}"
            k += 1
            rows.append((number, draw(st.none() | st.sampled_from(POOL)), draw(st.booleans())))
        out.append(AccountWorld(f"loop-{i}", tuple(rows), draw(st.booleans())))
    return tuple(out)


def _rule(kind: dict[str, Any], probability: float) -> dict[str, Any]:
    return {**kind, "probability": probability}


# Faults on any request, at a modest rate (planning must still get through sometimes) ...
ANY_REQUEST = [
    {"kind": "error", "status": 503},
    {"kind": "rate_limit", "retry_after": 0},
    {"kind": "drop"},
    {"kind": "truncate"},
]
# ... and on writes, up to every one of them.
WRITES = [
    {"kind": "error", "status": 503, "method": "PATCH"},
    {"kind": "error", "status": 502, "when": "after", "method": "PATCH"},
    {"kind": "drop", "when": "after", "method": "PATCH"},
    {"kind": "truncate", "method": "PATCH"},
]
# Named scenarios (each makes its failure mode likely), and random mixes of rules.
SCENARIOS = [
    [_rule(ANY_REQUEST[0], 0.2), _rule(ANY_REQUEST[2], 0.1), _rule(ANY_REQUEST[3], 0.1)],
    [_rule(ANY_REQUEST[1], 0.5)],  # a 429 storm
    [_rule(WRITES[2], 0.5), _rule(WRITES[1], 0.5)],  # writes commit, answers are lost
    [_rule(WRITES[0], 1.0)],  # every write fails, past the retry budget
    [_rule(WRITES[3], 0.5)],
]
FAULT_SETS = st.sampled_from(SCENARIOS) | st.lists(
    st.builds(_rule, st.sampled_from(ANY_REQUEST), st.sampled_from([0.1, 0.25, 0.5]))
    | st.builds(_rule, st.sampled_from(WRITES), st.sampled_from([0.2, 0.5, 1.0])),
    min_size=1,
    max_size=3,
)
# Small retry budget: a call given up on costs at most this long.
RETRY: dict[str, Any] = {"max_attempts": 4, "max_total": 1.0}
FORWARD = st.none() | st.sampled_from(POOL)


def tool_key(i: int) -> str:
    return f"sandbox-loop-tool-{i}"


def ui_key(i: int) -> str:
    return f"sandbox-loop-ui-{i}"


def seed_of(world: tuple[AccountWorld, ...]) -> dict[str, Any]:
    both = ["sender-config:read", "sender-config:write", "accounts:read"]
    accounts = []
    for i, a in enumerate(world):
        senders: list[dict[str, Any]] = []
        for number, fwd, sibling in a.senders:
            senders.append({"number": number, "type": "toll_free", "country": "US"})
            if fwd is not None:
                senders[-1]["forward_to"] = fwd
            if sibling:
                senders.append({"number": number, "type": "toll_free", "country": "CA"})
        accounts.append(
            {
                "id": a.name,
                "name": a.name,
                "users": [
                    {
                        "email": f"tool@{a.name}.example",
                        "role": "manager",
                        "api_key": tool_key(i),
                        "scopes": both,
                    },
                    {
                        "email": f"ui@{a.name}.example",
                        "role": "manager",
                        "api_key": ui_key(i),
                        "scopes": both,
                    },
                ],
                "senders": senders,
            }
        )
    return {"accounts": accounts}


class LoopMachine(RuleBasedStateMachine):
    server: ServerProcess  # set by the test function

    def __init__(self) -> None:
        super().__init__()
        self.box = Sandbox(self.server)
        self.tmp = Path(tempfile.mkdtemp(prefix="callfwd-loop-"))
        self.accounts: list[AccountSpec] = []
        self.us: list[SenderRef] = []
        self.ca: list[SenderRef] = []
        self.desired: dict[str, dict[str, str | None]] = {}
        self.ever_managed: set[str] = set()  # sender ids
        self.only_oob: dict[str, str | None] = {}  # id -> what the seed and OOB edits made it
        self.planned: set[tuple[str, str | None, str | None]] = set()  # (id, before, after)
        self.pending: Plan | None = None
        self.fail_fast = False  # --fail-fast for the apply under way
        self.tool_keys: set[str] = set()
        self.ui: dict[str, httpx.Client] = {}

    # ------------------------------------------------------------ the world

    @initialize(world=worlds(), data=st.data())
    def start(self, world: tuple[AccountWorld, ...], data: st.DataObject) -> None:
        self.box.reset(seed_of(world))
        for i, a in enumerate(world):
            self.accounts.append(AccountSpec(a.name, f"LOOP_KEY_{i}", tool_key(i), a.prune))
            self.tool_keys.add(key_id(tool_key(i)))
            self.ui[a.name] = self.box.client(ui_key(i))
            self.desired[a.name] = {}
        for acct in self.box.state()["accounts"]:
            for s in acct["senders"]:
                ref = SenderRef(acct["id"], s["number"], s["country"], s["id"])
                (self.us if s["country"] == "US" else self.ca).append(ref)
                self.only_oob[ref.id] = s["forward_to"]
        for a in self.accounts:
            self._declare(data, a.name)

    def teardown(self) -> None:
        try:
            if self.accounts:
                self.converge()
        finally:
            self.box.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    # ------------------------------------------------------------ the model

    def live(self) -> Live:
        return {
            s["id"]: (s["forward_to"], s["etag"])
            for a in self.box.state()["accounts"]
            for s in a["senders"]
        }

    def spec(self, name: str) -> AccountSpec:
        return next(a for a in self.accounts if a.name == name)

    def managed(self, ref: SenderRef) -> bool:
        declared = self.desired[ref.account]
        if ref.country != "US" or not declared:
            return False  # no manifest names the account: callfwd does not look at it
        return ref.number in declared or self.spec(ref.account).prune

    def want(self, ref: SenderRef) -> str | None:
        return self.desired[ref.account].get(ref.number)

    def forwardings(self) -> list[Forwarding]:
        where = Position("manifest.yaml", 1, 1)
        return [
            Forwarding(acct, number, fwd, where)
            for acct, senders in self.desired.items()
            for number, fwd in senders.items()
        ]

    def targets(self) -> dict[str, Any]:
        return {
            a.name: target(a.name, self.box.url, a.key, prune=a.prune, **RETRY)
            for a in self.accounts
            if self.desired[a.name]
        }

    # ------------------------------------------------------------ steps

    @rule(data=st.data())
    def edit_manifest(self, data: st.DataObject) -> None:
        self._declare(data, data.draw(st.sampled_from(self.accounts)).name)
        self.pending = None  # a saved plan of other manifests is refused by apply --plan

    def _declare(self, data: st.DataObject, account: str) -> None:
        numbers = [r.number for r in self.us if r.account == account]
        declared = data.draw(st.lists(st.sampled_from(numbers), unique=True), label=account)
        self.desired[account] = {n: data.draw(FORWARD, label=n) for n in declared}

    @rule(data=st.data())
    def out_of_band_edit(self, data: st.DataObject) -> None:
        self._edit(data.draw(st.sampled_from(self.us + self.ca)), data.draw(FORWARD))

    def _edit(self, ref: SenderRef, value: str | None) -> None:
        """Edit a sender as a person in the UI would: the other key, no If-Match."""
        before = self.live()[ref.id]
        try:
            r = self.ui[ref.account].patch(
                f"/api/text-messaging-senders/{ref.id}", json=patch_body(ref.id, value)
            )
            status: int | None = r.status_code
        except httpx.HTTPError:
            status = None  # a fault dropped it, before or after the write
        after = self.live()[ref.id]
        if ref.country == "CA":
            # Only "no forwarding" (which it already has) is accepted: docs/api.md.
            assert after == before, "a Canadian sibling took a forwarding"
            assert status != 200 or value is None, status
        if after[1] != before[1]:
            self.only_oob[ref.id] = after[0]

    @rule(faults=FAULT_SETS, seed=st.integers(0, 2**16), times=st.integers(1, 8))
    def faults_on(self, faults: list[dict[str, Any]], seed: int, times: int) -> None:
        """Faults that outlive this step (out-of-band edits and plans meet them), for a while."""
        self.box.set_faults(*({**f, "times": times} for f in faults), seed=seed)

    @rule()
    def faults_off(self) -> None:
        self.box.clear_faults()

    @rule()
    def plan(self) -> None:
        self.pending = self._plan()

    # Enabled whatever happened before: what the server did (faults, timing) must not
    # decide which steps Hypothesis may draw, or its replays would differ.
    @rule()
    def apply_saved_plan(self) -> None:
        if self.pending is None:
            return
        plan, self.pending = self.pending, None
        # Senders written since the plan read them (out of band, or by another apply).
        read = {s.id: s.etag for a in plan.accounts for s in a.senders}
        edited = {sid for sid, (_, etag) in self.live().items() if read.get(sid, etag) != etag}
        self._apply(plan, edited=edited)

    @rule(edits=st.lists(st.tuples(st.integers(0, 99), FORWARD), min_size=1, max_size=3))
    def plan_edit_then_apply(self, edits: list[tuple[int, str | None]]) -> None:
        """A reviewed plan, then someone edits some of its senders, then apply."""
        plan = self._plan()
        if plan is None or not plan.has_changes:
            return
        ids = sorted({c.sender_id for c in plan.changes})
        for pick, value in edits:  # drawn before the plan: its changes depend on the server
            ref = next(r for r in self.us if r.id == ids[pick % len(ids)])
            self._edit(ref, value)
        self.pending = plan
        self.apply_saved_plan()

    @rule(faults=FAULT_SETS, seed=st.integers(0, 2**16), cli=st.booleans(), fail_fast=st.booleans())
    def plan_and_apply_under_faults(
        self, faults: list[dict[str, Any]], seed: int, cli: bool, fail_fast: bool
    ) -> None:
        self.box.set_faults(*faults, seed=seed)
        self.fail_fast = fail_fast
        try:
            if cli:
                self.plan_and_apply_with_the_cli(pretty=False)
            else:
                self.plan_and_apply()
        finally:
            self.fail_fast = False
            self.box.clear_faults()

    @rule()
    def plan_and_apply(self) -> None:
        plan = self._plan()
        if plan is not None:
            self._apply(plan, edited=set())

    @rule(pretty=st.booleans())
    def plan_and_apply_with_the_cli(self, pretty: bool) -> None:
        env = write_workspace(
            self.tmp, self.box.url, self.accounts, self.desired, pretty=pretty, **RETRY
        )
        cfg, saved, log = (
            self.tmp / "callfwd.yaml",
            self.tmp / "plan.json",
            self.tmp / "audit.jsonl",
        )
        saved.unlink(missing_ok=True)
        log.unlink(missing_ok=True)
        if not any(self.desired.values()):
            return  # no manifest at all: nothing to plan
        before = self.live()
        run = run_cli(
            "plan", "--config", str(cfg), "--out", str(saved), "--format", "json", env=env
        )
        self._no_crash(run.code, run.stderr)
        if run.code != 0:
            assert not saved.exists(), "a failed plan left a plan file"
            return
        plan = planfile.loads(saved.read_text())
        self._check_plan(plan, before)
        args = ["apply", "--config", str(cfg), "--plan", str(saved), "--auto-approve"]
        args += ["--allow-mass-changes", "--format", "json", "--audit-log", str(log)]
        args += ["--fail-fast"] if self.fail_fast else []
        run = run_cli(*args, env=env)
        self._no_crash(run.code, run.stderr)
        after = self.live()
        if not run.stdout.startswith("{"):  # refused before any write (preflight under faults)
            assert run.code == 1 and after == before, "a refused apply changed something"
            return
        doc = json.loads(run.stdout)
        by_key = {(c.account, c.sender): c for c in plan.changes}
        outcomes = [
            (by_key[(r["account"], r["sender"])], Outcome(r["result"])) for r in doc["results"]
        ]
        assert len(outcomes) == len(plan.changes)
        ok = run.code == 0
        assert ok == (
            all(o is Outcome.APPLIED for _, o in outcomes) and not doc["verify_mismatches"]
        )
        self._check_apply(plan, outcomes, ok, before, after, edited=set())
        lines = json_lines(log) if plan.has_changes else []
        last = {x["sender"]: x["result"] for x in lines}  # a change's last line is its outcome
        assert sorted(last.items()) == sorted((c.sender, o.value) for c, o in outcomes)
        for c, o in outcomes:  # every write the server accepted is on record as applied
            if o in (Outcome.APPLIED, Outcome.UNVERIFIED):
                assert any(x["sender"] == c.sender and x["result"] == "applied" for x in lines), (
                    f"{c.sender}: {o.value} but no audit line says it was applied"
                )

    @rule()
    def converge(self) -> None:
        """Faults off: at most two applies, then the plan is empty."""
        self.box.clear_faults()
        self.pending = None
        if not self.targets():
            return  # no manifest names any account: there is nothing to converge
        for applies in range(3):
            plan = self._plan()
            assert plan is not None, "planning failed without faults"
            if not plan.has_changes:
                return
            assert applies < 2, f"still {len(plan.changes)} changes after two applies"
            self._apply(plan, edited=set())

    # ------------------------------------------------------------ checks

    @invariant()
    def unmanaged_senders_hold_only_what_others_did(self) -> None:
        if not self.us:
            return
        live = self.live()
        for ref in self.us + self.ca:
            if ref.id not in self.ever_managed:
                assert live[ref.id][0] == self.only_oob[ref.id], (
                    f"{ref} was never managed but holds {live[ref.id][0]}"
                )
        for ref in self.ca:
            assert live[ref.id][0] is None, f"Canadian sibling {ref} forwards"

    @invariant()
    def the_tool_wrote_only_what_a_plan_contained(self) -> None:
        if not self.us:
            return
        ca = {r.id for r in self.ca}
        for e in self.box.audit_events():
            if e["key_id"] not in self.tool_keys:
                continue
            assert e["status"] in (200, 412), f"the tool sent a request the API refused: {e}"
            if e["status"] == 200:
                assert e["sender_id"] not in ca, f"a write reached a Canadian sibling: {e}"
                assert e["sender_country"] == "US", e
                write = (e["sender_id"], e["before"], e["after"])
                assert write in self.planned, f"a write no plan contained: {e}"
                assert e["sender_id"] in self.ever_managed, f"a write to an unmanaged sender: {e}"

    def _no_crash(self, code: int, stderr: str) -> None:
        assert code in (0, 1), f"exit {code}:\n{stderr}"
        assert "Traceback" not in stderr and "internal error" not in stderr, stderr

    def _plan(self) -> Plan | None:
        targets = self.targets()
        if not targets:
            return None
        before = self.live()
        forwardings = self.forwardings()
        result = run(targets, lambda session: make_plan(session, forwardings))
        if result.plan is None or not result.ok:
            assert result.failures and not result.diagnostics, (result.failures, result.diagnostics)
            return None
        self._check_plan(result.plan, before)
        return result.plan

    def _check_plan(self, plan: Plan, live: Live) -> None:
        """A plan is exactly the managed senders whose live value is not the desired one."""
        expected = {
            r.id: (live[r.id][0], self.want(r))
            for r in self.us
            if self.managed(r) and live[r.id][0] != self.want(r)
        }
        got = {c.sender_id: (c.before, c.after) for c in plan.changes}
        assert got == expected, f"plan {got} != expected {expected}"
        for c in plan.changes:
            assert c.etag == live[c.sender_id][1], "the plan did not record the ETag it read"
            self.planned.add((c.sender_id, c.before, c.after))
        self.ever_managed |= {r.id for r in self.us if self.managed(r)}

    def _apply(self, plan: Plan, *, edited: set[str]) -> None:
        before = self.live()
        targets = self.targets()
        try:
            # Thresholds are tested in tests/e2e; here every plan may be applied.
            options = ApplyOptions(allow_mass_changes=True, fail_fast=self.fail_fast)
            report: ApplyReport | None = run(targets, lambda session: apply(session, plan, options))
        except CallfwdError as exc:  # preflight failed (faults): nothing may have changed
            assert "nothing was changed" in str(exc), exc
            assert self.live() == before, "apply refused at preflight but changed something"
            return
        assert report is not None
        after = self.live()
        outcomes = [(r.change, r.outcome) for r in report.results]
        assert sorted(c.key for c, _ in outcomes) == sorted(c.key for c in plan.changes)
        self._check_apply(plan, outcomes, report.ok, before, after, edited=edited)

    def _check_apply(
        self,
        plan: Plan,
        outcomes: list[tuple[Change, Outcome]],
        ok: bool,
        before: Live,
        after: Live,
        *,
        edited: set[str],
    ) -> None:
        in_plan = {c.sender_id for c in plan.changes}
        for sid, value in before.items():
            if sid not in in_plan:
                assert after[sid] == value, f"apply touched {sid}, which its plan did not change"
        for ref in self.us:  # nothing deleted that the manifests did not ask to delete
            if before[ref.id][0] is not None and after[ref.id][0] is None:
                assert self.managed(ref) and self.want(ref) is None, f"{ref}: deleted unasked"
        for change, outcome in outcomes:
            sid = change.sender_id
            now, was = after[sid][0], before[sid][0]
            if sid in edited:  # changed by someone else since the plan was read
                assert now == was, f"{change.sender}: an out-of-band edit was overwritten"
                assert outcome is not Outcome.APPLIED or was == change.after, (change, outcome)
            else:
                assert outcome is not Outcome.STALE, f"{change.sender}: stale without an edit"
            if outcome in (Outcome.APPLIED, Outcome.UNVERIFIED):  # the server accepted it
                assert now == change.after, f"{change.sender}: {outcome} but holds {now}"
            elif outcome is Outcome.SKIPPED:
                assert self.fail_fast, f"{change.sender}: skipped without --fail-fast"
                assert now == was, f"{change.sender}: skipped but written"
            else:  # a failed write may still have committed (a 5xx or a drop after it)
                assert now in (was, change.after), f"{change.sender}: holds {now}"
        if ok:
            for r in self.us:
                if self.managed(r) and r.id not in edited:
                    assert after[r.id][0] == self.want(r), f"{r}: success, but not as desired"


@pytest.mark.slow
def test_the_loop_converges_and_touches_only_what_plans_contain(
    sandbox_server: ServerProcess,
) -> None:
    class Machine(LoopMachine):
        server = sandbox_server

    run_state_machine_as_test(Machine, settings=SETTINGS)
