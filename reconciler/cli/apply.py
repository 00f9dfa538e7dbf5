"""``callfwd apply``: make exactly the calls a plan shows, after confirmation."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import TYPE_CHECKING

import click

from reconciler.cli import common

if TYPE_CHECKING:
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
    jobs: int | None,
    config_path: str | None,
) -> int:
    """Apply the manifests (or a saved plan) to the live settings API.

    Each create, update and delete is one PATCH; unchanged senders get no call.
    Without --plan it plans first and asks before changing anything.
    """
    from reconciler.cli import EXIT_FAILURE, EXIT_OK
    from reconciler.engine.apply import ApplyOptions, apply_plan
    from reconciler.render import apply as render_apply
    from reconciler.render import plan as render

    sessions = None
    if plan_file:
        plan = _load_saved_plan(plan_file, paths, accounts, config_path)
    else:
        result = common.plan_result_or_report(paths, accounts, config_path, jobs=jobs)
        plan, sessions = (None, None) if result is None else (result.plan, result.sessions)
    if plan is None:
        return EXIT_FAILURE
    text = fmt == "text"
    if text:
        click.echo(render.render_text(plan, colour=common.colour_for(stdout=True)), nl=False)
    if not plan.has_changes:
        if not text:
            click.echo(render_apply.render_json(plan, None), nl=False)
        return EXIT_OK
    if not auto_approve and not _confirmed(plan):
        return EXIT_FAILURE

    from reconciler.config import load_config

    targets = common.resolve_targets(
        load_config(config_path), [a.account for a in plan.accounts if a.changes]
    )
    options = ApplyOptions(
        fail_fast=fail_fast,
        verify=not no_verify,
        allow_mass_changes=allow_mass_changes,
        reread=plan_file is not None,
    )
    with _Progress(len(plan.changes), lines=text) as progress, _audit(audit_log) as audit:

        def on_result(result: ChangeResult) -> None:
            audit(result)
            progress(result)

        report = apply_plan(plan, targets, options, on_result, sessions)
    if text:
        for m in report.mismatches:
            click.echo(render_apply.render_mismatch(m), err=True)
        click.echo(render_apply.render_summary(replace(report, mismatches=[])), nl=False)
        if not report.ok:
            common.note("Not everything applied. Fix what is reported above and run apply again.")
    else:
        click.echo(render_apply.render_json(plan, report), nl=False)
    return EXIT_OK if report.ok else EXIT_FAILURE


def _load_saved_plan(
    plan_file: str, paths: tuple[str, ...], accounts: tuple[str, ...], config_path: str | None
) -> Plan | None:
    """The saved plan, once re-derived from the manifests as they are now; else an error.

    Nothing in the file is taken on trust: its digest must match its content,
    the manifests must ask for what they asked for at plan time, and its changes
    must be exactly those that the manifests and the live values it recorded give.
    """
    from reconciler.errors import PlanFileError
    from reconciler.plan import planfile
    from reconciler.plan.diff import changed_sources, manifest_digest, source_digests
    from reconciler.plan.rederive import rederive
    from reconciler.rules.check import us_territories

    try:
        with open(plan_file, encoding="utf-8") as fh:
            plan = planfile.loads(fh.read(), name=plan_file)
    except OSError as exc:
        raise PlanFileError(f"{plan_file}: cannot read the plan ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise PlanFileError(f"{plan_file}: not a callfwd plan (not UTF-8 text)") from exc
    loaded = common.load_desired(paths, config_path)
    if loaded is None:
        return None
    config, desired = loaded
    names = {a.account for a in plan.accounts}
    # prune as callfwd.yaml says now, not as the plan file says: the digest covers it.
    targets = common.resolve_targets(config, sorted(names))
    prune = {n: t.prune and desired.prune for n, t in targets.items()}
    planned = [f for f in desired.forwardings if f.account in names]
    if manifest_digest(planned, prune) != plan.manifest_digest:
        changed = changed_sources(plan.sources, source_digests(planned))
        recorded = dict(plan.sources)
        if changed and not any(p in recorded for p in changed):
            raise PlanFileError(
                f"{plan_file}: the plan does not cover {', '.join(changed)}; if it was made "
                "for some manifests only (`callfwd plan PATH... --out`), give apply the same "
                "PATHs; else plan again and review the new plan"
            )
        what = f" ({', '.join(changed)})" if changed else " (the prune setting in callfwd.yaml)"
        raise PlanFileError(
            f"{plan_file}: the manifests changed since this plan was made{what}; "
            "plan again and review the new plan"
        )
    problems = rederive(
        plan,
        planned,
        prune=prune,
        declared=desired.declared,
        us_territories=us_territories(config),
    )
    if problems:
        listed = "\n  ".join(problems)
        raise PlanFileError(
            f"{plan_file}: refusing the whole plan, nothing was changed: its changes are not "
            f"what the manifests ask for:\n  {listed}\nplan again and review the new plan"
        )
    if accounts:
        unknown = sorted(set(accounts) - names)
        if unknown:
            raise click.UsageError(f"--account {', '.join(unknown)}: not in {plan_file}")
        plan = replace(plan, accounts=tuple(a for a in plan.accounts if a.account in accounts))
    return plan


def _changes(n: int) -> str:
    return f"{n} change" if n == 1 else f"{n} changes"


def _confirmed(plan: Plan) -> bool:
    n = len(plan.changes)
    if not sys.stdin.isatty():
        common.note(
            f"Refusing to apply {_changes(n)} without confirmation: no terminal to ask on. "
            "Review the plan, then rerun with --auto-approve."
        )
        return False
    these = "this change" if n == 1 else f"these {n} changes"
    if click.confirm(f"Apply {these}?", default=False, err=True):
        return True
    common.note("Nothing was changed.")
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

            click.echo(render_result_line(result))
        else:
            from reconciler.render.apply import render_progress_line

            click.echo(render_progress_line(result), err=True)


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
