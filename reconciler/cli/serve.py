"""``callfwd serve``: the local settings API (a stand-in for the vendor's service).

The server's own dependencies (FastAPI, uvicorn, Starlette) come with the
``callfwd[serve]`` extra and are imported only when the command runs; without
them it says how to get them and exits 1.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import click

from reconciler import output

DEFAULT_DB = Path(".callfwd") / "sandbox.db"
LOG_LEVELS = ("debug", "info", "warning", "error")
NEEDS_EXTRA = "callfwd serve needs the local server's dependencies: pip install 'callfwd[serve]'"
SERVER_PACKAGES = frozenset({"fastapi", "uvicorn", "starlette"})


def _seed_file(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    # A missing file is a usage error (exit 64), as a missing --config is.
    if value is not None and not value.is_file():
        why = "is a directory" if value.is_dir() else "seed file not found"
        raise click.BadParameter(f"{value}: {why}")
    return value


@contextlib.contextmanager
def _server_dependencies() -> Iterator[None]:
    """Around the server's imports: without FastAPI & co., say how to get them, exit 1."""
    try:
        yield
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] not in SERVER_PACKAGES:
            raise
        output.note(NEEDS_EXTRA)
        raise click.exceptions.Exit(1) from None


def _rate_limit(ctx: click.Context, param: click.Parameter, value: str | None) -> object:
    from reconciler.sandbox.ratelimit import VENDOR, parse_rate_limit

    try:
        return parse_rate_limit(VENDOR if value is None else value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _latency(ctx: click.Context, param: click.Parameter, value: str) -> float:
    from reconciler.sandbox.durations import parse_duration

    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8765,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on; 0 picks a free one (the ready line says which).",
)
@click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_DB,
    show_default=True,
    help="SQLite database file; created when missing, kept across restarts.",
)
@click.option(
    "--seed",
    type=click.Path(path_type=Path),
    callback=_seed_file,
    help="Replace the database's state with this seed file (accounts, users, senders).",
)
@click.option(
    "--rate-limit",
    "rate_limit",
    callback=_rate_limit,
    metavar="BURST/STEADY|vendor|off",
    help="Limit per account and endpoint, requests per second / per minute, for every "
    "endpoint [default: vendor, the vendor's published limits of each endpoint].",
)
@click.option(
    "--published-only",
    is_flag=True,
    help="Serve only what the vendor publishes: no PATCH, /api/me, audit events, call "
    "routes or ETags.",
)
@click.option(
    "--latency",
    default="0",
    callback=_latency,
    metavar="DURATION",
    help="Delay every answer this long (50ms, 0.05s) [default: 0].",
)
@click.option(
    "--us-territories",
    type=click.Choice(["deny", "allow"]),
    default="deny",
    show_default=True,
    help="Forwarding to PR, VI, GU, AS and MP numbers, as callfwd.yaml's "
    "numbers.us_territories (docs/rules.md CF310).",
)
@click.option("--admin", is_flag=True, help="Enable the sandbox-only /_sandbox/ endpoints.")
@click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS),
    default="info",
    show_default=True,
    help="info logs one line per request on stderr.",
)
@click.option("-q", "--quiet", is_flag=True, help="No request log (same as --log-level warning).")
@click.option("--stop-with-parent", is_flag=True, hidden=True, help="Stop when the parent dies.")
def command(
    host: str,
    port: int,
    db: Path,
    seed: Path | None,
    rate_limit: object,
    published_only: bool,
    latency: float,
    us_territories: str,
    admin: bool,
    log_level: str,
    quiet: bool,
    stop_with_parent: bool,
) -> None:
    """Run the local settings API: a stand-in for the vendor's service, not the service itself.

    It serves the text-messaging sender settings API under /api/ with state in a
    SQLite file. Prints one line on stdout once it accepts connections:
    "callfwd serve: listening on http://HOST:PORT". Stop it with Ctrl-C or SIGTERM.
    """
    with _server_dependencies():
        from reconciler.sandbox.app import create_app
        from reconciler.sandbox.server import bind, serve, url_of
    from reconciler.sandbox.ratelimit import RatePolicy
    from reconciler.sandbox.seed import load_seed
    from reconciler.sandbox.store import Store

    started = time.perf_counter()
    level = logging.WARNING if quiet else getattr(logging, log_level.upper())
    _configure_logging(level)
    loaded = load_seed(seed) if seed is not None else None  # a bad seed fails before binding
    sock = bind(host, port)
    if not _is_loopback(sock.getsockname()[0]):
        output.note(
            f"callfwd serve: warning: listening on {host}, reachable from other machines; "
            "this is a sandbox with sandbox-only keys, not a service to expose"
        )
    _keep_out_of_git(db)
    store = Store(db)
    try:
        if loaded is not None:
            counts = store.replace_all(loaded)
            output.note(
                f"callfwd serve: loaded {seed}: {counts['accounts']} account(s), "
                f"{counts['users']} user(s), {counts['senders']} sender(s)"
            )
        assert isinstance(rate_limit, RatePolicy)
        app = create_app(
            store,
            rate_limit=rate_limit,
            admin=admin,
            published_only=published_only,
            latency=latency,
            us_territories=us_territories == "allow",
        )
        url = url_of(sock)

        def ready() -> None:
            output.note(
                f"callfwd serve: database {db}; rate limit {rate_limit}; "
                f"{'published endpoints only' if published_only else 'with extensions'}; "
                f"latency {latency * 1000:g} ms; admin endpoints {'on' if admin else 'off'}; "
                f"ready in {(time.perf_counter() - started) * 1000:.0f} ms"
            )
            output.line(f"callfwd serve: listening on {url}")  # write() flushes

        serve(app, sock, on_ready=ready, stop_with_parent=stop_with_parent)
    finally:
        store.close()
    output.note("callfwd serve: stopped")


def _is_loopback(address: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


def _configure_logging(level: int) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    for name in ("callfwd", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level if name == "callfwd" else max(level, logging.WARNING))
        logger.propagate = False


def _keep_out_of_git(db: Path) -> None:
    """State under ``.callfwd/`` gets a ``.gitignore`` of its own: never committed by mistake."""
    folder = db.parent
    if folder.name != ".callfwd":
        return
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# callfwd serve's local state: never commit it\n*\n", encoding="utf-8")
