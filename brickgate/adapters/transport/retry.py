"""Retries: an explicit policy, and transport decorators that apply it (sync and async)."""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from brickgate.domain.chat import (
    CallOptions,
    ChatRequest,
    ChatResponse,
    EmbeddingRequest,
    EmbeddingResponse,
    Endpoint,
)
from brickgate.domain.errors import ApiError, BrickgateError, RateLimitError, TransportError
from brickgate.ports.clock import Clock
from brickgate.ports.transport import (
    AsyncChatTransport,
    AsyncChunkStream,
    ChatTransport,
    ChunkStream,
)

logger = logging.getLogger("brickgate.retry")

T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
RETRYABLE_CODES = frozenset({"REQUEST_LIMIT_EXCEEDED"})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When and how long to wait before sending a failed request again.

    Retried: ``TransportError`` (timeouts included), HTTP 408/429/500/502/503/504 and the
    ``REQUEST_LIMIT_EXCEEDED`` code, at most ``max_retries`` times. The wait is exponential,
    ``min(initial_backoff * 2**retry, max_backoff)``, shortened by up to ``jitter`` (a fraction)
    drawn from ``random``. A ``Retry-After`` the server sent is used instead, unless it exceeds
    ``retry_after_cap``: then brickgate gives up rather than wait. No wait may end past
    ``total_budget`` seconds after the first attempt.
    """

    max_retries: int = 2
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    jitter: float = 0.25
    retry_after_cap: float = 60.0
    total_budget: float = 120.0
    random: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter is a fraction between 0 and 1")

    def is_retryable(self, error: BrickgateError) -> bool:
        """True for errors a later attempt may not meet: transport failures, transient answers."""
        if isinstance(error, TransportError):
            return True
        if isinstance(error, ApiError):
            if error.error_code and error.error_code.upper() in RETRYABLE_CODES:
                return True
            return error.status in RETRYABLE_STATUSES
        return False

    def backoff(self, retry: int) -> float:
        """The jittered exponential wait before retry number ``retry`` (0 for the first)."""
        base = min(self.initial_backoff * (2.0**retry), self.max_backoff)
        return base * (1.0 - self.jitter * self.random())

    def delay(self, retry: int, error: BrickgateError, elapsed: float) -> float | None:
        """Seconds to wait before retry number ``retry``, or ``None`` to give up.

        ``elapsed`` is the time spent since the first attempt started.
        """
        if retry >= self.max_retries or not self.is_retryable(error):
            return None
        server_wait = _retry_after(error)
        if server_wait is not None and server_wait > self.retry_after_cap:
            return None
        wait = server_wait if server_wait is not None else self.backoff(retry)
        if elapsed + wait > self.total_budget:
            return None
        return wait


def _retry_after(error: BrickgateError) -> float | None:
    value = getattr(error, "retry_after", None)
    return float(value) if isinstance(value, (int, float)) else None


class _Attempts:
    """The bookkeeping of one retried call: count, elapsed time, logging, the give-up rule."""

    __slots__ = ("_clock", "_operation", "_policy", "_retry", "_started")

    def __init__(self, policy: RetryPolicy, clock: Clock, operation: str) -> None:
        self._policy = policy
        self._clock = clock
        self._operation = operation
        self._retry = 0
        self._started = clock.monotonic()

    def next_wait(self, error: BrickgateError) -> float:
        """The wait before the next attempt; re-raises ``error`` when giving up."""
        elapsed = self._clock.monotonic() - self._started
        wait = self._policy.delay(self._retry, error, elapsed)
        if wait is None:
            if isinstance(error, RateLimitError) and error.retry_after is None:
                error.retry_after = self._policy.backoff(self._retry)
            raise error
        self._retry += 1
        logger.debug(
            "retrying %s in %.2f s (retry %d of %d) after %s",
            self._operation,
            wait,
            self._retry,
            self._policy.max_retries,
            _describe(error),
        )
        return wait


def _describe(error: BrickgateError) -> str:
    if isinstance(error, ApiError):
        code = f" {error.error_code}" if error.error_code else ""
        return f"{type(error).__name__} (HTTP {error.status}{code})"
    return type(error).__name__


class RetryingTransport:
    """A ``ChatTransport`` that retries ``inner``'s calls by ``policy``, waiting on ``clock``.

    ``stream`` retries only the opening of the stream: once it has returned, chunks come
    straight from ``inner`` and an error while iterating is never retried. When brickgate gives
    up on a 429, the raised ``RateLimitError.retry_after`` is set (the server's value, else the
    wait brickgate would have chosen).
    """

    def __init__(self, inner: ChatTransport, policy: RetryPolicy, clock: Clock) -> None:
        self._inner = inner
        self._policy = policy
        self._clock = clock

    def _call(self, operation: str, call: Callable[[], T]) -> T:
        attempts = _Attempts(self._policy, self._clock, operation)
        while True:
            try:
                return call()
            except BrickgateError as error:
                self._clock.sleep(attempts.next_wait(error))

    def chat(self, request: ChatRequest, options: CallOptions) -> ChatResponse:
        """``inner.chat`` with retries."""
        return self._call("chat", lambda: self._inner.chat(request, options))

    def stream(self, request: ChatRequest, options: CallOptions) -> ChunkStream:
        """``inner.stream`` with retries of the opening only."""
        return self._call("stream", lambda: self._inner.stream(request, options))

    def embed(self, request: EmbeddingRequest, options: CallOptions) -> EmbeddingResponse:
        """``inner.embed`` with retries."""
        return self._call("embed", lambda: self._inner.embed(request, options))

    def endpoints(self, options: CallOptions) -> list[Endpoint]:
        """``inner.endpoints`` with retries."""
        return self._call("endpoints", lambda: self._inner.endpoints(options))

    def endpoint(self, name: str, options: CallOptions) -> Endpoint:
        """``inner.endpoint`` with retries."""
        return self._call("endpoint", lambda: self._inner.endpoint(name, options))

    def close(self) -> None:
        """Close ``inner``."""
        self._inner.close()


class AsyncRetryingTransport:
    """The ``AsyncChatTransport`` twin of ``RetryingTransport``, with the same behaviour."""

    def __init__(self, inner: AsyncChatTransport, policy: RetryPolicy, clock: Clock) -> None:
        self._inner = inner
        self._policy = policy
        self._clock = clock

    async def _call(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        attempts = _Attempts(self._policy, self._clock, operation)
        while True:
            try:
                return await call()
            except BrickgateError as error:
                await self._clock.sleep_async(attempts.next_wait(error))

    async def chat(self, request: ChatRequest, options: CallOptions) -> ChatResponse:
        """``inner.chat`` with retries."""
        return await self._call("chat", lambda: self._inner.chat(request, options))

    async def stream(self, request: ChatRequest, options: CallOptions) -> AsyncChunkStream:
        """``inner.stream`` with retries of the opening only."""
        return await self._call("stream", lambda: self._inner.stream(request, options))

    async def embed(self, request: EmbeddingRequest, options: CallOptions) -> EmbeddingResponse:
        """``inner.embed`` with retries."""
        return await self._call("embed", lambda: self._inner.embed(request, options))

    async def endpoints(self, options: CallOptions) -> list[Endpoint]:
        """``inner.endpoints`` with retries."""
        return await self._call("endpoints", lambda: self._inner.endpoints(options))

    async def endpoint(self, name: str, options: CallOptions) -> Endpoint:
        """``inner.endpoint`` with retries."""
        return await self._call("endpoint", lambda: self._inner.endpoint(name, options))

    async def aclose(self) -> None:
        """Close ``inner``."""
        await self._inner.aclose()
