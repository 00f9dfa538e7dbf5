"""Who is calling: the revision header, the API key, the rate limit, scopes and roles.

Keys are never stored or compared in the clear: the store keeps SHA-256
hashes, a request's key is hashed and looked up, and the match is confirmed
with a constant-time comparison. Logs and the audit log name a key by the
first 8 hex digits of its hash (its key id).
"""

from __future__ import annotations

import hmac
import re
from typing import Annotated

from fastapi import Depends, Request

from reconciler.roles import READ_SCOPE, WRITE_SCOPE, may_configure
from reconciler.sandbox.context import Sandbox
from reconciler.sandbox.jsonapi import ApiProblem
from reconciler.sandbox.seed import hash_key
from reconciler.sandbox.store import User
from reconciler.sandbox.vocab import ACCOUNTS_READ

SCHEME = "Klaviyo-API-Key"
REVISION_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(\.[A-Za-z0-9]+)?$"
REVISION_HELP = "API revision, a date such as 2026-10-15 (YYYY-MM-DD[.suffix]). Required."
_REVISION = re.compile(REVISION_PATTERN)

SECURITY_SCHEME = {
    "type": "apiKey",
    "in": "header",
    "name": "Authorization",
    "description": "`Authorization: Klaviyo-API-Key <key>`; a key is one user's, in one account.",
}


def sandbox_of(request: Request) -> Sandbox:
    return request.app.state.sandbox  # type: ignore[no-any-return]


def _key_from(authorization: str | None) -> str:
    if not authorization or not authorization.strip():
        raise ApiProblem(
            401,
            "not_authenticated",
            f"Authentication credentials were not provided: send Authorization: {SCHEME} <key>.",
            header="Authorization",
        )
    scheme, _, key = authorization.strip().partition(" ")
    if scheme.lower() != SCHEME.lower() or not key.strip():
        raise ApiProblem(
            401,
            "authentication_failed",
            f"The Authorization header must be '{SCHEME} <key>'.",
            header="Authorization",
        )
    return key.strip()


def authenticate(request: Request) -> User:
    """The authenticated user of the request; counts the request against its account's limit.

    Headers are read here rather than declared as FastAPI parameters: the key is
    checked first (a request without one is a 401 whatever else is wrong), and it
    keeps the hot path lean. app.SandboxApp.openapi documents them.
    """
    authorization = request.headers.get("authorization")
    revision = request.headers.get("revision")
    key = _key_from(authorization)
    digest = hash_key(key)
    sandbox = sandbox_of(request)
    user = sandbox.store.user_by_key_hash(digest)
    if user is None or not hmac.compare_digest(user.key_hash, digest):
        raise ApiProblem(
            401,
            "authentication_failed",
            "Incorrect authentication credentials.",
            header="Authorization",
        )
    scope = request.scope
    if revision is None or not _REVISION.match(revision):
        raise ApiProblem(
            400,
            "invalid",
            "The revision header is required: a date such as 2026-10-15 (YYYY-MM-DD)."
            if revision is None
            else "The revision header must be a date such as 2026-10-15 (YYYY-MM-DD).",
            header="revision",
        )
    scope["callfwd.account"] = user.account_id
    scope["callfwd.key_id"] = user.key_id
    route = getattr(scope.get("route"), "path", "")
    retry_after, headers = sandbox.limiter.hit(user.account_id, request.method, route)
    if retry_after:
        raise ApiProblem(
            429,
            "throttled",
            f"Request was throttled: the account's rate limit for this endpoint is reached. "
            f"Retry after {retry_after} second(s).",
            headers={"Retry-After": str(retry_after)},
        )
    scope["callfwd.ratelimit"] = headers
    return user


def require_scope(user: User, scope: str, what: str) -> None:
    if scope not in user.scopes:
        raise ApiProblem(
            403,
            "permission_denied",
            f"This key lacks the {scope} scope, which {what} needs.",
        )


def require_read(user: User) -> None:
    require_scope(user, READ_SCOPE, "reading sender settings")


async def caller(request: Request) -> User:
    return authenticate(request)


async def reader(request: Request) -> User:
    user = authenticate(request)
    require_read(user)
    return user


async def account_reader(request: Request) -> User:
    user = authenticate(request)
    require_scope(user, ACCOUNTS_READ, "reading the account")
    return user


def require_write(user: User) -> None:
    """A write needs the write scope and a role that may configure call forwarding."""
    reasons = []
    if WRITE_SCOPE not in user.scopes:
        reasons.append(f"this key lacks the {WRITE_SCOPE} scope")
    if not may_configure(user.role):
        reasons.append(
            f"the key's user has the role {user.role}, which may not configure call forwarding "
            "(owner, admin, manager and campaign_coordinator may)"
        )
    if reasons:
        detail = "; ".join(reasons)
        raise ApiProblem(403, "permission_denied", detail[0].upper() + detail[1:] + ".")


Caller = Annotated[User, Depends(caller)]
Reader = Annotated[User, Depends(reader)]
AccountReader = Annotated[User, Depends(account_reader)]
