"""Statement calls: submit, poll and cancel SQL on a warehouse (Statement Execution API)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brickgate.domain.calls import JSON_TYPE, Answer, Call, Retry, WireRequest
from brickgate.domain.calls.answers import api_error, encode_json, json_object
from brickgate.domain.calls.serving import check_segment
from brickgate.domain.errors import TransportError
from brickgate.domain.sql import StatementRequest, StatementStatus

_STATEMENTS = ("api", "2.0", "sql", "statements")


def submit_call(request: StatementRequest) -> Call[StatementStatus]:
    """``POST /api/2.0/sql/statements``, answered by the statement's first status.

    Retried only where the warehouse cannot have started it (no connection, 429, 503).
    """
    body = {
        "statement": request.statement,
        "warehouse_id": request.warehouse_id,
        "wait_timeout": request.wait_timeout,
        "on_wait_timeout": "CONTINUE",
        "disposition": "INLINE",
        "format": "JSON_ARRAY",
    }
    return Call(
        "submitting a statement",
        WireRequest("POST", _STATEMENTS, encode_json(body), JSON_TYPE),
        _status,
        api_error,
        retry=Retry.UNSTARTED,
        operation="statement-submit",
    )


def poll_call(statement_id: str, *, max_retries: int | None = None) -> Call[StatementStatus]:
    """``GET /api/2.0/sql/statements/{id}``, answered by the current status.

    ``max_retries`` overrides the client's retry limit for this poll (``None``: the client's).
    """
    segment = check_segment(statement_id, what="statement id")
    return Call(
        "polling a statement",
        WireRequest("GET", (*_STATEMENTS, segment)),
        _status,
        api_error,
        max_retries=max_retries,
        operation="statement-poll",
    )


def cancel_call(statement_id: str) -> Call[None]:
    """``POST /api/2.0/sql/statements/{id}/cancel``, answered by nothing once accepted."""
    segment = check_segment(statement_id, what="statement id")
    return Call(
        "cancelling a statement",
        WireRequest("POST", (*_STATEMENTS, segment, "cancel"), b"{}", JSON_TYPE),
        _accepted,
        api_error,
        operation="statement-cancel",
    )


def _status(answer: Answer) -> StatementStatus:
    return decode_status(json_object(answer))


def _accepted(answer: Answer) -> None:
    json_object(answer)


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
