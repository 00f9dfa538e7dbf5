"""An async client for the settings API (the vendor's JSON:API conventions).

One ``SettingsClient`` talks to one account with one key. Every request goes
through the account's ``Pacer`` (concurrency and rate limits, see
``reconciler.api.pacing``) and the ``RetryPolicy`` (see
``reconciler.api.retry``). Errors come out as the exceptions in
``reconciler.errors``; the key never appears in them, in logs or in reprs.

    async with SettingsClient(base_url=url, api_key=key) as client:
        account = await client.get_account()
        senders = await client.list_senders()
        sender = await client.set_forwarding(sender.id, "+12125550199", if_match=sender.etag)
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from reconciler import __version__
from reconciler.api import protocol
from reconciler.api.answers import Undecodable, declared_foreign, decode
from reconciler.api.errors import (
    api_error,
    failure_cause,
    foreign_answer,
    may_have_reached_server,
    tls_failure,
    transport_error,
    unreachable,
)
from reconciler.api.http import open_http, origin_of, request_timeout
from reconciler.api.models import SENDER_TYPE, Account, Me, parse_account, parse_me, parse_sender
from reconciler.api.pacing import EndpointPacers, Pacer, endpoint_key
from reconciler.api.retry import RETRY_STATUSES, RetryPolicy, parse_retry_after
from reconciler.domain.state import LiveSender
from reconciler.errors import (
    ApiError,
    CallfwdError,
    ConfigError,
    NotFoundError,
    PreconditionFailed,
    TransportError,
)
from reconciler.notice import notice_logger
from reconciler.secrets import UNSENDABLE, Secret, sendable

__all__ = ["DEFAULT_REVISION", "Account", "Me", "SettingsClient"]

log = logging.getLogger(__name__)
notice = notice_logger()

DEFAULT_REVISION = protocol.REVISION
MEDIA_TYPE = protocol.MEDIA_TYPE
SENDERS = protocol.SENDERS
MAX_PAGES = 100_000
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
    ) -> None:
        base, self._prefix, self._root = _parse_base(base_url)
        if base.scheme not in ("http", "https") or not base.host:
            raise ConfigError(f"API URL must be an http(s) URL with a host: {base_url!r}")
        if base.userinfo:
            raise ConfigError("API URL must not carry a user name or password")
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
        self.calls = 0  # requests sent, retries included
        self.retries = 0
        self.throttled = 0  # 429 answers received
        # The key's account, when a preflight already read it (saves a GET /api/accounts).
        self._account: Account | None = None if account is None else Account(id=account)
        # Sent with every request: the key is a per-request header, never a default of the
        # AsyncClient that other accounts' requests share (see reconciler.api.http).
        self._headers = {
            "Authorization": protocol.authorization(self._key.reveal()),
            "revision": revision,
            "Accept": MEDIA_TYPE,
            "User-Agent": user_agent,
            "Accept-Encoding": "gzip, deflate",
        }
        self._extensions = {"timeout": request_timeout(timeout).as_dict()}
        # The origin's AsyncClient, shared with the run's other accounts on it; without
        # one (a client on its own), one of its own, closed with this client.
        if http is not None and transport is not None:
            raise ValueError("give the AsyncClient or a transport for one, not both")
        self._own = http is None
        self._http = open_http(transport=transport) if http is None else http

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
        path = f"{SENDERS}/{quote(sender_id, safe='')}"
        resp, _ = await self._send("OPTIONS", self._url(path), ok=frozenset({404, 405}))
        allow = {m.strip().upper() for m in resp.headers.get("Allow", "").split(",")}
        return "PATCH" in allow

    async def get_sender(self, sender_id: str) -> LiveSender:
        path = f"{SENDERS}/{quote(sender_id, safe='')}"
        resp, doc = await self._send("GET", self._url(path))
        return self._sender_from(resp, doc, f"GET {path}")

    async def set_forwarding(
        self, sender_id: str, number: str | None, *, if_match: str | None = None
    ) -> LiveSender:
        """Set (or, with None, remove) a sender's forwarding number; the sender as confirmed.

        Raises ``PreconditionFailed`` when ``if_match`` no longer matches; its
        ``after_retry`` is True when an earlier attempt of this call may have
        been applied (the 412 may then be our own write: re-read to know).
        """
        path = f"{SENDERS}/{quote(sender_id, safe='')}"
        body = {
            "data": {
                "type": SENDER_TYPE,
                "id": sender_id,
                "attributes": {"forwarding_number": number},
            }
        }
        headers = {"If-Match": if_match} if if_match is not None else None
        resp, doc = await self._send("PATCH", self._url(path), body=body, headers=headers)
        return self._sender_from(resp, doc, f"PATCH {path}")

    # -- plumbing ---------------------------------------------------------------------

    async def _request(
        self, method: str, url: httpx.URL, content: bytes | None, headers: Mapping[str, str]
    ) -> httpx.Response:
        """One HTTP exchange, this client's headers (and key) added to ``headers``.

        The request is built here and handed to ``AsyncClient.send``: the shared
        client has no defaults to merge in (no cookies, no headers but these), and
        ``build_request``'s merging was about a tenth of a plan's CPU.
        """
        request = httpx.Request(
            method, url, content=content, headers={**self._headers, **headers},
            extensions=self._extensions,
        )  # fmt: skip
        return await self._http.send(request)

    def _url(self, path: str, params: Mapping[str, str] | None = None) -> httpx.URL:
        return _endpoint(self._base_url, path, tuple(params.items()) if params else ())

    def _sender_from(self, resp: httpx.Response, doc: Any, where: str) -> LiveSender:
        account = self._account.id if self._account else ""
        data = doc.get("data") if isinstance(doc, dict) else None
        return parse_sender(data, account=account, etag=resp.headers.get("ETag"), where=where)

    async def _collect(self, path: str, params: Mapping[str, str] | None) -> list[dict[str, Any]]:
        url: httpx.URL | None = self._url(path, params)  # the query in the URL: parsed once
        seen: set[str] = set()
        items: list[dict[str, Any]] = []
        while url is not None:
            if str(url) in seen or len(seen) >= MAX_PAGES:
                raise ApiError(
                    f"GET {path}: the API's pages lead in a circle",
                    code="bad_links",
                    account=self.label,
                )
            seen.add(str(url))
            _, doc = await self._send("GET", url)  # links.next carries every parameter
            data = doc.get("data") if isinstance(doc, dict) else None
            if not isinstance(data, list):
                raise ApiError(
                    f"GET {path}: unexpected answer from the API: 'data' is not a list",
                    code="bad_document",
                    account=self.label,
                )
            items.extend(data)
            url = self._next_url(path, doc)
        return items

    def _next_url(self, path: str, doc: dict[str, Any]) -> httpx.URL | None:
        links = doc.get("links")
        nxt = links.get("next") if isinstance(links, dict) else None
        if not nxt:
            return None
        if not isinstance(nxt, str):
            raise ApiError(
                f"GET {path}: unexpected answer from the API: bad links.next", account=self.label
            )
        url = self._root.join(nxt)
        if (url.scheme, url.host, url.port) != (
            self._root.scheme,
            self._root.host,
            self._root.port,
        ):
            # Following it would send the key to another server.
            raise ApiError(
                f"GET {path}: links.next points to another server; not followed",
                account=self.label,
            )
        return url

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
    ) -> tuple[httpx.Response, Any]:
        """One logical request: paced, retried, its answer decoded or its error raised.

        Each retry is one notice line (WARNING); the error given up on names the
        account, the URL, the cause and the attempts made. ``ok``: error statuses
        returned to the caller instead of raised.
        """
        where = f"{method} {url.path}"
        content = None if body is None else json.dumps(body).encode()
        req_headers = dict(headers or {})
        if content is not None:
            req_headers["Content-Type"] = MEDIA_TYPE
        started = self.retry.clock()
        attempts = 0
        maybe_applied = False
        while True:
            attempts += 1
            resp, failure, retry_after = await self._exchange(method, url, content, req_headers)
            error: CallfwdError
            if resp is None:
                assert failure is not None
                error = transport_error(where, self.origin, failure, account=self.label)
                reason = failure_cause(failure) or type(failure).__name__
                if tls_failure(failure) is not None:
                    raise error from failure  # a certificate or protocol: no retry fixes it
            elif resp.status_code in ok:
                return resp, None
            elif resp.is_success:
                if resp.content and declared_foreign(resp) is not None:
                    raise foreign_answer(where, self.origin, resp, account=self.label)
                try:
                    return resp, decode(resp.content)
                except Undecodable:
                    error = TransportError(
                        f"{where}: the answer from {self.origin} is not JSON", account=self.label
                    )
                    reason = "an unreadable answer"
                    maybe_applied = True
            else:
                error, reason = self._api_error(where, resp), f"HTTP {resp.status_code}"
                if resp.status_code == 429:
                    self.throttled += 1
                if resp.status_code not in RETRY_STATUSES:
                    if isinstance(error, PreconditionFailed):
                        error.after_retry = maybe_applied
                    raise error
            status = None if resp is None else resp.status_code
            maybe_applied = maybe_applied or may_have_reached_server(failure, status)
            elapsed = self.retry.clock() - started
            delay = self.retry.delay(
                attempts=attempts,
                elapsed=elapsed,
                retry_after=retry_after,
                unreachable=unreachable(failure),
            )
            if delay is None:
                log.debug("giving up on %s %s after %d attempts", method, url.path, attempts)
                if attempts > 1:
                    error = self._gave_up(where, resp, failure, error, attempts, elapsed)
                raise error from failure
            self.retries += 1
            notice.warning(
                "%s: %s; retrying in %.1f s (attempt %d of %d)",
                f"{self.label}: {where}" if self.label else where,
                reason, delay, attempts + 1, self.retry.max_attempts,
            )  # fmt: skip
            await self.retry.sleep(delay)

    async def _exchange(
        self, method: str, url: httpx.URL, content: bytes | None, headers: Mapping[str, str]
    ) -> tuple[httpx.Response | None, httpx.TransportError | None, float | None]:
        """One paced attempt: the answer or the failure, and the answer's ``Retry-After``."""
        pacer = self._pacer_for(method, url.path)
        ticket = await pacer.acquire()
        self.calls += 1
        resp: httpx.Response | None = None
        failure: httpx.TransportError | None = None
        retry_after: float | None = None
        try:
            resp = await self._request(method, url, content, headers)
        except httpx.TransportError as exc:
            failure = exc
        finally:
            if resp is not None:
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
            pacer.release(
                ticket,
                status=None if resp is None else resp.status_code,
                headers=None if resp is None else resp.headers,
                retry_after=retry_after,
            )
        return resp, failure, retry_after

    def _api_error(self, where: str, resp: httpx.Response, tail: str = "") -> ApiError:
        return api_error(where, resp, account=self.label, key_env=self.key_env, tail=tail)

    def _gave_up(
        self,
        where: str,
        resp: httpx.Response | None,
        failure: httpx.HTTPError | None,
        error: CallfwdError,
        attempts: int,
        elapsed: float,
    ) -> CallfwdError:
        """``error`` again, saying how long it was retried."""
        tail = f" (gave up after {attempts} attempts in {elapsed:.1f} s)"
        if failure is not None:
            return transport_error(where, self.origin, failure, tail=tail, account=self.label)
        if resp is not None and not resp.is_success:
            return self._api_error(where, resp, tail)
        return TransportError(f"{error.message}{tail}", account=self.label)
