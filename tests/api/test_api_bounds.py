"""The client's bounds on a hostile or broken server (precise shapes with httpx.MockTransport).

Every wait ends within ``retry.max_total`` (or is refused at once with the
server's figure), every answer is bounded in bytes and depth, every listing in
pages, every id is a plain path segment before it becomes one, and a write the
server accepted is reported before its answer is read and never sent twice.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import random
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from test_api_client import ACCOUNT, BASE, KEY, FakeTime, doc, error, make_client, script, sender

from reconciler.api import RetryPolicy, SettingsClient, answers, exchange, models
from reconciler.errors import (
    ApiError,
    AuthError,
    ConfigError,
    RateLimited,
    TransportError,
    UnverifiedWrite,
)
from reconciler.notice import NOTICE

pytestmark = pytest.mark.anyio

PAGE = "/api/text-messaging-senders"


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def real_client(
    handler: Callable[..., object], *, max_total: float, **kw: object
) -> SettingsClient:
    """A client on the real clock (asyncio's timeouts run on it), one attempt unless told."""
    retry = RetryPolicy(max_total=max_total, rng=random.Random(1), **kw)  # type: ignore[arg-type]
    return SettingsClient(
        base_url=BASE,
        api_key=KEY,
        transport=httpx.MockTransport(handler),
        retry=retry,  # type: ignore[arg-type]
    )


# -- waits the server asks for --------------------------------------------------------------


async def test_a_retry_after_past_the_budget_is_refused_at_once_with_its_figure(
    fake_time: FakeTime,
) -> None:
    handler, seen = script(error(429, "throttled", "slow down", **{"Retry-After": "864000"}))
    async with make_client(handler, fake_time, max_total=120.0) as client:
        with pytest.raises(RateLimited) as info:
            await client.get_account()
    assert "the server asks to wait 864,000 s (Retry-After), more than retry.max_total 120 s" in (
        str(info.value)
    )
    assert len(seen) == 1 and fake_time.sleeps == []


async def test_a_ratelimit_reset_past_the_budget_is_refused_at_once_with_its_figure(
    fake_time: FakeTime,
) -> None:
    first = doc(
        [sender("s1")],
        links={"next": f"{PAGE}?page%5Bcursor%5D=p2"},
    )
    first.headers.update({"RateLimit-Remaining": "0", "RateLimit-Reset": "86399"})
    handler, seen = script(ACCOUNT, first, doc([sender("s2")]))
    async with make_client(handler, fake_time, max_total=120.0) as client:
        with pytest.raises(RateLimited) as info:
            await client.list_senders()
    assert (
        f"GET {PAGE}: the server asks to wait 86,399 s (RateLimit-Reset), more than "
        "retry.max_total 120 s allows"
    ) in str(info.value)
    assert len(seen) == 2  # the account and the first page: the second is never asked


async def test_a_long_wait_within_the_budget_is_said_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exchange, "WAIT_NOTICE", 0.05)
    spent = httpx.Response(
        200,
        json={"data": [{"type": "account", "id": "acme-us"}]},
        headers={"RateLimit-Remaining": "0", "RateLimit-Reset": "0.3"},
    )

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/accounts":
            return spent
        return doc(sender(request.url.path.rsplit("/", 1)[-1]))

    monkeypatch.setattr(logging.getLogger(NOTICE), "propagate", True)  # the CLI turns it off
    caplog.set_level(logging.WARNING, logger=NOTICE)
    async with real_client(handler, max_total=10.0) as client:
        await client.get_account()
        got = await asyncio.gather(*(client.get_sender(f"s{i}") for i in range(3)))
    assert [s.id for s in got] == ["s0", "s1", "s2"]
    said = [r.getMessage() for r in caplog.records if "waiting" in r.getMessage()]
    assert len(said) == 1, said
    assert "the server asked for it (RateLimit-Reset)" in said[0]


