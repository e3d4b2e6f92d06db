"""Replies as Anthropic Messages JSON and SSE events: what the gateway answers Anthropic clients.

The reverse of ``anthropic_reply`` / ``anthropic_stream``: a ``ChatResponse`` becomes a
``message`` object, ``ChatChunk``s become ``message_start`` / ``content_block_*`` /
``message_delta`` / ``message_stop`` events (thinking, text and ``tool_use`` blocks, one open
at a time). Finish reasons map back: ``stop`` → ``end_turn``, ``length`` → ``max_tokens``,
``tool_calls`` → ``tool_use``, ``content_filter`` → ``refusal``.
"""

from __future__ import annotations

import json
from typing import Any

from brickgate.domain.chat import ChatChunk, ChatResponse, ToolCallDelta, Usage

__all__ = [
    "ERROR_TYPES",
    "MessagesStreamWriter",
    "anthropic_error",
    "message_json",
    "stop_reason",
    "usage_json",
]

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}
_STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "content_filter": "refusal",
}
Event = tuple[str, dict[str, Any]]


def stop_reason(finish_reason: str | None) -> str:
    """The Messages ``stop_reason`` for a chat ``finish_reason`` (``end_turn`` by default)."""
    return _STOP_REASONS.get(finish_reason or "stop", "end_turn")


def usage_json(usage: Usage | None) -> dict[str, Any]:
    """``usage`` as Messages reports it (cache counts only when known)."""
    if usage is None:
        return {"input_tokens": 0, "output_tokens": 0}
    out: dict[str, Any] = {
        "input_tokens": usage.prompt_tokens,
        "output_tokens": usage.completion_tokens,
    }
    if usage.cache_read_input_tokens is not None:
        out["cache_read_input_tokens"] = usage.cache_read_input_tokens
    if usage.cache_creation_input_tokens is not None:
        out["cache_creation_input_tokens"] = usage.cache_creation_input_tokens
    return out


def _tool_input(arguments: str) -> Any:
    try:
        parsed = json.loads(arguments) if arguments.strip() else {}
    except ValueError:
        return {"_raw_arguments": arguments}
    return parsed if isinstance(parsed, dict) else {"value": parsed}


def message_json(reply: ChatResponse, *, model: str, message_id: str) -> dict[str, Any]:
    """A Messages ``message`` object for ``reply`` (``model``: the name the caller asked for)."""
    content: list[dict[str, Any]] = []
    if reply.reasoning:
        content.append({"type": "thinking", "thinking": reply.reasoning, "signature": ""})
    if reply.text or not reply.tool_calls:
        content.append({"type": "text", "text": reply.text})
    for call in reply.tool_calls:
        content.append(
            {
                "type": "tool_use",
                "id": call.id,
                "name": call.name,
                "input": _tool_input(call.arguments),
            }
        )
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason(reply.finish_reason),
        "stop_sequence": None,
        "usage": usage_json(reply.usage),
    }


def anthropic_error(status: int, message: str) -> dict[str, Any]:
    """The Anthropic error body for an answer with ``status``."""
    kind = ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    return {"type": "error", "error": {"type": kind, "message": message}}


class MessagesStreamWriter:
    """Turns ``ChatChunk``s into Messages stream events ``(name, data)``.

    ``start()`` first, ``feed(chunk)`` for each chunk, ``finish()`` last. One block is open at
    a time; a change of kind (thinking, text, a new tool call) closes it and opens the next.
    """

    def __init__(self, *, model: str, message_id: str) -> None:
        self._model = model
        self._id = message_id
        self._index = -1
        self._open: str | None = None
        self._tool_index: int | None = None
        self._finish: str | None = None
        self._usage: Usage | None = None

    def start(self) -> list[Event]:
        """The ``message_start`` event."""
        message: dict[str, Any] = {
            "id": self._id,
            "type": "message",
            "role": "assistant",
            "model": self._model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 0, "output_tokens": 0},
        }
        return [("message_start", {"type": "message_start", "message": message})]

    def _close(self) -> list[Event]:
        if self._open is None:
            return []
        self._open = None
        return [("content_block_stop", {"type": "content_block_stop", "index": self._index})]

    def _begin(self, kind: str, block: dict[str, Any]) -> list[Event]:
        events = self._close()
        self._index += 1
        self._open = kind
        data = {"type": "content_block_start", "index": self._index, "content_block": block}
        return [*events, ("content_block_start", data)]

    def _delta(self, delta: dict[str, Any]) -> Event:
        return (
            "content_block_delta",
            {"type": "content_block_delta", "index": self._index, "delta": delta},
        )

    def _tool(self, call: ToolCallDelta) -> list[Event]:
        events: list[Event] = []
        if self._open != "tool_use" or self._tool_index != call.index:
            block = {"type": "tool_use", "id": call.id or "", "name": call.name or "", "input": {}}
            events = self._begin("tool_use", block)
            self._tool_index = call.index
        if call.arguments:
            events.append(self._delta({"type": "input_json_delta", "partial_json": call.arguments}))
        return events

    def feed(self, chunk: ChatChunk) -> list[Event]:
        """The events for ``chunk``."""
        events: list[Event] = []
        if chunk.reasoning:
            if self._open != "thinking":
                events += self._begin(
                    "thinking", {"type": "thinking", "thinking": "", "signature": ""}
                )
            events.append(self._delta({"type": "thinking_delta", "thinking": chunk.reasoning}))
        if chunk.text:
            if self._open != "text":
                events += self._begin("text", {"type": "text", "text": ""})
            events.append(self._delta({"type": "text_delta", "text": chunk.text}))
        for call in chunk.tool_calls:
            events += self._tool(call)
        if chunk.finish_reason is not None:
            self._finish = chunk.finish_reason
        if chunk.usage is not None:
            self._usage = chunk.usage
        return events

    def finish(self) -> list[Event]:
        """Close the open block; ``message_delta`` (stop reason, usage) and ``message_stop``."""
        events = self._close()
        delta = {"stop_reason": stop_reason(self._finish), "stop_sequence": None}
        usage = usage_json(self._usage)
        events.append(("message_delta", {"type": "message_delta", "delta": delta, "usage": usage}))
        events.append(("message_stop", {"type": "message_stop"}))
        return events
