"""The key check every command makes before any other call, and what may stop a write.

``check_key`` reads the key's account (``GET /api/accounts``) and refuses a
key of another account. Its failures say what to change and where: a key of
another id suggests the ``account_id:`` lines to write, an https URL at a
plain-http server and an answer from some other web server name the
``api_url`` that is probably wrong, with its place in callfwd.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from reconciler.domain.roles import WRITE_SCOPE, allowed_list, may_configure
from reconciler.errors import ApiError, AuthError, TransportError

if TYPE_CHECKING:
    from reconciler.api.client import SettingsClient
    from reconciler.api.models import Me
    from reconciler.config import AccountTarget, Config
    from reconciler.engine.capabilities import Capabilities

ACCOUNTS_SCOPE = "accounts:read"
NO_WRITE = (
    "the settings API at {url} offers no way to change forwarding numbers (the vendor "
    "publishes reads only): the changes are made by a person in the vendor's UI. "
    "`callfwd apply` on a terminal guides you through each one and checks it in the API; "
    "`callfwd plan --format checklist` lists them"
)


@dataclass(frozen=True, slots=True)
class Origins:
    """Where one account's settings come from, for messages that name the fix."""

    config: str = "callfwd.yaml"  # the configuration file's name
    account: str | None = None  # file:line of the account under accounts:, if listed
    api_url: str = "as configured"  # where the api_url in use was set, in words
    account_id: str | None = None  # file:line of a configured account_id


def origins_in(config: Config, name: str) -> Origins:
    """Where ``name``'s settings come from in ``config`` (or the environment)."""
    from reconciler.config import URL_ENV

    acct = config.accounts.get(name)
    if acct is not None and acct.api_url is not None:
        url = f"set at {config.where('accounts', name, 'api_url')}"
    elif config.defaults.api_url is not None:
        url = f"set at {config.where('defaults', 'api_url')}"
    else:
        url = f"from {URL_ENV}"
    return Origins(
        config=config.name,
        account=config.where("accounts", name) if acct is not None else None,
        api_url=url,
        account_id=(
            config.where("accounts", name, "account_id")
            if acct is not None and acct.account_id is not None
            else None
        ),
    )


@dataclass
class Preflight:
    """The key checked for one account; who its user is, once asked (``asked_me``)."""

    account: str
    me: Me | None = None  # the key's user, where the API says who it is
    asked_me: bool = False
    vendor_name: str | None = None  # the account's name at the vendor (GET /api/accounts)

    @property
    def refusals(self) -> list[str]:
        return write_refusals(self.me)

    async def learn_me(self, client: SettingsClient, caps: Capabilities) -> None:
        if not self.asked_me:
            self.me = await caps.me(client)
            self.asked_me = True


def write_refusals(me: Me | None) -> list[str]:
    """Why this key could not apply a plan, if it could not (empty when it can)."""
    if me is None:
        return []  # the API does not say who the key is: nothing to check up front
    out = []
    if not may_configure(me.role):
        out.append(
            f"the key's user {me.email} has role {me.role}, which may not configure call "
            f"forwarding (allowed: {allowed_list()}); apply with this key would be refused"
        )
    if WRITE_SCOPE not in me.scopes:
        out.append(f"the key lacks the {WRITE_SCOPE} scope; apply with this key would be refused")
    return out


async def check_key(
    client: SettingsClient, target: AccountTarget, origins: Origins = Origins()
) -> Preflight:
    """Check that the key belongs to the target's account (one ``GET /api/accounts``)."""
    name = target.name
    try:
        acct = await client.get_account()
    except AuthError as exc:
        if exc.status != 403:
            raise
        raise AuthError(
            f"the key in {target.api_key_env} may not read its account "
            f"(GET /api/accounts answered 403); callfwd checks every key's account before "
            f"any work and needs the {ACCOUNTS_SCOPE} scope for it: add that scope to the key",
            status=403,
            code=exc.code,
            account=name,
        ) from exc
    except TransportError as exc:
        if not exc.plain_http:
            raise
        plain = httpx.URL(target.api_url).copy_with(scheme="http")
        raise TransportError(
            f"{exc.message}; api_url probably should be {plain} ({origins.api_url})",
            account=name,
            plain_http=True,
        ) from exc
    except ApiError as exc:
        if not exc.foreign:
            raise
        raise ApiError(
            f"{exc.message}; api_url probably points at another web server, not a settings "
            f"API ({target.api_url}, {origins.api_url})",
            status=exc.status,
            code=exc.code,
            account=name,
            foreign=True,
        ) from exc
    if acct.id != target.account_id:
        raise AuthError(_other_account(target, acct.id, origins), account=name)
    return Preflight(account=name, vendor_name=acct.name)


def _other_account(target: AccountTarget, found: str, origins: Origins) -> str:
    """Why the key is refused; ``found`` (the server's id) is shown as server text is."""
    from reconciler.api.errors import echo
    from reconciler.config.model import ACCOUNT_ID

    name, expected, env = target.name, target.account_id, target.api_key_env
    shown = expected if expected == name else f"{expected} ({name})"
    said = (
        f"the API key in {env} belongs to account {echo(found)}, not {shown}; "
        f"refusing to plan or apply {name} with another account's key"
    )
    if not ACCOUNT_ID.fullmatch(found) or echo(found) != found:
        # not an id callfwd.yaml can name, or part of it is hidden as a key's: no lines to copy
        return f"{said} (the server's account id is none callfwd.yaml could name)"
    if expected != name:
        where = f" ({origins.account_id})" if origins.account_id else ""
        return f"{said}: check that {env} holds {name}'s key, or correct its account_id{where}"
    place = f"its entry at {origins.account}" if origins.account else origins.config
    return (
        f"{said}. If it is {name}'s key and {found} is that account's id at the vendor, "
        f"write the id in {place}:\n"
        f"    accounts:\n      {name}:\n        account_id: {found}"
    )
