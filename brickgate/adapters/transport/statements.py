"""The Statement Execution API over httpx or httpx2: submit, poll and cancel SQL statements."""

from __future__ import annotations

from typing import TypeVar

import httpx

from brickgate.adapters.clock import SystemClock
from brickgate.adapters.transport.backends import backend_of
from brickgate.adapters.transport.http_core import DEFAULT_TIMEOUTS, Timeouts, translated_errors
from brickgate.adapters.transport.statements_core import (
    CLOSED_MESSAGE,
    StatementCall,
    StatementCore,
)
from brickgate.domain.errors import TransportError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.sql import StatementRequest, StatementStatus
from brickgate.ports.clock import Clock

T = TypeVar("T")


class HttpStatementTransport:
    """A ``StatementTransport`` over an injected ``httpx.Client`` for one workspace.

    Requests go to ``host.url`` only, with ``auth`` (a ``BearerAuth``) attaching the token;
    redirects are never followed. Error answers map to the brickgate error tree as for chat.
    Statements are submitted with ``disposition: INLINE`` and ``format: JSON_ARRAY``.
    ``client`` may be an ``httpx2.Client`` too (with ``auth`` from ``bearer_auth_for``).
    """

    def __init__(
        self,
        client: httpx.Client,
        host: WorkspaceHost,
        auth: httpx.Auth,
        *,
        clock: Clock | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
    ) -> None:
        self._client = client
        self._auth = auth
        self._core = StatementCore(
            host, clock or SystemClock(), timeouts=timeouts, backend=backend_of(client)
        )

    def _run(self, call: StatementCall[T]) -> T:
        if self._client.is_closed:
            raise TransportError(CLOSED_MESSAGE)
        with translated_errors(call.what):
            response = self._client.send(call.request, auth=self._auth, follow_redirects=False)
        return call.answer(response)

    def submit(self, request: StatementRequest) -> StatementStatus:
        """``POST /api/2.0/sql/statements``; return the first status."""
        return self._run(self._core.submit(request))

    def get(self, statement_id: str) -> StatementStatus:
        """``GET /api/2.0/sql/statements/{id}``."""
        return self._run(self._core.get(statement_id))

    def cancel(self, statement_id: str) -> None:
        """``POST /api/2.0/sql/statements/{id}/cancel``."""
        self._run(self._core.cancel(statement_id))

    def close(self) -> None:
        """Close the httpx client; idempotent."""
        self._client.close()

    def __repr__(self) -> str:
        return f"HttpStatementTransport(host={self._core.host.url!r})"
