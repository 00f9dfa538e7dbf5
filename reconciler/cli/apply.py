"""``callfwd apply``: make exactly the calls a plan shows, after confirmation."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import click

from reconciler import output
from reconciler.cli import common, options

if TYPE_CHECKING:
    from reconciler.config import AccountTarget, Config, TrustedConfig
    from reconciler.engine.apply import ApplyOptions
    from reconciler.engine.planner import Desired
    from reconciler.engine.session import Session
    from reconciler.plan.model import Plan
    from reconciler.plan.results import ChangeResult

_PROGRESS_AFTER = 5  # a bar for more changes than this, on a terminal


@click.command("apply")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False),
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
    config_path: str | None,
    trusted_config_path: str | None,
) -> int:
    """Apply the manifests (or a saved plan) to the live settings API.

    Each create, update and delete is one PATCH; unchanged senders get no call.
    Without --plan it plans first and asks before changing anything.
    """
    from reconciler.cli import EXIT_FAILURE
    from reconciler.engine.apply import ApplyOptions
    from reconciler.engine.session import run
    from reconciler.plan.saved import read_saved_plan

    # once, for the manifests (config) and for where keys go (trusted)
    config, trusted = common.load_config_pair(config_path, trusted_config_path)
    saved = read_saved_plan(plan_file) if plan_file else None
    desired = common.load_desired(paths, config)
    if desired is None:
        return EXIT_FAILURE
    options = ApplyOptions(
        fail_fast=fail_fast,
        verify=not no_verify,
        allow_mass_changes=allow_mass_changes,
        reread=saved is not None,
    )
    steps = _Steps(fmt, auto_approve, options, audit_log, trusted)
    if plan_file and saved is not None:
        saved, targets = common.saved_scope(saved, trusted)
        plan = _narrowed(_checked(saved, plan_file, desired, targets, config), accounts, plan_file)
        return run(targets, lambda session: steps.apply(session, plan), config=trusted.config)
    names = common.select_accounts(desired.forwardings, accounts)
    targets, added = common.plan_scope(trusted, names)
    return run(
        targets,
        lambda session: steps.plan_and_apply(session, desired, added),
        config=trusted.config,
    )


def _checked(
    plan: Plan,
    plan_file: str,
    desired: Desired,
    targets: Mapping[str, AccountTarget],
    config: Config,
) -> Plan:
    """The saved plan, once re-derived from the manifests as they are now; else an error."""
    from reconciler.plan.saved import check_saved_plan
    from reconciler.rules.check import us_territories

    check_saved_plan(
        plan,
        name=plan_file,
        forwardings=desired.forwardings,
        declared=desired.declared,
        # prune as callfwd.yaml says now, not as the plan file says: the digest covers it.
        prune={n: t.prune and desired.prune for n, t in targets.items()},
        us_territories=us_territories(config),
    )
    return plan


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

    async def plan_and_apply(self, session: Session, desired: Desired, added: list[str]) -> int:
        from reconciler.cli import EXIT_FAILURE
        from reconciler.engine.planner import plan as make_plan

        made = await make_plan(session, desired, trusted=self.trusted, added=added)
        plan = common.plan_or_report(made)
        return EXIT_FAILURE if plan is None else await self.apply(session, plan)

    async def apply(self, session: Session, plan: Plan) -> int:
        from reconciler.cli import EXIT_FAILURE, EXIT_OK
        from reconciler.engine.apply import apply
        from reconciler.render import apply as render_apply
        from reconciler.render import plan as render

        text = self.fmt == "text"
        if text:
            output.write(render.render_text(plan, colour=output.use_colour()))
        if not plan.has_changes:
            if not text:
                output.write(render_apply.render_json(plan, None))
            return EXIT_OK
        if not self.auto_approve and not _confirmed(plan):
            return EXIT_FAILURE
        with _Progress(len(plan.changes), lines=text) as progress, _audit(self.audit_log) as audit:

            def on_result(result: ChangeResult) -> None:
                audit(result)
                progress(result)

            report = await apply(session, plan, self.options, on_result)
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
        self._log = None
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
