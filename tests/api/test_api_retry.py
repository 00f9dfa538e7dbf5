"""RetryPolicy: full-jitter bounds, Retry-After as a floor, count and time budgets."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from reconciler.api.retry import RetryPolicy, parse_retry_after


def test_backoff_is_full_jitter_below_a_capped_exponential_ceiling() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=8.0, rng=random.Random(1))
    for retry in range(12):
        ceiling = min(8.0, 0.5 * 2**retry)
        draws = [policy.backoff(retry) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in draws)
        assert max(draws) > ceiling * 0.9 and min(draws) < ceiling * 0.1  # the whole range


def test_retry_after_is_a_floor_on_the_wait() -> None:
    policy = RetryPolicy(rng=random.Random(1))
    assert policy.delay(attempts=1, elapsed=0, retry_after=12.0) == 12.0
    small = policy.delay(attempts=1, elapsed=0, retry_after=0.0)
    assert small is not None and 0 <= small <= 0.5


def test_gives_up_after_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert policy.delay(attempts=2, elapsed=0, retry_after=None) is not None
    assert policy.delay(attempts=3, elapsed=0, retry_after=None) is None


def test_gives_up_when_the_wait_would_pass_the_total_budget() -> None:
    policy = RetryPolicy(max_total=10.0)
    assert policy.delay(attempts=1, elapsed=5.0, retry_after=5.0) == 5.0
    assert policy.delay(attempts=1, elapsed=5.1, retry_after=5.0) is None


def test_a_huge_retry_count_does_not_overflow() -> None:
    assert 0 <= RetryPolicy(max_delay=30).backoff(10_000) <= 30


def test_nonsense_policies_are_refused() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(base_delay=-1)


NOW = datetime(2026, 10, 15, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        (" 1.5 ", 1.5),
        ("0", 0.0),
        ("-4", 0.0),
        ("Thu, 15 Oct 2026 12:00:30 GMT", 30.0),
        ("Thu, 15 Oct 2026 11:59:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        ("nan", None),
        ("inf", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == seconds
