"""The vendor's UI as far as tests need it: a person sets, edits or removes a forwarding number.

The vendor's published API has no write: every change is made by a person in the
UI (Settings → SMS → Sender preferences → Call forwarding). This sandbox-only
route does what that page does, so a test (or ``make demo``) can play the person
while the server serves only the published API (``--published-only --admin``):

    PUT /_sandbox/ui/senders/{sender_id}/forwarding   {"forwarding_number": "+1…" | null}

The number goes through the same rules as the API's write (``forwarding``); the
change is recorded in the audit log with ``by: ui`` and no key. Mounted with the
other admin routes (``--admin``); not rate-limited, never faulted.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import JSONResponse, Response

from reconciler.sandbox.auth import sandbox_of
from reconciler.sandbox.bodies import read_json, safe_text, string_attribute
from reconciler.sandbox.forwarding import checked_forwarding
from reconciler.sandbox.jsonapi import ApiProblem

router = APIRouter(prefix="/_sandbox/ui", include_in_schema=False)
NO_KEY = "-"  # the audit log's key id for a change made in the UI: no API key was used


@router.put("/senders/{sender_id}/forwarding")
async def set_forwarding(
    request: Request, sender_id: Annotated[str, Path(max_length=200)]
) -> Response:
    body = await read_json(request)
    if not isinstance(body, dict) or set(body) != {"forwarding_number"}:
        raise ApiProblem(
            400,
            "invalid",
            'Send {"forwarding_number": "+1…"} to set or edit it, '
            '{"forwarding_number": null} to remove it.',
        )
    # The body is not JSON:API; its one attribute is read as the PATCH reads its own.
    raw = string_attribute(body, "forwarding_number", nullable=True)
    store = sandbox_of(request).store
    sender = store.sender_by_id(sender_id)
    if sender is None:
        raise ApiProblem(404, "not_found", f"No sender with id {safe_text(sender_id)!r}.")
    new = None
    if raw is not None:
        us_territories = sandbox_of(request).us_territories
        new = checked_forwarding(store, sender, raw, us_territories=us_territories)
    updated, event = store.set_forwarding(
        sender, new, key_id=NO_KEY, requested=safe_text(raw), by="ui"
    )
    return JSONResponse(
        {"account": updated.account_id, "sender": updated.view(), "outcome": event.outcome}
    )
