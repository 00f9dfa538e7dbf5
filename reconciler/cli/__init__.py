"""The ``callfwd`` command: thin click commands and one error handler.

Each subcommand lives in ``reconciler/cli/<name>.py`` and is imported
only when it runs (or when ``--help`` lists it), so ``callfwd --help`` and
``callfwd validate`` never pay for the HTTP client or the server.

Exit codes (documented in README):
    0   success (validate: valid; plan --detailed-exitcode: no changes)
    1   invalid manifests, a failed change, or any error the user can fix
    2   plan --detailed-exitcode: changes present
    3   apply: changes wait for a person in the vendor's UI (the API offers no write)
    64  usage error (bad flag or argument, a --config file that does not exist)
    70  internal error: a bug in callfwd (rerun with --debug for the traceback)
    130 interrupted
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import sys
from collections.abc import Sequence
from typing import Any

import click

from reconciler import output
from reconciler.cli.version import version_option

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_CHANGES = 2
EXIT_BY_HAND = 3
EXIT_USAGE = 64
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

# name -> module under reconciler.cli; each module defines ``command``.
COMMANDS: dict[str, str] = {
    "validate": "validate",
    "actor": "actor",
    "schema": "schema",
    "serve": "serve",
    "route-call": "route_call",
    "plan": "plan",
    "apply": "apply",
    "import": "import_",
    "accounts": "accounts",
    "report": "report",
    "show": "show",
    "init": "init",
}


class _LazyGroup(click.Group):
    """A group that imports a subcommand's module only when it is needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list, each with its whole first sentence (click cuts at ~45 columns)."""
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit=1_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        command: click.Command = importlib.import_module(
            f"reconciler.cli.{COMMANDS[cmd_name]}"
        ).command
        return command

    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any
    ) -> Any:
        """Run with callfwd's exit codes instead of click's (usage errors are 64, not 2)."""
        extra.pop("standalone_mode", None)
        code = run(self, args, prog_name or "callfwd", **extra)
        sys.exit(code)


_GLOBAL_FLAGS = re.compile(r"--debug|--verbose|-v+")


def hoist_global_flags(args: Sequence[str]) -> list[str]:
    """``callfwd plan -v`` as ``callfwd -v plan``: the logging flags work on either side.

    Only ``--debug``, ``--verbose`` and ``-v``/``-vv`` move, and nothing after ``--``.
    """
    args = list(args)
    end = args.index("--") if "--" in args else len(args)
    moved = [a for a in args[:end] if _GLOBAL_FLAGS.fullmatch(a)]
    rest = [a for a in args[:end] if not _GLOBAL_FLAGS.fullmatch(a)]
    return moved + rest + args[end:]


def run(group: click.Group, args: Sequence[str] | None, prog_name: str, **extra: Any) -> int:
    args = hoist_global_flags(sys.argv[1:] if args is None else args)
    debug = "--debug" in args
    try:
        rv = click.Group.main(group, args, prog_name, standalone_mode=False, **extra)
    except click.UsageError as exc:
        exc.show()
        return EXIT_USAGE
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        output.note("Interrupted.")
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return EXIT_FAILURE
    except Exception as exc:
        return _report(exc, debug=debug)
    return rv if isinstance(rv, int) else EXIT_OK


def _report(exc: Exception, *, debug: bool) -> int:
    """The one handler: a known error in clear lines (exit 1), else a bug (exit 70)."""
    from reconciler.config import ConfigFileError, ConfigNotFoundError
    from reconciler.errors import AccountsFailed, CallfwdError
    from reconciler.render.escape import terminal_lines
    from reconciler.secrets import scrub as hide

    def scrub(text: str) -> str:  # keys hidden, and nothing in the text obeyed by a terminal
        return terminal_lines(hide(text))

    if isinstance(exc, ConfigNotFoundError):
        output.error(scrub(str(exc)))
        return EXIT_USAGE
    if isinstance(exc, ConfigFileError):
        # one line per problem, as validate prints them, then what it adds up to
        n = len(exc.diagnostics)
        output.note(scrub(str(exc)))
        output.error(f"{n} problem{'s' if n != 1 else ''} in the configuration")
        return EXIT_FAILURE
    if isinstance(exc, AccountsFailed):
        from reconciler.render.apply import render_failures

        lines = [hide(line) for line in render_failures(exc.failures)]  # escaped already
        if exc.heading:
            output.error(f"{exc.heading}:" + "".join(f"\n  {line}" for line in lines))
        else:
            for line in lines:
                output.error(line)
    elif isinstance(exc, CallfwdError):
        output.error(scrub(str(exc)))
    else:
        output.note(
            f"internal error: {type(exc).__name__}: {scrub(str(exc))}\n"
            "This is a bug in callfwd. Rerun with --debug for the traceback and report it."
        )
    if debug:
        import traceback

        output.note(scrub(traceback.format_exc()).rstrip("\n"))
    return EXIT_FAILURE if isinstance(exc, CallfwdError) else EXIT_INTERNAL


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@version_option
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
    for handler in logging.getLogger().handlers:
        handler.setFormatter(_ShownFormatter("%(levelname)s %(name)s: %(message)s"))
    _notices_as_plain_lines()
    install_log_scrubber()


def _notices_as_plain_lines() -> None:
    """Retries and the like: bare lines on stderr (no level, no logger name)."""
    from reconciler.notice import notice_logger

    logger = notice_logger()
    handler = logging.StreamHandler()
    handler.setFormatter(_ShownFormatter("%(message)s"))
    logger.handlers[:] = [handler]
    logger.propagate = False


class _ShownFormatter(logging.Formatter):
    """Log lines whose characters a terminal shows, never obeys (a server's text may be in them)."""

    def format(self, record: logging.LogRecord) -> str:
        from reconciler.render.escape import terminal_lines

        return terminal_lines(super().format(record))


def main(argv: Sequence[str] | None = None) -> int:
    return run(cli, argv, "callfwd")
