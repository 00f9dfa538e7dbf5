"""What an API URL in callfwd.yaml or ``CALLFWD_API_URL`` may look like: the one check."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from reconciler.manifest.parse import shown

# The vendor's own API: known to be the published API (reads only), so nothing is probed.
VENDOR_ORIGIN = "https://a.klaviyo.com"

# C0, DEL, C1 and the Unicode line and paragraph separators: none belongs in a URL or a name,
# and urlsplit silently drops tabs, CR and LF, so the check must come before it.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_NAMES = {
    0x00: "NUL",
    0x09: "tab",
    0x0A: "line feed",
    0x0D: "carriage return",
    0x1B: "escape",
    0x7F: "DEL",
}


def control_character(text: str) -> str | None:
    """``U+000D (carriage return)`` for the first control character in ``text``, or None."""
    m = _CONTROL.search(text)
    if m is None:
        return None
    code = ord(m.group())
    name = _CONTROL_NAMES.get(code)
    return f"U+{code:04X}" + (f" ({name})" if name else "")


def url_problem(url: str) -> str | None:
    """What is wrong with an API URL, or None. Never repeats a password it may hold,
    and quotes at most a short excerpt of the rest."""
    if (found := control_character(url)) is not None:
        return f"holds the control character {found}; remove it"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        return "is not a valid URL"
    if parts.username or parts.password:
        return "must not contain a user name or password"
    quoted = shown(url)
    if parts.scheme not in ("http", "https") or not host:
        return f"{quoted} must be an http(s) URL with a host"
    if parts.query or parts.fragment:
        return f"{quoted} must not have a query or fragment"
    if parts.scheme == "http" and not is_loopback(host):
        return f"{quoted} must use https (http is allowed only to a loopback address)"
    if parts.path.rstrip("/").endswith("/api"):
        # The vendor documents its base URL as https://a.klaviyo.com/api/; callfwd adds
        # /api/... itself, so this would become GET /api/api/accounts.
        root = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')[: -len('/api')]}"
        return f"{quoted} must not end in /api (callfwd adds /api/... itself): write {shown(root)}"
    return None


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a valid API URL, lower-cased, the default port left out."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    default = {"https": 443, "http": 80}.get(parts.scheme)
    return f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, default) else "")


def is_vendor(url: str) -> bool:
    """Whether ``url`` is the vendor's own API (its origin, whatever the path)."""
    return origin(url) == VENDOR_ORIGIN


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
