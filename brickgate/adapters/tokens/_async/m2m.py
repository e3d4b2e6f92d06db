"""OAuth machine-to-machine tokens: client credentials exchanged at the workspace."""

from __future__ import annotations

from brickgate.adapters.tokens._async.cache import AsyncRefreshingSource
from brickgate.domain.calls.oauth import client_credentials_call
from brickgate.domain.credentials import OAuthClientCredentials
from brickgate.domain.tokens import RefreshPolicy, TimedToken
from brickgate.ports._async.workspace import AsyncWorkspaceTransport
from brickgate.ports.clock import Clock

__all__ = ["AsyncClientCredentialsSource"]


class AsyncClientCredentialsSource(AsyncRefreshingSource):
    """Tokens from ``POST /oidc/v1/token`` (``grant_type=client_credentials``, HTTP Basic).

    ``transport`` must be an unauthenticated transport to ``credentials.host``. A refusal
    raises ``AuthenticationError`` with the server's reason; an unreachable endpoint raises
    ``TransportError``. The client secret never appears in a log, error or repr.
    """

    def __init__(
        self,
        credentials: OAuthClientCredentials,
        transport: AsyncWorkspaceTransport,
        clock: Clock,
        policy: RefreshPolicy | None = None,
    ) -> None:
        super().__init__(clock, policy)
        self._credentials = credentials
        self._transport = transport

    def describe(self) -> str:
        """``oauth-m2m (client id ...)``."""
        return f"oauth-m2m (client id {self._credentials.client_id})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._credentials.client_id!r})"

    async def _fetch(self, force: bool) -> TimedToken:
        start = self._clock.time()
        issued = await self._transport.send(client_credentials_call(self._credentials))
        return TimedToken(issued.token, start + issued.expires_in, start)
