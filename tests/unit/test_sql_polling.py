"""The polling steps shared by the sync and async SQL batch services, and the two loops on them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import pytest

from brickgate.domain.errors import (
    BrickgateError,
    NotFoundError,
    RateLimitError,
    ServerError,
    TransportError,
)
from brickgate.domain.sql import AiQueryJob, StatementRequest, StatementStatus
from brickgate.services.sql_batch import (
    PollPolicy,
    SqlBatchResult,
    SqlBatchService,
    count_of,
    count_request,
    counted,
    ended,
    next_delay,
    retry_wait,
)
from brickgate.services.sql_batch_async import AsyncSqlBatchService
from brickgate.testing import FakeClock

POLICY = PollPolicy(initial=1.0, factor=2.0, maximum=5.0, transient_retries=2)
JOB = AiQueryJob.create("databricks-gte-large-en", "c.s.src", "p", "c.s.out", warehouse_id="w")
Answer = StatementStatus | BrickgateError


def status(state: str, rows: tuple[tuple[object, ...], ...] = ()) -> StatementStatus:
    return StatementStatus("s1", state, rows=rows)


class ScriptedStatements:
    """A statement transport answering submits and polls from scripts, recording every call."""

    def __init__(self, polls: Sequence[Answer], count: Sequence[Answer] | None = None) -> None:
        self.scripts = [list(polls), list(count or [status("SUCCEEDED", (("42",),))])]
        self.script = self.scripts[0]
        self.calls: list[str] = []
        self.on_get: Callable[[], None] = lambda: None

    def _next(self) -> StatementStatus:
        answer = self.script.pop(0)
        if isinstance(answer, BrickgateError):
            raise answer
        return answer

    def submit(self, request: StatementRequest) -> StatementStatus:
        self.calls.append(f"submit {request.wait_timeout}")
        self.script = self.scripts.pop(0)
        return self._next()

    def get(self, statement_id: str) -> StatementStatus:
        self.calls.append("get")
        self.on_get()
        return self._next()

    def cancel(self, statement_id: str) -> None:
        self.calls.append(f"cancel {statement_id}")

    def close(self) -> None:
        return None


class AsyncScriptedStatements:
    """The async face of ``ScriptedStatements``."""

    def __init__(self, scripted: ScriptedStatements) -> None:
        self.scripted = scripted

    async def submit(self, request: StatementRequest) -> StatementStatus:
        return self.scripted.submit(request)

    async def get(self, statement_id: str) -> StatementStatus:
        await asyncio.sleep(0)
        return self.scripted.get(statement_id)

    async def cancel(self, statement_id: str) -> None:
        self.scripted.cancel(statement_id)

    async def aclose(self) -> None:
        return None


def test_the_delay_grows_by_the_factor_up_to_the_maximum() -> None:
    delays = [POLICY.initial]
    for _ in range(4):
        delays.append(next_delay(POLICY, delays[-1]))
    assert delays == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_retry_wait_honours_retry_after_then_gives_up() -> None:
    limited = RateLimitError("slow", status=429, retry_after=3.0)
    assert retry_wait(POLICY, limited, 1) == 3.0
    assert retry_wait(POLICY, ServerError("down", status=503), 2) == POLICY.maximum
    assert retry_wait(POLICY, TransportError("reset"), 3) is None
    assert retry_wait(POLICY, NotFoundError("gone", status=404), 1) is None


def test_results_and_counts() -> None:
    failed = StatementStatus("s1", "FAILED", error_code="BAD_REQUEST", error_message="no table")
    result = ended(failed, "SQL", 2.0)
    assert result == SqlBatchResult(
        "s1", "FAILED", "SQL", None, "BAD_REQUEST", "no table", None, 2.0
    )
    done = counted(ended(status("SUCCEEDED"), "SQL", 1.0), (7, None), 3.0)
    assert (done.row_count, done.count_error, done.elapsed) == (7, None, 3.0)
    assert count_request(JOB) == StatementRequest(JOB.count_sql(), "w", "30s")
    assert count_of(status("SUCCEEDED", (("12",),))) == (12, None)
    assert count_of(status("CANCELED")) == (None, "counting the output rows ended CANCELED")
    assert count_of(status("SUCCEEDED")) == (None, "counting the output rows returned no number")


async def run_both(make: Callable[[], ScriptedStatements]) -> list[tuple[object, ...]]:
    """Run the sync and the async service over the same script; return what each did."""
    outcomes: list[tuple[object, ...]] = []
    for twin in ("sync", "async"):
        scripted, clock = make(), FakeClock()
        try:
            if twin == "sync":
                result: object = SqlBatchService(scripted, clock, POLICY).run(JOB)
            else:
                service = AsyncSqlBatchService(AsyncScriptedStatements(scripted), clock, POLICY)
                result = await service.run(JOB)
        except BrickgateError as error:
            result = type(error)
        outcomes.append((result, scripted.calls, clock.sleeps))
    return outcomes


async def test_both_loops_take_the_same_steps_to_success() -> None:
    def make() -> ScriptedStatements:
        limited = RateLimitError("slow", status=429, retry_after=3.0)
        polls: list[Answer] = [status("PENDING"), status("RUNNING"), limited, status("SUCCEEDED")]
        return ScriptedStatements(polls)

    sync, async_ = await run_both(make)
    assert sync == async_
    result, calls, sleeps = sync
    assert isinstance(result, SqlBatchResult)
    assert (result.state, result.row_count, result.elapsed) == ("SUCCEEDED", 42, 6.0)
    assert calls == ["submit 0s", "get", "get", "get", "submit 30s"]
    assert sleeps == [1.0, 2.0, 3.0]


async def test_both_loops_give_up_after_the_transient_retries() -> None:
    def make() -> ScriptedStatements:
        down = ServerError("down", status=503)
        return ScriptedStatements([status("PENDING"), down, down, down])

    sync, async_ = await run_both(make)
    assert sync == async_
    assert sync[0] is ServerError
    assert sync[2] == [1.0, 5.0, 5.0]


async def test_a_failed_statement_is_not_counted_by_either_loop() -> None:
    def make() -> ScriptedStatements:
        return ScriptedStatements([StatementStatus("s1", "FAILED", error_code="X")])

    sync, async_ = await run_both(make)
    assert sync == async_
    result = sync[0]
    assert isinstance(result, SqlBatchResult)
    assert result.state == "FAILED"
    assert result.row_count is None
    assert sync[1] == ["submit 0s"]


async def test_cancelling_the_task_while_polling_cancels_the_statement() -> None:
    scripted = ScriptedStatements([status("PENDING")] + [status("RUNNING")] * 100)
    polled = asyncio.Event()
    scripted.on_get = polled.set
    service = AsyncSqlBatchService(AsyncScriptedStatements(scripted), FakeClock(), POLICY)
    task = asyncio.create_task(service.run(JOB))
    await polled.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert scripted.calls[-1] == "cancel s1"
    assert scripted.calls.count("cancel s1") == 1
