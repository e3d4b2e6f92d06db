"""SQL for remote batch inference: safe identifiers and literals, ``ai_query`` statements,
and the Statement Execution API's values."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from brickgate.domain.errors import InvalidRequestError
from brickgate.domain.requests import validate_model_name

MAX_IDENTIFIER_LENGTH = 255
MAX_LITERAL_LENGTH = 10_000
TERMINAL_STATES = frozenset({"SUCCEEDED", "FAILED", "CANCELED", "CLOSED"})

_PARAMETER_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_WAIT_TIMEOUT = re.compile(r"0s|[5-9]s|[1-4][0-9]s|50s")
_WAREHOUSE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_LITERAL_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _has_hidden_characters(text: str, *, allowed: str = "") -> bool:
    return any(
        unicodedata.category(char) in _FORBIDDEN_CATEGORIES and char not in allowed for char in text
    )


def check_identifier(part: str, *, what: str = "identifier") -> str:
    """``part`` if it can name a catalog, schema, table or column.

    Raises ``InvalidRequestError`` for an empty part, one over 255 characters, surrounding
    whitespace, or control, format (zero-width, bidi) or unassigned characters.
    """
    if not isinstance(part, str) or not part:
        raise InvalidRequestError(f"the {what} is empty")
    if len(part) > MAX_IDENTIFIER_LENGTH:
        raise InvalidRequestError(
            f"the {what} is {len(part)} characters long; the limit is {MAX_IDENTIFIER_LENGTH}"
        )
    if part != part.strip():
        raise InvalidRequestError(f"the {what} {part.strip()!r} has surrounding whitespace")
    if _has_hidden_characters(part):
        raise InvalidRequestError(
            f"the {what} contains a control or invisible character; use printable text only"
        )
    return part


def quote_identifier(part: str, *, what: str = "identifier") -> str:
    """``part`` checked and back-quoted for Databricks SQL, with backticks doubled."""
    return "`" + check_identifier(part, what=what).replace("`", "``") + "`"


def _split_name(text: str) -> list[str]:
    parts: list[str] = []
    position = 0
    while True:
        if text.startswith("`", position):
            closing = position + 1
            buffer: list[str] = []
            while True:
                found = text.find("`", closing)
                if found < 0:
                    raise InvalidRequestError(f"unclosed backquote in table name {text!r}")
                buffer.append(text[closing:found])
                if text.startswith("``", found):
                    buffer.append("`")
                    closing = found + 2
                    continue
                position = found + 1
                break
            parts.append("".join(buffer))
        else:
            found = text.find(".", position)
            end = len(text) if found < 0 else found
            part = text[position:end]
            if "`" in part:
                raise InvalidRequestError(
                    f"a backquote may only open a quoted part of table name {text!r}"
                )
            parts.append(part)
            position = end
        if position == len(text):
            return parts
        if text[position] != ".":
            raise InvalidRequestError(f"expected '.' after a quoted part of table name {text!r}")
        position += 1


@dataclass(frozen=True, slots=True)
class TableName:
    """A table named by one to three parts (``catalog.schema.table``)."""

    parts: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> TableName:
        """The table named by ``text``: dot-separated parts, each bare or back-quoted
        (```my.catalog`.sales.t``, backticks doubled inside quotes).

        Raises ``InvalidRequestError`` when a part is empty or unsafe (see
        ``check_identifier``), a quote is unbalanced, or there are more than three parts.
        """
        if not isinstance(text, str) or not text.strip():
            raise InvalidRequestError("the table name is empty; use catalog.schema.table")
        parts = _split_name(text)
        if len(parts) > 3:
            raise InvalidRequestError(
                f"the table name has {len(parts)} parts; use catalog.schema.table"
            )
        labels = ("catalog", "schema", "table")[-len(parts) :]
        for part, label in zip(parts, labels, strict=True):
            check_identifier(part, what=f"{label} name")
        return cls(tuple(parts))

    def sql(self) -> str:
        """The name as SQL: every part back-quoted."""
        return ".".join(quote_identifier(part) for part in self.parts)

    def __str__(self) -> str:
        return self.sql()


def sql_string(text: str, *, what: str = "value") -> str:
    """``text`` as a single-quoted Databricks SQL string literal.

    Backslashes and quotes are escaped; newline, return and tab become ``\\n``, ``\\r``,
    ``\\t``. Raises ``InvalidRequestError`` for text over 10,000 characters or with any other
    control or invisible character.
    """
    if not isinstance(text, str):
        raise InvalidRequestError(f"the {what} must be text, not {type(text).__name__}")
    if len(text) > MAX_LITERAL_LENGTH:
        raise InvalidRequestError(f"the {what} is longer than {MAX_LITERAL_LENGTH} characters")
    if _has_hidden_characters(text, allowed="\n\r\t"):
        raise InvalidRequestError(f"the {what} contains a control or invisible character")
    return "'" + "".join(_LITERAL_ESCAPES.get(char, char) for char in text) + "'"


def sql_value(value: object, *, what: str) -> str:
    """A constant for ``modelParameters``: a number, ``true``/``false`` or a string literal.

    Raises ``InvalidRequestError`` for any other type and for NaN or infinite numbers.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidRequestError(f"the {what} must be a finite number, not {value!r}")
        return repr(value)
    if isinstance(value, str):
        return sql_string(value, what=what)
    raise InvalidRequestError(
        f"the {what} must be a number, a boolean or text, not {type(value).__name__}"
    )


