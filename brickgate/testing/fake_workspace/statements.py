"""FakeWorkspace's SQL Statement Execution API: statements walk PENDING -> RUNNING -> done."""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from brickgate.domain.errors import ConfigurationError
from brickgate.testing.fake_workspace.exchange import Incoming, Reply, dumps, error_reply

STATEMENTS_PATH = "/api/2.0/sql/statements"
DEFAULT_ROWS = 3
_NAME = r"`(?:[^`]|``)*`(?:\.`(?:[^`]|``)*`)*"
_CREATE = re.compile(rf"CREATE (?P<replace>OR REPLACE )?TABLE (?P<out>{_NAME}) AS\s")
_SOURCE = re.compile(rf"\sFROM (?P<src>{_NAME})\Z")
_COUNT = re.compile(rf"SELECT COUNT\(\*\) AS row_count FROM (?P<src>{_NAME})\Z")  # noqa: S608
_STATEMENT_ID = re.compile(r"[0-9a-f-]{1,64}")


@dataclass
class FakeStatement:
    """One statement the fake received: its text, warehouse and how far it has got."""

    statement_id: str
    statement: str
    warehouse_id: str
    state: str = "PENDING"
    polls: int = 0
    failure: tuple[str, str, str] | None = None
    rows: list[list[str]] = field(default_factory=list)
    columns: tuple[str, ...] = ()


@dataclass
class _ScriptedFailure:
    message: str
    error_code: str
    sql_state: str
    match: str | None
    remaining: int


