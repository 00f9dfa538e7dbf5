"""A listing over pages (JSON:API ``links.next``), bounded however the server answers.

A listing stops with an ``ApiError`` that names it when ``links.next`` leads
to a page already read (a cursor repeats), when an item's id comes a second
time (a server serving the same page under new cursors), after ``max_pages``
pages (callfwd.yaml's ``max_pages`` of the account), or when ``links.next``
leaves the listing: another server (the key would go there) or another path.
So an endless or circular listing ends at its second page, or at the latest
after ``max_pages``, whatever its cursors say.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from reconciler.api.errors import echo
from reconciler.errors import ApiError

Fetch = Callable[[httpx.URL], Awaitable[Any]]  # one page's decoded document


class Listing:
    """One listing's walk: ``where`` names it in messages, ``root`` is the API's root URL."""

    def __init__(self, where: str, *, root: httpx.URL, max_pages: int, account: str | None) -> None:
        self.where = where
        self._root = root
        self._max_pages = max_pages
        self._account = account

    async def collect(self, fetch: Fetch, first: httpx.URL) -> list[dict[str, Any]]:
        """Every item of every page, from ``first`` on (``links.next`` has every parameter)."""
        url: httpx.URL | None = first
        seen: set[str] = set()
        ids: set[object] = set()
        items: list[dict[str, Any]] = []
        while url is not None:
            if str(url) in seen:
                raise self._stopped("its links.next leads to a page already read")
            if len(seen) >= self._max_pages:
                raise self._stopped(
                    f"it has more than {self._max_pages:,} pages (max_pages of this account "
                    "in callfwd.yaml)"
                )
            seen.add(str(url))
            doc = await fetch(url)
            data = doc.get("data") if isinstance(doc, dict) else None
            if not isinstance(data, list):
                raise self._bad("'data' is not a list", code="bad_document")
            for item in data:
                ident = item.get("id") if isinstance(item, dict) else None
                if isinstance(ident, str) and ident in ids:
                    raise self._stopped(f"it lists {echo(ident)!r} twice (page {len(seen)})")
                ids.add(ident)
            items.extend(data)
            url = self._next(url, doc)
        return items

    def _next(self, url: httpx.URL, doc: dict[str, Any]) -> httpx.URL | None:
        links = doc.get("links")
        nxt = links.get("next") if isinstance(links, dict) else None
        if not nxt:
            return None
        if not isinstance(nxt, str):
            raise self._bad("bad links.next")
        try:
            following = self._root.join(nxt)
        except httpx.InvalidURL:
            raise self._bad("links.next is not a URL") from None
        root = self._root
        if (following.scheme, following.host, following.port) != (
            root.scheme,
            root.host,
            root.port,
        ):
            # Following it would send the key to another server.
            raise ApiError(
                f"{self.where}: links.next points to another server; not followed",
                account=self._account,
            )
        if following.path != url.path:
            raise ApiError(
                f"{self.where}: links.next points to another path; not followed",
                account=self._account,
            )
        return following

    def _stopped(self, what: str) -> ApiError:
        return ApiError(
            f"{self.where}: the listing was stopped: {what}",
            code="bad_links",
            account=self._account,
        )

    def _bad(self, what: str, *, code: str | None = None) -> ApiError:
        return ApiError(
            f"{self.where}: unexpected answer from the API: {what}",
            code=code,
            account=self._account,
        )
