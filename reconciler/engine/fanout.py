"""Work on many accounts at once: a bounded number in flight, each failure kept as data.

Each account is its own rate-limit bucket on the vendor's side, so the bound
is on our own side: the requests in flight, one per account while it plans,
and the connections they need (``reconciler.api.http.CONNECTIONS``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from reconciler.api.http import CONNECTIONS
from reconciler.errors import AccountFailure, AccountsFailed, CallfwdError

T = TypeVar("T")

# Accounts worked on at once: one per connection of the origin's pool, so that network
# latency is hidden without requests queueing for a connection.
ACCOUNTS_AT_ONCE = CONNECTIONS


async def each_account(
    names: Sequence[str],
    job: Callable[[str], Awaitable[T]],
    *,
    limit: int = ACCOUNTS_AT_ONCE,
) -> tuple[dict[str, T], list[AccountFailure]]:
    """``job(name)`` for every name, ``limit`` at a time.

    Returns the results by name (in the order of ``names``) and one
    ``AccountFailure`` per account whose job raised a ``CallfwdError``, in the
    same order. Any other exception is a bug and is raised.

    ``limit`` workers take the names in turn, so a fleet of 5,000 accounts
    costs ``limit`` tasks, not 5,000.
    """
    results: dict[str, T | CallfwdError] = {}
    todo = iter(names)

    async def worker() -> None:
        for name in todo:
            try:
                results[name] = await job(name)
            except CallfwdError as exc:
                results[name] = exc

    await asyncio.gather(*(worker() for _ in range(max(1, min(limit, len(names))))))
    done: dict[str, T] = {}
    failures: list[AccountFailure] = []
    for name in names:
        res = results[name]
        if isinstance(res, CallfwdError):
            failures.append(AccountFailure.of(name, res))
        else:
            done[name] = res
    return done, failures


async def one_account(name: str, job: Callable[[str], Awaitable[T]]) -> T:
    """``job(name)``; its ``CallfwdError`` raised as that account's ``AccountsFailed``."""
    done, failures = await each_account([name], job, limit=1)
    if failures:
        raise AccountsFailed("", failures)
    return done[name]
