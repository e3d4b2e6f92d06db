"""Reading the stored example streams and replies, and running readers over split input."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from brickgate.domain.chat import ChatChunk, ChatResponse
from brickgate.domain.errors import BrickgateError
from brickgate.domain.protocols.events import JsonEventReader
from brickgate.domain.streaming import StreamAssembler

DATA = Path(__file__).resolve().parents[2] / "data" / "protocols"

Reader = Callable[[], JsonEventReader]


def stream_bytes(name: str) -> bytes:
    """The stored example stream ``name`` as raw bytes."""
    return (DATA / name).read_bytes()


def reply_json(name: str) -> Mapping[str, Any]:
    """The stored example reply ``name``."""
    data: Mapping[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return data


def sse(*events: Mapping[str, Any]) -> bytes:
    """``events`` framed as servers send them: an ``event:`` line, a ``data:`` line, a blank."""
    return "".join(
        f"event: {event.get('type', 'message')}\ndata: {json.dumps(event)}\n\n" for event in events
    ).encode()


def read_all(
    reader_type: Reader, pieces: Iterable[bytes]
) -> tuple[list[ChatChunk], BrickgateError | None, bool]:
    """Chunks, the recorded error and ``done`` after feeding ``pieces`` and finishing."""
    reader = reader_type()
    chunks: list[ChatChunk] = []
    for piece in pieces:
        chunks.extend(reader.feed(piece))
    chunks.extend(reader.finish())
    return chunks, reader.error, reader.done


def assemble(chunks: Iterable[ChatChunk]) -> ChatResponse:
    """The reply assembled from ``chunks``, as a stream's ``.response``."""
    assembler = StreamAssembler()
    for chunk in chunks:
        assembler.add(chunk)
    return assembler.response()


def split_everywhere(data: bytes) -> Iterable[list[bytes]]:
    """``data`` in two pieces at every offset, then one byte at a time."""
    for cut in range(len(data) + 1):
        yield [data[:cut], data[cut:]]
    yield [data[i : i + 1] for i in range(len(data))]
