"""SettingsClient against precise fault shapes (httpx.MockTransport)."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from reconciler.api import Pacer, RetryPolicy, SettingsClient
from reconciler.errors import (
    ApiError,
    AuthError,
    NotFoundError,
    PreconditionFailed,
    RateLimited,
    ServerError,
    TransportError,
)

pytestmark = pytest.mark.anyio

KEY = "pk_test_5ecret_k3y_value"
BASE = "http://127.0.0.1:8765"
Handler = Callable[[httpx.Request], httpx.Response]


class FakeTime:
    """A clock that moves only when the client sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def make_client(handler: Handler, fake_time: FakeTime, **policy: float) -> SettingsClient:
    retry = RetryPolicy(
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        rng=random.Random(7),
        **policy,  # type: ignore[arg-type]
    )
    return SettingsClient(
        base_url=BASE,
        api_key=KEY,
        transport=httpx.MockTransport(handler),
        retry=retry,
        pacer=Pacer(clock=fake_time.clock),
    )


def doc(data: object, **extra: object) -> httpx.Response:
    return httpx.Response(200, json={"data": data, **extra})


def sender(ident: str, number: str = "+18335550100", fwd: str | None = None, **meta: str) -> dict:
    item: dict = {
        "type": "text-messaging-sender",
        "id": ident,
        "attributes": {
            "sender_identifier": number,
            "sender_type": "toll_free",
            "sender_details": {"country": "US"},
            "status": "active",
            "forwarding_number": fwd,
        },
    }
    if meta:
        item["meta"] = meta
    return item


def error(
    status: int, code: str = "oops", detail: str = "it broke", **headers: str
) -> httpx.Response:
    body = {
        "errors": [{"id": "e1", "status": status, "code": code, "title": "T", "detail": detail}]
    }
    return httpx.Response(status, json=body, headers=headers)


