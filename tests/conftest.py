"""Guard rails for every test: loopback only, nothing written outside tmp."""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterator

import pytest
from hypothesis import settings

from reconciler.notice import NOTICE

pytest_plugins = ["sandbox_fixtures"]

# Speed is measured in benchmarks, never in tests: a property test on a loaded machine
# (two cores, other jobs) must not fail on Hypothesis's 200 ms deadline per example.
settings.register_profile("callfwd", deadline=None)
settings.load_profile("callfwd")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With CALLFWD_LONG=1 the budget tests (marked slow) may run an hour each, not 2 min."""
    from budgets import LONG

    if LONG:
        for item in items:
            if item.get_closest_marker("slow") is not None:
                item.add_marker(pytest.mark.timeout(3600))


_real_connect = socket.socket.connect


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host.split("%")[0]).is_loopback
        except ValueError:
            return False
    return True  # unix sockets and the like


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def guarded(self: socket.socket, address: object) -> object:
        if not _is_loopback(address):
            raise AssertionError(f"test tried to reach a non-loopback address: {address!r}")
        return _real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield


@pytest.fixture(autouse=True)
def _no_home_writes(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var in ("CALLFWD_API_URL", "CALLFWD_API_KEY", "GITHUB_ACTIONS", "GITHUB_OUTPUT"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(autouse=True)
def _notice_logger_as_it_was() -> Iterator[None]:
    """A CLI run in this process gives the notice logger a handler of its own and stops it
    propagating (lines for a terminal). Each test starts from the notice logger it found,
    so one test's CLI run cannot double or swallow another test's captured notices. (The
    root logger needs no such care: pytest sets its handlers for every phase.)"""
    notice = logging.getLogger(NOTICE)
    handlers, propagate, level = list(notice.handlers), notice.propagate, notice.level
    yield
    notice.handlers[:] = handlers
    notice.propagate = propagate
    notice.setLevel(level)
