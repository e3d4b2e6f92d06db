"""Retries: an explicit policy, and the per-call bookkeeping the retrying transport applies."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from brickgate.domain.attempts import note_attempt
from brickgate.domain.calls import Retry
from brickgate.domain.errors import (
    ApiError,
    BrickgateError,
    ClientClosedError,
    ConnectError,
    RateLimitError,
    TransportError,
)
from brickgate.ports.clock import Clock

logger = logging.getLogger("brickgate.retry")

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
RETRYABLE_CODES = frozenset({"REQUEST_LIMIT_EXCEEDED"})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When and how long to wait before sending a failed request again.

    Retried: ``TransportError`` (timeouts included; not ``ClientClosedError``), HTTP
    408/429/500/502/503/504 and the ``REQUEST_LIMIT_EXCEEDED`` code, at most ``max_retries``
    times. The wait is exponential, ``min(initial_backoff * 2**retry, max_backoff)``,
    shortened by up to ``jitter`` (a fraction) drawn from ``random``. A ``Retry-After`` the
    server sent is used instead, unless it exceeds ``retry_after_cap`` or what is left of the
    budget: then brickgate gives up at once rather than wait, and the error says how long the
    server asked for. Waits count against the budget: none may end past ``total_budget``
    seconds after the first attempt.
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
        if isinstance(error, ClientClosedError):
            return False
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

    def delay(
        self, retry: int, error: BrickgateError, elapsed: float, max_retries: int | None = None
    ) -> float | None:
        """Seconds to wait before retry number ``retry``, or ``None`` to give up.

        ``elapsed`` is the time spent since the first attempt started; ``max_retries``
        overrides the policy's own limit (a call's ``max_retries``).
        """
        limit = self.max_retries if max_retries is None else max_retries
        if retry >= limit or not self.is_retryable(error):
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


class RetriedCall(Protocol):
    """What the retry bookkeeping reads of a call or stream call."""

    @property
    def name(self) -> str: ...

    @property
    def retry(self) -> str: ...

    @property
    def max_retries(self) -> int | None: ...


class Attempts:
    """The bookkeeping of one retried call: count, elapsed time, logging, the give-up rule.

    ``started`` is the clock's ``monotonic()`` when the first attempt began (default: now), so
    a retrying transport may make this only once an attempt has failed.
    """

    __slots__ = ("_clock", "_limit", "_operation", "_policy", "_retry", "_started", "_unstarted")

    def __init__(
        self,
        policy: RetryPolicy,
        clock: Clock,
        call: RetriedCall,
        *,
        started: float | None = None,
    ) -> None:
        self._policy = policy
        self._clock = clock
        self._operation = call.name
        self._limit = policy.max_retries if call.max_retries is None else call.max_retries
        self._unstarted = call.retry
        self._retry = 0
        self._started = clock.monotonic() if started is None else started

    def sent(self) -> None:
        """Record that the call is being sent (once per attempt)."""
        note_attempt()

    def next_wait(self, error: BrickgateError) -> float:
        """The wait before the next attempt; re-raises ``error`` when giving up."""
        elapsed = self._clock.monotonic() - self._started
        wait = None
        if _may_repeat(self._unstarted, error):
            wait = self._policy.delay(self._retry, error, elapsed, self._limit)
        if wait is None:
            if isinstance(error, RateLimitError) and error.retry_after is None:
                error.retry_after = self._policy.backoff(self._retry)
            self._explain(error, elapsed)
            raise error
        self._retry += 1
        logger.debug(
            "retrying %s in %.2f s (retry %d of %d) after %s",
            self._operation,
            wait,
            self._retry,
            self._limit,
            _describe(error),
        )
        return wait

    def _explain(self, error: BrickgateError, elapsed: float) -> None:
        """Say in ``error`` that brickgate gave up because the server asked for a longer wait."""
        asked = _retry_after(error)
        if (
            asked is None
            or self._retry >= self._limit
            or not self._policy.is_retryable(error)
            or not _may_repeat(self._unstarted, error)
        ):
            return
        left = max(self._policy.total_budget - elapsed, 0.0)
        if asked <= min(left, self._policy.retry_after_cap):
            return
        note = (
            f"; the server asked to wait {asked:g} s before retrying, more than the "
            f"{min(left, self._policy.retry_after_cap):.1f} s brickgate may wait "
            "(the retry budget, BRICKGATE_RETRY_BUDGET), so it gave up: retry later"
        )
        if isinstance(error, ApiError):
            error.message += note
            error.args = (error._render(),)
        else:
            error.args = (f"{error}{note}",)


def _may_repeat(rule: str, error: BrickgateError) -> bool:
    """Whether a call with retry ``rule`` may be sent again after ``error``."""
    if rule == Retry.ALWAYS:
        return True
    if rule == Retry.NEVER:
        return False
    if isinstance(error, ConnectError):
        return True
    return isinstance(error, ApiError) and error.status in (429, 503)


def _describe(error: BrickgateError) -> str:
    if isinstance(error, ApiError):
        code = f" {error.error_code}" if error.error_code else ""
        return f"{type(error).__name__} (HTTP {error.status}{code})"
    return type(error).__name__
