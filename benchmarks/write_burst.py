"""Five concurrent writes to one account at the vendor's limits, with the API unknown (auto).

    python -m benchmarks.write_burst

One ``SettingsClient`` (the account's ``EndpointPacers``) lists the account's 5
senders, then sets all 5 forwardings at once against ``callfwd serve`` at its
default ``--rate-limit vendor`` (writes 1/s, 15/min: floor 4 s). The list's answer
says the server limits, so the write pacer starts at the published limits. Prints
each endpoint pacer's burst and stats, the wall time of the writes and the server's
count of writes and 429s. Not part of ``make bench``.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from benchmarks.workload import Fleet, Server
from reconciler.api import SettingsClient
from reconciler.api.pacing import EndpointPacers

FLEET = Fleet(1, 5)


async def writes(url: str) -> None:
    pacers = EndpointPacers()
    async with SettingsClient(base_url=url, api_key=FLEET.key(0), pacer=pacers) as c:
        ids = [s.id for s in await c.list_senders()]
        started = time.perf_counter()
        await asyncio.gather(
            *(c.set_forwarding(i, f"+1415{3000000 + n:07d}") for n, i in enumerate(ids))
        )
        wall = time.perf_counter() - started
    for endpoint, pacer in pacers._pacers.items():
        print(f"{endpoint}: burst {pacer.burst}, {pacer.stats}")
    print(f"{len(ids)} writes: {wall:.2f} s (floor 4 s)")


def main() -> int:
    with (
        tempfile.TemporaryDirectory(prefix="callfwd-burst-") as tmp,
        Server(Path(tmp), rate_limit="vendor", name="burst") as server,
    ):
        server.reset(FLEET.seed(0.0))
        asyncio.run(writes(server.url))
        calls = server.calls()
        print(f"server: {calls.writes} writes, {calls.throttled} answered 429")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
