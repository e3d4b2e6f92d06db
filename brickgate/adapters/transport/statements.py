"""The Statement Execution API over httpx or httpx2: submit, poll and cancel SQL statements."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from brickgate.adapters.clock import SystemClock
from brickgate.adapters.transport.backends import backend_of
from brickgate.adapters.transport.http_core import (
    DEFAULT_TIMEOUTS,
    USER_AGENT,
    RequestCore,
    Timeouts,
    decode_json,
    encode_json,
    path_segment,
    translated_errors,
)
from brickgate.domain.chat import CallOptions
from brickgate.domain.errors import TransportError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.sql import StatementRequest, StatementStatus
from brickgate.ports.clock import Clock

STATEMENTS_PATH = "/api/2.0/sql/statements"
_HEADERS = {
    "user-agent": USER_AGENT,
    "accept": "application/json",
    "accept-encoding": "gzip, deflate",
}
_JSON_HEADERS = {**_HEADERS, "content-type": "application/json"}


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
        self._core = RequestCore(
            host, clock or SystemClock(), timeouts=timeouts, backend=backend_of(client)
        )
        self._request = self._core.backend.request
        self._base = host.url + STATEMENTS_PATH
        self._timeout = {"timeout": timeouts.for_call(CallOptions(), stream=False)}

    def _send(self, method: str, url: str, body: Mapping[str, Any] | None, what: str) -> Any:
        if self._client.is_closed:
            raise TransportError("this transport is closed; make a new client to send requests")
        content = encode_json(body) if body is not None else None
        request = self._request(
            method,
            url,
            content=content,
            headers=_JSON_HEADERS if body is not None else _HEADERS,
            extensions=self._timeout,
        )
        with translated_errors(what):
            response = self._client.send(request, auth=self._auth, follow_redirects=False)
        if not response.is_success:
            raise self._core.error(response)
        return decode_json(response)

    def submit(self, request: StatementRequest) -> StatementStatus:
        """``POST /api/2.0/sql/statements``; return the first status."""
        body = {
            "statement": request.statement,
            "warehouse_id": request.warehouse_id,
            "wait_timeout": request.wait_timeout,
            "on_wait_timeout": "CONTINUE",
            "disposition": "INLINE",
            "format": "JSON_ARRAY",
        }
        return decode_status(self._send("POST", self._base, body, "submitting a statement"))

    def get(self, statement_id: str) -> StatementStatus:
        """``GET /api/2.0/sql/statements/{id}``."""
        url = f"{self._base}/{path_segment(statement_id, what='statement id')}"
        return decode_status(self._send("GET", url, None, "polling a statement"))

    def cancel(self, statement_id: str) -> None:
        """``POST /api/2.0/sql/statements/{id}/cancel``."""
        url = f"{self._base}/{path_segment(statement_id, what='statement id')}/cancel"
        self._send("POST", url, {}, "cancelling a statement")

    def close(self) -> None:
        """Close the httpx client; idempotent."""
        self._client.close()

    def __repr__(self) -> str:
        return f"HttpStatementTransport(host={self._core.host.url!r})"


def decode_status(data: Mapping[str, Any]) -> StatementStatus:
    """A ``StatementStatus`` from a ``StatementResponse`` body.

    Raises ``TransportError`` when the body has no statement id or state.
    """
    statement_id = data.get("statement_id")
    status = data.get("status")
    state = status.get("state") if isinstance(status, Mapping) else None
    if not isinstance(statement_id, str) or not isinstance(state, str):
        raise TransportError(
            "the statement API answered without a statement id or state; check the host is a "
            "Databricks workspace"
        )
    assert isinstance(status, Mapping)
    error = status.get("error")
    error = error if isinstance(error, Mapping) else {}
    result = data.get("result")
    rows = result.get("data_array") if isinstance(result, Mapping) else None
    return StatementStatus(
        statement_id=statement_id,
        state=state.upper(),
        error_code=_text(error.get("error_code")),
        error_message=_text(error.get("message")),
        sql_state=_text(status.get("sql_state")),
        rows=tuple(tuple(row) for row in rows if isinstance(row, list))
        if isinstance(rows, list)
        else (),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
