"""The token port: where the bearer token attached to each workspace request comes from."""

from __future__ import annotations

from typing import Protocol

from brickgate.domain.credentials import Secret


class AsyncTokenSource(Protocol):
    """Hands out the bearer token for one workspace, refreshing it ahead of expiry.

    ``token()`` returns a currently valid token (a cached one while it is fresh: sources
    refresh a margin before expiry, in one flight per source even with concurrent callers).
    It raises ``AuthenticationError`` when the issuer refuses (saying what to run or fix),
    ``TransportError`` when it cannot be reached, ``CredentialSourceError`` when a local tool it
    needs fails. ``invalidate(stale)`` forgets ``stale`` so the next ``token()`` fetches a new
    one; it does nothing if a newer token has already replaced it (so concurrent 401s refresh
    once). ``refreshable`` is False for a static token (a PAT), where a refresh cannot help.
    ``describe()`` names the source for traces and errors (never a secret).
    """

    @property
    def refreshable(self) -> bool:
        """Whether ``invalidate`` + ``token`` can yield a different token."""
        ...

    async def token(self) -> Secret:
        """Return a valid bearer token."""
        ...

    def invalidate(self, stale: Secret) -> None:
        """Forget ``stale`` if it is still the cached token."""
        ...

    def describe(self) -> str:
        """What this source is, e.g. ``"databricks-cli (profile prod)"``."""
        ...
