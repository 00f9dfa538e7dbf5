"""Absolute URLs for links, built from the request without trusting odd Host headers."""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

_HOST = re.compile(rb"^[A-Za-z0-9.\-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$")


def base_url(scope: MutableMapping[str, Any]) -> str:
    """``http://host:port``: the Host header when it is a plain host, else the socket."""
    scheme = scope.get("scheme", "http")
    for name, value in scope["headers"]:
        if name == b"host":
            if _HOST.match(value):
                return f"{scheme}://{value.decode('ascii')}"
            break
    server = scope.get("server")
    if server:
        host, port = server[0], server[1]
        if ":" in host:
            host = f"[{host}]"
        return f"{scheme}://{host}:{port}" if port else f"{scheme}://{host}"
    return f"{scheme}://localhost"