async def test_a_trickling_answer_ends_at_the_budget() -> None:
    async def trickle() -> AsyncIterator[bytes]:
        yield b'{"data": ['
        while True:
            await asyncio.sleep(0.05)
            yield b" "

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=trickle())

    async with real_client(handler, max_total=0.4) as client:
        with pytest.raises(TransportError) as info:
            await asyncio.wait_for(client.get_account(), timeout=10)
    assert "no whole answer within retry.max_total 0.4 s (the answer came too slowly)" in str(
        info.value
    )


# -- bytes and depth ------------------------------------------------------------------------


async def test_an_answer_that_streams_past_the_limit_is_refused_while_it_streams() -> None:
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"data": "'
        while True:
            sent += 1
            yield b"x" * 65536

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless())  # chunked: no Content-Length

    async with real_client(handler, max_total=10.0) as client:
        with pytest.raises(ApiError) as info:
            await client.get_account()
    assert "is longer than the 4 MiB a client of this API reads; not read" in str(info.value)
    assert sent <= answers.MAX_BYTES // 65536 + 1  # stopped at the limit, not at the end


async def test_an_answer_that_says_it_is_too_long_is_not_read() -> None:
    read = False

    async def body() -> AsyncIterator[bytes]:
        nonlocal read
        read = True
        yield b"{}"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body(), headers={"Content-Length": "83886080"})

    async with real_client(handler, max_total=10.0) as client:
        with pytest.raises(ApiError, match=r"is 83,886,080 bytes long \(Content-Length\)"):
            await client.get_account()
    assert not read


ACCOUNT_DOC = {"data": [{"type": "account", "id": "acme-us", "attributes": {"name": "Acme US"}}]}


def _streamed(body: bytes, encoding: str) -> Callable[[httpx.Request], httpx.Response]:
    """A handler answering ``body`` in 64 KiB chunks as it would arrive, ``encoding`` said."""

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(body), 65536):
            yield body[i : i + 65536]

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Accept-Encoding"] == "gzip, deflate"  # what the client asks
        return httpx.Response(200, content=chunks(), headers={"Content-Encoding": encoding})

    return handler


async def test_a_gzip_bomb_is_refused_at_the_limit_of_what_it_inflates_to() -> None:
    bomb = gzip.compress(b" " * (64 * 1024 * 1024))  # 64 MiB of spaces in about 64 KB
    tracemalloc.start()
    try:
        async with real_client(_streamed(bomb, "gzip"), max_total=10.0) as client:
            with pytest.raises(ApiError) as info:
                await client.get_account()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "is longer than the 4 MiB a client of this API reads; not read" in str(info.value)
    assert peak < 3 * answers.MAX_BYTES  # never the 64 MiB it would inflate to


@pytest.mark.parametrize(
    ("body", "encoding", "said"),
    [
        (
            gzip.compress(json.dumps(ACCOUNT_DOC).encode(), mtime=0)[:-12],
            "gzip",
            "gzip stream that is cut",
        ),
        (b"\x1f\x8b\x08\x00 not gzip", "gzip", "gzip stream that is cut short"),
        (b"not deflate at all", "deflate", "has a broken compressed body"),
    ],
    ids=["gzip cut short", "no gzip after its magic", "no deflate"],
)
async def test_a_broken_compressed_answer_is_a_clear_error(
    body: bytes, encoding: str, said: str
) -> None:
    async with real_client(_streamed(body, encoding), max_total=10.0) as client:
        with pytest.raises(TransportError, match=said):
            await client.get_account()


async def test_an_encoding_the_client_did_not_ask_for_is_not_read() -> None:
    async with real_client(_streamed(b"\x00" * 100, "br"), max_total=10.0) as client:
        with pytest.raises(ApiError) as info:
            await client.get_account()
    assert str(info.value) == (
        "GET /api/accounts: the answer from http://127.0.0.1:8765 is encoded as 'br', "
        "which callfwd does not ask for; not read"
    )