def script(*answers: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A handler that gives ``answers`` in order (raising the exceptions) and records requests."""
    seen: list[httpx.Request] = []
    it: Iterator[httpx.Response | Exception] = iter(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = next(it)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler, seen


ACCOUNT = doc([{"type": "account", "id": "acme-us", "attributes": {"name": "Acme US"}}])


# -- requests ------------------------------------------------------------------------------


async def test_every_request_carries_auth_revision_accept_and_user_agent(
    fake_time: FakeTime,
) -> None:
    handler, seen = script(ACCOUNT)
    async with make_client(handler, fake_time) as client:
        account = await client.get_account()
    assert account.id == "acme-us" and account.name == "Acme US"
    req = seen[0]
    assert req.url == httpx.URL(f"{BASE}/api/accounts")
    assert req.headers["Authorization"] == f"Klaviyo-API-Key {KEY}"
    assert req.headers["revision"] == "2026-10-15"
    assert req.headers["Accept"] == "application/vnd.api+json"
    assert req.headers["User-Agent"].startswith("callfwd/")
    assert "Content-Type" not in req.headers


async def test_set_forwarding_sends_the_json_api_body_and_if_match(fake_time: FakeTime) -> None:
    confirmed = doc(sender("s1", fwd="+12125550199"))
    confirmed.headers["ETag"] = '"v2"'
    handler, seen = script(ACCOUNT, confirmed)
    async with make_client(handler, fake_time) as client:
        await client.get_account()
        result = await client.set_forwarding("s1", "+12125550199", if_match='"v1"')
    req = seen[1]
    assert (req.method, req.url.path) == ("PATCH", "/api/text-messaging-senders/s1")
    assert req.headers["If-Match"] == '"v1"'
    assert req.headers["Content-Type"] == "application/vnd.api+json"
    assert json.loads(req.content) == {
        "data": {
            "type": "text-messaging-sender",
            "id": "s1",
            "attributes": {"forwarding_number": "+12125550199"},
        }
    }
    assert result.forwarding_number == "+12125550199"
    assert result.etag == '"v2"' and result.account == "acme-us" and result.can_forward


async def test_delete_sends_null_and_no_if_match_when_none_given(fake_time: FakeTime) -> None:
    handler, seen = script(doc(sender("s1")))
    async with make_client(handler, fake_time) as client:
        result = await client.set_forwarding("s1", None)
    assert json.loads(seen[0].content)["data"]["attributes"] == {"forwarding_number": None}
    assert "If-Match" not in seen[0].headers
    assert result.forwarding_number is None


async def test_sender_ids_are_escaped_in_the_path(fake_time: FakeTime) -> None:
    handler, seen = script(doc(sender("a b:c+d=é")))
    async with make_client(handler, fake_time) as client:
        await client.get_sender("a b:c+d=é")
    assert seen[0].url.raw_path == b"/api/text-messaging-senders/a%20b%3Ac%2Bd%3D%C3%A9"


async def test_base_url_with_a_path_prefix(fake_time: FakeTime) -> None:
    handler, seen = script(ACCOUNT)
    client = SettingsClient(
        base_url="https://api.example.com/v1/", api_key=KEY, transport=httpx.MockTransport(handler)
    )
    async with client:
        await client.get_account()
    assert str(seen[0].url) == "https://api.example.com/v1/api/accounts"


# -- pagination ----------------------------------------------------------------------------


async def test_list_senders_follows_links_next_over_every_page(fake_time: FakeTime) -> None:
    path = "/api/text-messaging-senders"
    pages = {
        None: doc(
            [sender("s1"), sender("s2", fwd="+12125550199", etag='"e2"')],
            links={"next": f"{BASE}{path}?page%5Bcursor%5D=p2&page%5Bsize%5D=2"},
        ),
        "p2": doc([sender("s3")], links={"next": f"{path}?page%5Bcursor%5D=p3"}),  # relative
        "p3": doc([sender("s4")], links={"next": None}),
    }
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/api/accounts":
            return ACCOUNT
        return pages[request.url.params.get("page[cursor]")]

    async with make_client(handler, fake_time) as client:
        senders = await client.list_senders(page_size=2)
    assert [s.id for s in senders] == ["s1", "s2", "s3", "s4"]
    assert {s.account for s in senders} == {"acme-us"}
    assert senders[1].etag == '"e2"' and senders[0].etag is None
    assert seen[1].url.params["page[size]"] == "2"
    assert client.calls == 4  # account + three pages


async def test_links_next_to_another_server_is_not_followed(fake_time: FakeTime) -> None:
    handler, seen = script(
        ACCOUNT,
        doc([sender("s1")], links={"next": "https://evil.example/api/text-messaging-senders"}),
    )
    async with make_client(handler, fake_time) as client:
        with pytest.raises(ApiError, match="another server"):
            await client.list_senders()
    assert len(seen) == 2


async def test_pages_that_lead_in_a_circle_stop(fake_time: FakeTime) -> None:
    loop = doc([], links={"next": f"{BASE}/api/text-messaging-senders?page%5Bcursor%5D=x"})
    handler, _ = script(ACCOUNT, loop, loop, loop)
    async with make_client(handler, fake_time) as client:
        with pytest.raises(ApiError, match="a page already read"):
            await client.list_senders()


# -- me --------------------------------------------------------------------------------------


async def test_get_me_reads_role_and_scopes(fake_time: FakeTime) -> None:
    handler, _ = script(
        doc({"type": "user", "id": "u1", "attributes": {
            "email": "dana@acme.example", "role": "manager",
            "scopes": ["sender-config:read", "sender-config:write"]}})
    )  # fmt: skip
    async with make_client(handler, fake_time) as client:
        me = await client.get_me()
    assert me is not None and me.role == "manager"
    assert me.scopes == ("sender-config:read", "sender-config:write")


async def test_get_me_is_none_when_the_api_does_not_offer_it(fake_time: FakeTime) -> None:
    handler, _ = script(error(404, "not_found", "no such route"))
    async with make_client(handler, fake_time) as client:
        assert await client.get_me() is None


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "exc"),
    [(400, ApiError), (401, AuthError), (403, AuthError), (404, NotFoundError),
     (409, ApiError), (412, PreconditionFailed), (422, ApiError)],
)  # fmt: skip
async def test_json_api_errors_map_to_typed_exceptions(
    fake_time: FakeTime, status: int, exc: type[ApiError]
) -> None:
    handler, seen = script(error(status, code="some_code", detail="what went wrong"))
    async with make_client(handler, fake_time) as client:
        with pytest.raises(exc) as info:
            await client.get_sender("s1")
    assert type(info.value) is exc
    err = info.value
    assert (err.status, err.code, err.detail) == (status, "some_code", "what went wrong")
    assert (
        str(err) == f"GET /api/text-messaging-senders/s1: HTTP {status} some_code: what went wrong"
    )
    assert len(seen) == 1  # a client error is never retried


async def test_an_error_without_a_json_api_body_still_says_what_happened(
    fake_time: FakeTime,
) -> None:
    handler, _ = script(httpx.Response(418, text="<html>teapot</html>"))
    async with make_client(handler, fake_time) as client:
        with pytest.raises(ApiError, match=r"GET /api/accounts: HTTP 418: I'm a teapot") as info:
            await client.get_account()
    assert info.value.code is None and info.value.detail is None


async def test_a_redirect_is_not_followed(fake_time: FakeTime) -> None:
    handler, seen = script(httpx.Response(302, headers={"Location": "https://evil.example/"}))
    async with make_client(handler, fake_time) as client:
        with pytest.raises(ApiError, match="HTTP 302"):
            await client.get_account()
    assert len(seen) == 1


async def test_a_document_without_what_is_needed_is_an_api_error(fake_time: FakeTime) -> None:
    handler, _ = script(
        ACCOUNT, doc([{"type": "text-messaging-sender", "id": "s1", "attributes": {}}])
    )
    async with make_client(handler, fake_time) as client:
        with pytest.raises(ApiError, match=r"sender s1.*sender_type"):
            await client.list_senders()


async def test_a_pending_sender_without_a_number_is_read_not_refused(
    fake_time: FakeTime,
) -> None:
    # The vendor's published contract: sender_identifier is null while the sender is
    # pending registration; the whole list must still be read.
    pending = {
        "type": "text-messaging-sender",
        "id": "01PENDING",
        "attributes": {
            "sender_identifier": None,
            "sender_type": "toll_free",
            "sender_details": {"country": "US"},
            "status": "pending_registration",
            "forwarding_number": None,
            "created_at": "2026-11-01T00:00:00Z",
        },
    }
    handler, _ = script(ACCOUNT, doc([pending]))
    async with make_client(handler, fake_time) as client:
        (sender,) = await client.list_senders()
    assert sender.number is None and sender.pending and sender.status == "pending_registration"
    assert sender.etag is None


# -- retries -------------------------------------------------------------------------------------


async def test_429_retry_after_seconds_is_honoured(fake_time: FakeTime) -> None:
    handler, _ = script(error(429, "throttled", **{"Retry-After": "3"}), ACCOUNT)
    async with make_client(handler, fake_time) as client:
        await client.get_account()
        assert (client.calls, client.retries, client.throttled) == (2, 1, 1)
    assert fake_time.sleeps[0] >= 3
    assert client.pacer.stats.pauses == 1


async def test_429_retry_after_http_date_is_honoured(fake_time: FakeTime) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    handler, _ = script(error(429, **{"Retry-After": when}), ACCOUNT)
    async with make_client(handler, fake_time) as client:
        await client.get_account()
    assert 17 <= fake_time.sleeps[0] <= 21


async def test_5xx_and_connection_errors_are_retried_with_jittered_backoff(
    fake_time: FakeTime,
) -> None:
    request = httpx.Request("GET", BASE)
    handler, seen = script(
        error(503), error(502), httpx.ConnectError("refused", request=request),
        httpx.ReadTimeout("slow", request=request), error(500), error(504), ACCOUNT,
    )  # fmt: skip
    async with make_client(handler, fake_time, base_delay=0.5, max_delay=3.0) as client:
        await client.get_account()
    assert len(seen) == 7 and client.retries == 6
    for n, slept in enumerate(fake_time.sleeps):
        assert 0 <= slept <= min(3.0, 0.5 * 2**n)
    assert len(set(fake_time.sleeps)) == 6  # jittered, not a fixed schedule


async def test_retries_stop_after_max_attempts(fake_time: FakeTime) -> None:
    handler, seen = script(*[error(503, "unavailable", "down")] * 10)
    async with make_client(handler, fake_time, max_attempts=4) as client:
        with pytest.raises(ServerError) as info:
            await client.get_account()
    assert len(seen) == 4 and info.value.status == 503 and info.value.code == "unavailable"


async def test_retries_stop_within_the_total_time_budget(fake_time: FakeTime) -> None:
    handler, seen = script(*[error(429, **{"Retry-After": "4"})] * 20)
    async with make_client(handler, fake_time, max_total=10.0) as client:
        with pytest.raises(RateLimited):
            await client.get_account()
    assert sum(fake_time.sleeps) <= 10.0
    assert len(seen) == 3  # waits of 4 + 4; a third would end past 10 s


async def test_a_cut_or_unreadable_answer_is_retried(fake_time: FakeTime) -> None:
    request = httpx.Request("GET", BASE)
    handler, seen = script(
        httpx.RemoteProtocolError("peer closed connection", request=request),
        httpx.Response(200, content=b'{"data": [{"ty'),
        ACCOUNT,
    )
    async with make_client(handler, fake_time) as client:
        assert (await client.get_account()).id == "acme-us"
    assert len(seen) == 3


async def test_an_unreachable_server_is_a_transport_error_naming_path_and_host(
    fake_time: FakeTime,
) -> None:
    request = httpx.Request("GET", BASE)
    handler, _ = script(*[httpx.ConnectError("refused", request=request)] * 3)
    async with make_client(handler, fake_time, max_attempts=3) as client:
        with pytest.raises(TransportError) as info:
            await client.get_account()
    assert str(info.value) == (
        "GET /api/accounts: could not connect to http://127.0.0.1:8765 "
        "(gave up after 3 attempts in 0.3 s)"
    )
    assert isinstance(info.value.__cause__, httpx.ConnectError)


# -- 412 after a retried PATCH --------------------------------------------------------------


async def test_412_after_a_lost_patch_answer_is_marked_after_retry(fake_time: FakeTime) -> None:
    request = httpx.Request("PATCH", BASE)
    handler, seen = script(
        httpx.ReadTimeout("answer lost", request=request), error(412, "etag_mismatch", "stale")
    )
    async with make_client(handler, fake_time) as client:
        with pytest.raises(PreconditionFailed) as info:
            await client.set_forwarding("s1", "+12125550199", if_match='"v1"')
    assert info.value.after_retry is True
    assert [r.headers["If-Match"] for r in seen] == ['"v1"', '"v1"']


async def test_412_after_a_500_is_marked_after_retry(fake_time: FakeTime) -> None:
    handler, _ = script(error(500), error(412))
    async with make_client(handler, fake_time) as client:
        with pytest.raises(PreconditionFailed) as info:
            await client.set_forwarding("s1", None, if_match='"v1"')
    assert info.value.after_retry is True


@pytest.mark.parametrize("first", ["none", "429", "connect"])
async def test_412_is_plainly_stale_when_no_earlier_attempt_can_have_been_applied(
    fake_time: FakeTime, first: str
) -> None:
    request = httpx.Request("PATCH", BASE)
    earlier = {
        "none": [],
        "429": [error(429, **{"Retry-After": "1"})],
        "connect": [httpx.ConnectError("refused", request=request)],
    }[first]
    handler, _ = script(*earlier, error(412))
    async with make_client(handler, fake_time) as client:
        with pytest.raises(PreconditionFailed) as info:
            await client.set_forwarding("s1", None, if_match='"v1"')
    assert info.value.after_retry is False


# -- the key stays secret -------------------------------------------------------------------------


async def test_the_key_appears_in_no_exception_repr_or_log_record(
    fake_time: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    request = httpx.Request("GET", BASE, headers={"Authorization": f"Klaviyo-API-Key {KEY}"})
    faults: list[httpx.Response | Exception] = [
        error(429, detail=f"echoing {KEY}", **{"Retry-After": "1"}),
        error(503, detail=f"Klaviyo-API-Key {KEY}"),
        httpx.ConnectError(f"refused {KEY}", request=request),
        httpx.RemoteProtocolError("cut", request=request),
        error(401, "not_authenticated", f"bad key {KEY}"),
    ]
    handler, _ = script(*faults)
    client = make_client(handler, fake_time)
    with pytest.raises(AuthError) as info:
        await client.get_account()
    await client.aclose()
    texts = [str(info.value), repr(info.value), repr(client), str(info.value.detail)]
    texts += [r.getMessage() for r in caplog.records]
    texts += [str(a) for r in caplog.records for a in (r.args or ())]
    assert client.retries == 4 and len(caplog.records) >= 4
    assert all(KEY not in t for t in texts), texts
    assert "***" in str(info.value)


async def test_client_repr_shows_no_key() -> None:
    client = SettingsClient(base_url=BASE, api_key=KEY)
    assert KEY not in repr(client) and KEY not in str(vars(client).get("_key"))
    await client.aclose()


async def test_bad_base_url_is_refused_without_echoing_credentials() -> None:
    from reconciler.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        SettingsClient(base_url="http://user:hunter22@127.0.0.1/", api_key=KEY)
    assert "hunter22" not in str(info.value)
    with pytest.raises(ConfigError):
        SettingsClient(base_url="ftp://127.0.0.1/", api_key=KEY)


async def test_a_known_account_saves_the_accounts_call(fake_time: FakeTime) -> None:
    handler, seen = script(doc([sender("s1")]))
    client = SettingsClient(
        base_url=BASE, api_key=KEY, transport=httpx.MockTransport(handler), account="acme-us"
    )
    async with client:
        senders = await client.list_senders()
    assert [r.url.path for r in seen] == ["/api/text-messaging-senders"]
    assert senders[0].account == "acme-us"
