"""Where a call to a sender goes, from the published reads (``callfwd route-call``).

The sender is read as the vendor publishes it (the senders list), and the
vendor's rule is applied here (``domain.routing``): so the answer is the same
against the vendor, ``callfwd serve --published-only`` and the local API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.domain import routing
from reconciler.engine.fanout import one_account
from reconciler.errors import CallfwdError

if TYPE_CHECKING:
    from reconciler.engine.session import Session


async def route_call(
    session: Session, name: str, *, caller_region: str | None, to: str, check_key: bool = True
) -> routing.Route:
    """The route of a call from ``caller_region`` to ``to`` (E.164), a sender of ``name``.

    ``check_key``: first check that the key is the account's (off when the account
    is only the environment's key: then the key's own account is the one asked).
    """

    async def find(name: str) -> routing.Route:
        client = await session.checked_client(name) if check_key else session.client(name)
        senders = [s for s in await client.list_senders() if s.number == to]
        if not senders:
            raise CallfwdError(f"no sender of this account has the number {to}")
        sender = next((s for s in senders if s.country == "US"), senders[0])
        return routing.route_call(
            caller_region=caller_region,
            sender=sender.number,
            sender_type=sender.type,
            country=sender.country,
            forwarding_number=sender.forwarding_number,
        )

    return await one_account(name, find)
