"""What one settings API offers beyond the vendor's published reads: known, or learned once.

``/api/me`` (who the key is) and the forwarding write are the local API's
extensions; the vendor publishes neither. Which face an account's API has is
configuration (``api:`` in callfwd.yaml, ``AccountTarget.api``):

    published   the vendor's published API: reads only. Nothing is asked: no
                ``/api/me``, no ``OPTIONS`` probe; there is no write.
    extended    the local API with its extensions: ``/api/me`` is read, the
                write is there; nothing is probed.
    auto        an unknown server: ``/api/me`` and the write probe are asked,
                and an error answer means "not offered" (a server that
                answers an unknown route with 400, 401, 403 or 404 offers
                nothing more; it does not fail the run). A server error or a
                rate limit that outlasts the retries says nothing about what
                the API offers: it fails the account as any read does, and
                the question is asked again by the next account that needs it.

One ``Capabilities`` serves every account on one API for the whole run
(``engine.session``): the first account that needs to know asks, the others
wait for its answer, so the write probe is sent at most once per API and run.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from reconciler.errors import ApiError, RateLimited, ServerError

if TYPE_CHECKING:
    from reconciler.api.client import SettingsClient
    from reconciler.api.models import Me
    from reconciler.config import ApiMode

log = logging.getLogger(__name__)


class Capabilities:
    def __init__(self, mode: ApiMode = "auto") -> None:
        self.mode = mode
        self._lock = asyncio.Lock()
        self._me: bool | None = None if mode != "published" else False
        self._write: bool | None = {"published": False, "extended": True}.get(mode)

    async def me(self, client: SettingsClient) -> Me | None:
        """The key's user, where the API says who it is (asked of this client's key)."""
        if self._me is False:
            return None
        if self._me is None:
            async with self._lock:
                if self._me is None:
                    me = await self._ask_me(client)
                    self._me = me is not None
                    return me
            if self._me is False:
                return None
        return await self._ask_me(client)

    async def write(self, client: SettingsClient, sender_id: str) -> bool:
        """Whether the API offers the forwarding write (``auto``: an ``OPTIONS`` probe, once)."""
        if self._write is None:
            async with self._lock:
                if self._write is None:
                    self._write = await self._probe_write(client, sender_id)
        return self._write

    async def _ask_me(self, client: SettingsClient) -> Me | None:
        if self.mode == "extended":
            return await client.get_me()
        try:
            return await client.get_me()
        except ApiError as exc:
            if _not_now(exc):
                raise
            log.info("GET /api/me answered %s: taken as not offered", exc.status or "no JSON")
            return None

    async def _probe_write(self, client: SettingsClient, sender_id: str) -> bool:
        try:
            return await client.offers_write(sender_id)
        except ApiError as exc:
            if _not_now(exc):
                raise
            log.info("the write probe was answered %s: no write offered", exc.status or "no JSON")
            return False


def _not_now(exc: ApiError) -> bool:
    """An error that says "not now" (5xx, 429 after the retries), not "not offered"."""
    return isinstance(exc, ServerError | RateLimited)
