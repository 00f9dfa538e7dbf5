"""One logical request to the settings API: its attempts judged, retried or raised.

An attempt (``exchange``) ends with an answer or a failure. ``Requests.send``
judges it: a success is decoded; a failure no retry can mend (an error status
other than 429 and 5xx, a TLS refusal, a problem with the answer to a write the
server accepted) is raised; anything else is retried after the wait the
``RetryPolicy`` gives, within ``retry.max_total`` (a ``Retry-After`` that would
pass it is refused at once). Each retry is one notice line (WARNING); the error
given up on names the account, the URL, the cause and the attempts made.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from reconciler.api.answers import Unbounded, Undecodable, declared_foreign, decode
from reconciler.api.errors import (
    api_error,
    failure_cause,
    foreign_answer,
    may_have_reached_server,
    tls_failure,
    transport_error,
    unbounded_answer,
    unreachable,
)
from reconciler.api.exchange import Attempts, Deadline, Outgoing, Step
from reconciler.api.retry import RETRY_STATUSES, RetryPolicy
from reconciler.errors import ApiError, CallfwdError, PreconditionFailed, TransportError
from reconciler.notice import notice_logger

log = logging.getLogger(__name__)
notice = notice_logger()


@dataclass(slots=True)
class _Call:
    """One logical request across its attempts."""

    deadline: Deadline
    attempts: int = 0
    maybe_applied: bool = False  # an earlier attempt may have reached the server


@dataclass(frozen=True, slots=True)
class _Failed:
    """An attempt that failed in a way a retry may mend: the error, and the reason in a notice."""

    error: CallfwdError
    reason: str


class Requests:
    """One client's logical requests: ``origin`` and ``label`` (the account) name them in
    messages, ``key_env`` the variable its key came from (a 401 or 403 names it)."""

    def __init__(
        self,
        attempts: Attempts,
        retry: RetryPolicy,
        *,
        origin: str,
        label: str | None,
        key_env: str | None,
    ) -> None:
        self._attempts = attempts
        self.retry = retry
        self.origin = origin
        self.label = label
        self.key_env = key_env
        self.retries = 0
        self.throttled = 0  # 429 answers received

    async def send(self, out: Outgoing) -> tuple[httpx.Response, Any]:
        """The answer and its decoded document (None for a status in ``ok``), or the error."""
        where = out.where
        call = _Call(Deadline(self.retry.clock, self.retry.max_total))
        while True:
            call.attempts += 1
            step = await self._attempts.attempt(out, call.deadline)
            judged = self._judge(where, step, out.ok, call)
            if not isinstance(judged, _Failed):
                return judged
            status = None if step.response is None else step.response.status_code
            call.maybe_applied = call.maybe_applied or may_have_reached_server(step.failure, status)
            delay = self._delay(where, step, call, judged)
            self.retries += 1
            notice.warning(
                "%s: %s; retrying in %.1f s (attempt %d of %d)",
                f"{self.label}: {where}" if self.label else where,
                judged.reason, delay, call.attempts + 1, self.retry.max_attempts,
            )  # fmt: skip
            await self.retry.sleep(delay)

    def _judge(
        self, where: str, step: Step, ok: frozenset[int], call: _Call
    ) -> tuple[httpx.Response, Any] | _Failed:
        """What one attempt came to: the answer and its document, or a failure a retry may
        mend; a failure no retry mends is raised."""
        resp = step.response
        if step.unbounded is not None and resp is not None and resp.is_success:
            # (an error answer over a bound is the error without its body's detail)
            raise unbounded_answer(where, self.origin, step.unbounded, account=self.label)
        if resp is None or step.failure is not None:
            return self._transport_failed(where, step)
        if resp.status_code in ok:
            return resp, None
        if resp.is_success:
            return self._success(where, resp, step, call)
        return self._error_answer(where, resp, step, call)

    def _error_answer(self, where: str, resp: httpx.Response, step: Step, call: _Call) -> _Failed:
        error = self._error(where, resp, step.body)
        if resp.status_code == 429:
            self.throttled += 1
        if resp.status_code not in RETRY_STATUSES:
            if isinstance(error, PreconditionFailed):
                error.after_retry = call.maybe_applied
            raise error
        return _Failed(error, f"HTTP {resp.status_code}")

    def _transport_failed(self, where: str, step: Step) -> _Failed:
        failure = step.failure
        assert failure is not None
        error = transport_error(where, self.origin, failure, account=self.label)
        if step.accepted or tls_failure(failure) is not None:
            raise error from failure  # accepted, or TLS: no retry helps
        return _Failed(error, failure_cause(failure) or type(failure).__name__)

    def _success(
        self, where: str, resp: httpx.Response, step: Step, call: _Call
    ) -> tuple[httpx.Response, Any] | _Failed:
        # its compressed body broken or cut short (found while reading), or not JSON
        what = None if step.undecodable is None else str(step.undecodable)
        if what is None:
            try:
                return resp, self._document(where, resp, step.body)
            except Undecodable:
                what = "is not JSON"
        error = TransportError(f"{where}: the answer from {self.origin} {what}", account=self.label)
        if step.accepted:
            raise error from None
        call.maybe_applied = True
        return _Failed(error, "an unreadable answer")

    def _delay(self, where: str, step: Step, call: _Call, failed: _Failed) -> float:
        """Seconds to wait before the next attempt; the error, once no retry is left."""
        resp, retry_after = step.response, step.retry_after
        elapsed = call.deadline.elapsed()
        if resp is not None and retry_after is not None and retry_after > call.deadline.left():
            refusal = call.deadline.refusal(retry_after, "Retry-After")
            raise self._error(where, resp, step.body, f" ({refusal})")
        delay = self.retry.delay(
            attempts=call.attempts,
            elapsed=elapsed,
            retry_after=retry_after,
            unreachable=unreachable(step.failure),
        )
        if delay is not None:
            return delay
        log.debug("giving up on %s after %d attempts", where, call.attempts)
        error = failed.error
        if call.attempts > 1:
            tail = f" (gave up after {call.attempts} attempts in {elapsed:.1f} s)"
            error = self._again(where, resp, step.body, step.failure, error, tail)
        raise error from step.failure

    def _document(self, where: str, resp: httpx.Response, body: bytes) -> Any:
        """The decoded answer of a success; ``ApiError`` for one over a bound or not JSON
        by its own declaration; ``Undecodable`` for one that is not JSON (maybe cut)."""
        if body and declared_foreign(resp) is not None:
            raise foreign_answer(where, self.origin, resp, account=self.label)
        try:
            return decode(body)
        except Unbounded as exc:
            raise unbounded_answer(where, self.origin, exc, account=self.label) from None

    def _error(self, where: str, resp: httpx.Response, body: bytes, tail: str = "") -> ApiError:
        return api_error(where, resp, body, account=self.label, key_env=self.key_env, tail=tail)

    def _again(
        self,
        where: str,
        resp: httpx.Response | None,
        body: bytes,
        failure: httpx.HTTPError | None,
        error: CallfwdError,
        tail: str,
    ) -> CallfwdError:
        """``error`` again, ``tail`` added (how long it was retried)."""
        if failure is not None:
            return transport_error(where, self.origin, failure, tail=tail, account=self.label)
        if resp is not None and not resp.is_success:
            return self._error(where, resp, body, tail)
        return TransportError(f"{error.message}{tail}", account=self.label)
