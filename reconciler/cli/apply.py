"""``callfwd apply``: make exactly the calls a plan shows, after confirmation."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import click

from reconciler import output
from reconciler.cli import common, options
from reconciler.plan.guided import POLL_SECONDS

if TYPE_CHECKING:
    from reconciler.config import AccountTarget, Config, TrustedConfig
    from reconciler.engine.apply import ApplyOptions
    from reconciler.engine.audit import AuditLog
    from reconciler.engine.planner import Desired
    from reconciler.engine.session import Session
    from reconciler.plan.guided import GuidedReport, StepResult
    from reconciler.plan.model import Change, Plan
    from reconciler.plan.results import ChangeResult

_PROGRESS_AFTER = 5  # a bar for more changes than this, on a terminal


@click.command("apply")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False, exists=True),
    help="Apply exactly this saved plan (from `plan --out`).",
)
@click.option("--account", "accounts", multiple=True, help="Apply only this account (repeatable).")
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation (for CI).")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--fail-fast", is_flag=True, help="Stop at the first change that does not apply.")
@click.option("--no-verify", is_flag=True, help="Skip re-reading touched senders afterwards.")
@click.option("--allow-mass-changes", is_flag=True, help="Apply even above the safety thresholds.")
@click.option(
    "--audit-log",
    type=click.Path(dir_okay=False),
    help="Append one JSON line per change to this file.",
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(0.1, 60),
    default=POLL_SECONDS,
    show_default=True,
    metavar="SECONDS",
    help="Where the API offers no write: how often the guided apply reads a sender while "
    "a person changes it in the vendor's UI.",
)
@common.jobs_option
@common.config_option
@options.trusted_config_option
def command(
    paths: tuple[str, ...],
    plan_file: str | None,
    accounts: tuple[str, ...],
    auto_approve: bool,
    fmt: str,
    fail_fast: bool,
    no_verify: bool,
    allow_mass_changes: bool,
    audit_log: str | None,
    poll_interval: float,
    config_path: str | None,
    trusted_config_path: str | None,
) -> int:
    """Apply the manifests (or a saved plan) to the live settings API.

    Each create, update and delete is one PATCH; unchanged senders get no call.
    Without --plan it plans first and asks before changing anything. Where the
    API offers no write (the vendor's published API), it guides you through each
    change in the vendor's UI and checks it; without a terminal it prints the
    checklist and exits 3.
    """
    from reconciler.cli import EXIT_FAILURE
    from reconciler.engine.apply import ApplyOptions
    from reconciler.engine.session import run

    # once, for the manifests (config) and for where keys go (trusted)
    config, trusted = common.load_config_pair(config_path, trusted_config_path)
    saved = common.read_plan_file(plan_file, config)
    desired = common.load_desired(paths, config)
    if desired is None:
        return EXIT_FAILURE
    apply_options = ApplyOptions(
        fail_fast=fail_fast,
        verify=not no_verify,
        allow_mass_changes=allow_mass_changes,
        reread=saved is not None,
    )
    steps = _Steps(fmt, auto_approve, apply_options, audit_log, trusted, poll_interval)
    if plan_file and saved is not None:
        saved, targets = common.saved_scope(saved, trusted)
        plan = _narrowed(_checked(saved, plan_file, desired, targets, config), accounts, plan_file)
        _after_the_plans_key_checks(plan_file)
        return run(
            targets,
            lambda session: steps.apply_saved(session, plan, desired),
            config=trusted.config,
        )
    names = common.select_accounts(desired.forwardings, accounts)
    targets, added = common.plan_scope(trusted, names)
    return run(
        targets,
        lambda session: steps.plan_and_apply(session, desired, added),
        config=trusted.config,
    )


def _after_the_plans_key_checks(plan_file: str) -> None:
    """A plan file written less than a second ago (its modification time) comes from a
    plan whose key checks used its accounts' window (one a second at the vendor): wait
    out the rest rather than meet a 429. The file was just read: it exists."""
    import os
    import time

    from reconciler.api.limits import KEY_CHECK_GAP
    from reconciler.plan.saved import key_check_wait

    written_at = os.stat(plan_file).st_mtime
    time.sleep(key_check_wait(written_at, now=time.time(), window=KEY_CHECK_GAP))


def _checked(
    plan: Plan,
    plan_file: str,
    desired: Desired,
    targets: Mapping[str, AccountTarget],
    config: Config,
) -> Plan:
    """The saved plan re-derived from the manifests as they are now (its counts and notices
    computed, not read from the file); else an error."""
    from reconciler.plan.saved import check_saved_plan
    from reconciler.rules.check import us_territories

    return check_saved_plan(
        plan,
        name=plan_file,
        forwardings=desired.forwardings,
        declared=desired.declared,
        # prune as callfwd.yaml says now, not as the plan file says: the digest covers it.
        prune={n: t.prune and desired.prune for n, t in targets.items()},
        us_territories=us_territories(config),
        apis={n: (t.api_url, t.account_id) for n, t in targets.items()},
    )


def _narrowed(plan: Plan, accounts: tuple[str, ...], plan_file: str) -> Plan:
    """``--account``: only these accounts of the saved plan."""
    if not accounts:
        return plan
    unknown = sorted(set(accounts) - {a.account for a in plan.accounts})
    if unknown:
        raise click.UsageError(f"--account {', '.join(unknown)}: not in {plan_file}")
    return replace(plan, accounts=tuple(a for a in plan.accounts if a.account in accounts))


@dataclass(frozen=True)
class _Steps:
    """What apply does in its session: show the plan, confirm, write, report."""

    fmt: str
    auto_approve: bool
    options: ApplyOptions
    audit_log: str | None
    trusted: TrustedConfig
    poll: float = POLL_SECONDS  # seconds between a guided step's reads

    async def plan_and_apply(self, session: Session, desired: Desired, added: list[str]) -> int:
        from reconciler.cli import EXIT_FAILURE
        from reconciler.engine.planner import plan as make_plan

        made = await make_plan(session, desired, trusted=self.trusted, added=added)
        plan = common.plan_or_report(made)
        return EXIT_FAILURE if plan is None else await self.apply(session, plan)

    async def apply_saved(self, session: Session, plan: Plan, desired: Desired) -> int:
        """A checked saved plan: its counts, notices and verdicts from the live values first."""
        from reconciler.engine.apply import with_live_values

        return await self.apply(session, await with_live_values(session, plan, desired))

    async def apply(self, session: Session, plan: Plan) -> int:
        from reconciler.cli import EXIT_FAILURE, EXIT_OK
        from reconciler.render import apply as render_apply
        from reconciler.render import plan as render

        text = self.fmt == "text"
        if text:
            output.write(render.render_text(plan, colour=output.use_colour()))
        if not plan.has_changes:
            if not text:
                output.write(render_apply.render_json(plan, None))
            return EXIT_OK
        from reconciler.engine.guided import by_hand

        if hand := await by_hand(session, plan):  # no write in their API: a person, guided
            return await _with_hand(self, session, plan, hand)
        if not self.auto_approve and not _confirmed(plan):
            return EXIT_FAILURE
        return await self.write(session, plan)

    async def write(self, session: Session, plan: Plan) -> int:
        """Write ``plan`` (confirmed) through the API and report each change."""
        import asyncio

        from reconciler.cli import EXIT_FAILURE, EXIT_OK
        from reconciler.engine.apply import apply
        from reconciler.plan.results import ApplyReport
        from reconciler.render import apply as render_apply

        text = self.fmt == "text"
        report = ApplyReport()
        with _Progress(len(plan.changes), lines=text) as progress, _audit(self.audit_log) as audit:

            def on_result(result: ChangeResult) -> None:
                audit(result)
                progress(result)

            try:
                await apply(
                    session, plan, self.options, on_result, on_accepted=audit.accepted,
                    report=report,
                )  # fmt: skip
            except asyncio.CancelledError:  # Ctrl-C: say what was done before stopping
                output.note(render_apply.render_interrupted(plan, report))
                raise
        if text:
            for m in report.mismatches:
                output.note(render_apply.render_mismatch(m))
            output.write(render_apply.render_summary(replace(report, mismatches=[])))
            if not report.ok:
                output.note(
                    "Not everything applied. Fix what is reported above and run apply again."
                )
        else:
            output.write(render_apply.render_json(plan, report))
        return EXIT_OK if report.ok else EXIT_FAILURE


def _changes(n: int) -> str:
    return f"{n} change" if n == 1 else f"{n} changes"


def _confirmed(plan: Plan) -> bool:
    n = len(plan.changes)
    if not sys.stdin.isatty():
        output.note(
            f"Refusing to apply {_changes(n)} without confirmation: no terminal to ask on. "
            "Review the plan, then rerun with --auto-approve."
        )
        return False
    these = "this change" if n == 1 else f"these {n} changes"
    if click.confirm(f"Apply {these}?", default=False, err=True):
        return True
    output.note("Nothing was changed.")
    return False


class _Progress:
    """A bar on a terminal for more than a few changes; else one line per change."""

    def __init__(self, total: int, *, lines: bool) -> None:
        self._bar = None
        self._lines = lines
        if sys.stderr.isatty() and total > _PROGRESS_AFTER:
            self._bar = click.progressbar(length=total, label="Applying", file=sys.stderr)

    def __enter__(self) -> _Progress:
        if self._bar is not None:
            self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)

    def __call__(self, result: ChangeResult) -> None:
        if self._bar is not None:
            self._bar.update(1)
        elif self._lines:
            from reconciler.render.apply import render_result_line

            output.line(render_result_line(result))
        else:
            from reconciler.render.apply import render_progress_line

            output.note(render_progress_line(result))


class _audit:
    def __init__(self, path: str | None) -> None:
        self._log: AuditLog | None = None
        if path:
            from reconciler.engine.audit import AuditLog

            self._log = AuditLog(path)

    def __enter__(self) -> _audit:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._log is not None:
            self._log.close()

    def __call__(self, result: ChangeResult) -> None:
        if self._log is not None:
            self._log.record(result)

    def accepted(self, change: Change) -> None:
        if self._log is not None:
            self._log.accepted(change)

    def by_hand(self, result: StepResult) -> None:
        if self._log is not None:
            self._log.record(result.as_change_result(), by="hand", at=result.seen_at)


# ---------------------------------------------------------------- APIs without a write


async def _with_hand(steps: _Steps, session: Session, plan: Plan, hand: frozenset[str]) -> int:
    """Accounts whose API offers no write: a person makes their changes in the vendor's UI.

    On a terminal (text output) the guided apply walks them through each change and
    checks it in the API; else the changes are printed as a checklist (exit 3). The
    other accounts of the plan are applied through their API first, as usual.
    """
    from reconciler.cli import EXIT_BY_HAND, EXIT_FAILURE, EXIT_OK, keys
    from reconciler.engine.apply import threshold_refusals
    from reconciler.engine.guided import only
    from reconciler.errors import UnsafePlanError

    options = steps.options
    if not options.allow_mass_changes and (refusals := threshold_refusals(plan, session.targets)):
        raise UnsafePlanError("refusing to apply above the safety thresholds", refusals)
    by_api, by_hand = only(plan, hand, keep=False), only(plan, hand)
    output.note(_split_note(by_api, by_hand))
    if steps.fmt == "text" and keys.available():
        if not steps.auto_approve and not _confirmed_split(by_api, by_hand):
            return EXIT_FAILURE
        code = await steps.write(session, by_api) if by_api.has_changes else EXIT_OK
        return _worst(code, await _guide(steps, session, by_hand))
    code = EXIT_OK
    if by_api.has_changes:
        confirmed = steps.auto_approve or _confirmed(by_api)
        code = await steps.write(session, by_api) if confirmed else EXIT_FAILURE
    elif steps.fmt != "text":
        from reconciler.render.apply import render_json

        output.write(render_json(by_api, None))
    if steps.fmt == "text":
        from reconciler.engine.coverage import vendors_of
        from reconciler.render.plan import render_checklist

        output.write(render_checklist(by_hand, vendors=vendors_of(session, sorted(hand))))
    n = len(by_hand.changes)
    output.note(
        f"No terminal to guide you: {_changes(n)} {'waits' if n == 1 else 'wait'} for a person "
        "in the vendor's UI. Make them (`callfwd plan --format checklist` lists them), or run "
        "`callfwd apply` on a terminal to be guided; `callfwd plan` shows what is left."
    )
    return code if code != EXIT_OK else EXIT_BY_HAND


def _split_note(by_api: Plan, by_hand: Plan) -> str:
    from reconciler.render.escape import terminal

    def names(plan: Plan) -> str:
        return ", ".join(terminal(a.account) for a in plan.accounts if a.changes)

    hand = (
        f"{_changes(len(by_hand.changes))} ({names(by_hand)}) by a person in the vendor's UI: "
        "this API offers no forwarding write"
    )
    if not by_api.has_changes:
        return f"Apply: {hand}."
    return f"Apply: {_changes(len(by_api.changes))} ({names(by_api)}) through the API; {hand}."


def _confirmed_split(by_api: Plan, by_hand: Plan) -> bool:
    n = len(by_hand.changes)
    these = "this change" if n == 1 else f"these {n} changes"
    api = (
        f"Apply {_changes(len(by_api.changes))} through the API, then make"
        if (by_api.has_changes)
        else "Make"
    )
    if click.confirm(f"{api} {these} in the vendor's UI, guided?", default=False, err=True):
        return True
    output.note("Nothing was changed.")
    return False


async def _guide(steps: _Steps, session: Session, plan: Plan) -> GuidedReport:
    """The guided apply on this terminal: each step shown, each key read as it comes."""
    from reconciler.cli.keys import TerminalKeys
    from reconciler.engine.guided import guide
    from reconciler.render import guided as render

    with _audit(steps.audit_log) as audit, TerminalKeys() as keys:
        report = await guide(
            session,
            plan,
            keys=keys,
            show=lambda event: output.write(render.render_event(event)),
            record=audit.by_hand,
            poll=steps.poll,
        )
    output.write(render.render_summary(report))
    return report


def _worst(code: int, report: GuidedReport) -> int:
    """Failed anywhere: 1; else changes left for a person: 3; else 0."""
    from reconciler.cli import EXIT_BY_HAND, EXIT_FAILURE, EXIT_OK

    if code != EXIT_OK or report.failed:
        return EXIT_FAILURE
    return EXIT_OK if report.all_done else EXIT_BY_HAND
