# Generated from services/_async/sql_batch.py by tools/unasync.py: do not edit.
"""Remote batch inference: run an ``ai_query`` statement on a SQL warehouse and follow it."""

from __future__ import annotations


from brickgate.domain.calls.statements import cancel_call, poll_call, submit_call
from brickgate.domain.errors import BrickgateError
from brickgate.domain.sql import AiQueryJob, StatementRequest, StatementStatus
from brickgate.ports._sync.workspace import WorkspaceTransport
from brickgate.ports.clock import Clock
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
)


class SqlBatchService:
    """Submits ``AiQueryJob``s through the workspace port and polls them with back-off."""

    def __init__(
        self, transport: WorkspaceTransport, clock: Clock, policy: PollPolicy | None = None
    ) -> None:
        self.transport = transport
        self._clock = clock
        self._policy = policy or PollPolicy()

    def run(self, job: AiQueryJob, on_status: StatusCallback | None = None) -> SqlBatchResult:
        """Run ``job`` to its end and count the output rows when it succeeded.

        ``on_status(status, elapsed)`` is called with every status seen. When the run is
        interrupted (``KeyboardInterrupt``, or cancelling the awaiting task) while the statement
        runs, the statement is cancelled before the exception propagates. Raises
        brickgate errors when submitting fails or polling keeps failing; a statement that ran
        and failed is returned with ``state == "FAILED"``.
        """
        started = self._clock.monotonic()
        sql = job.sql()
        status = self.transport.send(submit_call(StatementRequest(sql, job.warehouse_id)))
        status = self._follow(status, started, on_status)
        result = ended(status, sql, self._clock.monotonic() - started)
        if not result.succeeded:
            return result
        return counted(result, self._count(job), self._clock.monotonic() - started)

    def _follow(
        self, status: StatementStatus, started: float, on_status: StatusCallback | None
    ) -> StatementStatus:
        delay = self._policy.initial
        try:
            while True:
                if on_status is not None:
                    on_status(status, self._clock.monotonic() - started)
                if status.done:
                    return status
                self._clock.sleep(delay)
                delay = next_delay(self._policy, delay)
                poll = poll_call(status.statement_id, max_retries=self._policy.transient_retries)
                status = self.transport.send(poll)
        except KeyboardInterrupt:
            self._cancel(status.statement_id)
            raise

    def _cancel(self, statement_id: str) -> None:
        try:
            self.transport.send(cancel_call(statement_id))
        except BrickgateError:
            return

    def _count(self, job: AiQueryJob) -> tuple[int | None, str | None]:
        try:
            submitted = self.transport.send(submit_call(count_request(job)))
            return count_of(self._follow(submitted, self._clock.monotonic(), None))
        except BrickgateError as error:
            return count_failed(error)
