"""An asyncio-only policy: at most N requests of one event loop waiting for their answers."""

from __future__ import annotations

import asyncio
from typing import TypeVar

from brickgate.domain.calls import Call, StreamCall
from brickgate.domain.errors import ConfigurationError
from brickgate.ports._async.workspace import AsyncEventStream, AsyncWorkspaceTransport

T = TypeVar("T")
E = TypeVar("E")


class AsyncInFlightLimit:
    """Lets at most ``limit`` calls per event loop wait for their answers; the others queue.

    A stream counts only until its status line arrives, not while its body is read. Threads
    have no such limit (their pool is the limit), so this policy has no sync form. Raises
    ``ConfigurationError`` for a ``limit`` below 1.
    """

    def __init__(self, inner: AsyncWorkspaceTransport, limit: int) -> None:
        if limit < 1:
            raise ConfigurationError(
                f"max_in_flight must be 1 or more (or 0 for no limit), got {limit!r}"
            )
        self._inner = inner
        self._limit = limit
        self._gate: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._gate is None or self._loop is not loop:
            self._gate = asyncio.Semaphore(self._limit)
            self._loop = loop
        return self._gate

    async def send(self, call: Call[T]) -> T:
        """``inner.send`` once a slot is free."""
        async with self._semaphore():
            return await self._inner.send(call)

    async def open(self, call: StreamCall[E]) -> AsyncEventStream[E]:
        """``inner.open`` once a slot is free; the slot is freed when the stream is open."""
        async with self._semaphore():
            return await self._inner.open(call)

    async def aclose(self) -> None:
        """Close ``inner``."""
        await self._inner.aclose()
