"""Streamed replies as users hold them: iterate chunks, then read the assembled response."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import TracebackType

from brickgate.domain.chat import Adjustment, ChatChunk, ChatResponse
from brickgate.domain.errors import StreamError
from brickgate.domain.streaming import StreamAssembler
from brickgate.ports.transport import AsyncChunkStream, ChunkStream


class _Assembly:
    """What sync and async streams share: the assembler and the finished flag."""

    def __init__(self, adjustments: tuple[Adjustment, ...]) -> None:
        self._assembler = StreamAssembler()
        self._adjustments = adjustments
        self._finished = False

    def _partial(self) -> ChatResponse:
        return self._assembler.response(self._adjustments)

    def _attach_partial(self, error: StreamError) -> None:
        if error.partial is None:
            error.partial = self._partial()


class Stream(_Assembly):
    """A streamed chat reply; use as ``with client.stream(...) as stream: for chunk in stream``.

    The request is sent when the stream is entered (or first iterated). Iterating yields
    ``ChatChunk``s; ``response`` is the assembled ``ChatResponse``. A stream that breaks raises
    ``StreamError`` whose ``partial`` holds what arrived. Leaving the ``with`` block closes it.
    """

    def __init__(self, opener: Callable[[], ChunkStream], adjustments: tuple[Adjustment, ...]):
        super().__init__(adjustments)
        self._opener = opener
        self._chunks: ChunkStream | None = None
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

    def _open(self) -> ChunkStream:
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
            self._attach_partial(error)
            raise
        finally:
            self.close()
        self._finished = True

    @property
    def response(self) -> ChatResponse:
        """The assembled reply; reading it first consumes whatever has not been iterated yet."""
        if not self._finished and not self._chunks_closed:
            for _ in self:
                pass
        return self._partial()

    def close(self) -> None:
        """Release the connection; safe to call more than once."""
        if self._chunks is not None and not self._chunks_closed:
            self._chunks_closed = True
            self._chunks.close()


class AsyncStream(_Assembly):
    """The async twin of ``Stream``: ``async with aclient.stream(...) as s: async for c in s``."""

    def __init__(
        self,
        opener: Callable[[], Awaitable[AsyncChunkStream]],
        adjustments: tuple[Adjustment, ...],
    ) -> None:
        super().__init__(adjustments)
        self._opener = opener
        self._chunks: AsyncChunkStream | None = None
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

    async def _open(self) -> AsyncChunkStream:
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
            self._attach_partial(error)
            raise
        finally:
            await self.aclose()
        self._finished = True

    async def get_response(self) -> ChatResponse:
        """The assembled reply, consuming whatever has not been iterated yet."""
        if not self._finished and not self._chunks_closed:
            async for _ in self:
                pass
        return self._partial()

    @property
    def response(self) -> ChatResponse:
        """The reply assembled from the chunks iterated so far."""
        return self._partial()

    async def aclose(self) -> None:
        """Release the connection; safe to call more than once."""
        if self._chunks is not None and not self._chunks_closed:
            self._chunks_closed = True
            await self._chunks.aclose()
