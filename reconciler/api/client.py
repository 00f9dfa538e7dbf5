"""An async client for the settings API (the vendor's JSON:API conventions).

One ``SettingsClient`` talks to one account with one key. Every request goes
through the account's ``Pacer`` (concurrency and rate limits, see
``reconciler.api.pacing``) and the ``RetryPolicy`` (see
``reconciler.api.retry``), one attempt at a time (``reconciler.api.exchange``),
each judged, retried or raised (``reconciler.api.request``). Errors come out as the exceptions in
``reconciler.errors``; the key never appears in them, in logs or in reprs.

    async with SettingsClient(base_url=url, api_key=key) as client:
        account = await client.get_account()
        senders = await client.list_senders()
        sender = await client.set_forwarding(sender.id, "+12125550199", if_match=sender.etag)
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from reconciler import __version__
from reconciler.api import answers, protocol
from reconciler.api.errors import (
    echo,
)
from reconciler.api.exchange import Attempts, Outgoing
from reconciler.api.http import open_http, origin_of, request_timeout
from reconciler.api.listing import Listing
from reconciler.api.models import (
    SENDER_TYPE,
    Account,
    Me,
    id_problem,
    parse_account,
    parse_me,
    parse_sender,
)
from reconciler.api.pacing import EndpointPacers, Pacer, endpoint_key
from reconciler.api.request import Requests
from reconciler.api.retry import RetryPolicy
from reconciler.domain.state import LiveSender
from reconciler.errors import (
    ApiError,
    CallfwdError,
    ConfigError,
    NotFoundError,
    UnverifiedWrite,
)
from reconciler.notice import notice_logger
from reconciler.secrets import UNSENDABLE, Secret, scrub_echo, sendable

__all__ = ["DEFAULT_REVISION", "Account", "Me", "SettingsClient"]

log = logging.getLogger(__name__)
notice = notice_logger()

DEFAULT_REVISION = protocol.REVISION
MEDIA_TYPE = protocol.MEDIA_TYPE
SENDERS = protocol.SENDERS
PAGE_SIZE = protocol.PAGE_SIZE_MAX  # the most the published list endpoint gives per page


# URL parsing was a tenth of the client's CPU per request: the base URL, and the
# endpoints every account asks for, are parsed once per process.
@functools.lru_cache(maxsize=64)
def _parse_base(base_url: str) -> tuple[httpx.URL, str, httpx.URL]:
    """The base URL, the path prefix of an API mounted below the host's root, the root."""
    base = httpx.URL(base_url)
    prefix = base.path.rstrip("/")
    return base, prefix, base.copy_with(query=None, fragment=None, path=prefix or "/")


@functools.lru_cache(maxsize=1024)
def _endpoint(base_url: str, path: str, query: tuple[tuple[str, str], ...] = ()) -> httpx.URL:
    _, prefix, root = _parse_base(base_url)
    url = root.copy_with(path=prefix + path)
    return url.copy_merge_params(dict(query)) if query else url


def _checked_base(base_url: str) -> tuple[httpx.URL, str, httpx.URL]:
    """``_parse_base`` of an http(s) URL with a host and no credentials; else ``ConfigError``."""
    try:
        base, prefix, root = _parse_base(base_url)
    except httpx.InvalidURL:
        raise ConfigError(
            "API URL is not a valid URL (a space, a line break or a control character?)"
        ) from None
    if base.scheme not in ("http", "https") or not base.host:
        raise ConfigError(f"API URL must be an http(s) URL with a host: {base_url!r}")
    if base.userinfo:
        raise ConfigError("API URL must not carry a user name or password")
    return base, prefix, root


def _http_client(
    http: httpx.AsyncClient | None, transport: httpx.AsyncBaseTransport | None
) -> httpx.AsyncClient:
    if http is not None and transport is not None:
        raise ValueError("give the AsyncClient or a transport for one, not both")
    return open_http(transport=transport) if http is None else http