@pytest.mark.parametrize(
    ("encoding", "pack"), [("gzip", gzip.compress), ("deflate", zlib.compress)]
)
async def test_a_compressed_answer_is_read(encoding: str, pack: Callable[[bytes], bytes]) -> None:
    body = pack(json.dumps(ACCOUNT_DOC).encode())
    async with real_client(_streamed(body, encoding), max_total=10.0) as client:
        account = await client.get_account()
    assert account.id == ACCOUNT_DOC["data"][0]["id"]


async def test_the_accounts_name_is_cut_before_anything_shows_it(fake_time: FakeTime) -> None:
    """The key check's name is shown (headings, the guide, the report): bounded first. (Its
    id is bounded where a message shows it: tests/engine/test_preflight.py.)"""
    long_name = doc([{"type": "account", "id": "Qz4nW8", "attributes": {"name": "N" * 5000}}])
    handler, _ = script(long_name)
    async with make_client(handler, fake_time) as client:
        account = await client.get_account()
    assert account.name == "N" * (models.MAX_NAME_LENGTH - 1) + "…"


@pytest.mark.parametrize("depth", [1025, 100_000])
async def test_json_nested_deeper_than_the_limit_names_the_endpoint(
    fake_time: FakeTime, depth: int
) -> None:
    deep = b'{"data":' + b"[" * depth + b"]" * depth + b"}"
    handler, seen = script(httpx.Response(200, content=deep), ACCOUNT)
    async with make_client(handler, fake_time) as client:
        with pytest.raises(ApiError) as info:
            await client.get_account()
    assert str(info.value) == (
        "GET /api/accounts: the answer from http://127.0.0.1:8765 is JSON nested deeper "
        "than 1,024 levels; not read"
    )
    assert len(seen) == 1  # a bound is not worth a retry


def test_the_depth_limit_is_orjsons_1024() -> None:
    assert answers.decode(b"[" * 1024 + b"]" * 1024) is not None
    with pytest.raises(answers.Unbounded):
        answers.decode(b"[" * 1025 + b"]" * 1025)
    with pytest.raises(answers.Undecodable):
        answers.decode(b'{"data": [')


# -- listings -------------------------------------------------------------------------------


async def test_a_listing_that_repeats_a_sender_stops(fake_time: FakeTime) -> None:
    page = doc([sender("s1"), sender("s2")], links={"next": f"{PAGE}?page%5Bcursor%5D=new"})
    again = doc([sender("s2")], links={"next": f"{PAGE}?page%5Bcursor%5D=newer"})
    handler, seen = script(ACCOUNT, page, again)
    async with make_client(handler, fake_time) as client:
        with pytest.raises(ApiError, match=r"the listing was stopped: it lists 's2' twice"):
            await client.list_senders()
    assert len(seen) == 3


async def test_a_listing_stops_after_max_pages(fake_time: FakeTime) -> None:
    n = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal n
        n += 1
        if request.url.path == "/api/accounts":
            return ACCOUNT
        return doc([], links={"next": f"{PAGE}?page%5Bcursor%5D=c{n}"})

    client = make_client(handler, fake_time)
    client.max_pages = 7
    async with client:
        with pytest.raises(ApiError, match="it has more than 7 pages"):
            await client.list_senders()
    assert n == 1 + 7


@pytest.mark.parametrize(
    ("link", "what"),
    [
        ("/api/accounts?page%5Bcursor%5D=x", "another path"),
        ("/api/text-messaging-senders/s1", "another path"),
        ("http://[::1", "not a URL"),
    ],
)
async def test_links_next_must_be_the_same_listing(
    fake_time: FakeTime, link: str, what: str
) -> None:
    handler, seen = script(ACCOUNT, doc([sender("s1")], links={"next": link}))
    async with make_client(handler, fake_time) as client:
        with pytest.raises(ApiError, match=what):
            await client.list_senders()
    assert len(seen) == 2


# -- ids ------------------------------------------------------------------------------------

BAD_IDS = [
    *["", ".", "..", "a/b", "%2e%2e", "a\\b", "a?b", "a#b"],
    *["a\nb", "a\x00b", "\u202e", "x" * 201, "\ud800"],
]


