"""Runs the workspace-transport contract against every in-package adapter of the port.

HTTP drivers over httpx's and httpx2's ``MockTransport`` (bodies handed out in awkward pieces),
the fake transports, each policy wrapping a fake, and the production stack (retry, gate and
auth over the HTTP driver), each in its sync and async form.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from functools import lru_cache
from types import ModuleType
from typing import Any

import httpx
import pytest

from brickgate.adapters.tokens._async.static import AsyncStaticTokenSource
from brickgate.adapters.tokens._sync.static import StaticTokenSource
from brickgate.adapters.transport._async.http import AsyncHttpTransport
from brickgate.adapters.transport._async.policies import (
    AsyncAuthenticatedTransport,
    AsyncGatedTransport,
    AsyncRetryingTransport,
)
from brickgate.adapters.transport._sync.http import HttpTransport
from brickgate.adapters.transport._sync.policies import (
    AuthenticatedTransport,
    GatedTransport,
    RetryingTransport,
)
from brickgate.adapters.transport.gate import BackoffGate
from brickgate.adapters.transport.in_flight import AsyncInFlightLimit
from brickgate.adapters.transport.retry_policy import RetryPolicy
from brickgate.domain.calls import BasicAuth
from brickgate.domain.calls.serving import (
    chat_call,
    embed_call,
    endpoint_call,
    endpoints_call,
    stream_call,
)
from brickgate.domain.calls.statements import poll_call
from brickgate.domain.chat import CallOptions, ChatRequest, EmbeddingRequest
from brickgate.domain.credentials import Secret
from brickgate.domain.errors import (
    BrickgateError,
    ConnectError,
    NotFoundError,
    StreamError,
    TimeoutError,
    TransportError,
)
from brickgate.testing import AsyncFakeTransport, FakeClock, FakeTransport, JsonReply, StreamReply
from brickgate.testing.contracts.workspace_transport import (
    HOST,
    Received,
    Scripted,
    WorkspaceTransportContract,
    received_from_calls,
    received_from_wire,
)
from brickgate.testing.fake_script import Reply

TOKEN = Secret("dapi0123456789abcdef0123456789abcdef")
BEARER = f"Bearer {TOKEN.get_secret_value()}"
AWKWARD_SIZES = (1, 7, 2, 64, 3, 1, 13, 5)
NO_OPTIONS = CallOptions()


@pytest.fixture(params=["httpx", "httpx2"])
def wire(request: pytest.FixtureRequest) -> ModuleType:
    """The HTTP library under the wire tests (httpx2 is in the test extra)."""
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
    return type(
        "AwkwardStream", (AwkwardPieces, library.SyncByteStream, library.AsyncByteStream), {}
    )


class WireScript:
    """A ``MockTransport`` handler: serves scripted replies as HTTP answers, records requests."""

    def __init__(self, replies: tuple[Reply, ...], library: ModuleType) -> None:
        self.library = library
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def received(self) -> list[Received]:
        return [
            received_from_wire(r.method, r.url.raw_path, r.headers, r.content)
            for r in self.requests
        ]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.host == HOST.name and request.url.scheme == "https"
        request.read()
        self.requests.append(request)
        reply = self.replies.pop(0)
        library = self.library
        if isinstance(reply, ConnectError):
            raise library.ConnectError(str(reply), request=request)
        if isinstance(reply, TimeoutError):
            raise library.ReadTimeout(str(reply), request=request)
        if isinstance(reply, BrickgateError):
            raise AssertionError("wire scripts raise only timeouts and refused connections")
        if isinstance(reply, StreamReply):
            body = b"".join(reply.pieces())
            headers = {"content-type": "text/event-stream"}
            stream = awkward_stream_class(library)(body)
            response: httpx.Response = library.Response(200, headers=headers, stream=stream)
            return response
        answer: httpx.Response = library.Response(
            reply.status, headers=dict(reply.headers), json=dict(reply.body)
        )
        return answer


class TestHttpTransport(WorkspaceTransportContract):
    __test__ = True

    @pytest.fixture(autouse=True)
    def _library(self, wire: ModuleType) -> None:
        self.library = wire

    def make(self, operation: str, *replies: Reply) -> Scripted:
        script = WireScript(replies, self.library)
        client = self.library.Client(transport=self.library.MockTransport(script))
        return Scripted(HttpTransport(client, HOST, FakeClock()), script.received)


class TestAsyncHttpTransport(WorkspaceTransportContract):
    __test__ = True

    @pytest.fixture(autouse=True)
    def _library(self, wire: ModuleType) -> None:
        self.library = wire

    def make(self, operation: str, *replies: Reply) -> Scripted:
        script = WireScript(replies, self.library)
        client = self.library.AsyncClient(transport=self.library.MockTransport(script))
        return Scripted(AsyncHttpTransport(client, HOST, FakeClock()), script.received)


class TestProductionStack(WorkspaceTransportContract):
    """What a client sends through: retry, the batch gate and auth over the HTTP driver."""

    __test__ = True
    attached_authorization = BEARER

    def make(self, operation: str, *replies: Reply) -> Scripted:
        script = WireScript(replies, httpx)
        clock = FakeClock()
        driver = HttpTransport(httpx.Client(transport=httpx.MockTransport(script)), HOST, clock)
        authed = AuthenticatedTransport(driver, StaticTokenSource(TOKEN))
        stack = RetryingTransport(GatedTransport(authed, BackoffGate(clock)), RetryPolicy(), clock)
        return Scripted(stack, script.received)


class TestAsyncProductionStack(WorkspaceTransportContract):
    """The async stack, with the in-flight limit a ``BRICKGATE_MAX_IN_FLIGHT`` setting adds."""

    __test__ = True
    attached_authorization = BEARER

    def make(self, operation: str, *replies: Reply) -> Scripted:
        script = WireScript(replies, httpx)
        clock = FakeClock()
        client = httpx.AsyncClient(transport=httpx.MockTransport(script))
        driver = AsyncInFlightLimit(AsyncHttpTransport(client, HOST, clock), 4)
        authed = AsyncAuthenticatedTransport(driver, AsyncStaticTokenSource(TOKEN))
        gated = AsyncGatedTransport(authed, BackoffGate(clock))
        return Scripted(AsyncRetryingTransport(gated, RetryPolicy(), clock), script.received)


def scripted_fake(fake: FakeTransport | AsyncFakeTransport, operation: str, replies: Any) -> Any:
    fake.enqueue(operation, *replies)
    return lambda: received_from_calls(fake.calls)


class TestFakeTransport(WorkspaceTransportContract):
    __test__ = True

    def make(self, operation: str, *replies: Reply) -> Scripted:
        fake = FakeTransport(clock=FakeClock())
        return Scripted(fake, scripted_fake(fake, operation, replies))


class TestAsyncFakeTransport(WorkspaceTransportContract):
    __test__ = True

    def make(self, operation: str, *replies: Reply) -> Scripted:
        fake = AsyncFakeTransport(clock=FakeClock())
        return Scripted(fake, scripted_fake(fake, operation, replies))


class TestAuthenticatedTransport(WorkspaceTransportContract):
    __test__ = True
    attached_authorization = BEARER

    def make(self, operation: str, *replies: Reply) -> Scripted:
        fake = FakeTransport()
        authed = AuthenticatedTransport(fake, StaticTokenSource(TOKEN))
        return Scripted(authed, scripted_fake(fake, operation, replies))


class TestAsyncAuthenticatedTransport(WorkspaceTransportContract):
    __test__ = True
    attached_authorization = BEARER

    def make(self, operation: str, *replies: Reply) -> Scripted:
        fake = AsyncFakeTransport()
        authed = AsyncAuthenticatedTransport(fake, AsyncStaticTokenSource(TOKEN))
        return Scripted(authed, scripted_fake(fake, operation, replies))


class TestRetryingTransport(WorkspaceTransportContract):
    __test__ = True

    def make(self, operation: str, *replies: Reply) -> Scripted:
        fake = FakeTransport()
        retrying = RetryingTransport(fake, RetryPolicy(), FakeClock())
        return Scripted(retrying, scripted_fake(fake, operation, replies))


class TestAsyncRetryingTransport(WorkspaceTransportContract):
    __test__ = True

    def make(self, operation: str, *replies: Reply) -> Scripted:
        fake = AsyncFakeTransport()
        retrying = AsyncRetryingTransport(fake, RetryPolicy(), FakeClock())
        return Scripted(retrying, scripted_fake(fake, operation, replies))


class TestGatedTransport(WorkspaceTransportContract):
    __test__ = True

    def make(self, operation: str, *replies: Reply) -> Scripted:
        fake = FakeTransport()
        gated = GatedTransport(fake, BackoffGate(FakeClock()))
        return Scripted(gated, scripted_fake(fake, operation, replies))


class TestAsyncGatedTransport(WorkspaceTransportContract):
    __test__ = True

    def make(self, operation: str, *replies: Reply) -> Scripted:
        fake = AsyncFakeTransport()
        gated = AsyncGatedTransport(fake, BackoffGate(FakeClock()))
        return Scripted(gated, scripted_fake(fake, operation, replies))


class TestAsyncInFlightLimit(WorkspaceTransportContract):
    __test__ = True

    def make(self, operation: str, *replies: Reply) -> Scripted:
        fake = AsyncFakeTransport()
        return Scripted(AsyncInFlightLimit(fake, 1), scripted_fake(fake, operation, replies))


def test_wire_requests_are_read_back_as_the_contract_sees_them() -> None:
    request = httpx.Request(
        "POST",
        "https://h.example/api/2.0/serving-endpoints/a%2Fb%3Fc?x=1",
        headers={"Authorization": "Bearer t", "X-Trace": "abc", "User-Agent": "brickgate/1"},
        content=b"{}",
    )
    received = received_from_wire(request.method, request.url.raw_path, request.headers, b"{}")
    assert received.path == ("api", "2.0", "serving-endpoints", "a/b?c")
    assert received.headers == {"x-trace": "abc"}
    assert (received.authorization, received.body) == ("Bearer t", b"{}")


class TestFakeWithoutScript:
    """The fake answers canned replies with zero setup and records what it was asked."""

    def test_canned_chat_names_the_model_and_records_the_call(self) -> None:
        fake = FakeTransport()
        request = ChatRequest("databricks-claude-haiku-4-5", {"messages": []})
        reply = fake.send(chat_call(HOST, request, CallOptions(timeout=3.0)))
        assert "databricks-claude-haiku-4-5" in reply.text
        assert reply.model == "databricks-claude-haiku-4-5"
        assert [(call.operation, call.model, call.request.timeout) for call in fake.calls] == [
            ("chat", "databricks-claude-haiku-4-5", 3.0)
        ]

    def test_canned_stream_assembles_to_the_canned_chat_text(self) -> None:
        fake = FakeTransport()
        request = ChatRequest("m", {"messages": []})
        chunks = list(fake.open(stream_call(HOST, request, NO_OPTIONS)))
        text = fake.send(chat_call(HOST, request, NO_OPTIONS)).text
        assert "".join(chunk.text for chunk in chunks) == text
        assert chunks[-1].finish_reason == "stop"

    def test_canned_embeddings_are_stable_per_input(self) -> None:
        fake = FakeTransport()
        request = EmbeddingRequest("databricks-gte-large-en", ("a", "b", "a"))
        vectors = fake.send(embed_call(HOST, request, NO_OPTIONS)).vectors
        assert vectors[0] == vectors[2] != vectors[1]
        assert len(vectors[0]) == 8

    def test_canned_endpoints_and_statements(self) -> None:
        fake = FakeTransport()
        assert all(endpoint.ready for endpoint in fake.send(endpoints_call(NO_OPTIONS)))
        assert fake.send(endpoint_call("my-endpoint", NO_OPTIONS)).name == "my-endpoint"
        assert fake.send(poll_call("s-1")).state == "SUCCEEDED"

    async def test_async_fake_canned_replies_and_close(self) -> None:
        fake = AsyncFakeTransport()
        request = ChatRequest("m", {"messages": []})
        reply = await fake.send(chat_call(HOST, request, NO_OPTIONS))
        opened = await fake.open(stream_call(HOST, request, NO_OPTIONS))
        assert "".join([chunk.text async for chunk in opened]) == reply.text
        await fake.aclose()
        await fake.aclose()
        assert fake.closed
        with pytest.raises(TransportError, match="closed"):
            await fake.send(chat_call(HOST, request, NO_OPTIONS))
        assert len(fake.calls) == 2

    def test_script_refuses_replies_that_cannot_answer(self) -> None:
        fake = FakeTransport()
        with pytest.raises(ValueError, match="StreamReply"):
            fake.enqueue("chat", StreamReply())
        with pytest.raises(ValueError, match="StreamReply"):
            fake.enqueue("stream", JsonReply({}))
        with pytest.raises(ValueError, match="operation"):
            fake.enqueue("complete", JsonReply({}))
        assert fake.pending("chat") == 0

    def test_scripted_error_is_raised_then_the_canned_reply_returns(self) -> None:
        fake = FakeTransport()
        fake.enqueue("endpoint", NotFoundError("gone", status=404))
        with pytest.raises(NotFoundError):
            fake.send(endpoint_call("x", NO_OPTIONS))
        assert fake.send(endpoint_call("x", NO_OPTIONS)).name == "x"
        assert fake.pending("endpoint") == 0


def test_the_auth_policy_keeps_a_stream_calls_own_credentials() -> None:
    fake = FakeTransport()
    own = stream_call(HOST, ChatRequest("m", {"messages": []}), NO_OPTIONS)
    own = own.with_request(own.request.authorized(BasicAuth("client", Secret("dose-own-secret"))))
    chunks = AuthenticatedTransport(fake, StaticTokenSource(TOKEN)).open(own)
    assert list(chunks)
    [received] = received_from_calls(fake.calls)
    assert received.authorization is not None and received.authorization.startswith("Basic ")


def test_the_production_stack_retries_an_opening_but_never_a_stream_that_started() -> None:
    script = WireScript(
        (
            JsonReply({"error_code": "TEMPORARILY_UNAVAILABLE", "message": "busy"}, status=503),
            StreamReply([{"choices": [{"index": 0, "delta": {"content": "Hel"}}]}], done=False),
        ),
        httpx,
    )
    clock = FakeClock()
    driver = HttpTransport(httpx.Client(transport=httpx.MockTransport(script)), HOST, clock)
    stack = RetryingTransport(
        AuthenticatedTransport(driver, StaticTokenSource(TOKEN)), RetryPolicy(), clock
    )
    chunks = stack.open(stream_call(HOST, ChatRequest("m", {"messages": []}), NO_OPTIONS))
    received = []
    with pytest.raises(StreamError, match=r"\[DONE\]"):
        for chunk in chunks:
            received.append(chunk.text)
    assert received == ["Hel"]
    assert len(script.requests) == 2
    assert len(clock.sleeps) == 1


def test_importing_brickgate_and_its_fakes_needs_no_pytest() -> None:
    script = (
        "import sys, brickgate, brickgate.testing\n"
        "brickgate.testing.FakeTransport\n"
        "assert 'pytest' not in sys.modules, 'pytest was imported'\n"
        "assert 'brickgate.testing.contracts' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
