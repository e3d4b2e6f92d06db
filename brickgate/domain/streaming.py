"""Assembling streamed chat chunks into one ChatResponse (tool calls by index, last full usage)."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from typing import Any

from brickgate.domain.chat import (
    Adjustment,
    ChatChunk,
    ChatResponse,
    Citation,
    ToolCall,
    Usage,
)
from brickgate.domain.errors import ResponseTooLargeError

DEFAULT_ASSEMBLED_LIMIT = 64 * 1024 * 1024
_BLOCK = 1024
"""Text pieces joined into one block at a time: tiny chunks cost little more than their text.
Each block is kept zlib-compressed (level 1), so a stream of millions of chunks keeps its
transcript in a fraction of its size."""


def _packed(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 1)


def _unpacked(block: bytes) -> str:
    return zlib.decompress(block).decode("utf-8", "surrogatepass")


class _ToolCallParts:
    __slots__ = ("arguments", "id", "index", "name")

    def __init__(self, index: int, call_id: str | None, name: str | None) -> None:
        self.index = index
        self.id = call_id
        self.name = name
        self.arguments: list[str] = []

    def build(self) -> ToolCall:
        arguments = "".join(self.arguments)
        return ToolCall(
            id=self.id or "", name=self.name or "", arguments=arguments if arguments else "{}"
        )


class _Block:
    """One content part being rebuilt: text (with citations), reasoning, or a part kept as is."""

    __slots__ = ("citations", "kind", "pieces", "raw", "signature")

    def __init__(self, kind: str, raw: Mapping[str, Any] | None = None) -> None:
        self.kind = kind
        self.pieces: list[str] = []
        self.citations: list[dict[str, Any]] = []
        self.signature: str | None = None
        self.raw = raw

    def build(self) -> dict[str, Any]:
        if self.raw is not None:
            return _copy(self.raw)
        text = "".join(self.pieces)
        if self.kind == "text":
            part: dict[str, Any] = {"type": "text", "text": text}
            if self.citations:
                part["citations"] = [dict(c) for c in self.citations]
            return part
        entry: dict[str, Any] = {"type": "summary_text", "text": text}
        if self.signature:
            entry["signature"] = self.signature
        return {"type": "reasoning", "summary": [entry]}


class _ContentParts:
    """Rebuilds content parts for replay: reasoning with its signature, text with citations.

    Only used once a chunk carried list content; text streamed before that is seeded in.
    """

    __slots__ = ("_blocks", "seen")

    def __init__(self) -> None:
        self._blocks: list[_Block] = []
        self.seen = False

    def start(self, earlier_text: str) -> None:
        self.seen = True
        if earlier_text:
            self.add_text(earlier_text)

    def add_parts(self, parts: Iterable[Mapping[str, Any]]) -> None:
        for part in parts:
            kind = part.get("type")
            if kind == "text":
                self.add_text(part.get("text") or "", part.get("citations") or ())
            elif kind == "reasoning":
                for item in part.get("summary") or ():
                    self._add_summary(item)
            else:
                self._blocks.append(_Block("raw", part))

    def add_text(self, text: str, citations: Iterable[Mapping[str, Any]] = ()) -> None:
        block = self._blocks[-1] if self._blocks else None
        if block is None or block.kind != "text":
            block = _Block("text")
            self._blocks.append(block)
        block.pieces.append(text)
        block.citations.extend(dict(c) for c in citations)

    def _add_summary(self, item: Mapping[str, Any]) -> None:
        if item.get("type") != "summary_text":
            self._blocks.append(_Block("raw", {"type": "reasoning", "summary": [dict(item)]}))
            return
        block = self._blocks[-1] if self._blocks else None
        if block is None or block.kind != "reasoning" or block.signature:
            block = _Block("reasoning")
            self._blocks.append(block)
        block.pieces.append(item.get("text") or "")
        if item.get("signature"):
            block.signature = item["signature"]

    def build(self) -> tuple[Mapping[str, Any], ...]:
        return tuple(block.build() for block in self._blocks)


def _copy(part: Mapping[str, Any]) -> dict[str, Any]:
    copied = dict(part)
    for key in ("summary", "citations"):
        if isinstance(copied.get(key), list):
            copied[key] = [dict(item) for item in copied[key]]
    return copied


class StreamAssembler:
    """Collects ``ChatChunk``s and builds the ``ChatResponse`` they add up to.

    Text and reasoning are concatenated separately; tool-call fragments are merged by ``index``
    (which may start at 1) and ordered by it; usage is the last complete usage seen, never a sum;
    ``finish_reason`` is the last one sent. ``response()`` works at any time, so it also gives the
    partial reply of a stream that broke. Past ``limit`` characters of text, reasoning and tool
    arguments it stops keeping anything (``overflowed``) and ``response()`` raises
    ``ResponseTooLargeError``: a long stream costs at most ``limit`` of memory.
    """

    __slots__ = (
        "_calls",
        "_citations",
        "_finish_reason",
        "_id",
        "_limit",
        "_model",
        "_open_calls",
        "_parts",
        "_reasoning",
        "_size",
        "_text",
        "_text_blocks",
        "_usage",
        "overflowed",
    )

    def __init__(self, limit: int = DEFAULT_ASSEMBLED_LIMIT) -> None:
        self._limit = limit
        self._size = 0
        self.overflowed = False
        self._text: list[str] = []
        self._text_blocks: list[bytes] = []
        self._reasoning: list[str] | None = None
        self._calls: list[_ToolCallParts] = []
        self._open_calls: dict[int, _ToolCallParts] = {}
        self._usage: Usage | None = None
        self._finish_reason: str | None = None
        self._model = ""
        self._id = ""
        self._citations: list[Citation] = []
        self._parts = _ContentParts()

    def add(self, chunk: ChatChunk) -> None:
        """Take one chunk into account (nothing, once ``overflowed``)."""
        if self.overflowed:
            return
        if chunk.content_parts:
            if not self._parts.seen:
                self._parts.start(self._all_text())
            self._parts.add_parts(chunk.content_parts)
            if self._reasoning is None and _has_reasoning(chunk.content_parts):
                self._reasoning = []
        elif chunk.text and self._parts.seen:
            self._parts.add_text(chunk.text)
        if chunk.text:
            text = self._text
            text.append(chunk.text)
            self._size += len(chunk.text)
            if len(text) >= _BLOCK:
                self._text_blocks.append(_packed("".join(text)))
                self._text = []
        if chunk.reasoning:
            if self._reasoning is None:
                self._reasoning = []
            self._reasoning.append(chunk.reasoning)
            self._size += len(chunk.reasoning)
        if chunk.citations:
            self._citations.extend(chunk.citations)
        if chunk.tool_calls:
            self._add_tool_calls(chunk)
        if chunk.usage is not None:
            self._usage = chunk.usage
        if chunk.finish_reason:
            self._finish_reason = chunk.finish_reason
        if chunk.model:
            self._model = chunk.model
        if chunk.id:
            self._id = chunk.id
        if self._size > self._limit:
            self._overflow()

    def _all_text(self) -> str:
        return "".join(map(_unpacked, self._text_blocks)) + "".join(self._text)

    def _overflow(self) -> None:
        self.overflowed = True
        self._text, self._text_blocks, self._reasoning = [], [], None
        self._calls, self._open_calls = [], {}
        self._citations, self._parts = [], _ContentParts()

    def _add_tool_calls(self, chunk: ChatChunk) -> None:
        for delta in chunk.tool_calls:
            call = self._open_calls.get(delta.index)
            if call is None or (delta.id and call.id and delta.id != call.id):
                call = _ToolCallParts(delta.index, delta.id, delta.name)
                self._open_calls[delta.index] = call
                self._calls.append(call)
            else:
                call.id = call.id or delta.id
                call.name = call.name or delta.name
            if delta.arguments:
                call.arguments.append(delta.arguments)
                self._size += len(delta.arguments)

    def response(self, adjustments: Iterable[Adjustment] = ()) -> ChatResponse:
        """The reply assembled from every chunk added so far.

        Raises ``ResponseTooLargeError`` once ``overflowed``.
        """
        if self.overflowed:
            raise ResponseTooLargeError(
                f"the streamed reply is larger than the {self._limit} character limit for "
                "assembling it; iterate the chunks without reading the response, or raise "
                "BRICKGATE_MAX_RESPONSE_BYTES",
                limit=self._limit,
                setting="BRICKGATE_MAX_RESPONSE_BYTES",
            )
        ordered = sorted(self._calls, key=lambda call: call.index)
        return ChatResponse(
            text=self._all_text(),
            model=self._model,
            id=self._id,
            reasoning=None if self._reasoning is None else "".join(self._reasoning),
            tool_calls=tuple(call.build() for call in ordered),
            finish_reason=self._finish_reason,
            usage=self._usage,
            citations=tuple(self._citations),
            content_parts=self._parts.build() if self._parts.seen else (),
            adjustments=tuple(adjustments),
        )


def _has_reasoning(parts: Iterable[Mapping[str, Any]]) -> bool:
    return any(part.get("type") == "reasoning" for part in parts)
