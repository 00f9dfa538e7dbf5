"""Cursor pagination: opaque cursors, ``links.next``, one page of a collection."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel
from starlette.responses import Response

from reconciler.sandbox.documents import CollectionLinks
from reconciler.sandbox.jsonapi import ApiProblem, document

T = TypeVar("T")
Collection = TypeVar("Collection", bound=BaseModel)
_CURSOR = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_POSITION = re.compile(r"[0-9]{1,19}")
# A position is a SQLite row id: a signed 64-bit integer. A larger one is no cursor
# this API gave out, and SQLite could not even compare with it.
MAX_POSITION = 2**63 - 1
PLAIN = "c"  # a cursor of the default order; sorted orders have their own tag


def encode_cursor(position: int, tag: str = PLAIN) -> str:
    return base64.urlsafe_b64encode(f"{tag}{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, tag: str = PLAIN) -> int:
    """The position after which the page starts.

    The one place a client's cursor is read: anything this API did not give out for
    this order (other text, another order's tag, a position no row can have) is a 400.
    """
    if cursor is None:
        return 0
    try:
        if not _CURSOR.match(cursor):
            raise ValueError
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        digits = raw[len(tag) :]
        if not (raw.startswith(tag) and _POSITION.fullmatch(digits)):
            raise ValueError
        position = int(digits)
        if position > MAX_POSITION:
            raise ValueError
        return position
    except ValueError:
        raise ApiProblem(
            400,
            "invalid",
            "page[cursor] is not a cursor this API gave out for this order.",
            parameter="page[cursor]",
        ) from None


def page(
    rows: Sequence[T],
    *,
    size: int,
    url: str,
    query: Sequence[tuple[str, str]] = (),
    cursor: str | None,
    tag: str = PLAIN,
    position: Callable[[T], int],
    resource: Callable[[T], BaseModel],
    collection: type[Collection],
    included: list[Any] | None = None,
) -> Response:
    """One page; ``rows`` has up to ``size + 1`` rows (one more: more follow).

    ``query`` holds the other parameters (fields, include, sort), kept in the links;
    ``included`` the related resources asked for with ``include`` (None: not asked).
    """
    more = len(rows) > size
    rows = rows[:size]
    keep = "".join(f"&{quote(k, safe='')}={quote(v, safe=',-_')}" for k, v in query)
    first = f"{url}?page%5Bsize%5D={size}{keep}"
    nxt = encode_cursor(position(rows[-1]), tag) if more else None
    links = CollectionLinks(
        self_=first + (f"&page%5Bcursor%5D={cursor}" if cursor else ""),
        next=f"{first}&page%5Bcursor%5D={nxt}" if nxt else None,
    )
    extra = {"included": included} if included is not None else {}
    return document(collection(data=[resource(r) for r in rows], links=links, **extra))
