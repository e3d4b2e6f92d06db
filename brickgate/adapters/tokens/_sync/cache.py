# Generated from adapters/tokens/_async/cache.py by tools/unasync.py: do not edit.
"""The one refresh policy for every token source: a cached token refreshed ahead of expiry."""

from __future__ import annotations

import logging

from brickgate.adapters.tokens.primitives import lock
from brickgate.domain.credentials import Secret
from brickgate.domain.errors import BrickgateError
from brickgate.domain.tokens import RefreshPolicy, TimedToken
from brickgate.ports.clock import Clock

logger = logging.getLogger("brickgate.tokens")

__all__ = ["RefreshingSource"]


class RefreshingSource:
    """Base of every refreshable token source: subclasses implement ``_fetch`` and ``describe``.

    ``token()`` serves the cached token while ``policy`` says it is fresh; otherwise one caller
    fetches a new one while the others wait for it (one flight per source, across tasks in
    async code and threads in sync code). When a refresh fails but the cached token is still
    usable, the cached token is served and the refresh is retried after ``policy.backoff``
    seconds; a fetched token that is already stale is kept for ``backoff`` seconds too (a tool
    that hands out its own cache is not asked again on every call). ``invalidate(stale)`` makes
    the next fetch a forced one (``_fetch(force=True)``), so a 401 refreshes exactly once.
    """

    def __init__(self, clock: Clock, policy: RefreshPolicy | None = None) -> None:
        self._clock = clock
        self._policy = policy or RefreshPolicy()
        self._current: TimedToken | None = None
        self._retry_at = 0.0
        self._force = False
        self._lock = lock()

    @property
    def refreshable(self) -> bool:
        """Always True: a new token can be fetched."""
        return True

    @property
    def expires_at(self) -> float | None:
        """When the cached token expires (epoch seconds), ``None`` before the first fetch."""
        current = self._current
        return current.expires_at if current is not None else None

    def describe(self) -> str:
        """What this source is (overridden by every source)."""
        return type(self).__name__

    def token(self) -> Secret:
        """The cached token while fresh, else a newly fetched one (see the class docstring)."""
        current = self._current
        if current is not None and self._policy.fresh(current, self._clock.time()):
            return current.token
        with self._lock:
            return self._refresh()

    def invalidate(self, stale: Secret) -> None:
        """Forget ``stale`` if it is still the cached token; the next fetch is forced."""
        current = self._current
        if current is not None and current.token == stale:
            self._current = None
            self._retry_at = 0.0
            self._force = True

    def _fetch(self, force: bool) -> TimedToken:
        """Obtain a new token (``force``: bypass any cache the issuer or tool keeps)."""
        raise NotImplementedError

    def _refresh(self) -> Secret:
        policy, now = self._policy, self._clock.time()
        current = self._current
        if current is not None and policy.fresh(current, now):
            return current.token
        if current is not None and policy.usable(current, now) and now < self._retry_at:
            return current.token
        try:
            fresh = self._fetch(self._force)
        except BrickgateError as error:
            if current is None or not policy.usable(current, self._clock.time()):
                raise
            self._retry_at = self._clock.time() + policy.backoff
            logger.warning(
                "%s: refreshing the token failed (%s: %s); using the current one, which is "
                "still valid, and retrying in %.0f s",
                self.describe(),
                type(error).__name__,
                error,
                policy.backoff,
            )
            return current.token
        self._force = False
        self._current = fresh
        now = self._clock.time()
        self._retry_at = 0.0 if policy.fresh(fresh, now) else now + policy.backoff
        logger.debug("%s: new token valid for %.0f s", self.describe(), fresh.expires_at - now)
        return fresh.token
