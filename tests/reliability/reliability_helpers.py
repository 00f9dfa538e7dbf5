"""Shared helpers for the reliability tests: accounts as the engine sees them, audit reading.

The tests here prove the promises in docs/reliability.md. They run the real
parts: the ``callfwd serve`` process from tests/sandbox_fixtures.py, the CLI
through tests/workspace.py (in-process, or as a real subprocess).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from reconciler.config import AccountTarget, RetryConfig
from reconciler.secrets import Secret

# Forwarding numbers within the rules: US, geographic, never a sender (no loops).
POOL = ("+12125550100", "+12125550142", "+13125550175", "+16175550100", "+14155550123")
TOLL_FREE = ("833", "844", "855", "866", "877", "888", "800")


def key_id(key: str) -> str:
    """How the server names a key in its audit log and request log (docs/api.md)."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def target(
    name: str,
    url: str,
    key: str,
    *,
    prune: bool = False,
    max_attempts: int = 4,
    max_total: float = 1.0,
) -> AccountTarget:
    """An account as ``resolve_accounts`` would build it, with a small retry budget."""
    return AccountTarget(
        name=name,
        api_url=url,
        api_key=Secret(key),
        api_key_env=f"KEY_{name.upper().replace('-', '_')}",
        prune=prune,
        retry=RetryConfig(max_attempts=max_attempts, max_total=max_total),
    )


def json_lines(path: Path) -> list[dict[str, Any]]:
    """Every line of a JSON-lines file, each required to be whole JSON ending in a newline."""
    data = path.read_bytes()
    if not data:
        return []
    assert data.endswith(b"\n"), f"{path}: last line cut short: {data[-200:]!r}"
    return [json.loads(line) for line in data.decode().splitlines()]
