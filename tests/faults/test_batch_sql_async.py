"""AsyncClient.batch_sql against FakeWorkspace: the async twin of test_batch_sql.py."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from brickgate.domain.errors import (
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
    RemoteError,
    TransportError,
)
from brickgate.domain.sql import StatementStatus
from brickgate.services.sql_batch import SqlBatchResult, StatusCallback
from brickgate.testing import FakeClock, FakeWorkspace, Fault
from tests.faults.conftest import LLAMA, AsyncClientFactory

STATEMENTS = "/api/2.0/sql/statements"
SOURCE = "main.default.reviews"
OUTPUT = "main.default.reviews_scored"


async def run(make_async_client: AsyncClientFactory, **kwargs: Any) -> SqlBatchResult:
    client = make_async_client()
    return await client.batch_sql(LLAMA, SOURCE, "prompt", OUTPUT, warehouse_id="wh-1", **kwargs)


async def test_a_statement_is_submitted_polled_and_counted(
    ws: FakeWorkspace, clock: FakeClock, make_async_client: AsyncClientFactory
) -> None:
    ws.statements.set_rows("`main`.`default`.`reviews`", 1234)
    seen: list[tuple[str, float]] = []
    result = await run(
        make_async_client,
        model_parameters={"max_tokens": 64},
        on_status=lambda status, elapsed: seen.append((status.state, elapsed)),
    )
    assert result.succeeded
    assert result.row_count == 1234
    assert result.count_error is None
    assert seen == [("PENDING", 0.0), ("RUNNING", 0.5), ("SUCCEEDED", 1.25)]
    assert clock.sleeps == [0.5, 0.75]
    assert result.elapsed == 1.25
    bodies: list[Any] = [r.json for r in ws.requests if r.method == "POST"]
    assert bodies[0]["wait_timeout"] == "0s"
    assert bodies[0]["warehouse_id"] == "wh-1"
    assert bodies[0]["statement"] == result.sql
    assert result.sql.startswith("CREATE TABLE `main`.`default`.`reviews_scored` AS")
    assert "named_struct('max_tokens', 64)" in result.sql
    assert bodies[1]["statement"] == (
        "SELECT COUNT(*) AS row_count FROM `main`.`default`.`reviews_scored`"
    )
    assert bodies[1]["wait_timeout"] == "30s"
    statement_id = ws.statements.statements[0].statement_id
    assert result.statement_id == statement_id
    gets = [r.path for r in ws.requests if r.method == "GET"]
    assert gets == [f"{STATEMENTS}/{statement_id}"] * 2
    assert all(r.headers["authorization"].startswith("Bearer ") for r in ws.requests)


async def test_oauth_credentials_work_too(
    ws: FakeWorkspace, make_async_client: AsyncClientFactory
) -> None:
    client = make_async_client(oauth=True)
    result = await client.batch_sql(LLAMA, SOURCE, "prompt", OUTPUT, warehouse_id="wh-1")
    assert result.row_count == 3
    assert all(ws.token not in r.headers.get("authorization", "") for r in ws.requests)


async def test_a_failed_statement_raises_with_its_cause(
    ws: FakeWorkspace, make_async_client: AsyncClientFactory
) -> None:
    ws.statements.fail_next(
        "[TABLE_OR_VIEW_NOT_FOUND] The table `main`.`default`.`reviews` cannot be found.",
        error_code="BAD_REQUEST",
    )
    with pytest.raises(RemoteError, match=r"ended FAILED \(BAD_REQUEST: \[TABLE_OR_VIEW_NOT"):
        await run(make_async_client)
    assert [s.statement.startswith("SELECT COUNT") for s in ws.statements.statements] == [False]


async def test_an_existing_output_table_is_not_overwritten_unless_asked(
    ws: FakeWorkspace, make_async_client: AsyncClientFactory
) -> None:
    await run(make_async_client)
    with pytest.raises(RemoteError, match="TABLE_OR_VIEW_ALREADY_EXISTS"):
        await run(make_async_client)
    assert (await run(make_async_client, replace=True)).succeeded


async def test_a_failed_count_keeps_the_success_and_says_why(
    ws: FakeWorkspace, make_async_client: AsyncClientFactory
) -> None:
    ws.statements.fail_next("no such table", match="SELECT COUNT")
    result = await run(make_async_client)
    assert result.succeeded
    assert result.row_count is None
    assert result.count_error == "counting the output rows ended FAILED"


async def test_transient_poll_failures_are_ridden_out(
    ws: FakeWorkspace, clock: FakeClock, make_async_client: AsyncClientFactory
) -> None:
    ws.fail(Fault(status=503), times=2, path=f"{STATEMENTS}/*")
    ws.fail(Fault(status=429, retry_after="3"), times=1, path=f"{STATEMENTS}/*")
    result = await run(make_async_client)
    assert result.row_count == 3
    assert 3.0 in clock.sleeps


async def test_a_rate_limited_submission_is_an_error_after_retries(
    ws: FakeWorkspace, make_async_client: AsyncClientFactory
) -> None:
    ws.fail(Fault(status=429, retry_after="1"), times=None, path=STATEMENTS)
    with pytest.raises(RateLimitError):
        await run(make_async_client)
    assert ws.statements.statements == []


async def test_polling_that_keeps_failing_gives_up(
    ws: FakeWorkspace, make_async_client: AsyncClientFactory
) -> None:
    ws.fail(Fault(status=404), times=None, path=f"{STATEMENTS}/*")
    with pytest.raises(NotFoundError):
        await run(make_async_client)


def _signal_when_running(running: asyncio.Event) -> StatusCallback:
    def on_status(status: StatementStatus, elapsed: float) -> None:
        if status.state == "RUNNING":
            running.set()

    return on_status


async def test_cancelling_the_task_cancels_the_statement(
    ws: FakeWorkspace, make_async_client: AsyncClientFactory
) -> None:
    ws.statements.polls_to_finish = 1_000_000
    running = asyncio.Event()
    task = asyncio.create_task(run(make_async_client, on_status=_signal_when_running(running)))
    await running.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (statement,) = ws.statements.statements
    assert statement.state == "CANCELED"
    assert ws.requests[-1].path == f"{STATEMENTS}/{statement.statement_id}/cancel"


async def test_ctrl_c_in_the_callback_cancels_the_statement(
    ws: FakeWorkspace, make_async_client: AsyncClientFactory
) -> None:
    def interrupt_when_running(status: StatementStatus, elapsed: float) -> None:
        if status.state == "RUNNING":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        await run(make_async_client, on_status=interrupt_when_running)
    (statement,) = ws.statements.statements
    assert statement.state == "CANCELED"


async def test_a_refused_cancel_still_propagates_the_cancellation(
    ws: FakeWorkspace, make_async_client: AsyncClientFactory
) -> None:
    ws.statements.polls_to_finish = 1_000_000
    ws.fail(Fault(status=500), times=None, path=f"{STATEMENTS}/*/cancel")
    running = asyncio.Event()
    task = asyncio.create_task(run(make_async_client, on_status=_signal_when_running(running)))
    await running.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert ws.requests[-1].path.endswith("/cancel")
    assert ws.statements.statements[0].state == "RUNNING"


async def test_unsafe_names_send_nothing(
    ws: FakeWorkspace, make_async_client: AsyncClientFactory
) -> None:
    client = make_async_client()
    hostile: list[tuple[str, str, str, str, str]] = [
        (LLAMA, "main.default.t\n; DROP", "p", OUTPUT, "w"),
        ("x'; --", SOURCE, "p", OUTPUT, "w"),
        (LLAMA, SOURCE, "p`) ; DROP TABLE x; --\u200b", OUTPUT, "w"),
        (LLAMA, SOURCE, "p", "a.b.c.d", "w"),
        (LLAMA, SOURCE, "p", OUTPUT, "w'; DROP"),
        (LLAMA, SOURCE, "p", SOURCE, "w"),
    ]
    for model, source, column, output, warehouse in hostile:
        with pytest.raises(InvalidRequestError):
            await client.batch_sql(model, source, column, output, warehouse_id=warehouse)
    with pytest.raises(InvalidRequestError):
        await client.batch_sql(
            LLAMA, SOURCE, "p", OUTPUT, warehouse_id="w", model_parameters={"x') --": 1}
        )
    assert ws.requests == []


async def test_after_aclose_nothing_is_sent(
    ws: FakeWorkspace, make_async_client: AsyncClientFactory
) -> None:
    client = make_async_client()
    await client.batch_sql(LLAMA, SOURCE, "prompt", OUTPUT, warehouse_id="wh-1")
    sent = len(ws.requests)
    await client.aclose()
    await client.aclose()
    with pytest.raises(TransportError, match="closed"):
        await client.batch_sql(LLAMA, SOURCE, "prompt", "main.default.other", warehouse_id="w")
    assert len(ws.requests) == sent
