"""The Statement Execution API over httpx or httpx2 (async): the twin of ``statements.py``."""

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


class AsyncHttpStatementTransport:
    """An ``AsyncStatementTransport`` over an injected ``httpx.AsyncClient`` for one workspace.

    Same requests, answers and errors as ``HttpStatementTransport``; ``auth`` is an
    ``AsyncBearerAuth`` (``async_bearer_auth_for`` for an ``httpx2.AsyncClient``).
    ``aclose()`` closes the client.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
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

    async def _run(self, call: StatementCall[T]) -> T:
        if self._client.is_closed:
            raise TransportError(CLOSED_MESSAGE)
        with translated_errors(call.what):
            response = await self._client.send(
                call.request, auth=self._auth, follow_redirects=False
            )
        return call.answer(response)

    async def submit(self, request: StatementRequest) -> StatementStatus:
        """``POST /api/2.0/sql/statements``; return the first status."""
        return await self._run(self._core.submit(request))

    async def get(self, statement_id: str) -> StatementStatus:
        """``GET /api/2.0/sql/statements/{id}``."""
        return await self._run(self._core.get(statement_id))

    async def cancel(self, statement_id: str) -> None:
        """``POST /api/2.0/sql/statements/{id}/cancel``."""
        await self._run(self._core.cancel(statement_id))

    async def aclose(self) -> None:
        """Close the httpx client; idempotent."""
        await self._client.aclose()

    def __repr__(self) -> str:
        return f"AsyncHttpStatementTransport(host={self._core.host.url!r})"
