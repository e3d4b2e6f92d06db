"""Server-sent events: an incremental byte decoder and chat-chunk iteration (sync and async).

Framing follows the SSE spec (``\\n``, ``\\r\\n`` or ``\\r`` line ends; ``data:`` lines joined with
``\\n``; an event ends at a blank line; comments and other fields ignored) with two tolerances
for what LLM servers really send: at end of input the pending event is dispatched even without
its closing blank line, and an event whose ``data:`` lines are each a JSON document (servers
that omit the blank lines) is read line by line. The stream must end with ``data: [DONE]``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any

from brickgate.domain.chat import ChatChunk
from brickgate.domain.codec import decode_chat_chunk, excerpt
from brickgate.domain.error_mapping import error_from_stream_payload
from brickgate.domain.errors import ApiError, StreamError

DONE = "[DONE]"
_raw_decode = json.JSONDecoder().raw_decode
_HANDLED = object()
_BOM = "\ufeff"


class SSEDecoder:
    """Incremental SSE decoder: feed raw bytes as they arrive, get the ``data`` of each event.

    Bytes may be split anywhere (inside a UTF-8 character, between ``\\r`` and ``\\n``).
    """

    __slots__ = ("_data", "_skip_lf", "_started", "_tail")

    def __init__(self) -> None:
        self._tail: list[bytes] = []
        self._data: list[str] = []
        self._skip_lf = False
        self._started = False

    def feed(self, data: bytes) -> list[str]:
        """The ``data`` field of every event completed by this piece, in order."""
        if (
            data[-2:] == b"\n\n"
            and data[:6] == b"data: "
            and not (self._tail or self._data or self._skip_lf)
            and b"\r" not in data
        ):
            body = data[6:-2]
            events = [body.decode("utf-8", "replace")] if b"\n" not in body else _events_in(data)
            if events is not None:
                self._started = True
                return events
        if self._skip_lf:
            self._skip_lf = False
            if data[:1] == b"\n":
                data = data[1:]
        if b"\n" not in data and b"\r" not in data:
            if data:
                self._tail.append(data)
            return []
        if self._tail:
            self._tail.append(data)
            data = b"".join(self._tail)
            self._tail = []
        if b"\r" in data:
            if data[-1:] == b"\r":
                self._skip_lf = True
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        cut = data.rfind(b"\n")
        if cut + 1 < len(data):
            self._tail.append(data[cut + 1 :])
        return self._dispatch(self._text(data[:cut]).split("\n"))

    def flush(self) -> list[str]:
        """At end of input: the pending event's data, even without its closing blank line."""
        lines = [self._text(b"".join(self._tail))] if self._tail else []
        self._tail = []
        lines.append("")
        return self._dispatch(lines)

    def _text(self, raw: bytes) -> str:
        text = raw.decode("utf-8", "replace")
        if not self._started:
            self._started = True
            if text.startswith(_BOM):
                return text[1:]
        return text

    def _dispatch(self, lines: list[str]) -> list[str]:
        events: list[str] = []
        data = self._data
        for line in lines:
            if not line:
                if data:
                    events.append(data[0] if len(data) == 1 else "\n".join(data))
                    data = []
            elif line.startswith("data:"):
                data.append(line[6:] if line.startswith(" ", 5) else line[5:])
            elif line == "data":
                data.append("")
        self._data = data
        return events


def _events_in(data: bytes) -> list[str] | None:
    """The data of a piece made only of whole ``data: <one line>`` events, else ``None``."""
    events = []
    for event in data[:-2].split(b"\n\n"):
        if event[:6] != b"data: " or b"\n" in event:
            return None
        events.append(event[6:].decode("utf-8", "replace"))
    return events


