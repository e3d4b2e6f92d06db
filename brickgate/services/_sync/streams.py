# Generated from services/_async/streams.py by tools/unasync.py: do not edit.
"""Streamed replies as users hold them: iterate chunks, then read the assembled response."""

from __future__ import annotations

from collections.abc import Iterator, Awaitable, Callable
from types import TracebackType

from brickgate.domain.chat import Adjustment, ChatChunk, ChatResponse
from brickgate.domain.errors import ConfigurationError, StreamError
from brickgate.domain.streaming import DEFAULT_ASSEMBLED_LIMIT, StreamAssembler
from brickgate.ports._sync.workspace import EventStream


class Stream:
    """A streamed chat reply: ``with client.stream(...) as stream``, then iterate the chunks.

    The request is sent when the stream is entered (or first iterated). Iterating yields
    ``ChatChunk``s; ``get_response()`` reads what is left and returns the assembled
    ``ChatResponse``, and so does ``response`` once the stream has been read to its end or
    closed. A stream that breaks raises ``StreamError`` whose ``partial`` holds what arrived.
    Leaving the ``with`` block closes it. The assembled reply is kept up to ``limit``
    characters; past that iterating goes on and the response raises ``ResponseTooLargeError``.
    """

    def __init__(
        self,
        opener: Callable[[], EventStream[ChatChunk]],
        adjustments: tuple[Adjustment, ...],
        limit: int = DEFAULT_ASSEMBLED_LIMIT,
    ) -> None:
        self._opener = opener
        self._assembler = StreamAssembler(limit)
        self._adjustments = adjustments
        self._finished = False
        self._chunks: EventStream[ChatChunk] | None = None
        self._chunks_closed = False

    def __enter__(self) -> Stream:
        self._open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def note_adjustments(self, adjustments: tuple[Adjustment, ...]) -> None:
        """Report ``adjustments`` on the response instead (a fallback changed the request)."""
        self._adjustments = adjustments

    def _open(self) -> EventStream[ChatChunk]:
        if self._chunks is None:
            self._chunks = self._opener()
        return self._chunks

    def __iter__(self) -> Iterator[ChatChunk]:
        if self._finished:
            return
        add = self._assembler.add
        try:
            for chunk in self._open():
                add(chunk)
                yield chunk
        except StreamError as error:
            if error.partial is None and not self._assembler.overflowed:
                error.partial = self._partial()
            raise
        finally:
            self.close()
        self._finished = True

    def _partial(self) -> ChatResponse:
        return self._assembler.response(self._adjustments)

    def get_response(self) -> ChatResponse:
        """The assembled reply, reading first whatever has not been iterated yet."""
        if not self._finished and not self._chunks_closed:
            for _ in self:
                pass
        return self._partial()

    @property
    def response(self) -> ChatResponse:
        """The assembled reply. Sync streams read what is left first; async streams raise
        ``ConfigurationError`` while chunks are unread (``get_response()`` instead)."""
        if not self._finished and not self._chunks_closed:
            return self.get_response()
        return self._partial()

    def close(self) -> None:
        """Release the connection; safe to call more than once."""
        if self._chunks is not None and not self._chunks_closed:
            self._chunks_closed = True
            self._chunks.close()
