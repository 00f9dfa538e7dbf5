"""What an API URL in callfwd.yaml or ``CALLFWD_API_URL`` may look like: the one check."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def url_problem(url: str) -> str | None:
    """What is wrong with an API URL, or None. Never repeats a password it may hold."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        return "is not a valid URL"
    if parts.username or parts.password:
        return "must not contain a user name or password"
    shown = repr(url)
    if parts.scheme not in ("http", "https") or not host:
        return f"{shown} must be an http(s) URL with a host"
    if parts.query or parts.fragment:
        return f"{shown} must not have a query or fragment"
    if parts.scheme == "http" and not is_loopback(host):
        return f"{shown} must use https (http is allowed only to a loopback address)"
    if parts.path.rstrip("/").endswith("/api"):
        # The vendor documents its base URL as https://a.klaviyo.com/api/; callfwd adds
        # /api/... itself, so this would become GET /api/api/accounts.
        root = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')[: -len('/api')]}"
        return f"{shown} must not end in /api (callfwd adds /api/... itself): write {root!r}"
    return None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
