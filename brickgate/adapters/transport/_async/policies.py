"""Policies around the workspace port: auth, retry and the batch gate, each one layer."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol, TypeVar

from brickgate.adapters.transport.gate import BackoffGate
from brickgate.adapters.transport.retry_policy import Attempts, RetriedCall, RetryPolicy
from brickgate.domain.attempts import note_attempt
from brickgate.domain.calls import BearerAuth, Call, StreamCall, WireAuth, WireRequest
from brickgate.domain.credentials import Secret
from brickgate.domain.errors import ApiError, BrickgateError, RateLimitError
from brickgate.ports._async.tokens import AsyncTokenSource
from brickgate.ports._async.workspace import AsyncEventStream, AsyncWorkspaceTransport
from brickgate.ports.clock import Clock

if TYPE_CHECKING:
    from typing_extensions import Self

T = TypeVar("T")
E = TypeVar("E")
R = TypeVar("R")


class _Outgoing(RetriedCall, Protocol):
    """A call or a stream call, as the policies see it: its request, a copy with auth."""

    @property
    def request(self) -> WireRequest: ...

    def authorized(self, auth: WireAuth) -> Self: ...


C = TypeVar("C", bound=_Outgoing)

logger = logging.getLogger("brickgate.retry")
_EXPIRY_WORDS = ("expired", "expiring", "invalid")


def token_rejected(error: ApiError) -> bool:
    """True for a 401, or a 403 whose message says the token is expired, expiring or invalid."""
    if error.status == 401:
        return True
    if error.status != 403:
        return False
    text = error.message.lower()
    return "token" in text and any(word in text for word in _EXPIRY_WORDS)


class AsyncAuthenticatedTransport:
    """Attaches the workspace token from ``tokens`` to every call that has no auth of its own.

    On a rejected token (see ``token_rejected``) a refreshable source is invalidated and the
    call is sent once more with the fresh token; concurrent rejections refresh once (the
    source's contract). Closing closes ``inner``.
    """

    def __init__(self, inner: AsyncWorkspaceTransport, tokens: AsyncTokenSource) -> None:
        self._inner = inner
        self._tokens = tokens

    async def send(self, call: Call[T]) -> T:
        """``inner.send`` with the token attached, refreshed once if it was rejected."""
        return await self._with_token(call, self._inner.send)

    async def open(self, call: StreamCall[E]) -> AsyncEventStream[E]:
        """``inner.open`` with the token attached, refreshed once if it was rejected."""
        return await self._with_token(call, self._inner.open)

    async def _with_token(self, call: C, go: Callable[[C], Awaitable[R]]) -> R:
        if call.request.auth is not None:
            return await go(call)
        secret = await self._tokens.token()
        try:
            return await go(call.authorized(BearerAuth(secret)))
        except ApiError as error:
            if not self._tokens.refreshable or not token_rejected(error):
                raise
            rejected = error
        fresh = await self._fresh(secret)
        if fresh is None:
            raise rejected
        return await go(call.authorized(fresh))

    async def _fresh(self, stale: Secret) -> BearerAuth | None:
        """A new token after ``stale`` was rejected, or ``None`` when none could be had."""
        self._tokens.invalidate(stale)
        fresh = await self._tokens.token()
        return None if fresh == stale else BearerAuth(fresh)

    async def aclose(self) -> None:
        """Close ``inner``."""
        await self._inner.aclose()


class AsyncRetryingTransport:
    """Sends calls again by ``policy`` when they fail in a way a later attempt may not.

    A call is sent at most ``call.max_retries`` (else ``policy.max_retries``) + 1 times; a call
    marked ``Retry.UNSTARTED`` only after failures where the server cannot have started it. A
    stream is retried only while opening. Waits go through ``clock``. When giving up on a 429,
    the raised ``RateLimitError.retry_after`` is set (the server's value, else the wait
    brickgate would have chosen).
    """

    def __init__(self, inner: AsyncWorkspaceTransport, policy: RetryPolicy, clock: Clock) -> None:
        self._inner = inner
        self._policy = policy
        self._clock = clock

    async def send(self, call: Call[T]) -> T:
        """``inner.send`` with retries."""
        return await self._retried(call, self._inner.send)

    async def open(self, call: StreamCall[E]) -> AsyncEventStream[E]:
        """``inner.open`` with retries of the opening only."""
        return await self._retried(call, self._inner.open)

    async def _retried(self, call: C, go: Callable[[C], Awaitable[R]]) -> R:
        started = self._clock.monotonic()
        attempts = None
        while True:
            note_attempt()
            try:
                return await go(call)
            except BrickgateError as error:
                if attempts is None:
                    attempts = Attempts(self._policy, self._clock, call, started=started)
                await self._clock.sleep_async(attempts.next_wait(error))

    async def aclose(self) -> None:
        """Close ``inner``."""
        await self._inner.aclose()


class AsyncGatedTransport:
    """Waits at a shared ``gate`` before each call and shuts it for everyone on a 429."""

    def __init__(self, inner: AsyncWorkspaceTransport, gate: BackoffGate) -> None:
        self._inner = inner
        self._gate = gate

    async def send(self, call: Call[T]) -> T:
        """``inner.send`` once the gate is open; a ``RateLimitError`` pauses the gate."""
        return await self._gated(call, self._inner.send)

    async def open(self, call: StreamCall[E]) -> AsyncEventStream[E]:
        """``inner.open`` once the gate is open; a ``RateLimitError`` pauses the gate."""
        return await self._gated(call, self._inner.open)

    async def _gated(self, call: C, go: Callable[[C], Awaitable[R]]) -> R:
        await self._gate.wait_async()
        try:
            return await go(call)
        except RateLimitError as error:
            self._gate.pause(error.retry_after)
            raise

    async def aclose(self) -> None:
        """Close ``inner``."""
        await self._inner.aclose()
