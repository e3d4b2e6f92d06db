"""The SQL batch services over the workspace port: polling steps, the two loops, cancellation."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, TypeVar

import pytest

from brickgate.adapters.transport._async.policies import AsyncRetryingTransport
from brickgate.adapters.transport._sync.policies import RetryingTransport
from brickgate.adapters.transport.retry_policy import RetryPolicy
from brickgate.domain.calls import Call
from brickgate.domain.errors import BrickgateError, NotFoundError, ServerError
from brickgate.domain.sql import AiQueryJob, StatementRequest, StatementStatus
from brickgate.services._async.sql_batch import AsyncSqlBatchService
from brickgate.services._sync.sql_batch import SqlBatchService
from brickgate.services.sql_batch import (
    PollPolicy,
    SqlBatchResult,
    count_of,
    count_request,
    counted,
    ended,
    next_delay,
)
from brickgate.testing import AsyncFakeTransport, FakeClock, FakeTransport, JsonReply

T = TypeVar("T")
POLICY = PollPolicy(initial=1.0, factor=2.0, maximum=5.0, transient_retries=2)
NO_JITTER = RetryPolicy(random=lambda: 0.0)
JOB = AiQueryJob.create("databricks-gte-large-en", "c.s.src", "p", "c.s.out", warehouse_id="w")
Reply = JsonReply | BrickgateError


def status(state: str, rows: Sequence[Sequence[object]] = ()) -> JsonReply:
    body: dict[str, Any] = {"statement_id": "s1", "status": {"state": state}}
    if rows:
        body["result"] = {"data_array": [list(row) for row in rows]}
    return JsonReply(body)


def unavailable() -> JsonReply:
    body = {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "busy"}
    return JsonReply(body, status=503)


def limited(seconds: int) -> JsonReply:
    body = {"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "slow"}
    return JsonReply(body, status=429, headers={"Retry-After": str(seconds)})


COUNTED = status("SUCCEEDED", [["42"]])


def script(
    fake: FakeTransport | AsyncFakeTransport, submits: list[Reply], polls: list[Reply]
) -> None:
    fake.enqueue("statement-submit", *submits)
    fake.enqueue("statement-poll", *polls)


def steps(fake: FakeTransport | AsyncFakeTransport) -> list[str]:
    """What the service sent, as ``submit <wait>`` / ``get <id>`` / ``cancel <id>``."""
    shown = []
    for call in fake.calls:
        if call.operation == "statement-submit":
            shown.append(f"submit {call.body['wait_timeout']}")
        elif call.operation == "statement-poll":
            shown.append(f"get {call.request.path[-1]}")
        else:
            shown.append(f"cancel {call.request.path[-2]}")
    return shown


def test_the_delay_grows_by_the_factor_up_to_the_maximum() -> None:
    delays = [POLICY.initial]
    for _ in range(4):
        delays.append(next_delay(POLICY, delays[-1]))
    assert delays == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_results_and_counts() -> None:
    failed = StatementStatus("s1", "FAILED", error_code="BAD_REQUEST", error_message="no table")
    result = ended(failed, "SQL", 2.0)
    assert result == SqlBatchResult(
        "s1", "FAILED", "SQL", None, "BAD_REQUEST", "no table", None, 2.0
    )
    done = counted(ended(StatementStatus("s1", "SUCCEEDED"), "SQL", 1.0), (7, None), 3.0)
    assert (done.row_count, done.count_error, done.elapsed) == (7, None, 3.0)
    assert count_request(JOB) == StatementRequest(JOB.count_sql(), "w", "30s")
    assert count_of(StatementStatus("s1", "SUCCEEDED", rows=(("12",),))) == (12, None)
    assert count_of(StatementStatus("s1", "CANCELED")) == (
        None,
        "counting the output rows ended CANCELED",
    )
    assert count_of(StatementStatus("s1", "SUCCEEDED")) == (
        None,
        "counting the output rows returned no number",
    )


async def run_both(submits: list[Reply], polls: list[Reply]) -> list[tuple[object, ...]]:
    """Run the sync and the async service (each behind the retry layer) over the same script;
    return what each did: its result (or error type), the steps it sent and its sleeps."""
    outcomes: list[tuple[object, ...]] = []
    for twin in ("sync", "async"):
        clock = FakeClock()
        fake: FakeTransport | AsyncFakeTransport
        try:
            if twin == "sync":
                fake = FakeTransport(clock=clock)
                script(fake, submits, polls)
                transport = RetryingTransport(fake, NO_JITTER, clock)
                result: object = SqlBatchService(transport, clock, POLICY).run(JOB)
            else:
                fake = AsyncFakeTransport(clock=clock)
                script(fake, submits, polls)
                async_transport = AsyncRetryingTransport(fake, NO_JITTER, clock)
                result = await AsyncSqlBatchService(async_transport, clock, POLICY).run(JOB)
        except BrickgateError as error:
            result = type(error)
        outcomes.append((result, steps(fake), clock.sleeps))
    return outcomes


async def test_both_loops_take_the_same_steps_to_success() -> None:
    polls: list[Reply] = [status("RUNNING"), limited(3), status("SUCCEEDED")]
    sync, async_ = await run_both([status("PENDING"), COUNTED], polls)
    assert sync == async_
    result, calls, sleeps = sync
    assert isinstance(result, SqlBatchResult)
    assert (result.state, result.row_count, result.elapsed) == ("SUCCEEDED", 42, 6.0)
    assert calls == ["submit 0s", "get s1", "get s1", "get s1", "submit 30s"]
    assert sleeps == [1.0, 2.0, 3.0]


async def test_both_loops_give_up_after_the_transient_retries_of_one_poll() -> None:
    polls: list[Reply] = [unavailable() for _ in range(POLICY.transient_retries + 2)]
    sync, async_ = await run_both([status("PENDING")], polls)
    assert sync == async_
    result, calls, sleeps = sync
    assert result is ServerError
    assert calls == ["submit 0s"] + ["get s1"] * (POLICY.transient_retries + 1)
    assert sleeps == [1.0, 0.5, 1.0]


async def test_a_poll_that_is_not_transient_is_not_retried() -> None:
    gone = JsonReply({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "gone"}, status=404)
    sync, async_ = await run_both([status("PENDING")], [gone])
    assert sync == async_
    assert sync[0] is NotFoundError
    assert sync[1] == ["submit 0s", "get s1"]


async def test_a_failed_statement_is_not_counted_by_either_loop() -> None:
    failed = JsonReply(
        {"statement_id": "s1", "status": {"state": "FAILED", "error": {"error_code": "X"}}}
    )
    sync, async_ = await run_both([failed], [])
    assert sync == async_
    result = sync[0]
    assert isinstance(result, SqlBatchResult)
    assert result.state == "FAILED"
    assert result.error_code == "X"
    assert result.row_count is None
    assert sync[1] == ["submit 0s"]


async def test_a_submit_that_may_have_started_is_not_sent_again() -> None:
    sync, async_ = await run_both([unavailable(), status("SUCCEEDED"), COUNTED], [])
    assert sync == async_
    assert isinstance(sync[0], SqlBatchResult)
    assert sync[1] == ["submit 0s", "submit 0s", "submit 30s"]
    failing = JsonReply({"error_code": "INTERNAL_ERROR", "message": "x"}, status=500)
    sync, async_ = await run_both([failing], [])
    assert sync == async_
    assert sync[0] is ServerError
    assert sync[1] == ["submit 0s"]


def test_ctrl_c_while_following_cancels_the_statement() -> None:
    clock = FakeClock()
    fake = FakeTransport(clock=clock)
    script(fake, [status("PENDING")], [status("RUNNING")])

    def interrupt(seen: StatementStatus, elapsed: float) -> None:
        if seen.state == "RUNNING":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        SqlBatchService(fake, clock, POLICY).run(JOB, interrupt)
    assert steps(fake) == ["submit 0s", "get s1", "cancel s1"]


class SignallingFake(AsyncFakeTransport):
    """An async fake that yields to the loop on every poll and says when one was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.polled = asyncio.Event()

    async def send(self, call: Call[T]) -> T:
        if call.operation == "statement-poll":
            self.polled.set()
            await asyncio.sleep(0)
        return await super().send(call)


async def test_cancelling_the_task_while_polling_cancels_the_statement() -> None:
    fake = SignallingFake()
    script(fake, [status("PENDING")], [status("RUNNING") for _ in range(100)])
    service = AsyncSqlBatchService(fake, FakeClock(), POLICY)
    task = asyncio.create_task(service.run(JOB))
    await fake.polled.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    shown = steps(fake)
    assert shown[-1] == "cancel s1"
    assert shown.count("cancel s1") == 1


async def test_a_refused_cancel_still_propagates_the_cancellation() -> None:
    fake = SignallingFake()
    script(fake, [status("PENDING")], [status("RUNNING") for _ in range(100)])
    fake.enqueue("statement-cancel", ServerError("down", status=500))
    service = AsyncSqlBatchService(fake, FakeClock(), POLICY)
    task = asyncio.create_task(service.run(JOB))
    await fake.polled.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert steps(fake)[-1] == "cancel s1"
