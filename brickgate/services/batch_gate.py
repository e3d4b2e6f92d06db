"""The shared back-off gate of a batch: one 429 pauses every worker, through gated transports."""

from __future__ import annotations

import threading
from collections.abc import (
    Awaitable,
    Callable,
    Mapping,
)
from typing import Any

from brickgate.domain.chat import (
    CallOptions,
    ChatRequest,
    ChatResponse,
    EmbeddingRequest,
    EmbeddingResponse,
    Endpoint,
)
from brickgate.domain.errors import (
    RateLimitError,
    ServerError,
    TransportError,
)
from brickgate.ports.clock import Clock
from brickgate.ports.transport import (
    AsyncChatTransport,
    AsyncChunkStream,
    ChatTransport,
    ChunkStream,
)

Chat = Callable[[str, Any, Mapping[str, Any]], ChatResponse]
AsyncChat = Callable[[str, Any, Mapping[str, Any]], Awaitable[ChatResponse]]

_RETRYABLE = (RateLimitError, ServerError, TransportError)


class BackoffGate:
    """A pause shared by every worker of a batch: after a 429 nobody sends until it ends.

    ``pause(seconds)`` keeps the gate shut until ``seconds`` from now (the server's
    ``Retry-After``, else ``default_pause``; never beyond ``max_pause``); a later pause only
    extends it. ``wait()`` / ``wait_async()`` return once the gate is open. Thread-safe.
    """

    def __init__(
        self, clock: Clock, *, default_pause: float = 1.0, max_pause: float = 60.0
    ) -> None:
        self._clock = clock
        self._default = default_pause
        self._max = max_pause
        self._lock = threading.Lock()
        self._open_at = 0.0
        self.pauses = 0

    def pause(self, seconds: float | None) -> None:
        """Shut the gate for ``seconds`` (``None``: the default pause) from now."""
        wanted = self._default if seconds is None else max(0.0, min(seconds, self._max))
        with self._lock:
            self.pauses += 1
            self._open_at = max(self._open_at, self._clock.monotonic() + wanted)

    def _remaining(self) -> float:
        with self._lock:
            return self._open_at - self._clock.monotonic()

    def wait(self) -> float:
        """Block until the gate is open; return the seconds waited."""
        waited = 0.0
        while (remaining := self._remaining()) > 0:
            self._clock.sleep(remaining)
            waited += remaining
        return waited

    async def wait_async(self) -> float:
        """Suspend the task until the gate is open; return the seconds waited."""
        waited = 0.0
        while (remaining := self._remaining()) > 0:
            await self._clock.sleep_async(remaining)
            waited += remaining
        return waited


class GatedTransport:
    """A ``ChatTransport`` that waits at ``gate`` before each call and shuts it on a 429."""

    def __init__(self, inner: ChatTransport, gate: BackoffGate) -> None:
        self._inner = inner
        self._gate = gate

    def chat(self, request: ChatRequest, options: CallOptions) -> ChatResponse:
        """``inner.chat`` once the gate is open; a ``RateLimitError`` pauses the gate."""
        self._gate.wait()
        try:
            return self._inner.chat(request, options)
        except RateLimitError as error:
            self._gate.pause(error.retry_after)
            raise

    def stream(self, request: ChatRequest, options: CallOptions) -> ChunkStream:
        """``inner.stream`` once the gate is open."""
        self._gate.wait()
        return self._inner.stream(request, options)

    def embed(self, request: EmbeddingRequest, options: CallOptions) -> EmbeddingResponse:
        """``inner.embed`` once the gate is open."""
        self._gate.wait()
        return self._inner.embed(request, options)

    def endpoints(self, options: CallOptions) -> list[Endpoint]:
        """``inner.endpoints``."""
        return self._inner.endpoints(options)

    def endpoint(self, name: str, options: CallOptions) -> Endpoint:
        """``inner.endpoint``."""
        return self._inner.endpoint(name, options)

    def close(self) -> None:
        """Close ``inner``."""
        self._inner.close()


class AsyncGatedTransport:
    """The ``AsyncChatTransport`` twin of ``GatedTransport``."""

    def __init__(self, inner: AsyncChatTransport, gate: BackoffGate) -> None:
        self._inner = inner
        self._gate = gate

    async def chat(self, request: ChatRequest, options: CallOptions) -> ChatResponse:
        """``inner.chat`` once the gate is open; a ``RateLimitError`` pauses the gate."""
        await self._gate.wait_async()
        try:
            return await self._inner.chat(request, options)
        except RateLimitError as error:
            self._gate.pause(error.retry_after)
            raise

    async def stream(self, request: ChatRequest, options: CallOptions) -> AsyncChunkStream:
        """``inner.stream`` once the gate is open."""
        await self._gate.wait_async()
        return await self._inner.stream(request, options)

    async def embed(self, request: EmbeddingRequest, options: CallOptions) -> EmbeddingResponse:
        """``inner.embed`` once the gate is open."""
        await self._gate.wait_async()
        return await self._inner.embed(request, options)

    async def endpoints(self, options: CallOptions) -> list[Endpoint]:
        """``inner.endpoints``."""
        return await self._inner.endpoints(options)

    async def endpoint(self, name: str, options: CallOptions) -> Endpoint:
        """``inner.endpoint``."""
        return await self._inner.endpoint(name, options)

    async def aclose(self) -> None:
        """Close ``inner``."""
        await self._inner.aclose()
