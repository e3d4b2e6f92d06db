# Generated from testing/_async/fake_transport.py by tools/unasync.py: do not edit.
"""The in-process fake of the workspace port: scripted replies, decoded by the real calls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from brickgate.domain.calls import Call, EventReader, StreamCall
from brickgate.testing.fake_script import Script

T = TypeVar("T")
E = TypeVar("E")


class FakeTransport(Script):
    """A scripted workspace transport: records every call and answers from a queue per operation.

    Queue replies with ``enqueue(operation, *replies)`` (operations: ``"chat"``, ``"stream"``,
    ``"embed"``, ``"endpoints"``, ``"endpoint"``, ``"statement-submit"``, ``"statement-poll"``,
    ``"statement-cancel"``, ``"oauth-token"``): a ``JsonReply`` (wire body and status), a
    ``StreamReply`` (chunk payloads) or a brickgate error to raise. Answers go through the same
    decoders and error mapping as the HTTP transport; with nothing queued it gives a short
    canned answer. Nothing leaves the process.
    """

    def send(self, call: Call[T]) -> T:
        """The next reply to ``call``, decoded by it."""
        return self.answer(call)

    def open(self, call: StreamCall[E]) -> FakeEventStream[E]:
        """The next streamed reply to ``call``, as an open event stream."""
        return FakeEventStream(self.pieces(call), call.reader())

    def close(self) -> None:
        """Mark the fake closed (``closed`` becomes True); idempotent."""
        self.closed = True


class FakeEventStream(Generic[E]):
    """An event stream over scripted body pieces, read by the call's own reader."""

    def __init__(self, pieces: list[bytes], reader: EventReader[E]) -> None:
        self._pieces = pieces
        self._reader = reader
        self.closed = False

    def __iter__(self) -> Iterator[E]:
        return self._events()

    def _events(self) -> Iterator[E]:
        reader = self._reader
        try:
            for piece in self._pieces:
                for event in reader.feed(piece):
                    yield event
                if reader.error is not None:
                    raise reader.error
                if reader.done:
                    return
            for event in reader.finish():
                yield event
            if reader.error is not None:
                raise reader.error
        finally:
            self.closed = True

    def close(self) -> None:
        """Mark the stream closed; idempotent."""
        self.closed = True
