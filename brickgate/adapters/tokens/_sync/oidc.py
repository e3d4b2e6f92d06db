# Generated from adapters/tokens/_async/oidc.py by tools/unasync.py: do not edit.
"""Workload identity federation: a workload's OIDC ID token exchanged for a Databricks token."""

from __future__ import annotations

from brickgate.adapters.tokens._sync.cache import RefreshingSource
from brickgate.adapters.tokens.id_tokens import IdTokenSupplier
from brickgate.adapters.tokens.primitives import blocking
from brickgate.domain.calls.oauth_grants import token_exchange_call
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.tokens import RefreshPolicy, TimedToken
from brickgate.ports._sync.workspace import WorkspaceTransport
from brickgate.ports.clock import Clock

__all__ = ["OidcSource"]


class OidcSource(RefreshingSource):
    """Tokens from an RFC 8693 exchange of the ID token ``id_token()`` supplies (read afresh).

    ``client_id`` is sent for a service-principal federation policy (omit it for an
    account-wide policy). ``name`` is the auth type (``env-oidc``, ``file-oidc``,
    ``github-oidc``). The supplier's errors pass through (``SourceUnavailableError`` when
    there is no ID token); a refused exchange raises ``AuthenticationError``.
    """

    def __init__(
        self,
        host: WorkspaceHost,
        id_token: IdTokenSupplier,
        transport: WorkspaceTransport,
        clock: Clock,
        *,
        name: str,
        client_id: str | None = None,
        scopes: str = "all-apis",
        policy: RefreshPolicy | None = None,
    ) -> None:
        super().__init__(clock, policy)
        self._host = host
        self._id_token = id_token
        self._transport = transport
        self._name = name
        self._client_id = client_id
        self._scopes = scopes

    def describe(self) -> str:
        """The auth type, with the client id when one is used."""
        return f"{self._name} (client id {self._client_id})" if self._client_id else self._name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()!r})"

    def _fetch(self, force: bool) -> TimedToken:
        subject = blocking(self._id_token)
        call = token_exchange_call(
            self._host,
            subject_token=subject,
            client_id=self._client_id,
            scopes=self._scopes,
            source=f"the ID token of {self._name}",
        )
        start = self._clock.time()
        issued = self._transport.send(call)
        return TimedToken(issued.token, start + issued.expires_in, start)
