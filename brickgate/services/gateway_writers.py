"""How the gateway writes a translated reply in the caller's protocol, whole or as SSE."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

import anyio

from brickgate.domain.chat import ChatChunk, ChatResponse
from brickgate.domain.errors import ApiError, BrickgateError
from brickgate.domain.protocols.anthropic_out import (
    MessagesStreamWriter,
    anthropic_error,
    message_json,
)
from brickgate.domain.protocols.openai_out import (
    chat_chunk_json,
    chat_completion_json,
    openai_error,
)
from brickgate.domain.protocols.responses_out import (
    ResponsesStreamWriter,
    response_json,
)
from brickgate.ports._async.workspace import AsyncEventStream
from brickgate.services.gateway_replies import Tally, error_status, json_bytes, sse_event

__all__ = ["ChatWriter", "MessagesWriter", "ReplyWriter", "ResponsesWriter", "translated"]

_DONE = b"data: [DONE]\n\n"


class ReplyWriter(Protocol):
    """Writes one reply in a caller's protocol: ``whole`` for a complete one, or ``start``,
    ``feed`` per chunk, ``finish`` (and ``failure`` for an error mid-stream) as SSE bytes."""

    def whole(self, reply: ChatResponse) -> bytes: ...

    def start(self) -> bytes: ...

    def feed(self, chunk: ChatChunk) -> bytes: ...

    def finish(self) -> bytes: ...

    def failure(self, status: int, message: str) -> bytes: ...


class ChatWriter:
    """OpenAI Chat Completions: ``chat.completion`` JSON, ``chat.completion.chunk`` events."""

    def __init__(self, model: str, reply_id: str, created: int) -> None:
        self._model, self._id, self._created = model, reply_id, created

    def whole(self, reply: ChatResponse) -> bytes:
        return json_bytes(
            chat_completion_json(
                reply, model=self._model, completion_id=self._id, created=self._created
            )
        )

    def _chunk(self, chunk: ChatChunk, first: bool = False) -> bytes:
        data = chat_chunk_json(
            chunk, model=self._model, completion_id=self._id, created=self._created, first=first
        )
        return sse_event(data)

    def start(self) -> bytes:
        return self._chunk(ChatChunk(), first=True)

    def feed(self, chunk: ChatChunk) -> bytes:
        if not (
            chunk.text
            or chunk.reasoning
            or chunk.tool_calls
            or chunk.finish_reason is not None
            or chunk.usage is not None
        ):
            return b""
        return self._chunk(chunk)

    def finish(self) -> bytes:
        return _DONE

    def failure(self, status: int, message: str) -> bytes:
        return sse_event(openai_error(status, message))


class MessagesWriter:
    """Anthropic Messages: a ``message`` object, or the Messages stream events."""

    def __init__(self, model: str, reply_id: str) -> None:
        self._model, self._id = model, reply_id
        self._stream = MessagesStreamWriter(model=model, message_id=reply_id)

    def whole(self, reply: ChatResponse) -> bytes:
        return json_bytes(message_json(reply, model=self._model, message_id=self._id))

    def start(self) -> bytes:
        return b"".join(sse_event(data, name) for name, data in self._stream.start())

    def feed(self, chunk: ChatChunk) -> bytes:
        return b"".join(sse_event(data, name) for name, data in self._stream.feed(chunk))

    def finish(self) -> bytes:
        return b"".join(sse_event(data, name) for name, data in self._stream.finish())

    def failure(self, status: int, message: str) -> bytes:
        return sse_event(anthropic_error(status, message), "error")


class ResponsesWriter:
    """OpenAI Responses: a ``response`` object, or the Responses stream events."""

    def __init__(self, model: str, reply_id: str, created: int) -> None:
        self._model, self._id, self._created = model, reply_id, created
        self._stream = ResponsesStreamWriter(model=model, response_id=reply_id, created=created)

    def whole(self, reply: ChatResponse) -> bytes:
        return json_bytes(
            response_json(reply, model=self._model, response_id=self._id, created=self._created)
        )

    def start(self) -> bytes:
        return b"".join(sse_event(data, name) for name, data in self._stream.start())

    def feed(self, chunk: ChatChunk) -> bytes:
        return b"".join(sse_event(data, name) for name, data in self._stream.feed(chunk))

    def finish(self) -> bytes:
        return b"".join(sse_event(data, name) for name, data in self._stream.finish())

    def failure(self, status: int, message: str) -> bytes:
        error = openai_error(status, message)["error"]
        data = {"type": "error", "code": error["type"], "message": message, "param": None}
        return sse_event(data, "error")


async def translated(
    events: AsyncEventStream[ChatChunk], writer: ReplyWriter, tally: Tally
) -> AsyncIterator[bytes]:
    """``events`` written by ``writer`` in the caller's protocol; an error mid-stream becomes
    the protocol's error event; closes ``events``."""
    try:
        yield writer.start()
        async for chunk in events:
            tally.note(chunk.usage)
            piece = writer.feed(chunk)
            if piece:
                yield piece
        yield writer.finish()
    except BrickgateError as error:
        tally.status, tally.error = error_status(error), type(error).__name__
        message = error.message if isinstance(error, ApiError) else str(error)
        yield writer.failure(tally.status, message)
    finally:
        with anyio.CancelScope(shield=True):
            await events.aclose()
