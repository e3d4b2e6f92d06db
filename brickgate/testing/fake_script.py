"""The script behind the fake transports: queued replies per operation, canned answers, records."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from brickgate.domain.calls import Answer, Call, StreamCall, WireRequest
from brickgate.domain.calls.answers import encode_json
from brickgate.domain.errors import BrickgateError, ClientClosedError
from brickgate.ports.clock import Clock
from brickgate.testing.fake_canned import canned_body, canned_stream_chunks

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
                raise ClientClosedError(CLOSED_MESSAGE)
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
            recorded = RecordedCall(call.operation, call.request)
            reply = JsonReply(
                canned_body(call.operation, recorded.model, recorded.body, call.request.path)
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
            return canned_stream(RecordedCall(call.operation, call.request))
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


def canned_stream(call: RecordedCall) -> list[bytes]:
    """The pieces of the canned streamed reply to ``call``, in its protocol's SSE shape."""
    chunks, named = canned_stream_chunks(call.operation, call.model or "model", call.request.path)
    if not named:
        return StreamReply(chunks=chunks).pieces()
    return [
        b"event: " + str(chunk["type"]).encode() + b"\ndata: " + encode_json(chunk) + b"\n\n"
        for chunk in chunks
    ]