class StatementBook:
    """The warehouse behind the fake: statements, tables' row counts, scripted failures.

    Each poll moves a statement one step: PENDING, RUNNING, then (after ``polls_to_finish``
    polls) SUCCEEDED or its scripted FAILED state. A submission with a ``wait_timeout`` other
    than ``0s`` finishes at once. Thread-safe.
    """

    def __init__(self, polls_to_finish: int = 2, default_rows: int = DEFAULT_ROWS) -> None:
        self._lock = threading.Lock()
        self.polls_to_finish = polls_to_finish
        self.default_rows = default_rows
        self._statements: dict[str, FakeStatement] = {}
        self._tables: dict[str, int] = {}
        self._failures: list[_ScriptedFailure] = []

    @property
    def statements(self) -> list[FakeStatement]:
        """Every statement received, oldest first."""
        with self._lock:
            return list(self._statements.values())

    def set_rows(self, table_sql: str, count: int) -> None:
        """Make the table named ``table_sql`` (back-quoted, as in the SQL) hold ``count`` rows."""
        with self._lock:
            self._tables[table_sql] = count

    def fail_next(
        self,
        message: str,
        *,
        error_code: str = "BAD_REQUEST",
        sql_state: str = "42000",
        match: str | None = None,
        times: int = 1,
    ) -> None:
        """End the next ``times`` statements (containing ``match``, when given) ``FAILED``."""
        if times < 1:
            raise ConfigurationError(f"times must be >= 1, not {times}")
        with self._lock:
            self._failures.append(_ScriptedFailure(message, error_code, sql_state, match, times))

    def reset(self) -> None:
        """Forget statements, tables and scripted failures."""
        with self._lock:
            self._statements.clear()
            self._tables.clear()
            self._failures.clear()

    def handle(self, req: Incoming) -> Reply:
        """Answer a request under ``/api/2.0/sql/statements``."""
        rest = req.path[len(STATEMENTS_PATH) :].strip("/")
        parts = rest.split("/") if rest else []
        with self._lock:
            if req.method == "POST" and not parts:
                return self._submit(req)
            if parts and _STATEMENT_ID.fullmatch(parts[0]):
                statement = self._statements.get(parts[0])
                if statement is None:
                    return error_reply(
                        404, "RESOURCE_DOES_NOT_EXIST", f"Statement {parts[0]} does not exist."
                    )
                if req.method == "GET" and len(parts) == 1:
                    self._advance(statement)
                    return Reply(200, dumps(_body(statement)))
                if req.method == "POST" and parts[1:] == ["cancel"]:
                    if statement.state in ("PENDING", "RUNNING"):
                        statement.state = "CANCELED"
                    return Reply(200, b"{}")
        return error_reply(404, "ENDPOINT_NOT_FOUND", f"No API found for '{req.method} {req.path}'")

    def _submit(self, req: Incoming) -> Reply:
        body: Any = req.json
        if not isinstance(body, dict):
            return error_reply(400, "INVALID_PARAMETER_VALUE", "The body must be a JSON object.")
        text, warehouse = body.get("statement"), body.get("warehouse_id")
        if not isinstance(text, str) or not text.strip():
            return error_reply(400, "INVALID_PARAMETER_VALUE", "statement is required.")
        if not isinstance(warehouse, str) or not warehouse:
            return error_reply(400, "INVALID_PARAMETER_VALUE", "warehouse_id is required.")
        statement = FakeStatement(
            secrets.token_hex(8) + "-" + secrets.token_hex(4), text, warehouse
        )
        statement.failure = self._take_failure(text)
        self._statements[statement.statement_id] = statement
        if body.get("wait_timeout", "10s") != "0s":
            self._finish(statement)
        return Reply(200, dumps(_body(statement)))

    def _take_failure(self, text: str) -> tuple[str, str, str] | None:
        for index, scripted in enumerate(self._failures):
            if scripted.match is None or scripted.match in text:
                scripted.remaining -= 1
                if scripted.remaining == 0:
                    del self._failures[index]
                return scripted.error_code, scripted.message, scripted.sql_state
        return None

    def _advance(self, statement: FakeStatement) -> None:
        if statement.state == "PENDING":
            statement.state = "RUNNING"
        if statement.state == "RUNNING":
            statement.polls += 1
            if statement.polls >= self.polls_to_finish:
                self._finish(statement)

    def _finish(self, statement: FakeStatement) -> None:
        if statement.failure is not None:
            statement.state = "FAILED"
            return
        text = statement.statement
        count = _COUNT.fullmatch(text)
        if count is not None:
            rows = self._tables.get(count["src"], self.default_rows)
            statement.columns, statement.rows = ("row_count",), [[str(rows)]]
            statement.state = "SUCCEEDED"
            return
        create, source = _CREATE.match(text), _SOURCE.search(text)
        if create is not None and source is not None:
            if create["out"] in self._tables and not create["replace"]:
                statement.failure = (
                    "TABLE_OR_VIEW_ALREADY_EXISTS",
                    f"[TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create table {create['out']}.",
                    "42P07",
                )
                statement.state = "FAILED"
                return
            rows = self._tables.get(source["src"], self.default_rows)
            self._tables[create["out"]] = rows
            statement.columns = ("num_affected_rows", "num_inserted_rows")
            statement.rows = [[str(rows), str(rows)]]
        statement.state = "SUCCEEDED"


def _body(statement: FakeStatement) -> dict[str, Any]:
    status: dict[str, Any] = {"state": statement.state}
    if statement.state == "FAILED" and statement.failure is not None:
        code, message, sql_state = statement.failure
        status["error"] = {"error_code": code, "message": message}
        status["sql_state"] = sql_state
    body: dict[str, Any] = {"statement_id": statement.statement_id, "status": status}
    if statement.state == "SUCCEEDED":
        columns = [
            {"name": name, "type_name": "LONG", "position": position}
            for position, name in enumerate(statement.columns)
        ]
        body["manifest"] = {
            "format": "JSON_ARRAY",
            "schema": {"column_count": len(columns), "columns": columns},
            "total_chunk_count": 1,
            "total_row_count": len(statement.rows),
        }
        body["result"] = {
            "chunk_index": 0,
            "row_offset": 0,
            "row_count": len(statement.rows),
            "data_array": statement.rows,
        }
    return body
