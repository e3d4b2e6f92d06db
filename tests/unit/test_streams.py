"""Streamed replies through the public clients over httpx.MockTransport (sync and async)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

import brickgate
from brickgate.client import AsyncClient, Client
from brickgate.container import create_client_container
from brickgate.domain.chat import ChatChunk
from brickgate.testing import FakeClock
from tests.unit.test_client import (
    CHAT_PATH,
    CLAUDE,
    HOST,
    LLAMA,
    PAYLOADS,
    TOKEN,
    MockWorkspace,
    error_response,
    make_client,
    payload_lines,
    sse,
    sse_response,
)

LLAMA_CHUNKS = payload_lines("ai_bridge_stream_chunks_llama31.jsonl")
DBRX_CHUNKS = payload_lines("litellm_stream_chunks_dbrx.jsonl")
GOOSE_SSE = (PAYLOADS / "goose_databricks_claude_stream_two_tool_calls.sse").read_bytes()


def make_async_client(ws: MockWorkspace, **overrides: Any) -> AsyncClient:
    """An AsyncClient for HOST/TOKEN whose HTTP goes to ``ws``."""
    http_client = httpx.AsyncClient(transport=httpx.MockTransport(ws))
    options: dict[str, Any] = {"host": HOST, "token": TOKEN, "async_http_client": http_client}
    options.update(overrides)
    return AsyncClient(container=create_client_container(**options))


class BrokenBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that sends ``head`` and then fails as a reset connection would."""

    def __init__(self, head: bytes) -> None:
        self._head = head

    def __iter__(self) -> Iterator[bytes]:
        yield self._head
        raise httpx.ReadError("connection reset by peer")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._head
        raise httpx.ReadError("connection reset by peer")


def broken_stream(head: bytes) -> httpx.Response:
    return httpx.Response(
        200, stream=BrokenBody(head), headers={"content-type": "text/event-stream"}
    )


def text_of(chunks: list[dict[str, Any]]) -> str:
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)


@pytest.fixture
def ws() -> MockWorkspace:
    return MockWorkspace()


@pytest.fixture
def client(ws: MockWorkspace) -> Client:
    return make_client(ws, max_retries=0)


@pytest.fixture
def aclient(ws: MockWorkspace) -> AsyncClient:
    return make_async_client(ws, max_retries=0)


