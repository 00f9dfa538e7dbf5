"""What plan, apply and import share: config, validation, accounts, files."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from reconciler.config import AccountTarget, Config
    from reconciler.domain.state import Forwarding
    from reconciler.engine.planner import Desired, PlanResult
    from reconciler.plan.model import Plan


def colour_for(*, stdout: bool) -> bool:
    from reconciler.output import use_colour

    return use_colour(stdout=stdout)


def note(message: str) -> None:
    """A line for the person at the terminal; stderr, so stdout stays machine-readable."""
    click.echo(message, err=True)


def load_desired(paths: Sequence[str], config_path: str | None) -> tuple[Config, Desired] | None:
    """Validate the whole configured manifest set; print diagnostics, None if invalid.

    PATHs only narrow which declared senders are planned: duplicates and prune
    always see every manifest of ``callfwd.yaml``'s ``manifests:``, so planning
    one file never deletes what another declares. PATHs outside that set are
    validated with it, and prune is off for the run.
    """
    from reconciler.config import load_config
    from reconciler.engine.planner import Desired
    from reconciler.manifest.discovery import discover
    from reconciler.render.diagnostics import render_text
    from reconciler.rules.check import validate

    config = load_config(config_path)
    configured = list(config.manifests)
    if config.source is None and paths:
        configured = list(paths)  # no callfwd.yaml: the PATHs are the whole set
    result = validate(configured + [p for p in paths if p not in configured], config=config)
    if result.diagnostics:
        click.echo(render_text(result, colour=colour_for(stdout=False)), err=True, nl=False)
    if not result.ok:
        note("Fix the manifest errors above, then plan again.")
        return None
    forwardings = list(result.forwardings)
    declared: dict[str, set[str]] = {}
    for f in forwardings:
        declared.setdefault(f.account, set()).add(f.sender)
    outside = False
    if paths:
        in_set = {_abs(s.display) for s in discover(configured, config)[0]}
        given = {_abs(s.display) for s in discover(list(paths), config)[0]}
        outside = bool(given - in_set)
        forwardings = [f for f in forwardings if _abs(f.position.path) in given]
    return config, Desired(
        forwardings=tuple(forwardings),
        declared={a: frozenset(s) for a, s in declared.items()},
        prune=not outside,
    )


def _abs(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def select_accounts(forwardings: Sequence[Forwarding], only: Sequence[str]) -> list[str]:
    declared = sorted({f.account for f in forwardings})
    if not only:
        return declared
    unknown = sorted(set(only) - set(declared))
    if unknown:
        raise click.UsageError(
            f"--account {', '.join(unknown)}: no manifest names this account "
            f"(manifests name: {', '.join(declared) or 'none'})"
        )
    return sorted(set(only))


def make_plan_or_report(
    paths: Sequence[str],
    accounts: Sequence[str],
    config_path: str | None,
    *,
    jobs: int | None = None,
) -> Plan | None:
    """Validate, resolve accounts and plan; print every problem and return None on failure."""
    result = plan_result_or_report(paths, accounts, config_path, jobs=jobs)
    return None if result is None else result.plan


def plan_result_or_report(
    paths: Sequence[str],
    accounts: Sequence[str],
    config_path: str | None,
    *,
    jobs: int | None = None,
) -> PlanResult | None:
    """``make_plan_or_report``, with what planning learned of each account (for apply)."""
    from reconciler.config import resolve_accounts
    from reconciler.engine.planner import make_plan
    from reconciler.render.diagnostics import render_diagnostics_text

    loaded = load_desired(paths, config_path)
    if loaded is None:
        return None
    config, desired = loaded
    names = select_accounts(desired.forwardings, accounts)
    targets = resolve_accounts(config, names)
    from reconciler.engine.sharding import default_jobs

    result = make_plan(desired, targets, jobs=default_jobs(len(targets)) if jobs is None else jobs)
    if result.diagnostics:
        click.echo(
            render_diagnostics_text(result.diagnostics, colour=colour_for(stdout=False)),
            err=True,
            nl=False,
        )
    for err in result.errors:
        click.echo(f"error: {err}", err=True)
    return result if result.ok else None


JOBS_HELP = (
    "Plan in N processes, accounts shared out among them (default: 1 below "
    "500 accounts, else up to 4 by the CPU count). Pays where the API is remote."
)

# The options several commands share, stated once.
config_option = click.option(
    "--config",
    "config_path",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    default=None,
    help="Configuration file (default: ./callfwd.yaml when present).",
)
jobs_option = click.option("--jobs", type=click.IntRange(1, 64), default=None, help=JOBS_HELP)


def resolve_targets(config: Config, names: Sequence[str]) -> dict[str, AccountTarget]:
    from reconciler.config import resolve_accounts

    return resolve_accounts(config, names)


def write_atomic(path: str | Path, text: str) -> None:
    """Write a whole file or nothing: a temp file in the same folder, then rename."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def github_output(name: str, value: str) -> None:
    """Set a step output under GitHub Actions (``$GITHUB_OUTPUT``); nothing elsewhere."""
    path = os.environ.get("GITHUB_OUTPUT")
    if os.environ.get("GITHUB_ACTIONS") == "true" and path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"{name}={value}\n")
