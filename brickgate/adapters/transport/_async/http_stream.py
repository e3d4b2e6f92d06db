"""An open streamed answer of the HTTP driver: events read as they come, within the limits."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Generic, TypeVar

from brickgate.adapters.transport.backends import is_timeout, stream_read_errors
from brickgate.adapters.transport.deadline import DEADLINE
from brickgate.adapters.transport.wire import (
    DEFAULT_LIMITS,
    Limits,
    reads_raw,
    translated_stream_error,
)
from brickgate.domain.calls import EventReader
from brickgate.domain.errors import BrickgateError, RemoteError, TimeoutError
from brickgate.domain.scrub import scrub_error

if TYPE_CHECKING:
    import httpx

E = TypeVar("E")


class AsyncHttpEventStream(Generic[E]):
    """An open streamed answer: iterate once for events; the response is closed at the end.

    Raises what the reader reports (``StreamError``, the mapped ``ApiError``) after the events
    that arrived before it, ``StreamError`` for a broken connection and ``TimeoutError`` when the
    stream goes idle.
    """

    def __init__(
        self,
        response: httpx.Response,
        reader: EventReader[E],
        *,
        idle: float | None = None,
        first: float | None = None,
        limits: Limits = DEFAULT_LIMITS,
        secrets: tuple[str, ...] = (),
    ) -> None:
        self._response = response
        self._reader = reader
        self._idle = idle
        self._first = first
        self._limits = limits
        self._secrets = secrets
        self._events = self._read()
        self.closed = False

    def __aiter__(self) -> AsyncIterator[E]:
        return self._events

    async def _read(self) -> AsyncIterator[E]:
        response = self._response
        reader = self._reader
        feed = reader.feed
        idle = self._idle
        secrets = self._secrets
        event_limit = self._limits.event
        deadline = self._first
        pieces = response.aiter_raw() if reads_raw(response) else response.aiter_bytes()
        pending = 0
        try:
            while True:
                failure: RemoteError | None = None
                token = DEADLINE.set((deadline, secrets))
                try:
                    piece = await pieces.__anext__()
                except StopAsyncIteration:
                    break
                except stream_read_errors() as exc:
                    failure = self._broken(exc)
                finally:
                    DEADLINE.reset(token)
                if failure is not None:
                    raise failure
                events = feed(piece)
                if events:
                    pending = 0
                    if idle is not None:
                        deadline = time.monotonic() + idle
                    for event in events:
                        yield event
                else:
                    pending += len(piece)
                    if pending > event_limit:
                        raise self._limits.event_too_large()
                if reader.error is not None:
                    raise reader.error
                if reader.done:
                    return
            for event in reader.finish():
                yield event
            if reader.error is not None:
                raise reader.error
        except BrickgateError as error:
            scrub_error(error, secrets)
            raise
        finally:
            await self.aclose()

    def _broken(self, exc: Exception) -> RemoteError:
        if is_timeout(exc) and self._idle is not None:
            return TimeoutError(
                f"the stream went idle: no data event arrived within {self._idle:g} s "
                "(comments and keep-alives do not count); retry, or raise the timeout "
                "(BRICKGATE_STREAM_IDLE_TIMEOUT or the call's timeout)"
            )
        return translated_stream_error(exc)

    async def aclose(self) -> None:
        """Release the connection; idempotent."""
        if not self.closed:
            self.closed = True
            await self._response.aclose()