class TestSyncStream:
    def test_chunks_then_the_assembled_response(self, client: Client, ws: MockWorkspace) -> None:
        with client.stream(LLAMA, "What is 36939 x 8922.4?") as stream:
            received = list(stream)
        assert [c.text for c in received] == [
            c["choices"][0]["delta"]["content"] for c in LLAMA_CHUNKS
        ]
        final = stream.response
        assert final.text == text_of(LLAMA_CHUNKS)
        assert final.model == "meta-llama-3.1-70b-instruct-072424"
        assert final.finish_reason == "stop"
        assert final.usage is not None and final.usage.total_tokens == 66

    def test_the_request_asks_for_a_stream(self, client: Client, ws: MockWorkspace) -> None:
        with client.stream(LLAMA, "Hi", max_completion_tokens=10) as stream:
            adjustments = stream.response.adjustments
        (request,) = ws.requests
        assert request.url.path == CHAT_PATH
        assert request.headers["accept"] == "text/event-stream"
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        body = json.loads(request.content)
        assert body["stream"] is True
        assert body["max_tokens"] == 10
        assert [a.rule for a in adjustments] == ["rename_max_completion_tokens"]

    def test_nothing_is_sent_before_the_stream_is_entered(
        self, client: Client, ws: MockWorkspace
    ) -> None:
        stream = client.stream(LLAMA, "Hi")
        assert ws.requests == []
        assert stream.response.text == text_of(LLAMA_CHUNKS)
        assert len(ws.requests) == 1

    def test_tool_calls_indexed_from_one_are_assembled(
        self, client: Client, ws: MockWorkspace
    ) -> None:
        ws.script(CHAT_PATH, sse_response(GOOSE_SSE))
        with client.stream(CLAUDE, "run ls twice") as stream:
            deltas = [d for chunk in stream for d in chunk.tool_calls]
        assert {d.index for d in deltas} == {1, 2}
        final = stream.response
        assert [call.name for call in final.tool_calls] == ["developer__shell"] * 2
        for call in final.tool_calls:
            assert "command" in json.loads(call.arguments)
        assert final.finish_reason == "tool_calls"
        assert final.text.startswith("I'll run both `ls` commands")
        assert final.usage is not None and final.usage.completion_tokens == 122

    def test_a_stream_without_done_raises_with_the_partial_text(
        self, client: Client, ws: MockWorkspace
    ) -> None:
        ws.script(CHAT_PATH, sse_response(sse(DBRX_CHUNKS, done=False)))
        received: list[ChatChunk] = []
        stream = client.stream(LLAMA, "Hi")
        with pytest.raises(brickgate.StreamError, match=r"\[DONE\]") as caught, stream:
            received.extend(stream)
        assert "".join(c.text for c in received) == "Hello world!"
        assert caught.value.partial is not None
        assert caught.value.partial.text == "Hello world!"

    def test_a_connection_reset_mid_stream_keeps_what_arrived(
        self, client: Client, ws: MockWorkspace
    ) -> None:
        ws.script(CHAT_PATH, broken_stream(sse(LLAMA_CHUNKS[:2], done=False)))
        stream = client.stream(LLAMA, "Hi")
        with pytest.raises(brickgate.StreamError) as caught, stream:
            for _ in stream:
                pass
        assert caught.value.partial is not None
        assert caught.value.partial.text == text_of(LLAMA_CHUNKS[:2])
        assert TOKEN not in str(caught.value)

    def test_malformed_data_is_a_stream_error(self, client: Client, ws: MockWorkspace) -> None:
        body = sse(DBRX_CHUNKS[:1], done=False) + b"data: {not json\n\n"
        ws.script(CHAT_PATH, sse_response(body))
        with pytest.raises(brickgate.StreamError) as caught:
            client.stream(LLAMA, "Hi").response  # noqa: B018
        assert caught.value.partial is not None
        assert caught.value.partial.text == "Hello"

    def test_an_error_event_is_mapped(self, client: Client, ws: MockWorkspace) -> None:
        error = {"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "Exceeded workspace QPS"}
        ws.script(CHAT_PATH, sse_response(sse([DBRX_CHUNKS[0], error])))
        with pytest.raises(brickgate.RateLimitError), client.stream(LLAMA, "Hi") as stream:
            list(stream)

    def test_an_error_answer_fails_on_entering(self, client: Client, ws: MockWorkspace) -> None:
        body = {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "No such endpoint."}
        ws.script(CHAT_PATH, error_response(404, body))
        with pytest.raises(brickgate.NotFoundError), client.stream(LLAMA, "Hi"):
            pytest.fail("the stream must not open")

    def test_opening_is_retried_before_any_chunk(self, ws: MockWorkspace) -> None:
        clock = FakeClock()
        client = make_client(ws, max_retries=1, clock=clock)
        body = {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "Retry later."}
        ws.script(CHAT_PATH, error_response(503, body))
        with client.stream(LLAMA, "Hi") as stream:
            assert stream.response.text == text_of(LLAMA_CHUNKS)
        assert len(ws.requests) == 2
        assert len(clock.sleeps) == 1

    def test_a_broken_stream_is_never_retried(self, ws: MockWorkspace) -> None:
        client = make_client(ws, max_retries=3, clock=FakeClock())
        ws.script(CHAT_PATH, sse_response(sse(DBRX_CHUNKS, done=False)))
        with pytest.raises(brickgate.StreamError):
            client.stream(LLAMA, "Hi").response  # noqa: B018
        assert len(ws.requests) == 1

    def test_iterating_twice_yields_nothing_new(self, client: Client) -> None:
        with client.stream(LLAMA, "Hi") as stream:
            first = list(stream)
            second = list(stream)
        assert len(first) == len(LLAMA_CHUNKS)
        assert second == []
        assert stream.response.text == text_of(LLAMA_CHUNKS)


class TestAsyncStream:
    async def test_chunks_then_the_assembled_response(
        self, aclient: AsyncClient, ws: MockWorkspace
    ) -> None:
        async with aclient.stream(LLAMA, "What is 36939 x 8922.4?") as stream:
            texts = [chunk.text async for chunk in stream]
        assert "".join(texts) == text_of(LLAMA_CHUNKS)
        final = await stream.get_response()
        assert final.text == stream.response.text == text_of(LLAMA_CHUNKS)
        assert final.model == "meta-llama-3.1-70b-instruct-072424"
        assert final.usage is not None and final.usage.total_tokens == 66
        (request,) = ws.requests
        assert json.loads(request.content)["stream"] is True
        assert request.headers["authorization"] == f"Bearer {TOKEN}"

    async def test_get_response_consumes_the_stream(
        self, aclient: AsyncClient, ws: MockWorkspace
    ) -> None:
        ws.script(CHAT_PATH, sse_response(GOOSE_SSE))
        stream = aclient.stream(CLAUDE, "run ls twice")
        assert ws.requests == []
        final = await stream.get_response()
        assert len(final.tool_calls) == 2
        assert final.finish_reason == "tool_calls"

    async def test_a_stream_without_done_raises_with_the_partial_text(
        self, aclient: AsyncClient, ws: MockWorkspace
    ) -> None:
        ws.script(CHAT_PATH, sse_response(sse(DBRX_CHUNKS, done=False)))
        with pytest.raises(brickgate.StreamError) as caught:
            async with aclient.stream(LLAMA, "Hi") as stream:
                async for _ in stream:
                    pass
        assert caught.value.partial is not None
        assert caught.value.partial.text == "Hello world!"

    async def test_a_connection_reset_mid_stream_keeps_what_arrived(
        self, aclient: AsyncClient, ws: MockWorkspace
    ) -> None:
        ws.script(CHAT_PATH, broken_stream(sse(LLAMA_CHUNKS[:3], done=False)))
        with pytest.raises(brickgate.StreamError) as caught:
            await aclient.stream(LLAMA, "Hi").get_response()
        assert caught.value.partial is not None
        assert caught.value.partial.text == text_of(LLAMA_CHUNKS[:3])

    async def test_an_error_answer_fails_on_entering(
        self, aclient: AsyncClient, ws: MockWorkspace
    ) -> None:
        ws.script(CHAT_PATH, error_response(403, {"error_code": "PERMISSION_DENIED"}))
        with pytest.raises(brickgate.PermissionDeniedError):
            async with aclient.stream(LLAMA, "Hi"):
                pytest.fail("the stream must not open")
        await aclient.aclose()