def model_parameters_sql(parameters: Mapping[str, Any]) -> str:
    """``named_struct('name', value, ...)`` for ``modelParameters``.

    Raises ``InvalidRequestError`` for a name other than lower-case letters, digits and ``_``
    (``max_tokens``, ``temperature``...) or a value ``sql_value`` refuses.
    """
    pieces: list[str] = []
    for name, value in parameters.items():
        if not isinstance(name, str) or not _PARAMETER_NAME.fullmatch(name):
            raise InvalidRequestError(
                f"model parameter name {name!r} is not a parameter name such as 'max_tokens'"
            )
        pieces.append(f"{sql_string(name)}, {sql_value(value, what=f'model parameter {name}')}")
    return f"named_struct({', '.join(pieces)})"


@dataclass(frozen=True, slots=True)
class AiQueryJob:
    """A remote batch: ``CREATE TABLE output AS SELECT *, ai_query(...) AS response FROM
    source``, run on a SQL warehouse.

    Build it with ``AiQueryJob.create`` (which checks every part).
    """

    model: str
    source: TableName
    column: str
    output: TableName
    warehouse_id: str
    model_parameters: Mapping[str, Any] = field(default_factory=dict)
    fail_on_error: bool = False
    replace: bool = False

    @classmethod
    def create(
        cls,
        model: str,
        source_table: str,
        prompt_column: str,
        output_table: str,
        *,
        warehouse_id: str,
        model_parameters: Mapping[str, Any] | None = None,
        fail_on_error: bool = False,
        replace: bool = False,
    ) -> AiQueryJob:
        """A checked job. Raises ``InvalidRequestError`` for a bad model name, table name,
        column, warehouse id or model parameter, or when the output is the source table."""
        validate_model_name(model)
        if not isinstance(warehouse_id, str) or not _WAREHOUSE_ID.fullmatch(warehouse_id):
            raise InvalidRequestError(
                "the warehouse id must be letters, digits, '-' or '_' (see the warehouse's "
                "Connection details)"
            )
        source = TableName.parse(source_table)
        output = TableName.parse(output_table)
        if source == output:
            raise InvalidRequestError("the output table must differ from the source table")
        check_identifier(prompt_column, what="prompt column")
        parameters = dict(model_parameters or {})
        job = cls(
            model, source, prompt_column, output, warehouse_id, parameters, fail_on_error, replace
        )
        job.sql()
        return job

    def sql(self) -> str:
        """The ``CREATE TABLE ... AS SELECT ... ai_query(...)`` statement."""
        arguments = [sql_string(self.model, what="model name"), quote_identifier(self.column)]
        if self.model_parameters:
            arguments.append(f"modelParameters => {model_parameters_sql(self.model_parameters)}")
        arguments.append(f"failOnError => {'true' if self.fail_on_error else 'false'}")
        create = "CREATE OR REPLACE TABLE" if self.replace else "CREATE TABLE"
        return (
            f"{create} {self.output.sql()} AS\n"
            f"SELECT *, ai_query({', '.join(arguments)}) AS response\n"
            f"FROM {self.source.sql()}"
        )

    def count_sql(self) -> str:
        """The statement counting the output table's rows."""
        return f"SELECT COUNT(*) AS row_count FROM {self.output.sql()}"  # noqa: S608 (quoted)


@dataclass(frozen=True, slots=True)
class StatementRequest:
    """A statement to run on a SQL warehouse; ``wait_timeout`` is ``"0s"`` or 5-50 s."""

    statement: str
    warehouse_id: str
    wait_timeout: str = "0s"

    def __post_init__(self) -> None:
        if not _WAIT_TIMEOUT.fullmatch(self.wait_timeout):
            raise InvalidRequestError(
                f"wait_timeout must be '0s' or '5s'..'50s', not {self.wait_timeout!r}"
            )


@dataclass(frozen=True, slots=True)
class StatementStatus:
    """Where a statement is: ``state`` (PENDING, RUNNING, SUCCEEDED, FAILED, CANCELED,
    CLOSED), the error when it failed, and the first rows of its result when it has one."""

    statement_id: str
    state: str
    error_code: str | None = None
    error_message: str | None = None
    sql_state: str | None = None
    rows: tuple[tuple[Any, ...], ...] = ()

    @property
    def done(self) -> bool:
        """True once the statement can change no more."""
        return self.state in TERMINAL_STATES
