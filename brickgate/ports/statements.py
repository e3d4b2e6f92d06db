"""The statement port: run SQL on a Databricks SQL warehouse (Statement Execution API)."""

from __future__ import annotations

from typing import Protocol

from brickgate.domain.sql import StatementRequest, StatementStatus


class StatementTransport(Protocol):
    """Submits statements to one workspace, polls and cancels them.

    Every method raises only brickgate errors: ``ApiError`` subclasses for error answers,
    ``TransportError``/``TimeoutError`` when no usable answer came. A statement that ran and
    failed is not an error here: its status says ``FAILED`` with the error code and message.
    Statement ids are sent as one path segment, never able to change the path.
    """

    def submit(self, request: StatementRequest) -> StatementStatus:
        """Start ``request``; return its first status (often ``PENDING``)."""
        ...

    def get(self, statement_id: str) -> StatementStatus:
        """The statement's current status (with the first rows once it has succeeded)."""
        ...

    def cancel(self, statement_id: str) -> None:
        """Ask the warehouse to cancel the statement; returns once the request is accepted."""
        ...

    def close(self) -> None:
        """Release pooled connections; idempotent."""
        ...


class AsyncStatementTransport(Protocol):
    """The asyncio twin of ``StatementTransport``: the same contract, awaitable methods.

    Every method raises only brickgate errors, as ``StatementTransport`` does.
    """

    async def submit(self, request: StatementRequest) -> StatementStatus:
        """Start ``request``; return its first status (often ``PENDING``)."""
        ...

    async def get(self, statement_id: str) -> StatementStatus:
        """The statement's current status (with the first rows once it has succeeded)."""
        ...

    async def cancel(self, statement_id: str) -> None:
        """Ask the warehouse to cancel the statement; returns once the request is accepted."""
        ...

    async def aclose(self) -> None:
        """Release pooled connections; idempotent."""
        ...
