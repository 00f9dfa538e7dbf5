"""``callfwd route-call``: ask the settings API where a call to a sender would go.

``POST /api/call-routes`` is the local settings API's (the vendor has no such
endpoint). The account is resolved as ``plan`` resolves it: from callfwd.yaml
(``--account NAME`` when it lists several), else ``CALLFWD_API_URL`` and
``CALLFWD_API_KEY``; the request goes through the one ``SettingsClient``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from reconciler.cli import common

if TYPE_CHECKING:
    from reconciler.config import AccountTarget, Config

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


async def route_call(target: AccountTarget, caller: str, to: str) -> dict[str, Any]:
    from reconciler.api.target import client_for

    async with client_for(target) as client:
        return await client.route_call(caller, to)


def describe(attrs: dict[str, Any]) -> str:
    head = f"call from {attrs.get('from')} to {attrs.get('to')}"
    if attrs.get("outcome") == "forwarded":
        return f"{head}: forwarded to {attrs.get('forwarded_to')}"
    return f"{head}: rings: {attrs.get('reason')}"


@click.command("route-call")
@click.option("--from", "caller", required=True, metavar="NUMBER", help="The caller's number.")
@click.option("--to", "to", required=True, metavar="NUMBER", help="The sender's number.")
@click.option(
    "--account", metavar="NAME", help="The account in callfwd.yaml (when it lists several)."
)
@common.config_option
def command(caller: str, to: str, account: str | None, config_path: str | None) -> None:
    """Show where a call to a sender goes: forwarded (to which number) or ringing (and why).

    Asks the local settings API of the account (callfwd.yaml, or CALLFWD_API_URL with
    the key in CALLFWD_API_KEY). Calls from Canadian area codes are never forwarded; a
    sender without forwarding rings.
    """
    import asyncio

    from reconciler.config import load_config, resolve_accounts

    config = load_config(config_path)
    name = pick_account(config, account)
    target = resolve_accounts(config, [name])[name]
    click.echo(describe(asyncio.run(route_call(target, caller, to))))
