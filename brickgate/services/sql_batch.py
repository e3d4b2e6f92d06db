"""Remote batch inference: the polling policy, results and the steps both service forms share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from brickgate.domain.errors import BrickgateError, RemoteError
from brickgate.domain.sql import AiQueryJob, StatementRequest, StatementStatus

StatusCallback = Callable[[StatementStatus, float], None]

COUNT_WAIT = "30s"


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """How often to poll: ``initial`` seconds, growing by ``factor`` up to ``maximum``.

    A poll that fails transiently (429, 5xx, network) is sent again up to ``transient_retries``
    times by the transport's retry layer (the only one), whatever the client's own limit.
    """

    initial: float = 0.5
    factor: float = 1.5
    maximum: float = 10.0
    transient_retries: int = 5


@dataclass(frozen=True, slots=True)
class SqlBatchResult:
    """How a remote batch ended: the statement id and final ``state``, the output table's
    ``row_count`` (``None`` when it could not be counted, ``count_error`` says why), the SQL
    that ran and the seconds it took."""

    statement_id: str
    state: str
    sql: str
    row_count: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    count_error: str | None = None
    elapsed: float = 0.0

    @property
    def succeeded(self) -> bool:
        """True when the statement finished successfully."""
        return self.state == "SUCCEEDED"

    def raise_for_state(self) -> SqlBatchResult:
        """Return self when it succeeded; raise ``RemoteError`` naming the state and cause."""
        if self.succeeded:
            return self
        cause = ": ".join(part for part in (self.error_code, self.error_message) if part)
        detail = f" ({cause})" if cause else ""
        raise RemoteError(
            f"the batch statement {self.statement_id} ended {self.state}{detail}; check the "
            "tables, the column and the model, then run it again"
        )


def next_delay(policy: PollPolicy, delay: float) -> float:
    """The wait before the poll after one that waited ``delay``: grown, capped at the maximum."""
    return min(delay * policy.factor, policy.maximum)


def ended(status: StatementStatus, sql: str, elapsed: float) -> SqlBatchResult:
    """The result of a statement that can change no more, before its output is counted."""
    return SqlBatchResult(
        status.statement_id,
        status.state,
        sql,
        error_code=status.error_code,
        error_message=status.error_message,
        elapsed=elapsed,
    )


def counted(
    result: SqlBatchResult, count: tuple[int | None, str | None], elapsed: float
) -> SqlBatchResult:
    """``result`` with the output's row count (or why it is missing) and the final elapsed time."""
    row_count, problem = count
    return replace(result, row_count=row_count, count_error=problem, elapsed=elapsed)


def count_request(job: AiQueryJob) -> StatementRequest:
    """The statement counting ``job``'s output rows (it waits on the warehouse up to 30 s)."""
    return StatementRequest(job.count_sql(), job.warehouse_id, COUNT_WAIT)


def count_of(status: StatementStatus) -> tuple[int | None, str | None]:
    """The row count a finished count statement returned, or ``None`` and why not."""
    if status.state != "SUCCEEDED":
        return None, f"counting the output rows ended {status.state}"
    try:
        return int(status.rows[0][0]), None
    except (IndexError, TypeError, ValueError):
        return None, "counting the output rows returned no number"


def count_failed(error: BrickgateError) -> tuple[int | None, str | None]:
    """No row count, because counting raised ``error``."""
    return None, f"counting the output rows failed: {error}"
