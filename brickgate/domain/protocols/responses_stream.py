"""OpenAI Responses streams: the SSE event sequence read as ``ChatChunk``s.

Partial items are keyed by ``output_index``, never by ``item_id`` (Databricks may send a
different ``item_id`` on text events than on the item itself). Function calls are numbered
0, 1, ... in the order they start; that number is the ``ToolCallDelta.index``. A ``.done``
event whose full text extends what the deltas carried hands on the rest, so nothing is lost
when a server skips deltas. Terminal events: ``response.completed``/``.incomplete`` (a last
chunk with the finish reason and usage), ``response.failed`` and ``error`` (the mapped error).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brickgate.domain.chat import ChatChunk, Citation, ToolCallDelta
from brickgate.domain.protocols.common import stream_failure
from brickgate.domain.protocols.events import JsonEventReader
from brickgate.domain.protocols.responses_reply import responses_finish_reason, responses_usage

_TEXT = ("response.output_text.delta", "response.refusal.delta")
_REASONING = ("response.reasoning_summary_text.delta", "response.reasoning_text.delta")
_TERMINAL = ("response.completed", "response.incomplete")


class ResponsesEventReader(JsonEventReader):
    """An ``EventReader[ChatChunk]`` for a streamed Responses reply (see the module notes)."""

    __slots__ = ("_calls", "_id", "_model", "_named", "_sent")

    end_marker = "response.completed"

    def __init__(self) -> None:
        super().__init__()
        self._id = ""
        self._model = ""
        self._calls: dict[int, int] = {}
        self._sent: dict[tuple[str, int, int], int] = {}
        self._named: set[int] = set()

    def _chunk(self, **fields: Any) -> ChatChunk:
        return ChatChunk(model=self._model, id=self._id, **fields)

    def _call_index(self, output_index: int) -> tuple[int, bool]:
        index = self._calls.get(output_index)
        if index is not None:
            return index, False
        index = self._calls[output_index] = len(self._calls)
        return index, True

    def _rest(self, key: tuple[str, int, int], full: Any) -> str:
        """What of ``full`` the deltas for ``key`` have not carried yet ('' when nothing new)."""
        sent = self._sent.get(key, 0)
        if not isinstance(full, str) or len(full) <= sent:
            return ""
        self._sent[key] = len(full)
        return full[sent:]

    def _count(self, key: tuple[str, int, int], delta: str) -> None:
        self._sent[key] = self._sent.get(key, 0) + len(delta)

    def event(self, data: Mapping[str, Any], out: list[ChatChunk]) -> None:
        """Append the chunks of one Responses event to ``out``."""
        kind = data.get("type")
        position = data.get("output_index", 0)
        part = data.get("content_index", 0)
        if kind in _TEXT:
            delta = data.get("delta") or ""
            self._count(("text", position, part), delta)
            if delta:
                out.append(self._chunk(text=delta))
        elif kind in _REASONING:
            delta = data.get("delta") or ""
            if delta:
                out.append(self._chunk(reasoning=delta))
        elif kind == "response.function_call_arguments.delta":
            self._arguments(position, data.get("delta") or "", out, count=True)
        elif kind == "response.output_text.done":
            rest = self._rest(("text", position, part), data.get("text"))
            if rest:
                out.append(self._chunk(text=rest))
        elif kind == "response.function_call_arguments.done":
            rest = self._rest(("args", position, 0), data.get("arguments"))
            self._arguments(position, rest, out, count=False)
        elif kind in ("response.output_item.added", "response.output_item.done"):
            item = data.get("item") or {}
            if item.get("type") == "function_call":
                self._function_call(position, item, out)
        elif kind == "response.output_text.annotation.added":
            annotation = data.get("annotation")
            if isinstance(annotation, Mapping):
                out.append(self._chunk(citations=(Citation(data=annotation),)))
        elif kind in ("response.created", "response.in_progress"):
            self._start(data.get("response") or {})
        elif kind in _TERMINAL:
            self._end(data.get("response") or {}, out)
        elif kind == "response.failed":
            response = data.get("response") or {}
            error = response.get("error") or {}
            self.error = stream_failure(error.get("code"), error.get("message") or "failed")
        elif kind == "error":
            self._fail(data)

    def _start(self, response: Mapping[str, Any]) -> None:
        self._id = response.get("id") or self._id
        self._model = response.get("model") or self._model

    def _function_call(self, position: int, item: Mapping[str, Any], out: list[ChatChunk]) -> None:
        index, _ = self._call_index(position)
        rest = self._rest(("args", position, 0), item.get("arguments"))
        if index not in self._named:
            self._named.add(index)
            call_id = item.get("call_id") or item.get("id")
            delta = ToolCallDelta(index, call_id, item.get("name"), rest)
            out.append(self._chunk(tool_calls=(delta,)))
        elif rest:
            out.append(self._chunk(tool_calls=(ToolCallDelta(index, None, None, rest),)))

    def _arguments(self, position: int, delta: str, out: list[ChatChunk], *, count: bool) -> None:
        if not delta:
            return
        index, _ = self._call_index(position)
        if count:
            self._count(("args", position, 0), delta)
        out.append(self._chunk(tool_calls=(ToolCallDelta(index, None, None, delta),)))

    def _end(self, response: Mapping[str, Any], out: list[ChatChunk]) -> None:
        self._start(response)
        finish = responses_finish_reason(response, saw_tool_call=bool(self._calls))
        out.append(self._chunk(finish_reason=finish, usage=responses_usage(response.get("usage"))))
        self.done = True

    def _fail(self, data: Mapping[str, Any]) -> None:
        error = data.get("error")
        if isinstance(error, Mapping):
            self.error = stream_failure(
                error.get("code") or error.get("type"), error.get("message")
            )
        elif isinstance(error, str):
            self.error = stream_failure(None, error)
        else:
            self.error = stream_failure(data.get("code"), data.get("message"))
