"""Streamed replies as users hold them: iterate chunks, then read the assembled response."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType

from brickgate.domain.chat import Adjustment, ChatChunk, ChatResponse
from brickgate.domain.errors import ConfigurationError, StreamError
from brickgate.domain.streaming import DEFAULT_ASSEMBLED_LIMIT, StreamAssembler
from brickgate.ports._async.workspace import AsyncEventStream


class AsyncStream:
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
        opener: Callable[[], Awaitable[AsyncEventStream[ChatChunk]]],
        adjustments: tuple[Adjustment, ...],
        limit: int = DEFAULT_ASSEMBLED_LIMIT,
    ) -> None:
        self._opener = opener
        self._assembler = StreamAssembler(limit)
        self._adjustments = adjustments
        self._finished = False
        self._chunks: AsyncEventStream[ChatChunk] | None = None
        self._chunks_closed = False

    async def __aenter__(self) -> AsyncStream:
        await self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def note_adjustments(self, adjustments: tuple[Adjustment, ...]) -> None:
        """Report ``adjustments`` on the response instead (a fallback changed the request)."""
        self._adjustments = adjustments

    async def _open(self) -> AsyncEventStream[ChatChunk]:
        if self._chunks is None:
            self._chunks = await self._opener()
        return self._chunks

    async def __aiter__(self) -> AsyncIterator[ChatChunk]:
        if self._finished:
            return
        add = self._assembler.add
        try:
            async for chunk in await self._open():
                add(chunk)
                yield chunk
        except StreamError as error:
            if error.partial is None and not self._assembler.overflowed:
                error.partial = self._partial()
            raise
        finally:
            await self.aclose()
        self._finished = True

    def _partial(self) -> ChatResponse:
        return self._assembler.response(self._adjustments)

    async def get_response(self) -> ChatResponse:
        """The assembled reply, reading first whatever has not been iterated yet."""
        if not self._finished and not self._chunks_closed:
            async for _ in self:
                pass
        return self._partial()

    @property
    def response(self) -> ChatResponse:
        """The assembled reply. Sync streams read what is left first; async streams raise
        ``ConfigurationError`` while chunks are unread (await ``get_response()`` instead)."""
        if not self._finished and not self._chunks_closed:
            # sync-only: return self.get_response()
            raise ConfigurationError(  # async-only
                "the stream has not been read to its end; iterate it, or use "  # async-only
                "'await stream.get_response()', before reading stream.response"  # async-only
            )  # async-only
        return self._partial()

    async def aclose(self) -> None:
        """Release the connection; safe to call more than once."""
        if self._chunks is not None and not self._chunks_closed:
            self._chunks_closed = True
            await self._chunks.aclose()
