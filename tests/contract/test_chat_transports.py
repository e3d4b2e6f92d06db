"""Runs the chat-transport contract against http (over httpx or httpx2 MockTransport), the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import lru_cache
from types import ModuleType
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from brickgate.adapters.transport.auth import (
    StaticTokenProvider,
    async_bearer_auth_for,
    bearer_auth_for,
)
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
from brickgate.domain.errors import BrickgateError, NotFoundError, TimeoutError, TransportError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.ports.transport import AsyncChatTransport, ChatTransport
from brickgate.testing import FakeClock
from tests.contract.chat_transport_contract import NO_OPTIONS, ChatTransportContract

HOST = WorkspaceHost.parse("adb-1234567890123456.7.azuredatabricks.net")
TOKEN = Secret("dapi0123456789abcdef0123456789abcdef")
AWKWARD_SIZES = (1, 7, 2, 64, 3, 1, 13, 5)


@pytest.fixture(params=["httpx", "httpx2"])
def wire(request: pytest.FixtureRequest) -> ModuleType:
    """The HTTP library under the wire tests; httpx2 runs when installed (the test extra has it)."""
    library: ModuleType = pytest.importorskip(request.param)
    return library


class AwkwardPieces:
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


@lru_cache(maxsize=4)
def awkward_stream_class(library: ModuleType) -> type[Any]:
    """``AwkwardPieces`` as a sync and async byte stream of ``library`` (httpx or httpx2)."""
    bases = (AwkwardPieces, library.SyncByteStream, library.AsyncByteStream)
    return type("AwkwardStream", bases, {})


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

    def __init__(
        self, operation: Operation, replies: tuple[Reply, ...], library: ModuleType = httpx
    ) -> None:
        self.library = library
        self.operation = operation
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert request.url.host == HOST.name
        assert request.headers["authorization"] == f"Bearer {TOKEN.get_secret_value()}"
        assert request.url.raw_path.decode() == expected_path(self.operation, request)
        reply = self.replies.pop(0)
        library = self.library
        if isinstance(reply, TimeoutError):
            raise library.ReadTimeout("timed out", request=request)
        if isinstance(reply, TransportError):
            raise library.ConnectError("[Errno 111] Connection refused", request=request)
        if isinstance(reply, BrickgateError):
            raise AssertionError("wire scripts raise only timeouts and connection errors")
        if isinstance(reply, StreamReply):
            body = b"".join(reply.pieces())
            headers = {"content-type": "text/event-stream"}
            stream = awkward_stream_class(library)(body)
            response: httpx.Response = library.Response(200, headers=headers, stream=stream)
        else:
            response = library.Response(
                reply.status, headers=dict(reply.headers), json=dict(reply.body)
            )
        return response


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

    @pytest.fixture(autouse=True)
    def _library(self, wire: ModuleType) -> None:
        self.library = wire

    def make(self, operation: Operation, *replies: Reply) -> SyncHarness:
        script = WireScript(operation, replies, self.library)
        client = self.library.Client(transport=self.library.MockTransport(script))
        auth = bearer_auth_for(client, HOST, StaticTokenProvider(TOKEN))
        transport = HttpChatTransport(
            client, HOST, auth, surface="serving-endpoints", clock=FakeClock()
        )
        return SyncHarness(transport, script)

    def test_endpoint_path_is_exactly_one_encoded_segment(self) -> None:
        script = WireScript("endpoint", (JsonReply({"name": "../../api/2.0/x"}),), self.library)
        client = self.library.Client(transport=self.library.MockTransport(script))
        transport = HttpChatTransport(
            client,
            HOST,
            bearer_auth_for(client, HOST, StaticTokenProvider(TOKEN)),
            clock=FakeClock(),
        )
        transport.endpoint("../../api/2.0/x", NO_OPTIONS)
        expected = "/api/2.0/serving-endpoints/" + quote("../../api/2.0/x", safe="")
        assert script.requests[0].url.raw_path.decode() == expected
        assert expected == "/api/2.0/serving-endpoints/..%2F..%2Fapi%2F2.0%2Fx"


class TestAsyncHttpTransport(ChatTransportContract):
    __test__ = True

    @pytest.fixture(autouse=True)
    def _library(self, wire: ModuleType) -> None:
        self.library = wire

    def make(self, operation: Operation, *replies: Reply) -> AsyncHarness:
        script = WireScript(operation, replies, self.library)
        client = self.library.AsyncClient(transport=self.library.MockTransport(script))
        auth = async_bearer_auth_for(client, HOST, StaticTokenProvider(TOKEN))
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


class TestFakeWithoutScript:
    """The fake answers canned replies with zero setup and records what it was asked."""

    def test_canned_chat_names_the_model_and_records_the_call(self) -> None:
        fake = FakeChatTransport()
        options = CallOptions(timeout=3.0)
        reply = fake.chat(ChatRequest("databricks-claude-haiku-4-5", {"messages": []}), options)
        assert "databricks-claude-haiku-4-5" in reply.text
        assert reply.model == "databricks-claude-haiku-4-5"
        assert [(call.operation, call.options) for call in fake.calls] == [("chat", options)]

    def test_canned_stream_assembles_to_the_canned_chat_text(self) -> None:
        fake = FakeChatTransport()
        request = ChatRequest("m", {"messages": []})
        chunks = list(fake.stream(request, NO_OPTIONS))
        assert "".join(chunk.text for chunk in chunks) == fake.chat(request, NO_OPTIONS).text
        assert chunks[-1].finish_reason == "stop"

    def test_canned_embeddings_are_stable_per_input(self) -> None:
        fake = FakeChatTransport()
        request = EmbeddingRequest("databricks-gte-large-en", ("a", "b", "a"))
        vectors = fake.embed(request, NO_OPTIONS).vectors
        assert vectors[0] == vectors[2] != vectors[1]
        assert len(vectors[0]) == 8

    def test_canned_endpoints(self) -> None:
        fake = FakeChatTransport()
        assert all(endpoint.ready for endpoint in fake.endpoints(NO_OPTIONS))
        assert fake.endpoint("my-endpoint", NO_OPTIONS).name == "my-endpoint"

    async def test_async_fake_canned_replies_and_close(self) -> None:
        fake = FakeAsyncChatTransport()
        reply = await fake.chat(ChatRequest("m", {"messages": []}), NO_OPTIONS)
        opened = await fake.stream(ChatRequest("m", {"messages": []}), NO_OPTIONS)
        assert "".join([chunk.text async for chunk in opened]) == reply.text
        await fake.aclose()
        assert fake.closed

    def test_script_refuses_replies_that_cannot_answer(self) -> None:
        fake = FakeChatTransport()
        with pytest.raises(ValueError, match="StreamReply"):
            fake.enqueue("chat", StreamReply())
        with pytest.raises(ValueError, match="StreamReply"):
            fake.enqueue("stream", JsonReply({}))
        with pytest.raises(ValueError, match="operation"):
            fake.enqueue("complete", JsonReply({}))  # type: ignore[arg-type]
        assert fake.pending("chat") == 0

    def test_scripted_error_is_raised_then_the_canned_reply_returns(self) -> None:
        fake = FakeChatTransport()
        fake.enqueue("endpoint", NotFoundError("gone", status=404))
        with pytest.raises(NotFoundError):
            fake.endpoint("x", NO_OPTIONS)
        assert fake.endpoint("x", NO_OPTIONS).name == "x"
