"""Pytest fixtures for tests that talk to the local settings API (``callfwd serve``).

Loaded by ``pytest_plugins = ["sandbox_fixtures"]`` in tests/conftest.py.

Fixtures
    sandbox_server   session (one per xdist worker): a real ``callfwd serve`` process,
                     ``--admin --rate-limit off``, temp database.
    sandbox_seed     what ``sandbox`` resets to; override it in a module or parametrize it
                     (a dict, YAML text, a Path, or None for the demo seed).
    sandbox          function: the session server reset to ``sandbox_seed`` (state, audit
                     log, faults, rate limit and metrics all back to the start).
    published_sandbox  function: the same over a second session server that serves only
                     the published API (``--published-only --admin --rate-limit off``):
                     play the person with ``ui_set_forwarding``; ``unpublished_requests``
                     says whether a run called anything the vendor does not publish.
    server_factory   function: start extra servers with your own flags (restart, kill -9,
                     rate limits); all are stopped at teardown.

Example::

    def test_update(sandbox):
        sid = sandbox.sender_id("acme-us", "+18555550122")
        with sandbox.client("sandbox-acme-manager") as api:
            body = sandbox.patch_body(sid, "+13125550175")
            r = api.patch(f"/api/text-messaging-senders/{sid}", json=body)
        assert r.status_code == 200
        assert sandbox.audit_events("acme-us")[-1]["outcome"] == "updated"
"""

from __future__ import annotations

import signal
import ssl
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from reconciler.api.protocol import MEDIA_TYPE, REVISION, authorization
from reconciler.sandbox.process import START_TIMEOUT, ServeError, ServeProcess

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SEED = ROOT / "manifests" / "sandbox-seed.yaml"

# Sandbox-only keys from manifests/sandbox-seed.yaml.
ACME_MANAGER = "sandbox-acme-manager"
ACME_ANALYST = "sandbox-acme-analyst"
GLOBEX_OWNER = "sandbox-globex-owner"

SeedLike = Mapping[str, Any] | str | Path | None
# One TLS context for every test client: httpx builds a new one per client otherwise
# (~50 ms each, loading the CA bundle), which dominated the suite's time.
TLS = ssl.create_default_context()
TOLL_FREE = ("800", "833", "844", "855", "866", "877", "888")
BOTH_SCOPES = ["sender-config:read", "sender-config:write", "accounts:read"]


def seed_data(seed: SeedLike) -> Mapping[str, Any]:
    """A seed as plain data: a dict as is, YAML text parsed, a Path read, None the demo seed."""
    if seed is None:
        seed = DEFAULT_SEED
    if isinstance(seed, Path):
        seed = seed.read_text(encoding="utf-8")
    if isinstance(seed, str):
        return yaml.safe_load(seed) or {}
    return seed


def make_seed(
    accounts: int = 1,
    senders: int = 3,
    *,
    forwarding: int | None = None,
    prefix: str = "acct",
    role: str = "owner",
    scopes: list[str] | None = None,
    canadian_siblings: int = 0,
) -> dict[str, Any]:
    """A seed with many accounts and senders, built fast (no YAML, deterministic numbers).

    Account ``{prefix}-{i:04d}`` (i from 0) has one user ``user@{prefix}-{i:04d}.example``
    with key ``key_for(prefix, i)``, ``senders`` US toll-free senders of which the first
    ``forwarding`` (default: a third) forward to a 212 number, plus ``canadian_siblings``
    CA siblings of its first senders. Numbers are unique across the whole seed.
    """
    forwarding = senders // 3 if forwarding is None else forwarding
    out = []
    n = 0
    for i in range(accounts):
        account = f"{prefix}-{i:04d}"
        rows: list[dict[str, Any]] = []
        for j in range(senders):
            number = f"+1{TOLL_FREE[n % 7]}{2000000 + n:07d}"
            row: dict[str, Any] = {"number": number, "type": "toll_free", "country": "US"}
            if j < forwarding:
                row["forward_to"] = f"+1212{2000000 + n:07d}"
            rows.append(row)
            if j < canadian_siblings:
                rows.append({"number": number, "type": "toll_free", "country": "CA"})
            n += 1
        out.append(
            {
                "id": account,
                "name": f"Account {i}",
                "users": [
                    {
                        "email": f"user@{account}.example",
                        "role": role,
                        "api_key": key_for(prefix, i),
                        "scopes": list(BOTH_SCOPES if scopes is None else scopes),
                    }
                ],
                "senders": rows,
            }
        )
    return {"accounts": out}


def key_for(prefix: str, i: int) -> str:
    """The sandbox key ``make_seed`` gives account ``i``: it does not hold the account's id
    (``prefix-0001``), which a message would show hidden as a key's part when a server sends it."""
    return f"sandbox-key-{prefix}{i:04d}"


