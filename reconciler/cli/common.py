"""What plan, apply and import share: config, validation, accounts, files, problems shown.

Every command that sends a key loads callfwd.yaml with ``load_config_pair``
(``--config`` and ``--trusted-config``): the working tree's file says where the
manifests are; the trusted view (``TrustedConfig``) is the only thing targets
are built from (``resolve_targets``, ``plan_scope``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from reconciler import output

if TYPE_CHECKING:
    from reconciler.config import AccountTarget, Config, TrustedConfig
    from reconciler.domain.state import Forwarding
    from reconciler.engine.planner import Desired, PlanResult
    from reconciler.errors import AccountFailure
    from reconciler.plan.model import Plan


def load_desired(paths: Sequence[str], config: Config) -> Desired | None:
    """Validate the whole configured manifest set; print diagnostics, None if invalid.

    PATHs only narrow which declared senders are planned: duplicates and prune
    always see every manifest of ``callfwd.yaml``'s ``manifests:``, so planning
    one file never deletes what another declares. PATHs outside that set are
    validated with it, and prune is off for the run.
    """
    from reconciler.engine.planner import Desired
    from reconciler.manifest.discovery import discover
    from reconciler.render.diagnostics import render_text
    from reconciler.rules.check import validate

    configured = list(config.manifests)
    if config.source is None and paths:
        configured = list(paths)  # no callfwd.yaml: the PATHs are the whole set
    result = validate(configured + [p for p in paths if p not in configured], config=config)
    if result.diagnostics:
        output.write(render_text(result, colour=output.use_colour(stdout=False)), stdout=False)
    if not result.ok:
        output.note("Fix the manifest errors above, then plan again.")
        return None
    forwardings = list(result.forwardings)
    manifests: dict[str, list[str]] = {}
    for pm in result.manifests:
        if pm.account is not None:
            manifests.setdefault(pm.account, []).append(pm.path)
    declared: dict[str, set[str]] = {}
    for f in forwardings:
        declared.setdefault(f.account, set()).add(f.sender)
    outside = False
    if paths:
        in_set = {_abs(s.display) for s in discover(configured, config)[0]}
        given = {_abs(s.display) for s in discover(list(paths), config)[0]}
        outside = bool(given - in_set)
        forwardings = [f for f in forwardings if _abs(f.position.path) in given]
    return Desired(
        forwardings=tuple(forwardings),
        declared={a: frozenset(s) for a, s in declared.items()},
        prune=not outside,
        manifests={a: tuple(m) for a, m in manifests.items()},
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


def plan_or_report(result: PlanResult) -> Plan | None:
    """The plan, or None after printing every reason there is none."""
    from reconciler.render.diagnostics import render_diagnostics_text

    if result.diagnostics:
        colour = output.use_colour(stdout=False)
        output.write(render_diagnostics_text(result.diagnostics, colour=colour), stdout=False)
    show_failures(result.failures)
    return result.plan if result.ok else None


def show_failures(failures: Sequence[AccountFailure]) -> None:
    """``error: account NAME: ...``, one line per distinct problem."""
    from reconciler.render.apply import render_failures

    for line in render_failures(failures):
        output.error(line)


def _jobs_retired(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value is not None:
        output.note(
            "note: --jobs no longer does anything: one process plans every account at once "
            "(the option is accepted so existing workflows keep working)"
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
# Accepted so that existing workflows keep working; one process plans every account.
jobs_option = click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    hidden=True,
    expose_value=False,
    callback=_jobs_retired,
)


def load_config_pair(
    config_path: str | None, trusted_path: str | None
) -> tuple[Config, TrustedConfig]:
    """The working tree's callfwd.yaml (manifests, desired state) and the trusted view
    (where keys go): ``--config`` and ``--trusted-config``."""
    from reconciler.config import load_trusted

    return load_trusted(config_path, trusted_path)


def resolve_targets(trusted: TrustedConfig, names: Sequence[str]) -> dict[str, AccountTarget]:
    """Targets for ``names``, from the trusted view only (an added account is an error)."""
    from reconciler.config import resolve_accounts

    return resolve_accounts(trusted, names)


def plan_scope(
    trusted: TrustedConfig, names: Sequence[str]
) -> tuple[dict[str, AccountTarget], list[str]]:
    """(targets of the accounts to plan, accounts the change adds: validated, not planned)."""
    plan_names, added = trusted.plannable(names)
    return resolve_targets(trusted, plan_names), added


def saved_scope(plan: Plan, trusted: TrustedConfig) -> tuple[Plan, dict[str, AccountTarget]]:
    """A saved plan's accounts that can be applied, and their targets.

    An account whose plan says it was not planned (CF525: added by the change it was
    planned for) has nothing to apply and is left out; so is one the trusted view
    says a change adds, unless its plan changes something: then the whole plan is
    refused, since no key may go where only the working tree's callfwd.yaml says.
    """
    from dataclasses import replace

    from reconciler.errors import PlanFileError

    kept = [a for a in plan.accounts if a.planned]
    plan_names, added = trusted.plannable(a.account for a in kept)
    if refused := [a.account for a in kept if a.account in added and a.changes]:
        raise PlanFileError(
            f"the plan changes account {', '.join(refused)}, which only the working tree's "
            f"callfwd.yaml lists, not the trusted {trusted.config.name}: nothing was applied; "
            "plan again with the same --trusted-config"
        )
    kept = [a for a in kept if a.account in plan_names]
    return replace(plan, accounts=tuple(kept)), resolve_targets(trusted, plan_names)


def read_plan_file(path: str | None, config: Config) -> Plan | None:
    """A saved plan the operator named (``--plan``, ``--since``; None: none named): anywhere
    outside the repository of ``config``, but never through a link inside it that leads out."""
    from reconciler.manifest.paths import repository_root
    from reconciler.plan.saved import read_saved_plan

    return read_saved_plan(path, root=repository_root(config.source)) if path else None


def split_changed(
    names: Sequence[str], desired: Desired, ref: str, paths: Sequence[str], config: Config
) -> tuple[list[str], list[str]]:
    """``names`` split into (changed since ``ref``, unchanged), as ``accounts`` marks them."""
    from reconciler.engine.inventory import changes_since

    changes = changes_since(ref, paths, config)
    changed = [n for n in names if changes.account_changed(n, desired.manifests.get(n, ()))]
    return changed, [n for n in names if n not in changed]
