"""``callfwd route-call``: ask the settings API where a call to a sender would go.

Talks to ``POST /api/call-routes`` of the server named by ``CALLFWD_API_URL``
(the local settings API; the vendor has no such endpoint) with the key in
``CALLFWD_API_KEY``. Deliberately minimal HTTP: one request, no retries.
"""

from __future__ import annotations

from typing import Any

import click

REVISION = "2026-10-15"
MEDIA_TYPE = "application/vnd.api+json"


def _error_detail(response: Any) -> str:
    try:
        first = response.json()["errors"][0]
        return str(first.get("detail") or first.get("title"))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return response.reason_phrase or "no detail"


def route_call(base_url: str, key: str, caller: str, to: str) -> dict[str, Any]:
    """The call-route attributes the API answers; raises CallfwdError subclasses."""
    import httpx

    from reconciler.errors import ApiError, AuthError, ConfigError, TransportError

    url = base_url.rstrip("/") + "/api/call-routes"
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"CALLFWD_API_URL must be an http(s) URL, not {base_url!r}")
    body = {"data": {"type": "call-route", "attributes": {"from": caller, "to": to}}}
    headers = {
        "Authorization": f"Klaviyo-API-Key {key}",
        "revision": REVISION,
        "Content-Type": MEDIA_TYPE,
        "Accept": MEDIA_TYPE,
    }
    try:
        response = httpx.post(url, json=body, headers=headers, timeout=10.0)
    except httpx.HTTPError as exc:
        raise TransportError(f"cannot reach {url}: {type(exc).__name__}: {exc}") from None
    if response.status_code in (401, 403):
        raise AuthError(
            f"the API refused the key ({response.status_code}): {_error_detail(response)}",
            status=response.status_code,
        )
    if response.status_code != 200:
        raise ApiError(
            f"the API answered {response.status_code}: {_error_detail(response)}",
            status=response.status_code,
        )
    try:
        attributes: dict[str, Any] = response.json()["data"]["attributes"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ApiError(f"the API's answer is not a call-route document ({exc})") from None
    return attributes


def describe(attrs: dict[str, Any]) -> str:
    head = f"call from {attrs.get('from')} to {attrs.get('to')}"
    if attrs.get("outcome") == "forwarded":
        return f"{head}: forwarded to {attrs.get('forwarded_to')}"
    return f"{head}: rings: {attrs.get('reason')}"


@click.command("route-call")
@click.option("--from", "caller", required=True, metavar="NUMBER", help="The caller's number.")
@click.option("--to", "to", required=True, metavar="NUMBER", help="The sender's number.")
def command(caller: str, to: str) -> None:
    """Show where a call to a sender goes: forwarded (to which number) or ringing (and why).

    Asks the local settings API (CALLFWD_API_URL, key in CALLFWD_API_KEY). Calls from
    Canadian area codes are never forwarded; a sender without forwarding rings.
    """
    import os

    from reconciler.errors import ConfigError
    from reconciler.secrets import read_key

    base_url = os.environ.get("CALLFWD_API_URL", "").strip()
    if not base_url:
        raise ConfigError("CALLFWD_API_URL is not set (e.g. http://127.0.0.1:8765)")
    key = read_key("CALLFWD_API_KEY")
    if key is None:
        raise ConfigError("CALLFWD_API_KEY is not set; export the API key in that variable")
    click.echo(describe(route_call(base_url, key, caller, to)))
