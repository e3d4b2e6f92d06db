"""The shared core of the Responses and Messages stream readers: SSE bytes to JSON events."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from brickgate.domain.chat import ChatChunk
from brickgate.domain.codec import excerpt
from brickgate.domain.error_mapping import error_from_stream_payload
from brickgate.domain.errors import ApiError, StreamError
from brickgate.domain.sse import DONE, SSEDecoder


class JsonEventReader:
    """An ``EventReader[ChatChunk]`` for streams whose events are JSON objects with a ``type``.

    Subclasses implement ``event(data, out)`` and set ``done`` at the protocol's end event.
    The ``event:`` field is not needed: both protocols repeat it as ``type`` in the data. A
    trailing ``data: [DONE]`` is tolerated; a payload without ``type`` that carries ``error``,
    ``error_code`` or ``message`` (a Databricks error envelope) is that error; an event whose
    ``data:`` lines are each one JSON document (no blank lines between) is read line by line.
    """

    __slots__ = ("decoder", "done", "error")

    end_marker = "the end event"

    def __init__(self) -> None:
        self.decoder = SSEDecoder()
        self.done = False
        self.error: StreamError | ApiError | None = None

    def feed(self, piece: bytes) -> list[ChatChunk]:
        """Chunks completed by ``piece``."""
        return self.read(self.decoder.feed(piece), at_end=False)

    def finish(self) -> list[ChatChunk]:
        """Chunks left at end of input; sets ``error`` if the end event never came."""
        if self.done or self.error is not None:
            return []
        chunks = self.read(self.decoder.flush(), at_end=True)
        if not self.done and self.error is None:
            self.error = StreamError(
                f"stream ended before {self.end_marker}: the connection closed before the reply "
                "was complete (what arrived is in .partial); retry the request"
            )
        return chunks

    def read(self, payloads: list[str], *, at_end: bool) -> list[ChatChunk]:
        """Chunks in the event ``payloads`` of ``decoder.feed``; none once done or failed."""
        out: list[ChatChunk] = []
        for payload in payloads:
            if self.done or self.error is not None:
                break
            self._payload(payload, out, at_end=at_end)
        return out

    def _payload(self, payload: str, out: list[ChatChunk], *, at_end: bool) -> None:
        if payload == DONE:
            self.done = True
            return
        if not payload.strip():
            return
        try:
            data = json.loads(payload)
        except (ValueError, RecursionError):
            if "\n" in payload:
                for line in payload.split("\n"):
                    if self.done or self.error is not None:
                        return
                    self._payload(line, out, at_end=at_end)
                return
            self.error = _malformed(payload, at_end=at_end, marker=self.end_marker)
            return
        if not isinstance(data, dict):
            self.error = StreamError(f"the stream carried a non-object payload: {excerpt(data)}")
            return
        if "type" not in data:
            failure = error_from_stream_payload(data)
            if failure is not None:
                self.error = failure
                return
        try:
            self.event(data, out)
        except (AttributeError, IndexError, KeyError, TypeError, ValueError) as exc:
            self.error = StreamError(
                f"the stream carried an event brickgate cannot read ({type(exc).__name__}): "
                f"{excerpt(data)}"
            )

    def event(self, data: Mapping[str, Any], out: list[ChatChunk]) -> None:
        """Append the chunks of one event to ``out`` (set ``done`` or ``error`` as it says)."""
        raise NotImplementedError


def _malformed(payload: str, *, at_end: bool, marker: str) -> StreamError:
    if at_end:
        return StreamError(
            f"stream ended before {marker}: the last event was cut off "
            f"({excerpt(payload, 80)}); what arrived is in .partial; retry the request"
        )
    return StreamError(f"the stream carried malformed JSON: {excerpt(payload)}")
