"""Scripted in-package fakes of the chat transports, decoding replies with the real codec."""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from brickgate.adapters.transport.http_core import encode_json, merged_headers, path_segment
from brickgate.domain.chat import (
    CallOptions,
    ChatChunk,
    ChatRequest,
    ChatResponse,
    EmbeddingRequest,
    EmbeddingResponse,
    Endpoint,
)
from brickgate.domain.codec import (
    decode_chat_response,
    decode_embeddings,
    decode_endpoint,
    decode_endpoint_list,
)
from brickgate.domain.error_mapping import error_from_response
from brickgate.domain.errors import BrickgateError
from brickgate.domain.sse import aiter_chunks, iter_chunks
from brickgate.ports.clock import Clock

Operation = Literal["chat", "stream", "embed", "endpoints", "endpoint"]
OPERATIONS: tuple[Operation, ...] = ("chat", "stream", "embed", "endpoints", "endpoint")
_NO_HEADERS: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class JsonReply:
    """A JSON answer: a 2xx body is decoded as the operation's result, any other status is
    mapped to the brickgate error the HTTP transport would raise (``headers`` may carry
    ``Retry-After``)."""

    body: Mapping[str, Any]
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StreamReply:
    """A streamed answer: the ``data:`` payloads ``chunks``, then ``data: [DONE]`` if ``done``.

    ``sse`` (raw event-stream bytes) replaces ``chunks``/``done`` when given.
    """

    chunks: Sequence[Mapping[str, Any]] = ()
    done: bool = True
    sse: bytes | None = None

    def pieces(self) -> list[bytes]:
        """The wire bytes, one piece per event."""
        if self.sse is not None:
            return [self.sse]
        events = [b"data: " + encode_json(chunk) + b"\n\n" for chunk in self.chunks]
        if self.done:
            events.append(b"data: [DONE]\n\n")
        return events


Reply = JsonReply | StreamReply | BrickgateError


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """One call the fake answered: the operation, its request (or endpoint name) and options."""

    operation: Operation
    request: ChatRequest | EmbeddingRequest | None
    name: str | None
    options: CallOptions


class _Script:
    """The state and answering logic both fakes share; thread-safe."""

    def __init__(self, clock: Clock | None) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Reply]] = {op: deque() for op in OPERATIONS}
        self.calls: list[RecordedCall] = []
        self.closed = False

    def enqueue(self, operation: Operation, *replies: Reply) -> None:
        """Queue ``replies`` for ``operation``, answered in order; raises ``ValueError`` for an
        unknown operation or a reply that cannot answer it."""
        if operation not in self._queues:
            raise ValueError(f"unknown operation {operation!r}; use one of {OPERATIONS}")
        for reply in replies:
            _check_fits(operation, reply)
        with self._lock:
            self._queues[operation].extend(replies)

    def pending(self, operation: Operation) -> int:
        """How many scripted replies for ``operation`` are still queued."""
        with self._lock:
            return len(self._queues[operation])

    def _next(self, call: RecordedCall) -> Reply | None:
        merged_headers(call.options, _NO_HEADERS)
        with self._lock:
            self.calls.append(call)
            queue = self._queues[call.operation]
            return queue.popleft() if queue else None

    def _body(self, reply: Reply) -> Mapping[str, Any]:
        if isinstance(reply, BrickgateError):
            raise reply
        assert isinstance(reply, JsonReply)
        if not 200 <= reply.status < 300:
            headers = {key.lower(): value for key, value in reply.headers.items()}
            now = self._clock.time() if self._clock is not None else 0.0
            raise error_from_response(reply.status, headers, encode_json(reply.body), now=now)
        return reply.body

    def _chat(self, request: ChatRequest, options: CallOptions) -> ChatResponse:
        path_segment(request.model, what="model (endpoint) name")
        reply = self._next(RecordedCall("chat", request, None, options))
        body = self._body(reply) if reply is not None else _canned_chat(request.model)
        result = decode_chat_response(body)
        return replace(result, adjustments=request.adjustments) if request.adjustments else result

    def _stream(self, request: ChatRequest, options: CallOptions) -> list[bytes]:
        path_segment(request.model, what="model (endpoint) name")
        reply = self._next(RecordedCall("stream", request, None, options))
        if reply is None:
            return _canned_stream(request.model).pieces()
        if isinstance(reply, StreamReply):
            return reply.pieces()
        self._body(reply)
        raise AssertionError("unreachable: enqueue refuses a 2xx JSON reply for a stream")

    def _embed(self, request: EmbeddingRequest, options: CallOptions) -> EmbeddingResponse:
        path_segment(request.model, what="model (endpoint) name")
        reply = self._next(RecordedCall("embed", request, None, options))
        body = self._body(reply) if reply is not None else _canned_embeddings(request)
        return decode_embeddings(body)

    def _endpoints(self, options: CallOptions) -> list[Endpoint]:
        reply = self._next(RecordedCall("endpoints", None, None, options))
        body = self._body(reply) if reply is not None else {"endpoints": list(_CANNED_ENDPOINTS)}
        return decode_endpoint_list(body)

    def _endpoint(self, name: str, options: CallOptions) -> Endpoint:
        path_segment(name)
        reply = self._next(RecordedCall("endpoint", None, name, options))
        body = self._body(reply) if reply is not None else _canned_endpoint(name, "llm/v1/chat")
        return decode_endpoint(body)


def _check_fits(operation: Operation, reply: Reply) -> None:
    if isinstance(reply, BrickgateError):
        return
    if isinstance(reply, StreamReply) and operation != "stream":
        raise ValueError(f"a StreamReply cannot answer {operation!r}; use JsonReply")
    if isinstance(reply, JsonReply) and operation == "stream" and 200 <= reply.status < 300:
        raise ValueError("a 2xx stream answer is a StreamReply; JsonReply is for error statuses")
    if not isinstance(reply, (JsonReply, StreamReply)):
        raise ValueError(f"a reply is a JsonReply, StreamReply or BrickgateError, not {reply!r}")


