"""Token ports: where the bearer token attached to each request comes from."""

from __future__ import annotations

from typing import Protocol

from brickgate.domain.credentials import Secret


class TokenProvider(Protocol):
    """Hands out the bearer token for one workspace, refreshing it when it can.

    ``token()`` returns a currently valid token (a cached one while it is fresh); it raises
    ``AuthenticationError`` when a token endpoint refuses, ``TransportError`` when it cannot be
    reached. ``invalidate(stale)`` forgets ``stale`` so the next ``token()`` fetches a new one; it
    does nothing if a newer token has already replaced it (so concurrent 401s refresh once).
    ``refreshable`` is False for a static token (a PAT), where a refresh cannot help.
    """

    @property
    def refreshable(self) -> bool:
        """Whether ``invalidate`` + ``token`` can yield a different token."""
        ...

    def token(self) -> Secret:
        """Return a valid bearer token."""
        ...

    def invalidate(self, stale: Secret) -> None:
        """Forget ``stale`` if it is still the cached token."""
        ...


class AsyncTokenProvider(Protocol):
    """The async twin of ``TokenProvider``: ``await token_async()``; same contract.

    The method is named like ``Clock.sleep_async`` so one object (a static token) can serve both.
    """

    @property
    def refreshable(self) -> bool:
        """Whether ``invalidate`` + ``token`` can yield a different token."""
        ...

    async def token_async(self) -> Secret:
        """Return a valid bearer token."""
        ...

    def invalidate(self, stale: Secret) -> None:
        """Forget ``stale`` if it is still the cached token."""
        ...
