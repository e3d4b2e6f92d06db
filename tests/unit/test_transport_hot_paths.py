"""Hot-path behaviour: the async in-flight limit, raw vs decoded stream reads, the SSE fast path."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from brickgate.adapters.transport._async.http import AsyncHttpTransport
from brickgate.adapters.transport._sync.http import HttpTransport
from brickgate.adapters.transport.in_flight import AsyncInFlightLimit
from brickgate.client import AsyncClient
from brickgate.container import BrickgateContainer, create_client_container
from brickgate.domain.calls.serving import chat_call, stream_call
from brickgate.domain.chat import CallOptions, ChatRequest
from brickgate.domain.errors import ConfigurationError, ServerError, StreamError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.sse import SSEDecoder, iter_chunks
from brickgate.ports.workspace import AsyncWorkspaceTransport
from brickgate.testing import FakeClock

HOST = WorkspaceHost.parse("adb-1234567890123456.7.azuredatabricks.net")
TOKEN = "dapi0123456789abcdef0123456789abcdef"
OPTIONS = CallOptions()
REQUEST = ChatRequest("databricks-gpt-oss-120b", {"messages": [{"role": "user", "content": "hi"}]})
REPLY = {"model": "m", "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}]}
SSE = (
    b'data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\n\n'
    b'data: {"choices":[{"index":0,"delta":{"content":"b"}}]}\n\n'
    b"data: [DONE]\n\n"
)


class HeldRequests:
    """An async MockTransport handler that holds every request until ``release`` is set."""

    def __init__(self) -> None:
        self.rearm()

    def rearm(self) -> None:
        """Forget what was seen and hold requests again (on whichever loop runs next)."""
        self.in_flight = 0
        self.most_in_flight = 0
        self.release = asyncio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await self.release.wait()
        finally:
            self.in_flight -= 1
        return httpx.Response(200, json=REPLY)


def async_transport(handler: HeldRequests, max_in_flight: int | None) -> AsyncWorkspaceTransport:
    """The async HTTP driver, under the in-flight limit when one is given."""
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    driver = AsyncHttpTransport(client, HOST, FakeClock())
    return driver if max_in_flight is None else AsyncInFlightLimit(driver, max_in_flight)


async def settle() -> None:
    for _ in range(50):
        await asyncio.sleep(0)


async def most_in_flight(
    transport: AsyncWorkspaceTransport, handler: HeldRequests, requests: int = 7
) -> int:
    call = chat_call(HOST, REQUEST, OPTIONS)
    tasks = [asyncio.create_task(transport.send(call)) for _ in range(requests)]
    await settle()
    held = handler.in_flight
    handler.release.set()
    replies = await asyncio.gather(*tasks)
    assert [reply.text for reply in replies] == ["ok"] * requests
    assert handler.most_in_flight == held
    return held


@pytest.mark.parametrize(("limit", "expected"), [(1, 1), (3, 3), (None, 7)])
async def test_async_requests_in_flight_stay_within_the_limit(
    limit: int | None, expected: int
) -> None:
    handler = HeldRequests()
    transport = async_transport(handler, limit)
    assert await most_in_flight(transport, handler) == expected
    await transport.aclose()


async def test_by_default_every_request_is_sent_at_once() -> None:
    handler = HeldRequests()
    transport = async_transport(handler, None)
    assert await most_in_flight(transport, handler, requests=25) == 25
    await transport.aclose()


@pytest.mark.parametrize("limit", [0, -1])
def test_a_limit_below_one_is_refused(limit: int) -> None:
    with pytest.raises(ConfigurationError, match="max_in_flight"):
        async_transport(HeldRequests(), limit)


def test_the_limit_works_on_each_new_event_loop() -> None:
    handler = HeldRequests()
    transport = async_transport(handler, 2)

    async def one_round() -> int:
        handler.rearm()
        return await most_in_flight(transport, handler)

    assert asyncio.run(one_round()) == 2
    assert asyncio.run(one_round()) == 2


async def test_a_failed_call_frees_its_slot() -> None:
    answers = [httpx.Response(503, json={"message": "busy"}), httpx.Response(200, json=REPLY)]

    def answer(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    transport = AsyncInFlightLimit(AsyncHttpTransport(client, HOST, FakeClock()), 1)
    with pytest.raises(ServerError):
        await transport.send(chat_call(HOST, REQUEST, OPTIONS))
    reply = await asyncio.wait_for(transport.send(chat_call(HOST, REQUEST, OPTIONS)), timeout=5)
    assert reply.text == "ok"
    await transport.aclose()
    assert client.is_closed


def client_container(handler: HeldRequests) -> BrickgateContainer:
    return create_client_container(
        host=HOST.name,
        token=TOKEN,
        surface="serving-endpoints",
        async_http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    )


async def test_the_max_in_flight_setting_reaches_the_async_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BRICKGATE_MAX_IN_FLIGHT", "2")
    handler = HeldRequests()
    async with AsyncClient(container=client_container(handler)) as client:
        tasks = [
            asyncio.create_task(client.chat("databricks-gpt-oss-120b", "hi")) for _ in range(5)
        ]
        await settle()
        assert handler.in_flight == 2
        handler.release.set()
        await asyncio.gather(*tasks)
    assert handler.most_in_flight == 2


async def test_by_default_the_async_client_sends_every_request_at_once() -> None:
    handler = HeldRequests()
    async with AsyncClient(container=client_container(handler)) as client:
        tasks = [
            asyncio.create_task(client.chat("databricks-gpt-oss-120b", "hi")) for _ in range(12)
        ]
        await settle()
        assert handler.in_flight == 12
        handler.release.set()
        await asyncio.gather(*tasks)


def test_a_stream_slot_is_freed_once_the_reply_starts() -> None:
    async def scenario() -> list[str]:
        def answer(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, content=agen([SSE]))

        client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
        transport = AsyncInFlightLimit(AsyncHttpTransport(client, HOST, FakeClock()), 1)
        call = stream_call(HOST, REQUEST, OPTIONS)
        first = await transport.open(call)
        second = await asyncio.wait_for(transport.open(call), timeout=5)
        texts = [chunk.text async for chunk in second] + [chunk.text async for chunk in first]
        await transport.aclose()
        return texts

    assert asyncio.run(scenario()) == ["a", "b", "a", "b"]


async def agen(pieces: list[bytes]) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


Handler = Callable[[httpx.Request], httpx.Response]


def stream_answer(*, gzipped: bool, asynchronous: bool) -> Handler:
    """A handler streaming ``SSE`` in pieces, gzip-encoded or not, for a sync or async client."""
    headers = {"content-type": "text/event-stream"}
    body = SSE
    if gzipped:
        headers["content-encoding"] = "gzip"
        body = gzip.compress(SSE)
    pieces = [body[:10], body[10:40], body[40:]]

    def answer(request: httpx.Request) -> httpx.Response:
        content = agen(pieces) if asynchronous else iter(pieces)
        return httpx.Response(200, headers=headers, content=content)

    return answer


def test_an_identity_stream_is_decoded() -> None:
    answer = stream_answer(gzipped=False, asynchronous=False)
    client = httpx.Client(transport=httpx.MockTransport(answer))
    transport = HttpTransport(client, HOST, FakeClock())
    chunks = transport.open(stream_call(HOST, REQUEST, OPTIONS))
    try:
        assert [chunk.text for chunk in chunks] == ["a", "b"]
    finally:
        chunks.close()
    transport.close()


def test_a_compressed_stream_is_refused_since_identity_was_asked() -> None:
    answer = stream_answer(gzipped=True, asynchronous=False)
    client = httpx.Client(transport=httpx.MockTransport(answer))
    transport = HttpTransport(client, HOST, FakeClock())
    with pytest.raises(StreamError, match="gzip"):
        chunks = transport.open(stream_call(HOST, REQUEST, OPTIONS))
        list(chunks)
    transport.close()


async def test_an_identity_stream_is_decoded_async() -> None:
    answer = stream_answer(gzipped=False, asynchronous=True)
    client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    transport = AsyncHttpTransport(client, HOST, FakeClock())
    chunks = await transport.open(stream_call(HOST, REQUEST, OPTIONS))
    try:
        assert [chunk.text async for chunk in chunks] == ["a", "b"]
    finally:
        await chunks.aclose()
    await transport.aclose()


async def test_a_compressed_stream_is_refused_since_identity_was_asked_async() -> None:
    answer = stream_answer(gzipped=True, asynchronous=True)
    client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    transport = AsyncHttpTransport(client, HOST, FakeClock())
    with pytest.raises(StreamError, match="gzip"):
        chunks = await transport.open(stream_call(HOST, REQUEST, OPTIONS))
        [chunk async for chunk in chunks]
    await transport.aclose()


@pytest.mark.parametrize("asynchronous", [False, True])
async def test_a_gzipped_json_answer_is_decoded(asynchronous: bool) -> None:
    body = gzip.compress(json.dumps(REPLY).encode())
    headers = {"content-type": "application/json", "content-encoding": "gzip"}

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["accept-encoding"] == "gzip, deflate"
        return httpx.Response(200, headers=headers, content=body)

    call = chat_call(HOST, REQUEST, OPTIONS)
    if asynchronous:
        client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
        reply = await AsyncHttpTransport(client, HOST, FakeClock()).send(call)
    else:
        sync_client = httpx.Client(transport=httpx.MockTransport(answer))
        reply = HttpTransport(sync_client, HOST, FakeClock()).send(call)
    assert reply.text == "ok"


def events_fed_bytewise(pieces: list[bytes]) -> list[str]:
    decoder = SSEDecoder()
    events = [event for piece in pieces for byte in piece for event in decoder.feed(bytes([byte]))]
    return events + decoder.flush()


def events_fed_whole(pieces: list[bytes]) -> list[str]:
    decoder = SSEDecoder()
    return [event for piece in pieces for event in decoder.feed(piece)] + decoder.flush()


@pytest.mark.parametrize(
    "pieces",
    [
        [b"data: one\n\n", b"data: two\n\n"],
        [b"data: one\n\ndata: two\n\n"],
        [b"data: one\n\ndata: two\ndata: more\n\n"],
        [b"data: one\n\n: comment\n\n", b"data: two\n\n"],
        [b"data: on", b"e\n\n", b"data: two\n\n"],
        [b"data: one\n", b"data: two\n\n"],
        [b"data: one\r", b"\ndata: two\n\n", b"data: three\r\n\r\n"],
        [b"data:  spaced\n\n", b"data: \n\n", b"data: caf\xc3\xa9\n\n"],
        [b"data: one\n\n\n\n", b"data: two\n\n"],
        [b"\xef\xbb\xbfdata: bom\n\n", b"data: two\n\n"],
    ],
)
def test_whole_event_pieces_decode_as_when_split_anywhere(pieces: list[bytes]) -> None:
    assert events_fed_whole(pieces) == events_fed_bytewise(pieces)


def test_chunks_from_whole_event_pieces_match_a_single_piece() -> None:
    events = [
        b"data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": t}}]}).encode()
        for t in ("x", "y", "z")
    ]
    pieces = [event + b"\n\n" for event in events] + [b"data: [DONE]\n\n"]
    assert [c.text for c in iter_chunks(pieces)] == ["x", "y", "z"]
    assert list(iter_chunks(pieces)) == list(iter_chunks([b"".join(pieces)]))
