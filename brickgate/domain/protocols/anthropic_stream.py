"""Anthropic Messages streams: the SSE event sequence read as ``ChatChunk``s.

Blocks are keyed by their ``index``. Tool-use blocks are numbered 0, 1, ... in the order they
start; that number is the ``ToolCallDelta.index``. A thinking block is handed on as reasoning
deltas and, when it stops, once more as a reasoning content part carrying its signature (for
replay; the assembler keeps the part, the reasoning text is not doubled). ``message_delta``
gives the finish reason and the usage (cumulative; cache reads and writes count in the prompt);
``message_stop`` ends the stream; an ``error`` event (``overloaded_error`` included) raises the
mapped error after what came before it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from brickgate.domain.chat import ChatChunk, Citation, ToolCallDelta
from brickgate.domain.protocols.anthropic_reply import (
    messages_stop_reason,
    messages_usage,
    redacted_part,
    thinking_part,
)
from brickgate.domain.protocols.common import stream_failure
from brickgate.domain.protocols.events import JsonEventReader


class _Thinking:
    __slots__ = ("signature", "text")

    def __init__(self, text: str, signature: str) -> None:
        self.text = [text] if text else []
        self.signature = signature


class MessagesEventReader(JsonEventReader):
    """An ``EventReader[ChatChunk]`` for a streamed Messages reply (see the module notes)."""

    __slots__ = ("_id", "_model", "_thinking", "_tools", "_usage")

    end_marker = "message_stop"

    def __init__(self) -> None:
        super().__init__()
        self._id = ""
        self._model = ""
        self._tools: dict[int, int] = {}
        self._thinking: dict[int, _Thinking] = {}
        self._usage: dict[str, Any] = {}

    def _chunk(self, **fields: Any) -> ChatChunk:
        return ChatChunk(model=self._model, id=self._id, **fields)

    def event(self, data: Mapping[str, Any], out: list[ChatChunk]) -> None:
        """Append the chunks of one Messages event to ``out``."""
        kind = data.get("type")
        if kind == "content_block_delta":
            self._delta(data.get("index", 0), data["delta"], out)
        elif kind == "content_block_start":
            self._start_block(data.get("index", 0), data["content_block"], out)
        elif kind == "content_block_stop":
            thinking = self._thinking.pop(data.get("index", 0), None)
            if thinking is not None:
                part = thinking_part("".join(thinking.text), thinking.signature)
                out.append(self._chunk(content_parts=(part,)))
        elif kind == "message_start":
            message = data.get("message") or {}
            self._id = message.get("id") or ""
            self._model = message.get("model") or ""
            self._usage.update(message.get("usage") or {})
        elif kind == "message_delta":
            self._usage.update(data.get("usage") or {})
            delta = data.get("delta") or {}
            finish = messages_stop_reason(delta.get("stop_reason"))
            out.append(self._chunk(finish_reason=finish, usage=messages_usage(self._usage)))
        elif kind == "message_stop":
            self.done = True
        elif kind == "error":
            error = data.get("error")
            if isinstance(error, Mapping):
                self.error = stream_failure(error.get("type"), error.get("message"))
            else:
                self.error = stream_failure(data.get("error_code"), data.get("message") or error)

    def _start_block(self, index: int, block: Mapping[str, Any], out: list[ChatChunk]) -> None:
        kind = block.get("type")
        if kind == "text":
            if block.get("text"):
                out.append(self._chunk(text=block["text"]))
        elif kind == "thinking":
            self._thinking[index] = _Thinking(
                block.get("thinking") or "", block.get("signature") or ""
            )
            if block.get("thinking"):
                out.append(self._chunk(reasoning=block["thinking"]))
        elif kind == "redacted_thinking":
            out.append(self._chunk(content_parts=(redacted_part(block.get("data") or ""),)))
        elif kind == "tool_use":
            number = self._tools[index] = len(self._tools)
            given = block.get("input")
            arguments = json.dumps(given, separators=(",", ":")) if given else ""
            delta = ToolCallDelta(number, block.get("id"), block.get("name"), arguments)
            out.append(self._chunk(tool_calls=(delta,)))

    def _delta(self, index: int, delta: Mapping[str, Any], out: list[ChatChunk]) -> None:
        kind = delta.get("type")
        if kind == "text_delta":
            if delta.get("text"):
                out.append(self._chunk(text=delta["text"]))
        elif kind == "input_json_delta":
            piece = delta.get("partial_json") or ""
            if piece:
                number = self._tools.setdefault(index, len(self._tools))
                out.append(self._chunk(tool_calls=(ToolCallDelta(number, None, None, piece),)))
        elif kind == "thinking_delta":
            piece = delta.get("thinking") or ""
            self._thinking.setdefault(index, _Thinking("", "")).text.append(piece)
            if piece:
                out.append(self._chunk(reasoning=piece))
        elif kind == "signature_delta":
            thinking = self._thinking.setdefault(index, _Thinking("", ""))
            thinking.signature += delta.get("signature") or ""
        elif kind == "citations_delta":
            citation = delta.get("citation")
            if isinstance(citation, Mapping):
                out.append(self._chunk(citations=(Citation(data=citation),)))
