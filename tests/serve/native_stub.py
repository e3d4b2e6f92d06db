"""A transport wrapper that answers the protocol-native calls FakeWorkspace does not serve yet.

Pass-through and Responses/Messages calls get canned native answers (recorded); everything else
goes to the real transport in front of FakeWorkspace.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from brickgate.domain.calls import Answer, Call, StreamCall
from brickgate.ports._async.workspace import AsyncEventStream, AsyncWorkspaceTransport

STUBBED = frozenset(
    {
        "passthrough",
        "passthrough-stream",
        "responses",
        "responses-stream",
        "messages",
        "messages-stream",
    }
)
USAGE = {"input_tokens": 11, "output_tokens": 7}

MESSAGE = {
    "id": "msg_native",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5",
    "content": [{"type": "text", "text": "native hello"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": USAGE,
}
RESPONSE = {
    "id": "resp_native",
    "object": "response",
    "created_at": 1,
    "status": "completed",
    "model": "gpt-5",
    "output": [
        {
            "type": "message",
            "id": "msg_1",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "native hello", "annotations": []}],
        }
    ],
    "usage": {
        "input_tokens": 11,
        "output_tokens": 7,
        "total_tokens": 18,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens_details": {"reasoning_tokens": 0},
    },
}


def _sse(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


def messages_stream() -> list[bytes]:
    start = {**MESSAGE, "content": [], "stop_reason": None}
    return [
        _sse("message_start", {"type": "message_start", "message": start}),
        _sse(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
        _sse(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": "native "},
            },
        ),
        _sse(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": "hello"},
            },
        ),
        _sse("content_block_stop", {"type": "content_block_stop", "index": 0}),
        _sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": 7},
            },
        ),
        _sse("message_stop", {"type": "message_stop"}),
    ]


def responses_stream() -> list[bytes]:
    item = RESPONSE["output"][0]  # type: ignore[index]
    return [
        _sse(
            "response.created",
            {
                "type": "response.created",
                "sequence_number": 0,
                "response": {**RESPONSE, "status": "in_progress", "output": []},
            },
        ),
        _sse(
            "response.output_item.added",
            {
                "type": "response.output_item.added",
                "sequence_number": 1,
                "output_index": 0,
                "item": {**item, "content": []},
            },
        ),
        _sse(
            "response.content_part.added",
            {
                "type": "response.content_part.added",
                "sequence_number": 2,
                "item_id": "msg_1",
                "output_index": 0,
                "content_index": 0,
                "part": {"type": "output_text", "text": "", "annotations": []},
            },
        ),
        _sse(
            "response.output_text.delta",
            {
                "type": "response.output_text.delta",
                "sequence_number": 3,
                "item_id": "msg_1",
                "output_index": 0,
                "content_index": 0,
                "delta": "native hello",
                "logprobs": [],
            },
        ),
        _sse(
            "response.output_item.done",
            {
                "type": "response.output_item.done",
                "sequence_number": 4,
                "output_index": 0,
                "item": item,
            },
        ),
        _sse(
            "response.completed",
            {"type": "response.completed", "sequence_number": 5, "response": RESPONSE},
        ),
    ]


class _Events:
    def __init__(self, call: StreamCall[Any], pieces: list[bytes]) -> None:
        self._reader = call.reader()
        self._pieces = pieces
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[Any]:
        for piece in self._pieces:
            for event in self._reader.feed(piece):
                yield event
        for event in self._reader.finish():
            yield event

    async def aclose(self) -> None:
        self.closed = True


class NativeStub:
    """Answers Messages and Responses calls itself; ``calls`` records (operation, path, body)."""

    def __init__(self, inner: AsyncWorkspaceTransport) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str, Any]] = []

    def _note(self, call: Call[Any] | StreamCall[Any]) -> str:
        request = call.request
        path = "/" + "/".join(request.path)
        body = json.loads(request.content) if request.content else None
        self.calls.append((call.operation, path, body))
        return path

    async def send(self, call: Call[Any]) -> Any:
        if call.operation not in STUBBED:
            return await self.inner.send(call)
        path = self._note(call)
        data = MESSAGE if path.endswith("messages") else RESPONSE
        answer = Answer(
            200,
            {"content-type": "application/json", "x-request-id": "rid-1"},
            json.dumps(data).encode(),
        )
        return call.decode(answer)

    async def open(self, call: StreamCall[Any]) -> AsyncEventStream[Any]:
        if call.operation not in STUBBED:
            return await self.inner.open(call)
        path = self._note(call)
        pieces = messages_stream() if path.endswith("messages") else responses_stream()
        return _Events(call, pieces)

    async def aclose(self) -> None:
        await self.inner.aclose()
