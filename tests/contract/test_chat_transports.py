"""Runs the chat-transport contract against http (over httpx.MockTransport) and the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from urllib.parse import quote

import httpx

from brickgate.adapters.fake_clock import FakeClock
from brickgate.adapters.transport.auth import AsyncBearerAuth, BearerAuth, StaticTokenProvider
from brickgate.adapters.transport.fake import (
    FakeAsyncChatTransport,
    FakeChatTransport,
    JsonReply,
    Operation,
    Reply,
    StreamReply,
)
from brickgate.adapters.transport.http import HttpChatTransport
from brickgate.adapters.transport.http_async import AsyncHttpChatTransport
from brickgate.domain.chat import (
    CallOptions,
    ChatChunk,
    ChatRequest,
    ChatResponse,
    EmbeddingRequest,
    EmbeddingResponse,
    Endpoint,
)
from brickgate.domain.credentials import Secret
from brickgate.domain.errors import BrickgateError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.ports.transport import AsyncChatTransport, ChatTransport
from tests.contract.chat_transport_contract import NO_OPTIONS, ChatTransportContract

HOST = WorkspaceHost.parse("adb-1234567890123456.7.azuredatabricks.net")
TOKEN = Secret("dapi0123456789abcdef0123456789abcdef")
AWKWARD_SIZES = (1, 7, 2, 64, 3, 1, 13, 5)


class AwkwardStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """Body bytes handed out in small pieces that split lines, events and UTF-8 characters."""

    def __init__(self, data: bytes) -> None:
        self._pieces: list[bytes] = []
        position, turn = 0, 0
        while position < len(data):
            size = AWKWARD_SIZES[turn % len(AWKWARD_SIZES)]
            self._pieces.append(data[position : position + size])
            position, turn = position + size, turn + 1

    def __iter__(self) -> Iterator[bytes]:
        yield from self._pieces

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self._pieces:
            yield piece


def expected_path(operation: Operation, request: httpx.Request) -> str:
    if operation in ("chat", "stream"):
        return "/serving-endpoints/chat/completions"
    if operation == "embed":
        return "/serving-endpoints/embeddings"
    if operation == "endpoints":
        return "/api/2.0/serving-endpoints"
    return request.url.raw_path.decode()


class WireScript:
    """Serves scripted replies as HTTP answers, checking every request on the way in."""

    def __init__(self, operation: Operation, replies: tuple[Reply, ...]) -> None:
        self.operation = operation
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert request.url.host == HOST.name
        assert request.headers["authorization"] == f"Bearer {TOKEN.get_secret_value()}"
        assert request.url.raw_path.decode() == expected_path(self.operation, request)
        reply = self.replies.pop(0)
        if isinstance(reply, BrickgateError):
            raise AssertionError("wire scripts hold wire replies only")
        if isinstance(reply, StreamReply):
            body = b"".join(reply.pieces())
            headers = {"content-type": "text/event-stream"}
            return httpx.Response(200, headers=headers, stream=AwkwardStream(body))
        return httpx.Response(reply.status, headers=dict(reply.headers), json=dict(reply.body))


class SyncHarness:
    """A sync transport behind the async harness interface."""

    def __init__(self, transport: ChatTransport, sent: WireScript | FakeChatTransport) -> None:
        self.transport = transport
        self._sent = sent

    async def chat(self, request: ChatRequest, options: CallOptions = NO_OPTIONS) -> ChatResponse:
        return self.transport.chat(request, options)

    async def stream(
        self, request: ChatRequest, options: CallOptions = NO_OPTIONS
    ) -> list[ChatChunk]:
        opened = self.transport.stream(request, options)
        try:
            return list(opened)
        finally:
            opened.close()

    async def embed(self, request: EmbeddingRequest) -> EmbeddingResponse:
        return self.transport.embed(request, NO_OPTIONS)

    async def endpoints(self) -> list[Endpoint]:
        return self.transport.endpoints(NO_OPTIONS)

    async def endpoint(self, name: str) -> Endpoint:
        return self.transport.endpoint(name, NO_OPTIONS)

    def sent(self) -> int:
        return _count(self._sent)


class AsyncHarness:
    """An async transport behind the harness interface."""

    def __init__(
        self, transport: AsyncChatTransport, sent: WireScript | FakeAsyncChatTransport
    ) -> None:
        self.transport = transport
        self._sent = sent

    async def chat(self, request: ChatRequest, options: CallOptions = NO_OPTIONS) -> ChatResponse:
        return await self.transport.chat(request, options)

    async def stream(
        self, request: ChatRequest, options: CallOptions = NO_OPTIONS
    ) -> list[ChatChunk]:
        opened = await self.transport.stream(request, options)
        try:
            return [chunk async for chunk in opened]
        finally:
            await opened.aclose()

    async def embed(self, request: EmbeddingRequest) -> EmbeddingResponse:
        return await self.transport.embed(request, NO_OPTIONS)

    async def endpoints(self) -> list[Endpoint]:
        return await self.transport.endpoints(NO_OPTIONS)

    async def endpoint(self, name: str) -> Endpoint:
        return await self.transport.endpoint(name, NO_OPTIONS)

    def sent(self) -> int:
        return _count(self._sent)


def _count(sent: WireScript | FakeChatTransport | FakeAsyncChatTransport) -> int:
    return len(sent.requests) if isinstance(sent, WireScript) else len(sent.calls)


class TestHttpTransport(ChatTransportContract):
    __test__ = True

    def make(self, operation: Operation, *replies: Reply) -> SyncHarness:
        script = WireScript(operation, replies)
        client = httpx.Client(transport=httpx.MockTransport(script))
        auth = BearerAuth(HOST, StaticTokenProvider(TOKEN))
        transport = HttpChatTransport(
            client, HOST, auth, surface="serving-endpoints", clock=FakeClock()
        )
        return SyncHarness(transport, script)

    def test_endpoint_path_is_exactly_one_encoded_segment(self) -> None:
        script = WireScript("endpoint", (JsonReply({"name": "../../api/2.0/x"}),))
        client = httpx.Client(transport=httpx.MockTransport(script))
        transport = HttpChatTransport(
            client, HOST, BearerAuth(HOST, StaticTokenProvider(TOKEN)), clock=FakeClock()
        )
        transport.endpoint("../../api/2.0/x", NO_OPTIONS)
        expected = "/api/2.0/serving-endpoints/" + quote("../../api/2.0/x", safe="")
        assert script.requests[0].url.raw_path.decode() == expected
        assert expected == "/api/2.0/serving-endpoints/..%2F..%2Fapi%2F2.0%2Fx"


class TestAsyncHttpTransport(ChatTransportContract):
    __test__ = True

    def make(self, operation: Operation, *replies: Reply) -> AsyncHarness:
        script = WireScript(operation, replies)
        client = httpx.AsyncClient(transport=httpx.MockTransport(script))
        auth = AsyncBearerAuth(HOST, StaticTokenProvider(TOKEN))
        transport = AsyncHttpChatTransport(
            client, HOST, auth, surface="serving-endpoints", clock=FakeClock()
        )
        return AsyncHarness(transport, script)


class TestFakeTransport(ChatTransportContract):
    __test__ = True

    def make(self, operation: Operation, *replies: Reply) -> SyncHarness:
        fake = FakeChatTransport(clock=FakeClock())
        fake.enqueue(operation, *replies)
        return SyncHarness(fake, fake)


class TestFakeAsyncTransport(ChatTransportContract):
    __test__ = True

    def make(self, operation: Operation, *replies: Reply) -> AsyncHarness:
        fake = FakeAsyncChatTransport(clock=FakeClock())
        fake.enqueue(operation, *replies)
        return AsyncHarness(fake, fake)
