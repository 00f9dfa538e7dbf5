"""``callfwd route-call``: where a call to a sender goes, from what the API publishes.

The sender is read with the published senders list and the vendor's rule is
applied locally (``domain.routing``), so it answers against the vendor as
against the local API. The account is resolved as ``plan`` resolves it: from
callfwd.yaml (``--account NAME`` when it lists several), else
``CALLFWD_API_URL`` and ``CALLFWD_API_KEY``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from reconciler.cli import common, options

if TYPE_CHECKING:
    from reconciler.config import Config
    from reconciler.domain.routing import Route

ENV_ACCOUNT = "default"  # the name of the one account CALLFWD_API_URL/KEY serve


def pick_account(config: Config, account: str | None) -> str:
    """The account to ask: ``--account``, else the only one callfwd.yaml lists."""
    if account is not None or not config.accounts:
        return account or ENV_ACCOUNT
    if len(config.accounts) == 1:
        return next(iter(config.accounts))
    raise click.UsageError(
        f"{config.name} lists {len(config.accounts)} accounts "
        f"({', '.join(sorted(config.accounts))}): pick one with --account NAME"
    )


def describe(caller: str, to: str, route: Route) -> str:
    head = f"call from {caller} to {to}"
    if route.forwarded_to:
        return f"{head}: forwarded to {route.forwarded_to}"
    return f"{head}: rings: {route.reason}"


def _caller(raw: str) -> tuple[str, str | None]:
    from reconciler.domain import numbers

    found = numbers.caller_region(raw)
    if found.e164 is None:
        raise click.BadParameter(found.message, param_hint="--from")
    return found.e164, found.region


def _sender(raw: str) -> str:
    from reconciler.domain import numbers

    number = raw.strip() if numbers.is_short_code(raw) else numbers.normalise(raw)
    if number is None:
        raise click.BadParameter(f"{raw!r} is not a phone number or short code", param_hint="--to")
    return number


@click.command("route-call")
@click.option("--from", "caller", required=True, metavar="NUMBER", help="The caller's number.")
@click.option("--to", "to", required=True, metavar="NUMBER", help="The sender's number.")
@click.option(
    "--account", metavar="NAME", help="The account in callfwd.yaml (when it lists several)."
)
@common.config_option
@options.trusted_config_option
def command(
    caller: str,
    to: str,
    account: str | None,
    config_path: str | None,
    trusted_config_path: str | None,
) -> None:
    """Show where a call to a sender goes: forwarded (to which number) or ringing (and why).

    Reads the sender from the account's settings API (callfwd.yaml, or CALLFWD_API_URL
    with the key in CALLFWD_API_KEY) and applies the vendor's rule: calls from Canadian
    area codes are never forwarded; a sender without forwarding rings.
    """
    from reconciler import output
    from reconciler.engine.calls import route_call
    from reconciler.engine.session import run

    _, trusted = common.load_config_pair(config_path, trusted_config_path)
    config = trusted.config  # the accounts a key may be sent for, and where
    name = pick_account(config, account)
    (caller_e164, region), sender = _caller(caller), _sender(to)
    targets = common.resolve_targets(trusted, [name])
    listed = name in config.accounts  # else the environment's key: its own account
    route = run(
        targets,
        lambda session: route_call(
            session, name, caller_region=region, to=sender, check_key=listed
        ),
        config=config,
    )
    output.line(describe(caller_e164, sender, route))
