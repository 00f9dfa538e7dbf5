"""One Pacer serves an account across event loops (apply plans in one, writes in the next)."""

from __future__ import annotations

import asyncio

from reconciler.api.pacing import Pacer


async def _contend(pacer: Pacer) -> int:
    # concurrency 1 and two requests at once: the second waits on the semaphore,
    # which binds asyncio primitives to the running loop
    async def one() -> None:
        ticket = await pacer.acquire()
        await asyncio.sleep(0.01)
        pacer.release(ticket, status=200, headers={})

    await asyncio.gather(one(), one())
    return pacer.stats.sent


def test_a_pacer_keeps_working_in_a_second_event_loop() -> None:
    pacer = Pacer(concurrency=1)
    assert asyncio.run(_contend(pacer)) == 2
    assert asyncio.run(_contend(pacer)) == 4  # raised "bound to a different event loop"


def test_what_a_pacer_learned_survives_the_new_loop() -> None:
    pacer = Pacer(concurrency=1, burst=3)
    asyncio.run(_contend(pacer))
    asyncio.run(_contend(pacer))
    assert pacer.burst == 3
