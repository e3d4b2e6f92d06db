"""The script behind the fake transports: queued replies per operation, canned answers, records."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from brickgate.domain.calls import Answer, Call, StreamCall, WireRequest
from brickgate.domain.calls.answers import encode_json
from brickgate.domain.errors import BrickgateError, TransportError
from brickgate.ports.clock import Clock

T = TypeVar("T")

OPERATIONS = (
    "chat",
    "stream",
    "embed",
    "endpoints",
    "endpoint",
    "statement-submit",
    "statement-poll",
    "statement-cancel",
    "oauth-token",
    "responses",
    "responses-stream",
    "messages",
    "messages-stream",
    "passthrough",
    "passthrough-stream",
)
STREAMS = frozenset(op for op in OPERATIONS if op == "stream" or op.endswith("-stream"))

CLOSED_MESSAGE = "this fake transport is closed; make a new one (or a new client) to send calls"


@dataclass(frozen=True, slots=True)
class JsonReply:
    """A JSON answer: a 2xx body is decoded by the call as the real transport's would be, any
    other status becomes the error the call maps it to (``headers`` may carry ``Retry-After``)."""

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
    """One call the fake answered: its ``operation`` id and the ``request`` it would have sent."""

    operation: str
    request: WireRequest

    @property
    def body(self) -> Any:
        """The request's JSON body, parsed (``None`` when it has none)."""
        content = self.request.content
        if not content or self.request.content_type != "application/json":
            return None
        return json.loads(content)

    @property
    def model(self) -> str | None:
        """The model (endpoint) the call was for, when it names one."""
        body = self.body
        if isinstance(body, dict) and isinstance(body.get("model"), str):
            return str(body["model"])
        path = self.request.path
        if len(path) == 3 and path[0] == "serving-endpoints" and path[2] == "invocations":
            return path[1]
        return None


class Script:
    """The state and answering logic the fake transports share; thread-safe.

    Queue replies with ``enqueue(operation, *replies)``; with nothing queued, each operation
    gets a short canned answer (a chat reply naming the model, a succeeded statement, ...).
    ``calls`` lists every ``RecordedCall``; ``closed`` turns True once closed, and from then on
    every call raises ``TransportError`` (as a closed HTTP transport does).
    """

    def __init__(self, *, clock: Clock | None = None) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Reply]] = {op: deque() for op in OPERATIONS}
        self.calls: list[RecordedCall] = []
        self.closed = False

    def enqueue(self, operation: str, *replies: Reply) -> None:
        """Queue ``replies`` for ``operation``, answered in order.

        Raises ``ValueError`` for an unknown operation or a reply that cannot answer it.
        """
        if operation not in self._queues:
            raise ValueError(f"unknown operation {operation!r}; use one of {OPERATIONS}")
        for reply in replies:
            _check_fits(operation, reply)
        with self._lock:
            self._queues[operation].extend(replies)

    def pending(self, operation: str) -> int:
        """How many scripted replies for ``operation`` are still queued."""
        with self._lock:
            return len(self._queues[operation])

    def _next(self, operation: str, request: WireRequest) -> Reply | None:
        with self._lock:
            if self.closed:
                raise TransportError(CLOSED_MESSAGE)
            self.calls.append(RecordedCall(operation, request))
            queue = self._queues.get(operation)
            return queue.popleft() if queue else None

    def _now(self) -> float:
        return self._clock.time() if self._clock is not None else 0.0

    def _json_answer(self, reply: JsonReply) -> Answer:
        headers = {key.lower(): value for key, value in reply.headers.items()}
        return Answer(reply.status, headers, encode_json(reply.body), self._now())

    def answer(self, call: Call[T]) -> T:
        """What ``call`` decodes from its next reply (or raises)."""
        reply = self._next(call.operation, call.request)
        if reply is None:
            reply = JsonReply(
                canned_body(call.operation, RecordedCall(call.operation, call.request))
            )
        if isinstance(reply, BrickgateError):
            raise reply
        if isinstance(reply, StreamReply):
            raise ValueError(f"a StreamReply cannot answer {call.operation!r}")
        answer = self._json_answer(reply)
        if answer.ok:
            return call.decode(answer)
        raise call.fail(answer)

    def pieces(self, call: StreamCall[Any]) -> list[bytes]:
        """The body pieces of ``call``'s next streamed reply (or raises its error)."""
        reply = self._next(call.operation, call.request)
        if reply is None:
            return canned_stream(RecordedCall(call.operation, call.request).model or "model")
        if isinstance(reply, BrickgateError):
            raise reply
        if isinstance(reply, StreamReply):
            return reply.pieces()
        raise call.fail(self._json_answer(reply))


def _check_fits(operation: str, reply: Reply) -> None:
    if isinstance(reply, BrickgateError):
        return
    if isinstance(reply, StreamReply) and operation not in STREAMS:
        raise ValueError(f"a StreamReply cannot answer {operation!r}; use JsonReply")
    if isinstance(reply, JsonReply) and operation in STREAMS and 200 <= reply.status < 300:
        raise ValueError("a 2xx stream answer is a StreamReply; JsonReply is for error statuses")
    if not isinstance(reply, (JsonReply, StreamReply)):
        raise ValueError(f"a reply is a JsonReply, StreamReply or BrickgateError, not {reply!r}")


def canned_body(operation: str, call: RecordedCall) -> dict[str, Any]:
    """The body the fake answers ``operation`` with when nothing is queued."""
    if operation == "chat":
        return _canned_chat(call.model or "model")
    if operation == "embed":
        body = call.body if isinstance(call.body, dict) else {}
        return _canned_embeddings(call.model or "model", body.get("input") or [])
    if operation == "endpoints":
        return {"endpoints": list(_CANNED_ENDPOINTS)}
    if operation == "endpoint":
        return _canned_endpoint(call.request.path[-1], "llm/v1/chat")
    if operation in ("statement-submit", "statement-poll"):
        return {
            "statement_id": "fake-statement",
            "status": {"state": "SUCCEEDED"},
            "result": {"data_array": [["0"]]},
        }
    if operation == "oauth-token":
        return {"access_token": "fake-oauth-access-token", "expires_in": 3600}
    return {}


def canned_stream(model: str) -> list[bytes]:
    """The pieces of the canned streamed reply naming ``model``."""
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
    return StreamReply(chunks=chunks).pieces()


def _canned_text(model: str) -> str:
    return f"This is a canned reply from the fake {model} endpoint."


def _canned_chat(model: str) -> dict[str, Any]:
    return {
        "id": "fake-chat",
        "object": "chat.completion",
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": _canned_text(model)},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 10, "total_tokens": 11},
    }


def _canned_embeddings(model: str, inputs: Sequence[str]) -> dict[str, Any]:
    data = [
        {"index": index, "object": "embedding", "embedding": _canned_vector(str(text))}
        for index, text in enumerate(inputs)
    ]
    tokens = sum(len(str(text).split()) for text in inputs)
    return {
        "object": "list",
        "model": model,
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
