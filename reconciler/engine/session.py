"""One command's run against the settings APIs: one event loop, and one of each shared thing.

Each command calls ``run`` once (one ``asyncio.run``); everything that talks
to an API happens inside it, against one ``Session``:

    report = run(targets, lambda session: apply(session, plan, options), config=config)

    async with Session(targets, config=config) as session:   # inside a coroutine
        result = await plan(session, desired)
        report = await apply(session, result.plan, options)

For the whole run a session holds:

- one ``httpx.AsyncClient`` per API origin (``reconciler.api.http``), closed
  when the session ends; an injected ``transport`` goes into each of them;
- one ``SettingsClient`` per account, over its origin's AsyncClient, with the
  account's pacers (one per endpoint): for a known API (``published`` or
  ``extended``) they start at the published limits (``reconciler.api.limits``),
  for an unknown one what the plan's reads taught holds for apply's writes;
- one ``Capabilities`` per API and face (``api:``): nothing asked of a known
  API, the write probe sent at most once per run to an unknown one;
- each account's key check (``check_keys``), made at most once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from reconciler.api.http import CONNECTIONS, open_http, origin_of
from reconciler.api.pacing import EndpointPacers
from reconciler.api.target import client_for, retry_policy
from reconciler.engine.capabilities import Capabilities
from reconciler.engine.fanout import each_account
from reconciler.engine.preflight import Origins, Preflight, check_key, origins_in

if TYPE_CHECKING:
    import httpx

    from reconciler.api.client import SettingsClient
    from reconciler.api.models import Me
    from reconciler.api.retry import RetryPolicy
    from reconciler.config import AccountTarget, ApiMode, Config, RetryConfig
    from reconciler.errors import AccountFailure

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class WriteCheck:
    """What apply would meet on one account: the key's refusals, and whether the API writes."""

    refusals: list[str]
    offers_write: bool


class Session:
    def __init__(
        self,
        targets: Mapping[str, AccountTarget],
        *,
        config: Config | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        connections: int = CONNECTIONS,
    ) -> None:
        self.targets = dict(targets)
        self._config = config
        self._transport = transport
        self._connections = connections
        self._http: dict[str, httpx.AsyncClient] = {}
        self._clients: dict[str, SettingsClient] = {}
        self._pacers: dict[str, EndpointPacers] = {}
        self._caps: dict[tuple[str, str], Capabilities] = {}
        self._checked: dict[str, Preflight] = {}
        self._retry: dict[RetryConfig, RetryPolicy] = {}  # one policy (one RNG) per setting

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        http, self._http, self._clients = self._http, {}, {}
        for client in http.values():
            await client.aclose()

    # -- what the session shares -------------------------------------------------------

    def client(self, name: str) -> SettingsClient:
        """The account's one client: its key, its pacers, its origin's connections."""
        client = self._clients.get(name)
        if client is None:
            target = self.targets[name]
            origin = origin_of(target.api_url)
            http = self._http.get(origin)
            if http is None:
                http = self._http[origin] = open_http(
                    connections=self._connections, transport=self._transport
                )
            retry = self._retry.get(target.retry)
            if retry is None:
                retry = self._retry[target.retry] = retry_policy(target.retry)
            client = self._clients[name] = client_for(
                target, http=http, pacer=self.pacers(name), retry=retry
            )
        return client

    def pacers(self, name: str) -> EndpointPacers:
        """The account's pacers, one per endpoint (the vendor limits each on its own).

        A known API's pacers start at the published limits; an unknown one's learn them.
        """
        pacers = self._pacers.get(name)
        if pacers is None:
            known = self.mode(name) != "auto"
            pacers = self._pacers[name] = EndpointPacers(known=known)
        return pacers

    def mode(self, name: str) -> ApiMode:
        """The face of the account's API: ``published``, ``extended`` or ``auto``."""
        return self.targets[name].api or "auto"

    def capabilities(self, name: str) -> Capabilities:
        """What the account's API offers: known from its face, or learned once per API and run."""
        key = (self.targets[name].api_url.rstrip("/"), self.mode(name))
        caps = self._caps.get(key)
        if caps is None:
            caps = self._caps[key] = Capabilities(self.mode(name))
        return caps

    def origins(self, name: str) -> Origins:
        return Origins() if self._config is None else origins_in(self._config, name)

    # -- the key check -----------------------------------------------------------------

    async def check_keys(self, names: Iterable[str]) -> list[AccountFailure]:
        """Check every named account's key (those not checked yet in this run), all at once.

        Returns one failure per key that does not belong to its account (or could not
        be checked); the others are remembered (``preflight``).
        """

        todo = [n for n in sorted(set(names)) if n not in self._checked]
        _done, failures = await each_account(todo, self.checked_client)
        return failures

    async def checked_client(self, name: str) -> SettingsClient:
        """The account's client, its key checked first (once a run); raises if it fails."""
        if name not in self._checked:
            target = self.targets[name]
            self._checked[name] = await check_key(self.client(name), target, self.origins(name))
        return self.client(name)

    def preflight(self, name: str) -> Preflight:
        """The account's key check; ``check_keys`` must have passed it."""
        return self._checked[name]

    async def me(self, name: str) -> Me | None:
        """The key's user where the account's API says who it is (asked at most once)."""
        pre = self.preflight(name)
        await pre.learn_me(self.client(name), self.capabilities(name))
        return pre.me

    async def write_check(self, name: str, sender_ids: Iterable[str]) -> WriteCheck:
        """Whether apply could write to the account: asks the API at most once each.

        The write probe (``auto`` APIs) asks about the first of ``sender_ids`` that can
        be a URL path segment; with none, nothing is asked (no change could be sent
        anyway: each fails on its own id) and the write is not taken as refused.
        """
        from reconciler.api.models import id_problem

        client, pre, caps = self.client(name), self.preflight(name), self.capabilities(name)
        await pre.learn_me(client, caps)
        probe = next((i for i in sender_ids if id_problem(i) is None), None)
        offers = True if probe is None else await caps.write(client, probe)
        return WriteCheck(pre.refusals, offers)


def run(
    targets: Mapping[str, AccountTarget],
    work: Callable[[Session], Awaitable[T]],
    *,
    config: Config | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> T:
    """``work`` in a session of ``targets``, in one event loop of its own."""

    async def main() -> T:
        async with Session(targets, config=config, transport=transport) as session:
            return await work(session)

    return asyncio.run(main())
