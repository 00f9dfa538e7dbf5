"""The one place the settings API's answers are read and decoded: bytes in, JSON values out.

Every answer body the client reads (documents and error documents) comes
through here, so the bounds on it are kept here and nowhere else:

- ``read`` takes the body off the connection, at most ``MAX_BYTES``: an
  answer whose ``Content-Length`` says more is refused before a byte is read,
  and one that streams past the limit is refused as soon as it does (a page of
  20 senders is about 10 KB; nothing this API sends comes near 4 MiB). The
  limit holds for the decoded body: a gzip or deflate answer (what the client
  asks for) is inflated here, never more than the room left at a time, so a
  few KB that would inflate to gigabytes cost at most the limit; an encoding
  the client did not ask for is refused.
- ``decode`` makes JSON of it with orjson, which refuses nesting deeper than
  ``MAX_DEPTH`` (1,024) levels with its own decode error; the standard json
  module would raise ``RecursionError`` on a few thousand ``[``.

A body over a bound is ``Unbounded`` (never worth a retry); one that is not
JSON is ``Undecodable`` (it may have been cut short: a read may be retried).
"""

from __future__ import annotations

import zlib
from typing import Any

import httpx
import orjson

from reconciler.api import protocol

MAX_BYTES = protocol.MAX_ANSWER_BYTES
MAX_DEPTH = protocol.MAX_ANSWER_DEPTH
_DEPTH_ERROR = "depth limit exceeded"  # how orjson says it (its limit is MAX_DEPTH)


class Undecodable(ValueError):
    """The body is not JSON (cut short, or not JSON at all)."""


class Unbounded(ValueError):
    """The body is larger, or its JSON deeper, than a client of this API reads."""


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):g} MiB"


# What the client asks for (``Accept-Encoding``) and how each is inflated: zlib's
# ``32 + MAX_WBITS`` reads a gzip or a zlib header, as HTTP's two names are used.
ACCEPT_ENCODING = "gzip, deflate"
_INFLATED = {"gzip": 32 + zlib.MAX_WBITS, "x-gzip": 32 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


async def read(response: httpx.Response, *, limit: int = MAX_BYTES) -> bytes:
    """The decoded body of a streamed ``response``, at most ``limit`` bytes; ``Unbounded``
    past it, or in an encoding other than identity, gzip or deflate; ``Undecodable`` if
    its gzip or deflate is broken."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Unbounded(
            f"is {int(declared):,} bytes long (Content-Length), more than the {_mib(limit)} "
            "a client of this API reads"
        )
    if response.is_stream_consumed:  # built with its body in memory (a test's transport)
        return _within(response.content, limit)
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("", "identity") and encoding not in _INFLATED:
        raise Unbounded(f"is encoded as {encoding[:40]!r}, which callfwd does not ask for")
    inflater = zlib.decompressobj(_INFLATED[encoding]) if encoding in _INFLATED else None
    chunks: list[bytes] = []
    size = 0
    compressed = False  # any compressed byte arrived (an empty body has no stream to end)
    async for raw in response.aiter_raw():
        compressed = compressed or (inflater is not None and bool(raw))
        chunk = raw if inflater is None else _inflate(inflater, raw, limit - size)
        size += len(chunk)
        if size > limit:
            raise _too_long(limit)
        chunks.append(chunk)
    if inflater is not None and compressed and not inflater.eof:
        raise Undecodable(f"has a {encoding} stream that is cut short")
    return b"".join(chunks)


def _within(body: bytes, limit: int) -> bytes:
    if len(body) > limit:
        raise _too_long(limit)
    return body


def _too_long(limit: int) -> Unbounded:
    return Unbounded(f"is longer than the {_mib(limit)} a client of this API reads")


def _inflate(inflater: Any, data: bytes, room: int) -> bytes:
    """At most ``room + 1`` bytes of ``data`` inflated: one more than fits says it is over."""
    try:
        out: bytes = inflater.decompress(data, room + 1)
    except zlib.error as exc:
        raise Undecodable(f"has a broken compressed body ({exc})") from None
    return out


def decode(content: bytes) -> Any:
    """The JSON value of ``content`` (None for an empty body); ``Undecodable`` if it is not
    JSON, ``Unbounded`` if it nests deeper than ``MAX_DEPTH``."""
    if not content:
        return None
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        if str(exc).startswith(_DEPTH_ERROR):
            raise Unbounded(f"is JSON nested deeper than {MAX_DEPTH:,} levels") from None
        raise Undecodable(str(exc)) from None


def declared_foreign(response: httpx.Response) -> str | None:
    """The media type of an answer that says it is not JSON (``text/html``, say), else None.

    The settings API answers ``application/vnd.api+json`` (or ``application/json``);
    an answer that declares something else comes from another web server.
    """
    media: str = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return None if not media or media.endswith("json") else media