class SettingsClient:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: Secret | str,
        revision: str = DEFAULT_REVISION,
        http: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        pacer: Pacer | EndpointPacers | None = None,
        user_agent: str = f"callfwd/{__version__}",
        account: str | None = None,
        label: str | None = None,
        key_env: str | None = None,
        max_pages: int = protocol.MAX_PAGES,
    ) -> None:
        base, self._prefix, self._root = _checked_base(base_url)
        self._key = api_key if isinstance(api_key, Secret) else Secret(api_key)
        if not sendable(self._key.reveal()):
            raise ConfigError(UNSENDABLE)
        self.origin = origin_of(base)
        self._base_url = base_url
        self.revision = revision
        # For messages only: the account's name in callfwd.yaml, the variable its key is in.
        self.label = label
        self.key_env = key_env
        self.retry = retry or RetryPolicy()
        self.pacer = pacer or Pacer()
        self.max_pages = max_pages
        # The key's account, when a preflight already read it (saves a GET /api/accounts).
        self._account: Account | None = None if account is None else Account(id=account)
        # Sent with every request: the key is a per-request header, never a default of the
        # AsyncClient that other accounts' requests share (see reconciler.api.http).
        self._headers = {
            "Authorization": protocol.authorization(self._key.reveal()),
            "revision": revision,
            "Accept": MEDIA_TYPE,
            "User-Agent": user_agent,
            "Accept-Encoding": answers.ACCEPT_ENCODING,
        }
        self._extensions = {"timeout": request_timeout(timeout).as_dict()}
        # The origin's AsyncClient, shared with the run's other accounts on it; without
        # one (a client on its own), one of its own, closed with this client.
        self._own = http is None
        self._http = _http_client(http, transport)
        self._attempts = Attempts(self._request, label=label, clock=self.retry.clock)
        self._requests = Requests(
            self._attempts, self.retry, origin=self.origin, label=label, key_env=key_env
        )

    @property
    def calls(self) -> int:
        """Requests sent, retries included."""
        return self._attempts.calls

    @property
    def retries(self) -> int:
        """Attempts made again after a failure a retry may mend."""
        return self._requests.retries

    @property
    def throttled(self) -> int:
        """429 answers received."""
        return self._requests.throttled

    def __repr__(self) -> str:
        return f"SettingsClient(base_url={str(self._root)!r}, revision={self.revision!r})"

    async def __aenter__(self) -> SettingsClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own:
            await self._http.aclose()

    # -- endpoints --------------------------------------------------------------------

    async def get_account(self) -> Account:
        """The key's account (``GET /api/accounts``); its ``id`` is what manifests name."""
        _, doc = await self._send("GET", self._url(protocol.ACCOUNTS))
        self._account = parse_account(doc, "GET /api/accounts")
        return self._account

    async def get_me(self) -> Me | None:
        """The key's user, role and scopes; None when the API does not offer ``/api/me``."""
        try:
            _, doc = await self._send("GET", self._url(protocol.ME))
        except NotFoundError:
            return None
        return parse_me(doc, "GET /api/me")

    async def list_senders(self, *, page_size: int = PAGE_SIZE) -> list[LiveSender]:
        """Every sender of the account, all pages (``links.next``) in the API's order."""
        account = (self._account or await self.get_account()).id
        items = await self._collect(SENDERS, {"page[size]": str(page_size)})
        where = f"GET {SENDERS}"
        return [parse_sender(i, account=account, etag=None, where=where) for i in items]

    async def offers_write(self, sender_id: str) -> bool:
        """Whether the API offers the forwarding write (a PATCH of the sender); changes nothing.

        The vendor publishes reads only; the local API adds the write as an
        extension. An ``OPTIONS`` of the sender's URL answers with ``Allow``
        (on a 2xx or a 405); a missing header or a 404 means no write we may use.
        """
        path = self._sender_path("OPTIONS", sender_id)
        resp, _ = await self._send("OPTIONS", self._url(path), ok=frozenset({404, 405}))
        allow = {m.strip().upper() for m in resp.headers.get("Allow", "").split(",")}
        return "PATCH" in allow

    async def get_sender(self, sender_id: str) -> LiveSender:
        """One sender; an answer about another sender than ``sender_id`` is an ``ApiError``."""
        path = self._sender_path("GET", sender_id)
        resp, doc = await self._send("GET", self._url(path))
        return self._sender_from(resp, doc, f"GET {path}", sender_id)

    async def set_forwarding(
        self,
        sender_id: str,
        number: str | None,
        *,
        if_match: str | None = None,
        on_sent: Callable[[], None] | None = None,
        on_accepted: Callable[[], None] | None = None,
    ) -> LiveSender:
        """Set (or, with None, remove) a sender's forwarding number; the sender as confirmed.

        Raises ``PreconditionFailed`` when ``if_match`` no longer matches; its
        ``after_retry`` is True when an earlier attempt of this call may have
        been applied (the 412 may then be our own write: re-read to know).

        ``on_sent`` is called as the write goes on the wire (from then on it may be
        applied), ``on_accepted`` the moment the server accepts the write (a 2xx),
        before its answer is read. An accepted write is never sent again; if its
        answer then cannot be read or is not about this sender, ``UnverifiedWrite``.
        """
        path = self._sender_path("PATCH", sender_id)
        body = {
            "data": {
                "type": SENDER_TYPE,
                "id": sender_id,
                "attributes": {"forwarding_number": number},
            }
        }
        headers = {"If-Match": if_match} if if_match is not None else None
        where = f"PATCH {path}"
        accepted: list[int] = []

        def accept(status: int) -> None:
            accepted.append(status)
            if on_accepted is not None:
                on_accepted()

        try:
            resp, doc = await self._send(
                "PATCH",
                self._url(path),
                body=body,
                headers=headers,
                on_accepted=accept,
                on_sent=on_sent,
            )
            return self._sender_from(resp, doc, where, sender_id)
        except CallfwdError as exc:
            if not accepted:
                raise
            raise UnverifiedWrite(
                f"{where}: the server accepted the write (HTTP {accepted[0]}), but its answer "
                f"could not be checked: {exc.message}; the next plan shows what the sender holds",
                account=self.label,
            ) from exc

    # -- plumbing ---------------------------------------------------------------------

    def _sender_path(self, method: str, sender_id: str) -> str:
        """The sender's path; ``ApiError`` (no request) for an id that is no plain segment."""
        if (why := id_problem(sender_id)) is not None:
            raise ApiError(
                f"{method} {SENDERS}/…: the sender id {echo(sender_id)!r} is not a plain path "
                f"segment ({why}); no request was sent for it",
                code="bad_id",
                account=self.label,
            )
        return f"{SENDERS}/{quote(sender_id, safe='')}"

    async def _request(
        self, method: str, url: httpx.URL, content: bytes | None, headers: Mapping[str, str]
    ) -> httpx.Response:
        """One HTTP exchange, this client's headers (and key) added to ``headers``; the
        answer's body not read yet (``answers.read`` bounds it; close the response).

        The request is built here and handed to ``AsyncClient.send``: the shared
        client has no defaults to merge in (no cookies, no headers but these), and
        ``build_request``'s merging was about a tenth of a plan's CPU.
        """
        request = httpx.Request(
            method, url, content=content, headers={**self._headers, **headers},
            extensions=self._extensions,
        )  # fmt: skip
        return await self._http.send(request, stream=True)

    def _url(self, path: str, params: Mapping[str, str] | None = None) -> httpx.URL:
        return _endpoint(self._base_url, path, tuple(params.items()) if params else ())

    def _sender_from(self, resp: httpx.Response, doc: Any, where: str, asked: str) -> LiveSender:
        account = self._account.id if self._account else ""
        data = doc.get("data") if isinstance(doc, dict) else None
        sender = parse_sender(data, account=account, etag=resp.headers.get("ETag"), where=where)
        if sender.id != asked:
            raise ApiError(
                f"{where}: the answer is about sender {echo(sender.id)!r}, not the one asked for",
                code="other_id",
                account=self.label,
            )
        return sender

    async def _collect(self, path: str, params: Mapping[str, str] | None) -> list[dict[str, Any]]:
        """Every item of a listing, bounded (``reconciler.api.listing``)."""
        where = f"GET {path}"
        listing = Listing(where, root=self._root, max_pages=self.max_pages, account=self.label)

        async def page(url: httpx.URL) -> Any:
            return (await self._send("GET", url, where=where))[1]

        return await listing.collect(page, self._url(path, params))  # the query: parsed once

    def _pacer_for(self, method: str, path: str) -> Pacer:
        if isinstance(self.pacer, Pacer):
            return self.pacer
        return self.pacer.for_endpoint(endpoint_key(method, path[len(self._prefix) :], SENDERS))

    async def _send(
        self,
        method: str,
        url: httpx.URL,
        *,
        body: object = None,
        headers: Mapping[str, str] | None = None,
        ok: frozenset[int] = frozenset(),
        where: str | None = None,
        on_accepted: Callable[[int], None] | None = None,
        on_sent: Callable[[], None] | None = None,
    ) -> tuple[httpx.Response, Any]:
        """One logical request: paced, retried, its answer read and decoded or its error raised.

        ``retry.max_total`` bounds the whole call: every attempt, the waits for the
        rate limits and between attempts, and reading each answer. A wait the server
        asks for that would pass it is refused at once. Each retry is one notice line
        (WARNING); the error given up on names the account, the URL, the cause and the
        attempts made. ``ok``: error statuses returned to the caller instead of raised.
        ``where`` names the call in messages (default: method and path). With
        ``on_accepted`` (a write), a 2xx is reported before its body is read, and an
        accepted write is never retried: any problem with its answer is raised as it is.
        """
        where = where or scrub_echo(f"{method} {url.path}")  # a path may hold a server's id
        content = None if body is None else orjson.dumps(body)
        req_headers = dict(headers or {})
        if content is not None:
            req_headers["Content-Type"] = MEDIA_TYPE
        pacer = self._pacer_for(method, url.path)
        return await self._requests.send(
            Outgoing(pacer, method, url, content, req_headers, where, ok, on_accepted, on_sent)
        )