def patch_body(sender_id: str, forwarding_number: str | None) -> dict[str, Any]:
    return {
        "data": {
            "type": "text-messaging-sender",
            "id": sender_id,
            "attributes": {"forwarding_number": forwarding_number},
        }
    }


def api_headers(key: str | None) -> dict[str, str]:
    headers = {"revision": REVISION, "Accept": MEDIA_TYPE}
    if key is not None:
        headers["Authorization"] = authorization(key)
    return headers


class ServerProcess(ServeProcess):
    """One ``callfwd serve`` subprocess; stderr (the request log) goes to ``log``."""

    db: Path
    log: Path

    def client(self, key: str | None = ACME_MANAGER) -> httpx.Client:
        """A client for this server (close it: use ``with``)."""
        return httpx.Client(base_url=self.url, headers=api_headers(key), timeout=10.0, verify=TLS)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> int:
        """kill -9: no shutdown at all."""
        return self.stop(signal.SIGKILL)


def start_server(
    *flags: str, db: Path, log: Path, cwd: Path | None = None, timeout: float = START_TIMEOUT
) -> ServerProcess:
    """Start ``callfwd serve --port 0 --db DB FLAGS...`` (the one launcher) and wait for it."""
    with log.open("ab") as err:
        try:
            server = ServerProcess.start(
                "--db", str(db), *flags, cwd=cwd or db.parent, stderr=err, timeout=timeout
            )
        except ServeError as exc:
            raise RuntimeError(f"{exc}:\n{_tail(log)}") from None
    server.db, server.log = db, log
    return server


def _tail(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-3000:] if log.exists() else ""


class Sandbox:
    """The session server, reset for one test, with helpers for the admin endpoints."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.url = server.url
        self._admin = httpx.Client(base_url=server.url, timeout=30.0, verify=TLS)
        self._clients: list[httpx.Client] = []
        # No API headers at all: for requests that must lack them, and plain URLs.
        self.http = httpx.Client(base_url=self.url, timeout=10.0, verify=TLS)
        self._clients.append(self.http)

    make_seed = staticmethod(make_seed)
    patch_body = staticmethod(patch_body)
    headers = staticmethod(api_headers)

    def close(self) -> None:
        for c in self._clients:
            c.close()
        self._admin.close()

    def _ok(self, response: httpx.Response) -> Any:
        if response.status_code != 200:
            raise AssertionError(f"admin call failed: {response.status_code} {response.text}")
        return response.json()

    # -- API clients -------------------------------------------------------------
    def client(self, key: str | None = ACME_MANAGER, **kwargs: Any) -> httpx.Client:
        """An httpx client for /api/ with the key, revision and JSON:API Accept set."""
        headers = {**api_headers(key), **kwargs.pop("headers", {})}
        kwargs.setdefault("verify", TLS)
        c = httpx.Client(
            base_url=self.url, headers=headers, timeout=kwargs.pop("timeout", 10.0), **kwargs
        )
        self._clients.append(c)
        return c

    # -- admin ---------------------------------------------------------------------
    def reset(self, seed: SeedLike = None) -> dict[str, Any]:
        """State = ``seed``; audit log emptied; faults off; rate limit as started; metrics zero."""
        result: dict[str, Any] = self._ok(self._admin.post("/_sandbox/reset", json=seed_data(seed)))
        return result

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self._ok(self._admin.get("/_sandbox/state"))
        return result

    def senders(self, account: str) -> list[dict[str, Any]]:
        for a in self.state()["accounts"]:
            if a["id"] == account:
                return list(a["senders"])
        raise KeyError(account)

    def sender(self, account: str, number: str, country: str = "US") -> dict[str, Any]:
        for s in self.senders(account):
            if s["number"] == number and s["country"] == country:
                return s
        raise KeyError((account, number, country))

    def sender_id(self, account: str, number: str, country: str = "US") -> str:
        return str(self.sender(account, number, country)["id"])

    def audit_events(self, account: str | None = None) -> list[dict[str, Any]]:
        """Every write call the server recorded, oldest first (all accounts when None)."""
        params = {"account": account} if account is not None else {}
        return list(self._ok(self._admin.get("/_sandbox/audit-events", params=params))["events"])

    def writes(self, account: str | None = None) -> list[dict[str, Any]]:
        """Audit events of writes that were accepted (outcome updated or unchanged)."""
        return [e for e in self.audit_events(account) if e["status"] == 200]

    def set_faults(self, *rules: Mapping[str, Any], seed: int = 0) -> dict[str, Any]:
        """Replace the fault rules (see reconciler/sandbox/faults.py for the rule fields)."""
        body = {"seed": seed, "faults": [dict(r) for r in rules]}
        result: dict[str, Any] = self._ok(self._admin.put("/_sandbox/faults", json=body))
        return result

    def clear_faults(self) -> None:
        self._ok(self._admin.delete("/_sandbox/faults"))

    def faults(self) -> dict[str, Any]:
        """The active rules with how often each ``fired``."""
        result: dict[str, Any] = self._ok(self._admin.get("/_sandbox/faults"))
        return result

    def set_rate_limit(self, spec: str) -> None:
        """``"3/60"`` (burst per second / steady per minute) or ``"off"``; counters reset."""
        self._ok(self._admin.put("/_sandbox/rate-limit", json={"rate_limit": spec}))

    def metrics(self) -> dict[str, Any]:
        """``{"total": N, "requests": [{method, route, account, status, count, ...}]}``."""
        result: dict[str, Any] = self._ok(self._admin.get("/_sandbox/metrics"))
        return result

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Until no /api/ request is being answered (one in flight from a killed client)."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < 2:  # twice in a row: a request the kernel had not handed over yet
            quiet = quiet + 1 if self.metrics()["in_flight"] == 0 else 0
            if time.monotonic() > deadline:
                pytest.fail(f"the server still answers requests after {timeout} s")
            time.sleep(0.01)

    def unpublished_requests(self) -> list[dict[str, Any]]:
        """Metrics rows of endpoints the vendor does not publish (extensions, probes, 404s)."""
        return [r for r in self.metrics()["requests"] if not r["published"]]

    def ui_set_forwarding(
        self, account: str, number: str, forward_to: str | None, *, country: str = "US"
    ) -> dict[str, Any]:
        """Set, edit (a number) or delete (None) a forwarding number as a person in the UI would.

        Works with ``--published-only`` too (it is an admin route); recorded in the audit
        log with ``by: ui``. Answers ``{"account", "sender": {...}, "outcome"}``; a refused
        number fails the test (send it with ``self.http`` to look at the refusal).
        """
        sid = self.sender_id(account, number, country)
        body = {"forwarding_number": forward_to}
        result: dict[str, Any] = self._ok(
            self._admin.put(f"/_sandbox/ui/senders/{sid}/forwarding", json=body)
        )
        return result

    def reset_metrics(self) -> None:
        self._ok(self._admin.delete("/_sandbox/metrics"))

    def count(
        self, method: str | None = None, route: str | None = None, account: str | None = None
    ) -> int:
        """Requests the server answered since the last reset, filtered."""
        return sum(
            r["count"]
            for r in self.metrics()["requests"]
            if (method is None or r["method"] == method)
            and (route is None or r["route"] == route)
            and (account is None or r["account"] == account)
        )


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One real server per test session (per xdist worker)."""
    tmp = tmp_path_factory.mktemp("sandbox-server")
    server = start_server(
        "--admin", "--rate-limit", "off", db=tmp / "db.sqlite", log=tmp / "server.log"
    )
    yield server
    server.stop()


