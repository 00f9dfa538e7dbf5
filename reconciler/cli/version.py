"""``callfwd --version``: callfwd's version and the phonenumbers data that judges numbers.

validate's verdict on a number depends on phonenumbers' metadata, so the
version line names it too. Read only when ``--version`` is given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def version_text() -> str:
    from importlib import metadata

    from reconciler import __version__

    try:
        numbers = metadata.version("phonenumbers")
    except metadata.PackageNotFoundError:
        numbers = "missing"
    return f"callfwd, version {__version__} (phonenumbers {numbers})"


def _show(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from reconciler import output

    output.line(version_text())
    ctx.exit()


def version_option(f: F) -> F:
    return click.option(
        "--version",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_show,
        help="Show the version (and phonenumbers') and exit.",
    )(f)
