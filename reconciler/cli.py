"""The ``callfwd`` command: thin click commands and one error handler.

Each subcommand lives in ``reconciler/commands/<name>.py`` and is imported
only when it runs (or when ``--help`` lists it), so ``callfwd --help`` and
``callfwd validate`` never pay for the HTTP client or the server.

Exit codes (documented in README):
    0   success (validate: valid; plan --detailed-exitcode: no changes)
    1   invalid manifests, a failed change, or any error the user can fix
    2   plan --detailed-exitcode: changes present
    64  usage error (bad flag or argument)
    70  internal error: a bug in callfwd (rerun with --debug for the traceback)
    130 interrupted
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from reconciler import __version__

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_CHANGES = 2
EXIT_USAGE = 64
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

# name -> module under reconciler.commands; each module defines ``command``.
COMMANDS: dict[str, str] = {
    "validate": "validate",
    "schema": "schema",
    "serve": "serve",
    "route-call": "route_call",
    "plan": "plan",
    "apply": "apply",
    "import": "import_",
    "accounts": "accounts",
}


class _LazyGroup(click.Group):
    """A group that imports a subcommand's module only when it is needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(n for n in COMMANDS if self._module(n) is not None)

    def _module(self, name: str) -> Any:
        try:
            return importlib.import_module(f"reconciler.commands.{COMMANDS[name]}")
        except ModuleNotFoundError as exc:
            if exc.name == f"reconciler.commands.{COMMANDS[name]}":
                return None  # not built yet
            raise

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = self._module(cmd_name)
        return None if module is None else module.command

    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any
    ) -> Any:
        """Run with callfwd's exit codes instead of click's (usage errors are 64, not 2)."""
        extra.pop("standalone_mode", None)
        code = run(self, args, prog_name or "callfwd", **extra)
        sys.exit(code)


def run(group: click.Group, args: Sequence[str] | None, prog_name: str, **extra: Any) -> int:
    debug = "--debug" in (sys.argv[1:] if args is None else list(args))
    try:
        rv = click.Group.main(group, args, prog_name, standalone_mode=False, **extra)
    except click.UsageError as exc:
        exc.show()
        return EXIT_USAGE
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        click.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return EXIT_FAILURE
    except Exception as exc:
        from reconciler.errors import CallfwdError
        from reconciler.secrets import scrub

        if isinstance(exc, CallfwdError):
            click.echo(f"error: {scrub(str(exc))}", err=True)
            if debug:
                _print_traceback()
            return EXIT_FAILURE
        click.echo(
            f"internal error: {type(exc).__name__}: {scrub(str(exc))}\n"
            "This is a bug in callfwd. Rerun with --debug for the traceback and report it.",
            err=True,
        )
        if debug:
            _print_traceback()
        return EXIT_INTERNAL
    return rv if isinstance(rv, int) else EXIT_OK


def _print_traceback() -> None:
    import traceback

    from reconciler.secrets import scrub

    click.echo(scrub(traceback.format_exc()), err=True)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="callfwd")
@click.option("--debug", is_flag=True, help="Debug logging and tracebacks for internal errors.")
@click.option("-v", "--verbose", count=True, help="More logging on stderr (-v info, -vv debug).")
def cli(debug: bool, verbose: int) -> None:
    """Call forwarding for US toll-free SMS senders, as code.

    Declare each sender's forwarding number in YAML manifests, then
    validate, plan and apply them against the settings API.
    """
    level = logging.WARNING
    if verbose == 1:
        level = logging.INFO
    if debug or verbose >= 2 or os.environ.get("CALLFWD_DEBUG"):
        level = logging.DEBUG
    from reconciler.secrets import install_log_scrubber

    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)
    install_log_scrubber()


def main(argv: Sequence[str] | None = None) -> int:
    return run(cli, argv, "callfwd")
