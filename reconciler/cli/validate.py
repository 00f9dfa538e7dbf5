"""``callfwd validate``: check manifests and report every problem with its place."""

from __future__ import annotations

import click

from reconciler.cli import common, options


def _check_actor(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from reconciler.rules.owners import email_problem

    if (problem := email_problem(value)) is not None:
        raise click.BadParameter(f"{value!r} {problem}", ctx=ctx, param=param)
    return value


@click.command(name="validate")
@click.argument("paths", nargs=-1, metavar="[PATH]...", type=click.Path(exists=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github", "sarif"]),
    default=None,
    help="Output format (sarif: SARIF 2.1.0 for code scanning). "
    "Default: github when GITHUB_ACTIONS is true (GitHub Actions), else text.",
)
@click.option(
    "--actor",
    metavar="EMAIL",
    callback=_check_actor,
    help="Fail unless EMAIL is an owner with an allowed role of every manifest (for PR "
    "checks; with --base, of the owners on REF).",
)
@options.base_option
@common.config_option
def command(
    paths: tuple[str, ...],
    fmt: str | None,
    actor: str | None,
    base_ref: str | None,
    config_path: str | None,
) -> int:
    """Check manifests: structure, numbers, roles, duplicates.

    PATH is a manifest file or a directory (every *.yaml and *.yml below it);
    the default is the `manifests` list of callfwd.yaml, else manifests/.
    Exits 0 when valid (warnings allowed), 1 when any error is found.
    """
    from reconciler.config import load_config
    from reconciler.output import use_colour, write
    from reconciler.render.diagnostics import render
    from reconciler.rules.check import validate

    if fmt is None:
        from reconciler.output import under_github_actions

        fmt = "github" if under_github_actions() else "text"
    config = load_config(config_path)
    base = None
    if base_ref is not None:
        from pathlib import Path

        from reconciler.manifest.base import BaseRefError, open_base

        start = Path(config.source).resolve().parent if config.source else Path.cwd()
        try:
            base = open_base(base_ref, start, list(config.manifests))
        except BaseRefError as exc:
            raise click.UsageError(str(exc)) from exc
    result = validate(list(paths), actor=actor, config=config, base=base)
    if fmt == "sarif":
        from reconciler.render.sarif import render_sarif

        write(render_sarif(result))
    else:
        write(render(fmt, result, colour=use_colour()))
    return 0 if result.ok else 1
