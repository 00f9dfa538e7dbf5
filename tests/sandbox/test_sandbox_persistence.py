"""State lives in SQLite: it survives a clean restart and a kill -9; --seed replaces it."""

from __future__ import annotations

import signal

import httpx
from sandbox_fixtures import (
    ACME_ANALYST,
    ACME_MANAGER,
    DEFAULT_SEED,
    ServerFactory,
    ServerProcess,
    patch_body,
)


def _set(server: ServerProcess, number: str, value: str | None) -> httpx.Response:
    with server.client(ACME_MANAGER) as api:
        senders = api.get("/api/text-messaging-senders").json()["data"]
        sid = next(s["id"] for s in senders if s["attributes"]["sender_identifier"] == number)
        return api.patch(f"/api/text-messaging-senders/{sid}", json=patch_body(sid, value))


def _forwarding(server: ServerProcess) -> dict[str, str | None]:
    with server.client(ACME_ANALYST) as api:
        senders = api.get("/api/text-messaging-senders").json()["data"]
    return {
        f"{s['attributes']['sender_identifier']}/{s['attributes']['sender_details']['country']}": s[
            "attributes"
        ]["forwarding_number"]
        for s in senders
    }


def _audit(server: ServerProcess) -> list[dict[str, object]]:
    with server.client(ACME_ANALYST) as api:
        return list(api.get("/api/audit-events").json()["data"])


def _ids(server: ServerProcess) -> list[tuple[str, str]]:
    with server.client(ACME_MANAGER) as api:
        data = api.get("/api/text-messaging-senders").json()["data"]
    return [(s["id"], s["meta"]["etag"]) for s in data]


def test_clean_restart_keeps_state_and_seed_replaces_it_idempotently(
    server_factory: ServerFactory,
) -> None:
    first = server_factory("--seed", str(DEFAULT_SEED), "--rate-limit", "off")
    seeded, seeded_ids = _forwarding(first), _ids(first)
    assert _set(first, "+18445550111", "(212) 555-0142").status_code == 200
    before = _forwarding(first)
    assert first.stop(signal.SIGTERM) == 0
    assert "callfwd serve: stopped" in first.log_text()

    second = server_factory("--rate-limit", "off", db=first.db)  # no --seed: keep the state
    assert _forwarding(second) == before
    assert before["+18445550111/US"] == "+12125550142"
    assert [e["attributes"]["outcome"] for e in _audit(second)] == ["updated"]
    assert second.stop(signal.SIGINT) == 0

    third = server_factory("--seed", str(DEFAULT_SEED), "--rate-limit", "off", db=first.db)
    assert _forwarding(third) == seeded  # --seed replaces the state, audit log included
    assert _audit(third) == []
    assert _ids(third) == seeded_ids  # same ids and etags: loading is idempotent


def test_state_survives_kill_9(server_factory: ServerFactory) -> None:
    first = server_factory("--seed", str(DEFAULT_SEED), "--rate-limit", "off")
    for value in ("+1 212 555 0101", "+1 212 555 0102", None):
        assert _set(first, "+18555550122", value).status_code == 200
    assert _set(first, "+18665550133", "+1 415 555 0100").status_code == 200
    first.kill()
    assert first.proc.returncode == -signal.SIGKILL
    second = server_factory("--rate-limit", "off", db=first.db)
    state = _forwarding(second)
    assert state["+18555550122/US"] is None
    assert state["+18665550133/US"] == "+14155550100"
    assert len(_audit(second)) == 4
