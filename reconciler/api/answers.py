"""The one place the settings API's answers are decoded: bytes in, JSON values out.

Every answer body the client reads (documents and error documents) goes
through ``decode``, so a bound on size or nesting belongs here and nowhere else.
"""

from __future__ import annotations

import json
from typing import Any

import httpx


class Undecodable(ValueError):
    """The body is not JSON (cut short, or not JSON at all)."""


def decode(content: bytes) -> Any:
    """The JSON value of ``content`` (None for an empty body); ``Undecodable`` if it is not."""
    if not content:
        return None
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise Undecodable(str(exc)) from None


def declared_foreign(response: httpx.Response) -> str | None:
    """The media type of an answer that says it is not JSON (``text/html``, say), else None.

    The settings API answers ``application/vnd.api+json`` (or ``application/json``);
    an answer that declares something else comes from another web server.
    """
    media: str = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return None if not media or media.endswith("json") else media