class ChunkReader:
    """Turns the bytes of a streamed chat reply into ``ChatChunk``s; the core of both iterators.

    ``feed``/``finish`` return the chunks decoded so far; a failure is kept in ``error`` (raise it
    after handing those chunks on, so nothing that arrived is lost). ``done`` is set by
    ``[DONE]``, after which input is ignored. ``read(decoder.feed(piece))`` is ``feed(piece)``
    in one call less, for hot loops.
    """

    __slots__ = ("decoder", "done", "error")

    def __init__(self) -> None:
        self.decoder = SSEDecoder()
        self.done = False
        self.error: StreamError | ApiError | None = None

    def feed(self, piece: bytes) -> list[ChatChunk]:
        """Chunks completed by ``piece``."""
        return self.read(self.decoder.feed(piece))

    def finish(self) -> list[ChatChunk]:
        """Chunks left at end of input; sets ``error`` if ``[DONE]`` never came."""
        if self.done or self.error is not None:
            return []
        chunks = self.read(self.decoder.flush(), at_end=True)
        if not self.done and self.error is None:
            self.error = StreamError(
                "stream ended before [DONE]: the connection closed before the reply was "
                "complete (what arrived is in .partial); retry the request"
            )
        return chunks

    def raise_error(self) -> None:
        """Raise the failure recorded by ``feed``/``finish``, if any."""
        if self.error is not None:
            raise self.error

    def read(
        self, payloads: list[str], *, at_end: bool = False, into: list[ChatChunk] | None = None
    ) -> list[ChatChunk]:
        """Chunks in the event ``payloads`` of ``decoder.feed`` (appended to ``into`` if given).

        None once done or failed; ``at_end`` says the input ended (a cut-off last event).
        """
        chunks: list[ChatChunk] = [] if into is None else into
        if self.done or self.error is not None:
            return chunks
        raw_decode = _raw_decode
        for payload in payloads:
            if payload == DONE:
                self.done = True
                return chunks
            if not payload:
                continue
            try:
                data, end = raw_decode(payload)
                if end != len(payload):
                    raise ValueError("not one JSON value")
            except (ValueError, RecursionError):
                data = self._read_slowly(payload, chunks, at_end=at_end)
                if data is _HANDLED:
                    if self._stopped():
                        return chunks
                    continue
            if data.__class__ is not dict:
                self.error = StreamError(
                    f"the stream carried a non-object payload: {excerpt(data)}"
                )
                return chunks
            if "choices" not in data:
                api_error = error_from_stream_payload(data)
                if api_error is not None:
                    self.error = api_error
                    return chunks
            try:
                chunks.append(decode_chat_chunk(data))
            except StreamError as exc:
                self.error = exc
                return chunks
        return chunks

    def _stopped(self) -> bool:
        return self.done or self.error is not None

    def _read_slowly(self, payload: str, chunks: list[ChatChunk], *, at_end: bool) -> Any:
        """Parse a payload with surrounding whitespace, or ``data:`` lines sent without blank lines.

        Returns the parsed value, or ``_HANDLED`` once the payload's lines were read (or failed).
        """
        try:
            return json.loads(payload)
        except RecursionError:
            self.error = StreamError(
                "the stream carried JSON nested too deep to read; check that the endpoint "
                "serves chat completions"
            )
            return _HANDLED
        except ValueError:
            pass
        if "\n" in payload:
            self.read(payload.split("\n"), at_end=at_end, into=chunks)
        else:
            self.error = _malformed(payload, at_end=at_end)
        return _HANDLED


def _malformed(payload: str, *, at_end: bool) -> StreamError:
    if at_end:
        return StreamError(
            "stream ended before [DONE]: the last event was cut off "
            f"({excerpt(payload, 80)}); what arrived is in .partial; retry the request"
        )
    return StreamError(f"the stream carried malformed JSON: {excerpt(payload)}")


def iter_chunks(pieces: Iterable[bytes]) -> Iterator[ChatChunk]:
    """The ``ChatChunk``s of a streamed chat reply read from raw byte ``pieces``.

    Stops at ``data: [DONE]`` (without reading further). Raises ``StreamError`` for a stream
    that ends without ``[DONE]`` or carries malformed data, and the mapped ``ApiError`` for an
    error payload, after yielding every chunk that arrived before it.
    """
    reader = ChunkReader()
    for piece in pieces:
        yield from reader.feed(piece)
        if reader.error is not None:
            raise reader.error
        if reader.done:
            return
    yield from reader.finish()
    reader.raise_error()


async def aiter_chunks(pieces: AsyncIterable[bytes]) -> AsyncIterator[ChatChunk]:
    """The async twin of ``iter_chunks``, with the same contract."""
    reader = ChunkReader()
    async for piece in pieces:
        for chunk in reader.feed(piece):
            yield chunk
        if reader.error is not None:
            raise reader.error
        if reader.done:
            return
    for chunk in reader.finish():
        yield chunk
    reader.raise_error()