@pytest.mark.parametrize("ident", BAD_IDS)
async def test_an_id_that_is_no_plain_segment_is_never_sent(
    fake_time: FakeTime, ident: str
) -> None:
    handler, seen = script()
    async with make_client(handler, fake_time) as client:
        for call in (
            client.get_sender(ident),
            client.offers_write(ident),
            client.set_forwarding(ident, "+12125550199"),
        ):
            with pytest.raises(ApiError, match="is not a plain path segment"):
                await call
    assert seen == []


async def test_an_answer_about_another_sender_is_an_error(fake_time: FakeTime) -> None:
    handler, _ = script(doc(sender("s1-other")))
    async with make_client(handler, fake_time) as client:
        with pytest.raises(ApiError, match="the answer is about sender 's1-other'"):
            await client.get_sender("s1")


# -- accepted writes ------------------------------------------------------------------------


async def _cut_body() -> AsyncIterator[bytes]:
    yield b'{"data": {"type": "text-messag'
    raise httpx.ReadError("connection reset")


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (lambda: httpx.Response(200, content=b"<html>oops"), "is not JSON"),
        (lambda: httpx.Response(200, content=b"[" * 5000), "nested deeper than 1,024 levels"),
        (lambda: doc(sender("other")), "the answer is about sender 'other'"),
        (lambda: httpx.Response(200, content=_cut_body()), "failed while reading the answer"),
    ],
    ids=["not-json", "deep", "other-id", "cut"],
)
async def test_an_accepted_write_is_reported_first_and_never_sent_twice(
    fake_time: FakeTime, answer: Callable[[], httpx.Response], said: str
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer()

    accepted: list[int] = []
    async with make_client(handler, fake_time) as client:
        with pytest.raises(UnverifiedWrite) as info:
            await client.set_forwarding(
                "s1", "+12125550199", on_accepted=lambda: accepted.append(len(seen))
            )
    assert accepted == [1]  # reported once, as soon as the 200 came
    assert len(seen) == 1  # an accepted write is not sent again
    assert "the server accepted the write (HTTP 200), but its answer could not be checked" in (
        str(info.value)
    )
    assert said in str(info.value)


async def test_a_refused_write_is_not_reported_accepted(fake_time: FakeTime) -> None:
    handler, seen = script(error(503), doc(sender("s1", fwd="+12125550199")))
    accepted: list[str] = []
    async with make_client(handler, fake_time) as client:
        got = await client.set_forwarding(
            "s1", "+12125550199", on_accepted=lambda: accepted.append("x")
        )
    assert got.forwarding_number == "+12125550199"
    assert accepted == ["x"] and len(seen) == 2  # the 503 was not an acceptance


# -- configuration --------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765/\r\nX-Evil: 1", "http://127.0.0.1\x00/"])
def test_an_api_url_that_is_not_a_url_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError, match="not a valid URL"):
        SettingsClient(base_url=url, api_key=KEY)


async def test_ids_and_media_types_a_server_sends_lose_any_part_of_the_key(
    fake_time: FakeTime,
) -> None:
    part = KEY[:14]  # the server echoes the key's first 14 characters
    answers_ = iter(
        [
            doc(sender(f"x{part}y")),
            httpx.Response(200, content=b"<p>", headers={"Content-Type": f"text/{part}"}),
        ]
    )
    handler, _ = script(*answers_)
    async with make_client(handler, fake_time) as client:
        with pytest.raises(ApiError) as other:
            await client.get_sender("s1")
        with pytest.raises(ApiError) as foreign:
            await client.get_sender(f"id{part}")
    for error_ in (other.value, foreign.value):
        assert part not in str(error_) and KEY[:6] not in str(error_), str(error_)
        assert "***" in str(error_)


async def test_an_error_answer_over_the_limit_is_still_the_error(fake_time: FakeTime) -> None:
    huge = httpx.Response(401, content=b"x", headers={"Content-Length": "83886080"})
    handler, _ = script(huge)
    async with make_client(handler, fake_time) as client:
        with pytest.raises(AuthError, match="GET /api/accounts: HTTP 401"):
            await client.get_account()
