"""Translate the API's answers and httpx's failures into callfwd's exceptions.

Messages name the method and URL path and say what happened; they never carry
headers, and everything passes through ``secrets.scrub`` on the way out.
"""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from reconciler.api.answers import Unbounded, Undecodable, declared_foreign, decode
from reconciler.errors import (
    ApiError,
    AuthError,
    NotFoundError,
    PreconditionFailed,
    RateLimited,
    ServerError,
    TransportError,
)
from reconciler.secrets import scrub, scrub_echo

_BY_STATUS: dict[int, type[ApiError]] = {
    401: AuthError,
    403: AuthError,
    404: NotFoundError,
    412: PreconditionFailed,
    429: RateLimited,
}
_MAX_DETAIL = 300


def error_class(status: int) -> type[ApiError]:
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerError if status >= 500 else ApiError


def _first_error(body: bytes) -> tuple[Mapping[str, Any] | None, int]:
    try:
        doc = decode(body)
    except (Undecodable, Unbounded):
        return None, 0
    errors = doc.get("errors") if isinstance(doc, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        return errors[0], len(errors)
    return None, 0


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def echo(text: str, limit: int = 80) -> str:
    """Text a server sent (an id, a media type, a number), as a message may show it:
    a key's parts hidden (``secrets.scrub_echo``), at most ``limit`` characters."""
    text = scrub_echo(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def api_error(
    where: str,
    response: httpx.Response,
    body: bytes = b"",
    *,
    account: str | None = None,
    key_env: str | None = None,
    tail: str = "",
) -> ApiError:
    """The exception for an error answer (its ``body`` read): status, JSON:API ``code``
    and ``detail``.

    A 401 or 403 names ``key_env``, the variable the key came from (never the key);
    ``tail`` ends the message (how many attempts were made, say). An answer that
    is not JSON is marked ``foreign``: some other web server gave it.
    """
    status = response.status_code
    said = _Said.of(body)
    message = f"{where}: HTTP {status}{said.text(response.reason_phrase)}"
    if key_env and status in (401, 403):
        message = message.rstrip(".") + auth_hint(status, key_env)
    media = declared_foreign(response)
    foreign = not said.json_api and media is not None
    if foreign:
        message += f" (an answer in {echo(media or '')}, not from a settings API)"
    return error_class(status)(
        message + tail,
        status=status,
        code=said.code,
        detail=scrub_echo(said.detail) if said.detail else None,
        account=account,
        key_env=key_env,
        foreign=foreign,
    )


@dataclass(frozen=True, slots=True)
class _Said:
    """What an error answer's first JSON:API error says (all None: it has none)."""

    code: str | None = None
    detail: str | None = None
    title: str | None = None
    pointer: str | None = None
    count: int = 0  # errors in the answer

    @property
    def json_api(self) -> bool:
        return self.count > 0

    @classmethod
    def of(cls, body: bytes) -> _Said:
        first, count = _first_error(body)
        if first is None:
            return cls()
        source = first.get("source")
        pointer = None
        if isinstance(source, Mapping):
            pointer = _text(source.get("pointer")) or _text(source.get("parameter"))
        return cls(
            _text(first.get("code")),
            _text(first.get("detail")),
            _text(first.get("title")),
            pointer,
            count,
        )

    def text(self, reason_phrase: str) -> str:
        """`` code: reason (at pointer) (+N more)``, every part a server wrote scrubbed."""
        reason = self.detail or self.title or reason_phrase or "error"
        reason = scrub_echo(reason.replace("\n", " "))[:_MAX_DETAIL]
        code = f" {scrub_echo(self.code)}" if self.code else ""
        pointer = f" (at {scrub_echo(self.pointer)})" if self.pointer else ""
        more = f" (+{self.count - 1} more)" if self.count > 1 else ""
        return f"{code}: {reason}{pointer}{more}"


def foreign_answer(
    where: str, origin: str, response: httpx.Response, *, account: str | None
) -> ApiError:
    """A success whose body says it is not JSON: the server is not a settings API."""
    media = echo(declared_foreign(response) or "an unknown type")
    return ApiError(
        f"{where}: {origin} answered HTTP {response.status_code} in {media}, "
        "not a settings API's JSON",
        status=response.status_code,
        code="not_json",
        account=account,
        foreign=True,
    )


def unbounded_answer(where: str, origin: str, exc: Unbounded, *, account: str | None) -> ApiError:
    """An answer over a bound (``answers.Unbounded``): larger or deeper than a client reads."""
    return ApiError(
        f"{where}: the answer from {origin} {exc}; not read",
        code="answer_too_large",
        account=account,
    )


def auth_hint(status: int, key_env: str) -> str:
    """What a 401/403 means for the user: which variable's key to check. Never the key."""
    if status == 401:
        return f"; the API refused the key in {key_env}: check that it is current and complete"
    return f"; the key in {key_env} is not allowed to do this: check its scopes"


_WHAT: tuple[tuple[type[httpx.HTTPError], str], ...] = (
    (httpx.ConnectTimeout, "timed out connecting to {origin}"),
    (httpx.ConnectError, "could not connect to {origin}"),
    (httpx.ReadTimeout, "no answer from {origin} in time"),
    (httpx.WriteTimeout, "timed out sending the request to {origin}"),
    (httpx.PoolTimeout, "no free connection to {origin} in time"),
    (httpx.RemoteProtocolError, "{origin} closed the connection or sent a broken answer"),
    (httpx.ReadError, "the connection to {origin} failed while reading the answer"),
    (httpx.WriteError, "the connection to {origin} failed while sending the request"),
    (httpx.UnsupportedProtocol, "unsupported URL scheme for {origin}"),
)


def transport_error(
    where: str, origin: str, exc: httpx.HTTPError, *, tail: str = "", account: str | None = None
) -> TransportError:
    for cls, text in _WHAT:
        if isinstance(exc, cls):
            what = text.format(origin=origin)
            break
    else:
        what = f"{type(exc).__name__} talking to {origin}"
    if (cause := failure_cause(exc)) is not None:
        what = f"{what}: {scrub_echo(cause)}"  # TLS may quote what the server presented
    tls = tls_failure(exc)
    plain = tls is not None and tls.reason == "WRONG_VERSION_NUMBER"
    return TransportError(scrub(f"{where}: {what}{tail}"), account=account, plain_http=plain)


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and what caused it (httpx -> httpcore -> OSError), at most ten deep."""
    out: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(out) < 10:
        out.append(seen)
        seen = seen.__cause__ or seen.__context__
    return out


def tls_failure(exc: BaseException | None) -> ssl.SSLError | None:
    """The TLS error under a failed connect, if TLS refused: a certificate or protocol
    problem, which no retry fixes (a handshake that timed out is not one)."""
    if not isinstance(exc, httpx.ConnectError):
        return None
    return next((e for e in _chain(exc) if isinstance(e, ssl.SSLError) and e.reason), None)


_TLS = {
    "WRONG_VERSION_NUMBER": "TLS failed: the server does not speak TLS (https) there",
    "CERTIFICATE_VERIFY_FAILED": "TLS failed: the server's certificate is not trusted",
}


def failure_cause(exc: BaseException) -> str | None:
    """The operating system's reason under an httpx failure, in words, if it gave one."""
    if (tls := tls_failure(exc)) is not None:
        said = _TLS.get(tls.reason or "", "TLS failed")
        detail = getattr(tls, "verify_message", None) or (tls.reason or "").lower()
        return f"{said} ({detail.replace('_', ' ')})" if detail else said
    for seen in _chain(exc):
        if isinstance(seen, socket.gaierror):
            return "the host name does not resolve"
        if isinstance(seen, OSError) and seen.errno is not None:
            return _ERRNO.get(seen.errno) or (seen.strerror or "").lower() or None
    return None


_ERRNO = {
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection reset",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ENETUNREACH: "network unreachable",
    errno.ETIMEDOUT: "connection timed out",
}


def unreachable(exc: httpx.HTTPError | None) -> bool:
    """Could the server not be reached at all (refused, no such name)? Retried briefly."""
    return isinstance(exc, httpx.ConnectError)


def may_have_reached_server(exc: httpx.HTTPError | None, status: int | None) -> bool:
    """Could a failed attempt have been carried out by the server anyway?"""
    if status is not None:
        return status != 429 and status >= 500  # a 5xx may come after a commit; a 429 never
    return not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
