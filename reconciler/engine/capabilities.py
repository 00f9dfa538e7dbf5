"""What one settings API offers beyond the vendor's published reads, learned once a run.

``/api/me`` (who the key is) and the forwarding write are the local API's
extensions; the vendor publishes neither. One ``Capabilities`` serves every
account on one API for the whole run (``engine.session``): the first account
that needs to know asks, the others wait for its answer, so the write probe
is sent once per API and run, whether the run plans, applies or both.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reconciler.api.client import SettingsClient
    from reconciler.api.models import Me


class Capabilities:
    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._me: bool | None = None
        self._write: bool | None = None

    async def me(self, client: SettingsClient) -> Me | None:
        """The key's user, where the API says who it is (asked of this client's key)."""
        if self._me is False:
            return None
        if self._me is None:
            async with self._lock:
                if self._me is None:
                    me = await client.get_me()
                    self._me = me is not None
                    return me
            if self._me is False:
                return None
        return await client.get_me()

    async def write(self, client: SettingsClient, sender_id: str) -> bool:
        """Whether the API offers the forwarding write (an ``OPTIONS`` probe, once)."""
        if self._write is None:
            async with self._lock:
                if self._write is None:
                    self._write = await client.offers_write(sender_id)
        return self._write
