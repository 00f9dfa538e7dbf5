"""The exceptions callfwd raises to its callers.

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
    ├── PlanFileError            a saved plan that cannot be read or no longer applies
    └── UnsafePlanError          a plan above the mass-change thresholds

Messages never contain an API key: the client never puts one in, and
``reconciler.secrets`` scrubs anything it is told is secret.
"""

from __future__ import annotations


class CallfwdError(Exception):
    """Base of every error that is the user's to fix; printed as one line."""


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
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.detail = detail
        self.account = account  # the account's name in callfwd.yaml, when the client knew it
        self.key_env = key_env  # the variable its key came from (never the key)


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
    pass


class PlanFileError(CallfwdError):
    pass


class UnsafePlanError(CallfwdError):
    pass
