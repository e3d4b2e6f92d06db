# Generated from adapters/transport/_async/policies.py by tools/unasync.py: do not edit.
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
from brickgate.ports._sync.tokens import TokenSource
from brickgate.ports._sync.workspace import EventStream, WorkspaceTransport
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


class AuthenticatedTransport:
    """Attaches the workspace token from ``tokens`` to every call that has no auth of its own.

    On a rejected token (see ``token_rejected``) a refreshable source is invalidated and the
    call is sent once more with the fresh token; concurrent rejections refresh once (the
    source's contract). Closing closes ``inner``.
    """

    def __init__(self, inner: WorkspaceTransport, tokens: TokenSource) -> None:
        self._inner = inner
        self._tokens = tokens

    def send(self, call: Call[T]) -> T:
        """``inner.send`` with the token attached, refreshed once if it was rejected."""
        return self._with_token(call, self._inner.send)

    def open(self, call: StreamCall[E]) -> EventStream[E]:
        """``inner.open`` with the token attached, refreshed once if it was rejected."""
        return self._with_token(call, self._inner.open)

    def _with_token(self, call: C, go: Callable[[C], R]) -> R:
        if call.request.auth is not None:
            return go(call)
        secret = self._tokens.token()
        try:
            return go(call.authorized(BearerAuth(secret)))
        except ApiError as error:
            if not self._tokens.refreshable or not token_rejected(error):
                raise
            rejected = error
        fresh = self._fresh(secret)
        if fresh is None:
            raise rejected
        return go(call.authorized(fresh))

    def _fresh(self, stale: Secret) -> BearerAuth | None:
        """A new token after ``stale`` was rejected, or ``None`` when none could be had."""
        self._tokens.invalidate(stale)
        fresh = self._tokens.token()
        return None if fresh == stale else BearerAuth(fresh)

    def close(self) -> None:
        """Close ``inner``."""
        self._inner.close()


class RetryingTransport:
    """Sends calls again by ``policy`` when they fail in a way a later attempt may not.

    A call is sent at most ``call.max_retries`` (else ``policy.max_retries``) + 1 times; a call
    marked ``Retry.UNSTARTED`` only after failures where the server cannot have started it. A
    stream is retried only while opening. Waits go through ``clock``. When giving up on a 429,
    the raised ``RateLimitError.retry_after`` is set (the server's value, else the wait
    brickgate would have chosen).
    """

    def __init__(self, inner: WorkspaceTransport, policy: RetryPolicy, clock: Clock) -> None:
        self._inner = inner
        self._policy = policy
        self._clock = clock

    def send(self, call: Call[T]) -> T:
        """``inner.send`` with retries."""
        return self._retried(call, self._inner.send)

    def open(self, call: StreamCall[E]) -> EventStream[E]:
        """``inner.open`` with retries of the opening only."""
        return self._retried(call, self._inner.open)

    def _retried(self, call: C, go: Callable[[C], R]) -> R:
        started = self._clock.monotonic()
        attempts = None
        while True:
            note_attempt()
            try:
                return go(call)
            except BrickgateError as error:
                if attempts is None:
                    attempts = Attempts(self._policy, self._clock, call, started=started)
                self._clock.sleep(attempts.next_wait(error))

    def close(self) -> None:
        """Close ``inner``."""
        self._inner.close()


class GatedTransport:
    """Waits at a shared ``gate`` before each call and shuts it for everyone on a 429."""

    def __init__(self, inner: WorkspaceTransport, gate: BackoffGate) -> None:
        self._inner = inner
        self._gate = gate

    def send(self, call: Call[T]) -> T:
        """``inner.send`` once the gate is open; a ``RateLimitError`` pauses the gate."""
        return self._gated(call, self._inner.send)

    def open(self, call: StreamCall[E]) -> EventStream[E]:
        """``inner.open`` once the gate is open; a ``RateLimitError`` pauses the gate."""
        return self._gated(call, self._inner.open)

    def _gated(self, call: C, go: Callable[[C], R]) -> R:
        self._gate.wait()
        try:
            return go(call)
        except RateLimitError as error:
            self._gate.pause(error.retry_after)
            raise

    def close(self) -> None:
        """Close ``inner``."""
        self._inner.close()
