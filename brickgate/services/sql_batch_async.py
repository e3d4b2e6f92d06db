"""Remote batch inference, asyncio twin: run an ``ai_query`` statement and follow it."""

from __future__ import annotations

import asyncio

from brickgate.domain.errors import BrickgateError
from brickgate.domain.sql import AiQueryJob, StatementRequest, StatementStatus
from brickgate.ports.clock import Clock
from brickgate.ports.statements import AsyncStatementTransport
from brickgate.services.sql_batch import (
    PollPolicy,
    SqlBatchResult,
    StatusCallback,
    count_failed,
    count_of,
    count_request,
    counted,
    ended,
    next_delay,
    retry_wait,
)


class AsyncSqlBatchService:
    """The asyncio twin of ``SqlBatchService``: the same policy, steps and results, with waits
    through the clock's ``sleep_async``."""

    def __init__(
        self, transport: AsyncStatementTransport, clock: Clock, policy: PollPolicy | None = None
    ) -> None:
        self.transport = transport
        self._clock = clock
        self._policy = policy or PollPolicy()

    async def run(self, job: AiQueryJob, on_status: StatusCallback | None = None) -> SqlBatchResult:
        """Run ``job`` to its end and count the output rows when it succeeded.

        ``on_status(status, elapsed)`` is called with every status seen. When the task is
        cancelled (``asyncio.CancelledError``) or interrupted (``KeyboardInterrupt``) while the
        statement runs, the statement is cancelled before the exception propagates. Raises
        brickgate errors when submitting fails or polling keeps failing; a statement that ran
        and failed is returned with ``state == "FAILED"``.
        """
        started = self._clock.monotonic()
        sql = job.sql()
        status = await self.transport.submit(StatementRequest(sql, job.warehouse_id))
        status = await self._follow(status, started, on_status)
        result = ended(status, sql, self._clock.monotonic() - started)
        if not result.succeeded:
            return result
        return counted(result, await self._count(job), self._clock.monotonic() - started)

    async def _follow(
        self, status: StatementStatus, started: float, on_status: StatusCallback | None
    ) -> StatementStatus:
        delay = self._policy.initial
        try:
            while True:
                if on_status is not None:
                    on_status(status, self._clock.monotonic() - started)
                if status.done:
                    return status
                await self._clock.sleep_async(delay)
                delay = next_delay(self._policy, delay)
                status = await self._poll(status.statement_id)
        except (asyncio.CancelledError, KeyboardInterrupt):
            await self._cancel(status.statement_id)
            raise

    async def _poll(self, statement_id: str) -> StatementStatus:
        failures = 0
        while True:
            try:
                return await self.transport.get(statement_id)
            except BrickgateError as error:
                failures += 1
                wait = retry_wait(self._policy, error, failures)
                if wait is None:
                    raise
                await self._clock.sleep_async(wait)

    async def _cancel(self, statement_id: str) -> None:
        try:
            await self.transport.cancel(statement_id)
        except BrickgateError:
            return

    async def _count(self, job: AiQueryJob) -> tuple[int | None, str | None]:
        try:
            submitted = await self.transport.submit(count_request(job))
            return count_of(await self._follow(submitted, self._clock.monotonic(), None))
        except BrickgateError as error:
            return count_failed(error)
