"""The API client and its pacer against a real ``callfwd serve``: wall time vs the floor.

    python -m benchmarks.api_client list    # 1 account x 2,000 senders, --rate-limit 10/150
    python -m benchmarks.api_client patch   # 300 PATCHes in one account, --rate-limit 10/150
    python -m benchmarks.api_client off     # limits off: list pages/s and PATCH/s
    python -m benchmarks.api_client all

The server runs with one limit on every endpoint bucket (``--rate-limit 10/150``,
not the vendor's per-endpoint default: at 1 write/s and 15/min, 300 PATCHes would
take 20 minutes). The floor is ``benchmarks.workload.floor_seconds`` (the earliest
the last request can start under the fixed windows). Wall time counts from the
first request to the last answer.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from benchmarks.workload import floor_seconds
from reconciler.api import Pacer, SettingsClient
from reconciler.sandbox.process import ServeError, ServeProcess

KEY = "sandbox-bench-key"
TOLL_FREE = ("800", "833", "844", "855", "866", "877", "888")


def seed(senders: int, *, forwarding: bool) -> dict[str, Any]:
    rows = []
    for n in range(senders):
        row: dict[str, Any] = {
            "number": f"+1{TOLL_FREE[n % 7]}{2000000 + n:07d}",
            "type": "toll_free",
            "country": "US",
            "status": "active",
        }
        if forwarding:
            row["forward_to"] = f"+1212{2000000 + n:07d}"
        rows.append(row)
    user = {
        "email": "bench@bench.example",
        "role": "owner",
        "api_key": KEY,
        "scopes": ["sender-config:read", "sender-config:write", "accounts:read"],
    }
    return {"accounts": [{"id": "bench", "name": "Bench", "users": [user], "senders": rows}]}


class Server:
    """``callfwd serve`` on a database in ``tmp``; seeded when ``data`` is given."""

    def __init__(self, tmp: Path, data: dict[str, Any] | None, rate_limit: str) -> None:
        flags = ["--db", str(tmp / "db.sqlite"), "--rate-limit", rate_limit]
        if data is not None:
            seed_file = tmp / "seed.yaml"
            seed_file.write_text(yaml.safe_dump(data), encoding="utf-8")
            flags += ["--seed", str(seed_file)]
        self.log = (tmp / "server.log").open("ab")
        try:
            self.server = ServeProcess.start(*flags, stderr=self.log)
        except ServeError as exc:
            self.log.close()
            raise SystemExit(f"server did not start: {exc}") from None
        self.url = self.server.url

    def stop(self) -> None:
        self.server.stop()
        self.log.close()


async def list_all(url: str, pacer: Pacer) -> tuple[float, SettingsClient, int]:
    async with SettingsClient(base_url=url, api_key=KEY, pacer=pacer) as client:
        start = time.perf_counter()
        await client.get_account()
        await client.get_me()
        senders = await client.list_senders(page_size=20)
        return time.perf_counter() - start, client, len(senders)


async def patch_all(url: str, pacer: Pacer, ids: list[str]) -> tuple[float, SettingsClient]:
    async with SettingsClient(base_url=url, api_key=KEY, pacer=pacer) as client:
        start = time.perf_counter()
        await asyncio.gather(
            *(client.set_forwarding(i, f"+1415{3000000 + n:07d}") for n, i in enumerate(ids))
        )
        return time.perf_counter() - start, client


def report(name: str, wall: float, client: SettingsClient, floor: float | None) -> None:
    s = client.pacer.stats
    line = f"{name}: {client.calls} calls, {wall:.2f} s wall"
    if floor is not None:
        line += f", floor {floor:.2f} s, ratio {wall / floor:.3f}" if floor else ""
    line += f", 429s {client.throttled} (all retried), retries {client.retries}"
    line += f", learned burst {client.pacer.burst}"
    print(line, f"(held back {s.waited:.1f} s summed over requests)")


def bench_list(tmp: Path) -> None:
    server = Server(tmp, seed(2000, forwarding=True), "10/150")
    try:
        wall, client, n = asyncio.run(list_all(server.url, Pacer()))
    finally:
        server.stop()
    assert n == 2000
    report(
        "list 2,000 senders at 10/150",
        wall,
        client,
        floor_seconds(client.calls - client.retries, "10/150"),
    )


def _ids(url: str) -> list[str]:
    async def go() -> list[str]:
        async with SettingsClient(base_url=url, api_key=KEY) as c:
            return [s.id for s in await c.list_senders()]

    return asyncio.run(go())


def bench_patch(tmp: Path) -> None:
    server = Server(tmp, seed(300, forwarding=False), "off")
    try:
        ids = _ids(server.url)  # read with limits off, so the reads do not use the windows
    finally:
        server.stop()
    server = Server(tmp, None, "10/150")  # same database, fresh windows
    try:
        wall, client = asyncio.run(patch_all(server.url, Pacer(), ids))
    finally:
        server.stop()
    report(
        "300 PATCHes at 10/150, concurrency 8",
        wall,
        client,
        floor_seconds({"PATCH": 300}, "10/150"),
    )


def bench_off(tmp: Path) -> None:
    server = Server(tmp, seed(2000, forwarding=True), "off")
    try:
        walls = []
        for _ in range(5):
            wall, client, _n = asyncio.run(list_all(server.url, Pacer()))
            walls.append(wall)
        med = statistics.median(walls)
        print(f"limits off: {client.calls} calls (2,000 senders) in {med * 1000:.0f} ms median "
              f"of 5, {client.calls / med:.0f} requests/s sequential")  # fmt: skip
        ids = _ids(server.url)
        rates = []
        for _ in range(3):
            wall, client = asyncio.run(patch_all(server.url, Pacer(), ids[:1000]))
            rates.append(len(ids[:1000]) / wall)
        print(f"limits off: {statistics.median(rates):.0f} PATCH/s median of 3 "
              "(1,000 PATCHes, concurrency 8)")  # fmt: skip
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", choices=["list", "patch", "off", "all"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name, fn in (("list", bench_list), ("patch", bench_patch), ("off", bench_off)):
            if args.which in (name, "all"):
                sub = Path(tmp) / name
                sub.mkdir()
                fn(sub)


if __name__ == "__main__":
    main()