@pytest.fixture
def sandbox_seed() -> SeedLike:
    """The seed ``sandbox`` starts from; override or parametrize it (None = the demo seed)."""
    return None


def _sandbox_on(server: ServerProcess, seed: SeedLike) -> Iterator[Sandbox]:
    if not server.alive:
        pytest.fail(f"the sandbox server died:\n{_tail(server.log)}")
    box = Sandbox(server)
    box.reset(seed)
    try:
        yield box
    finally:
        box.close()


@pytest.fixture
def sandbox(sandbox_server: ServerProcess, sandbox_seed: SeedLike) -> Iterator[Sandbox]:
    yield from _sandbox_on(sandbox_server, sandbox_seed)


@pytest.fixture(scope="session")
def published_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server per session that serves only the published API (plus the admin routes)."""
    tmp = tmp_path_factory.mktemp("published-server")
    server = start_server(
        "--published-only",
        "--admin",
        "--rate-limit",
        "off",
        db=tmp / "db.sqlite",
        log=tmp / "server.log",
    )
    yield server
    server.stop()


@pytest.fixture
def published_sandbox(published_server: ServerProcess, sandbox_seed: SeedLike) -> Iterator[Sandbox]:
    yield from _sandbox_on(published_server, sandbox_seed)


class ServerFactory:
    """Starts servers with given flags; each gets a fresh database unless ``db`` is given."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.started: list[ServerProcess] = []
        self._n = 0

    def __call__(self, *flags: str, db: Path | None = None) -> ServerProcess:
        self._n += 1
        server = start_server(
            *flags, db=db or self.tmp / f"db{self._n}.sqlite", log=self.tmp / f"server{self._n}.log"
        )
        self.started.append(server)
        return server

    def stop_all(self) -> None:
        for server in self.started:
            server.stop()


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[ServerFactory]:
    """``server_factory("--seed", str(DEFAULT_SEED), "--rate-limit", "3/60")`` → ServerProcess."""
    factory = ServerFactory(tmp_path)
    try:
        yield factory
    finally:
        factory.stop_all()
