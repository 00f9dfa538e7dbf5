"""The exceptions callfwd raises to its callers, and how one account's failure travels.

    CallfwdError                 one clear line for the user, exit 1
    ├── ConfigError              callfwd.yaml, accounts, missing environment variables
    ├── ApiError                 the settings API answered with a JSON:API error
    │   ├── AuthError            401 / 403
    │   ├── NotFoundError        404
    │   ├── PreconditionFailed   412 (If-Match did not match; ``after_retry`` when an
    │   │                        earlier attempt of the same PATCH may have been applied)
    │   ├── RateLimited          429 after the retry budget
    │   └── ServerError          5xx after the retry budget
    ├── TransportError           the API could not be reached or the answer was cut
    ├── UnverifiedWrite          the server accepted a write (2xx), but its answer could
    │                            not be read or checked: applied, not verified
    ├── PlanFileError            a saved plan that cannot be read or no longer applies
    └── AccountsFailed           some accounts failed; ``failures`` says which and why
        └── UnsafePlanError      a plan above the mass-change thresholds

An error about one account's API names the account as data (``account``), not
only in its text: ``AccountFailure`` carries it, with the sender where there is
one, from where the failure happens to the renderer that shows it.

Messages never contain an API key: the client never puts one in, and
``reconciler.secrets`` scrubs anything it is told is secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class CallfwdError(Exception):
    """Base of every error that is the user's to fix; printed as one line.

    ``account``: the name (in callfwd.yaml) of the account the error is about,
    when one is; ``str()`` then starts with it, ``message`` is the rest.
    """

    def __init__(self, message: str = "", *, account: str | None = None) -> None:
        super().__init__(message)
        self.account = account

    @property
    def message(self) -> str:
        """What went wrong, without the account's name."""
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:
        return f"{self.account}: {self.message}" if self.account else self.message


class ConfigError(CallfwdError):
    pass


class ApiError(CallfwdError):
    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        detail: str | None = None,
        account: str | None = None,
        key_env: str | None = None,
        foreign: bool = False,
    ) -> None:
        super().__init__(message, account=account)
        self.status = status
        self.code = code
        self.detail = detail
        self.key_env = key_env  # the variable its key came from (never the key)
        # The answer was not the settings API's (not JSON): another web server answered.
        self.foreign = foreign


class AuthError(ApiError):
    pass


class NotFoundError(ApiError):
    pass


class PreconditionFailed(ApiError):
    # True when an earlier attempt of the same write may have reached the server
    # (lost response, 5xx): the 412 may be our own write. Re-read before calling it stale.
    after_retry: bool = False


class RateLimited(ApiError):
    pass


class ServerError(ApiError):
    pass


class TransportError(CallfwdError):
    def __init__(
        self, message: str, *, account: str | None = None, plain_http: bool = False
    ) -> None:
        super().__init__(message, account=account)
        # TLS was refused because the server speaks plain http at that address.
        self.plain_http = plain_http


class UnverifiedWrite(CallfwdError):
    """The server accepted a write (a 2xx), but its answer could not be read or checked
    (cut, too slow, too large, not JSON, about another sender). The write happened; it
    is not sent again, and the next plan shows what the sender holds."""


class PlanFileError(CallfwdError):
    pass


@dataclass(frozen=True, slots=True)
class AccountFailure:
    """One account's failure, as data: which account (and sender), and what went wrong.

    ``error`` is one or more lines without the account's name: renderers put
    the name in front (and group accounts that failed the same way).
    """

    account: str
    error: str
    sender: str | None = None

    @classmethod
    def of(cls, account: str, exc: CallfwdError, *, sender: str | None = None) -> AccountFailure:
        """``exc`` as ``account``'s failure (its text without the name, if it is this account's)."""
        text = exc.message if exc.account in (None, account) else str(exc)
        return cls(account, text, sender)


class AccountsFailed(CallfwdError):
    """Some accounts failed; ``heading`` says what that means for the run."""

    def __init__(self, heading: str, failures: Sequence[AccountFailure]) -> None:
        super().__init__(heading)
        self.heading = heading
        self.failures = tuple(failures)


class UnsafePlanError(AccountsFailed):
    pass
