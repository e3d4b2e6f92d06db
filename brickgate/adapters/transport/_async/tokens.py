"""Token sources the transport ships: a static token (PAT) and OAuth M2M client credentials."""

from __future__ import annotations

import asyncio  # async-only
import logging

# sync-only: import threading
from brickgate.domain.calls.oauth import client_credentials_call
from brickgate.domain.credentials import OAuthClientCredentials, Secret
from brickgate.ports._async.workspace import AsyncWorkspaceTransport
from brickgate.ports.clock import Clock

logger = logging.getLogger("brickgate.oauth")

REFRESH_MARGIN = 40.0


class AsyncStaticTokenSource:
    """A token that never changes (a personal access token): nothing to refresh."""

    __slots__ = ("_secret",)

    def __init__(self, secret: Secret) -> None:
        self._secret = secret

    @property
    def refreshable(self) -> bool:
        """Always False: a static token cannot be refreshed."""
        return False

    async def token(self) -> Secret:
        """The token."""
        return self._secret

    def invalidate(self, stale: Secret) -> None:
        """Do nothing: a static token cannot be refreshed."""

    def describe(self) -> str:
        """``"personal access token"``."""
        return "personal access token"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(Secret('**********'))"


class AsyncOAuthTokenSource:
    """OAuth M2M (client credentials) tokens, cached until ``refresh_margin`` s before expiry.

    ``token()`` sends the client-credentials call through ``transport`` (unauthenticated: the
    call carries its own Basic auth) and caches the access token, measured with ``clock``.
    Concurrent callers share one refresh. Raises ``AuthenticationError`` with the server's
    reason when the endpoint refuses, ``TransportError``/``TimeoutError`` when it cannot be
    reached. The secret is never logged.
    """

    def __init__(
        self,
        credentials: OAuthClientCredentials,
        transport: AsyncWorkspaceTransport,
        clock: Clock,
        *,
        refresh_margin: float = REFRESH_MARGIN,
    ) -> None:
        self._call = client_credentials_call(credentials)
        self._who = f"client id {credentials.client_id!r} at {credentials.host.url}"
        self._transport = transport
        self._clock = clock
        self._margin = refresh_margin
        self._cached: tuple[Secret, float] | None = None
        self._lock = asyncio.Lock()  # async-only
        # sync-only: self._lock = threading.Lock()

    @property
    def refreshable(self) -> bool:
        """Always True: a new token can be fetched."""
        return True

    def _fresh(self) -> Secret | None:
        cached = self._cached
        if cached is not None and self._clock.time() < cached[1] - self._margin:
            return cached[0]
        return None

    async def token(self) -> Secret:
        """The cached token, or a newly fetched one."""
        cached = self._fresh()
        if cached is not None:
            return cached
        async with self._lock:
            cached = self._fresh()
            if cached is not None:
                return cached
            issued = await self._transport.send(self._call)
            self._cached = (issued.token, self._clock.time() + issued.expires_in)
            logger.debug(
                "fetched an OAuth token for %s, valid %.0f s", self._who, issued.expires_in
            )
            return issued.token

    def invalidate(self, stale: Secret) -> None:
        """Forget ``stale`` if it is still the cached token."""
        cached = self._cached
        if cached is not None and cached[0] == stale:
            self._cached = None

    def describe(self) -> str:
        """The service principal and host, e.g. ``"OAuth M2M (client id 'x' at https://...)"``."""
        return f"OAuth M2M ({self._who})"
