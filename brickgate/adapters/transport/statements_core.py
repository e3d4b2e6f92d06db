"""The I/O-free core shared by the sync and async statement transports: requests and answers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx

from brickgate.adapters.transport.backends import HTTPX, HttpBackend
from brickgate.adapters.transport.http_core import (
    DEFAULT_TIMEOUTS,
    USER_AGENT,
    RequestCore,
    Timeouts,
    decode_json,
    encode_json,
    path_segment,
)
from brickgate.domain.chat import CallOptions
from brickgate.domain.errors import TransportError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.sql import StatementRequest, StatementStatus
from brickgate.ports.clock import Clock

STATEMENTS_PATH = "/api/2.0/sql/statements"
CLOSED_MESSAGE = "this transport is closed; make a new client to send requests"
_HEADERS = {
    "user-agent": USER_AGENT,
    "accept": "application/json",
    "accept-encoding": "gzip, deflate",
}
_JSON_HEADERS = {**_HEADERS, "content-type": "application/json"}

T = TypeVar("T")


@dataclass(frozen=True)
class StatementCall(Generic[T]):
    """One request for a driver to send (``what`` names it in errors) and ``answer``, which
    reads the response: it returns the value, or raises the brickgate error for a non-2xx
    response (whose body the driver has read) and ``TransportError`` for a body it cannot use.
    """

    request: httpx.Request
    what: str
    answer: Callable[[httpx.Response], T]


class StatementCore:
    """Builds the Statement Execution API requests for one workspace and reads their answers.

    Statements are submitted with ``on_wait_timeout: CONTINUE``, ``disposition: INLINE`` and
    ``format: JSON_ARRAY``; statement ids are sent as one percent-encoded path segment.
    Requests are built with ``backend``'s classes, so that the client of that library can send
    them. Raises ``InvalidRequestError`` for an empty statement id, ``.`` or ``..``.
    """

    def __init__(
        self,
        host: WorkspaceHost,
        clock: Clock,
        *,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        backend: HttpBackend = HTTPX,
    ) -> None:
        self._core = RequestCore(host, clock, timeouts=timeouts, backend=backend)
        self._request = backend.request
        self._base = host.url + STATEMENTS_PATH
        self._extensions = {"timeout": timeouts.for_call(CallOptions(), stream=False)}

    @property
    def host(self) -> WorkspaceHost:
        """The workspace every request goes to."""
        return self._core.host

    def submit(self, request: StatementRequest) -> StatementCall[StatementStatus]:
        """``POST /api/2.0/sql/statements``, answered by the statement's first status."""
        body = {
            "statement": request.statement,
            "warehouse_id": request.warehouse_id,
            "wait_timeout": request.wait_timeout,
            "on_wait_timeout": "CONTINUE",
            "disposition": "INLINE",
            "format": "JSON_ARRAY",
        }
        return StatementCall(
            self._build("POST", self._base, body), "submitting a statement", self._status
        )

    def get(self, statement_id: str) -> StatementCall[StatementStatus]:
        """``GET /api/2.0/sql/statements/{id}``, answered by the current status."""
        url = f"{self._base}/{path_segment(statement_id, what='statement id')}"
        return StatementCall(self._build("GET", url, None), "polling a statement", self._status)

    def cancel(self, statement_id: str) -> StatementCall[None]:
        """``POST /api/2.0/sql/statements/{id}/cancel``, answered by nothing once accepted."""
        url = f"{self._base}/{path_segment(statement_id, what='statement id')}/cancel"
        return StatementCall(self._build("POST", url, {}), "cancelling a statement", self._accepted)

    def _build(self, method: str, url: str, body: Mapping[str, Any] | None) -> httpx.Request:
        return self._request(
            method,
            url,
            content=encode_json(body) if body is not None else None,
            headers=_JSON_HEADERS if body is not None else _HEADERS,
            extensions=self._extensions,
        )

    def _checked(self, response: httpx.Response) -> Mapping[str, Any]:
        if not response.is_success:
            raise self._core.error(response)
        return decode_json(response)

    def _status(self, response: httpx.Response) -> StatementStatus:
        return decode_status(self._checked(response))

    def _accepted(self, response: httpx.Response) -> None:
        self._checked(response)


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