class FakeChatTransport(_Script):
    """A scripted ``ChatTransport``: records every call and answers from a queue per operation.

    Queue replies with ``enqueue(operation, *replies)``: a ``JsonReply`` (wire body and status),
    a ``StreamReply`` (chunk payloads) or a brickgate error to raise. Bodies go through the
    same codec and error mapping as the HTTP transport, and names follow the same rules. With
    nothing queued it answers a short canned reply naming the model, so it works with no setup.
    ``calls`` lists each ``RecordedCall`` that passed local validation.
    """

    def __init__(self, *, clock: Clock | None = None) -> None:
        super().__init__(clock)

    def chat(self, request: ChatRequest, options: CallOptions) -> ChatResponse:
        """The next chat reply."""
        return self._chat(request, options)

    def stream(self, request: ChatRequest, options: CallOptions) -> FakeChunkStream:
        """The next stream reply, as an open chunk stream."""
        return FakeChunkStream(self._stream(request, options))

    def embed(self, request: EmbeddingRequest, options: CallOptions) -> EmbeddingResponse:
        """The next embeddings reply."""
        return self._embed(request, options)

    def endpoints(self, options: CallOptions) -> list[Endpoint]:
        """The next endpoint list."""
        return self._endpoints(options)

    def endpoint(self, name: str, options: CallOptions) -> Endpoint:
        """The next endpoint description."""
        return self._endpoint(name, options)

    def close(self) -> None:
        """Mark the fake closed (``closed`` becomes True); idempotent."""
        self.closed = True


class FakeAsyncChatTransport(_Script):
    """The ``AsyncChatTransport`` twin of ``FakeChatTransport``, with the same script API."""

    def __init__(self, *, clock: Clock | None = None) -> None:
        super().__init__(clock)

    async def chat(self, request: ChatRequest, options: CallOptions) -> ChatResponse:
        """The next chat reply."""
        return self._chat(request, options)

    async def stream(self, request: ChatRequest, options: CallOptions) -> FakeAsyncChunkStream:
        """The next stream reply, as an open chunk stream."""
        return FakeAsyncChunkStream(self._stream(request, options))

    async def embed(self, request: EmbeddingRequest, options: CallOptions) -> EmbeddingResponse:
        """The next embeddings reply."""
        return self._embed(request, options)

    async def endpoints(self, options: CallOptions) -> list[Endpoint]:
        """The next endpoint list."""
        return self._endpoints(options)

    async def endpoint(self, name: str, options: CallOptions) -> Endpoint:
        """The next endpoint description."""
        return self._endpoint(name, options)

    async def aclose(self) -> None:
        """Mark the fake closed (``closed`` becomes True); idempotent."""
        self.closed = True


class FakeChunkStream:
    """A ``ChunkStream`` over scripted SSE bytes, decoded like a real stream."""

    def __init__(self, pieces: list[bytes]) -> None:
        self._pieces = pieces
        self.closed = False

    def __iter__(self) -> Iterator[ChatChunk]:
        try:
            yield from iter_chunks(self._pieces)
        finally:
            self.close()

    def close(self) -> None:
        """Mark the stream closed; idempotent."""
        self.closed = True


class FakeAsyncChunkStream:
    """An ``AsyncChunkStream`` over scripted SSE bytes, decoded like a real stream."""

    def __init__(self, pieces: list[bytes]) -> None:
        self._pieces = pieces
        self.closed = False

    def __aiter__(self) -> AsyncIterator[ChatChunk]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[ChatChunk]:
        try:
            async for chunk in aiter_chunks(_replay(self._pieces)):
                yield chunk
        finally:
            self.closed = True

    async def aclose(self) -> None:
        """Mark the stream closed; idempotent."""
        self.closed = True


async def _replay(pieces: list[bytes]) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


def _canned_text(model: str) -> str:
    return f"This is a canned reply from the fake {model} endpoint."


def _canned_chat(model: str) -> dict[str, Any]:
    text = _canned_text(model)
    return {
        "id": "fake-chat",
        "object": "chat.completion",
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 10, "total_tokens": 11},
    }


def _canned_stream(model: str) -> StreamReply:
    words = _canned_text(model).split(" ")
    pieces = [word if i == 0 else " " + word for i, word in enumerate(words)]
    base: dict[str, Any] = {"id": "fake-stream", "object": "chat.completion.chunk", "model": model}
    chunks: list[dict[str, Any]] = [
        {**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
        for piece in pieces
    ]
    chunks.append(
        {
            **base,
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": len(pieces), "total_tokens": 11},
        }
    )
    return StreamReply(chunks=chunks)


def _canned_embeddings(request: EmbeddingRequest) -> dict[str, Any]:
    data = [
        {"index": index, "object": "embedding", "embedding": _canned_vector(text)}
        for index, text in enumerate(request.inputs)
    ]
    tokens = sum(len(text.split()) for text in request.inputs)
    return {
        "object": "list",
        "model": request.model,
        "data": data,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def _canned_vector(text: str) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    return [round(byte / 127.5 - 1.0, 4) for byte in digest[:8]]


def _canned_endpoint(name: str, task: str) -> dict[str, Any]:
    return {
        "name": name,
        "task": task,
        "state": {"ready": "READY", "config_update": "NOT_UPDATING"},
    }


_CANNED_ENDPOINTS = (
    _canned_endpoint("databricks-meta-llama-3-3-70b-instruct", "llm/v1/chat"),
    _canned_endpoint("databricks-gte-large-en", "llm/v1/embeddings"),
)
