"""Remote batches over the Statement Execution API against FakeWorkspace, with scripted faults."""

from __future__ import annotations

from typing import Any

import pytest

from brickgate.domain.errors import (
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
    RemoteError,
)
from brickgate.domain.sql import StatementStatus
from brickgate.testing import FakeClock, FakeWorkspace, Fault
from tests.faults.conftest import LLAMA, ClientFactory

STATEMENTS = "/api/2.0/sql/statements"
SOURCE = "main.default.reviews"
OUTPUT = "main.default.reviews_scored"


def run(make_client: ClientFactory, **kwargs: object) -> object:
    client = make_client()
    return client.batch_sql(
        LLAMA,
        SOURCE,
        "prompt",
        OUTPUT,
        warehouse_id="wh-1",
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_statement_is_submitted_polled_and_counted(
    ws: FakeWorkspace, clock: FakeClock, make_client: ClientFactory
) -> None:
    ws.statements.set_rows("`main`.`default`.`reviews`", 1234)
    seen: list[str] = []
    result = run(
        make_client,
        model_parameters={"max_tokens": 64},
        on_status=lambda status, elapsed: seen.append(status.state),
    )
    assert result.state == "SUCCEEDED"  # type: ignore[attr-defined]
    assert result.row_count == 1234  # type: ignore[attr-defined]
    assert seen == ["PENDING", "RUNNING", "SUCCEEDED"]
    assert clock.sleeps == [0.5, 0.75]
    bodies: list[Any] = [r.json for r in ws.requests if r.method == "POST"]
    assert bodies[0]["wait_timeout"] == "0s"
    assert bodies[0]["warehouse_id"] == "wh-1"
    assert bodies[0]["statement"].startswith("CREATE TABLE `main`.`default`.`reviews_scored` AS")
    assert "named_struct('max_tokens', 64)" in bodies[0]["statement"]
    assert bodies[1]["statement"] == (
        "SELECT COUNT(*) AS row_count FROM `main`.`default`.`reviews_scored`"
    )
    gets = [r.path for r in ws.requests if r.method == "GET"]
    statement_id = ws.statements.statements[0].statement_id
    assert gets == [f"{STATEMENTS}/{statement_id}"] * 2
    assert all(r.headers["authorization"].startswith("Bearer ") for r in ws.requests)
    assert all(ws.token not in r.headers["authorization"] for r in ws.requests)


def test_a_failed_statement_raises_with_its_cause(
    ws: FakeWorkspace, make_client: ClientFactory
) -> None:
    ws.statements.fail_next(
        "[TABLE_OR_VIEW_NOT_FOUND] The table `main`.`default`.`reviews` cannot be found.",
        error_code="BAD_REQUEST",
    )
    with pytest.raises(RemoteError, match=r"ended FAILED \(BAD_REQUEST: \[TABLE_OR_VIEW_NOT"):
        run(make_client)
    assert [s.statement.startswith("SELECT COUNT") for s in ws.statements.statements] == [False]


def test_an_existing_output_table_is_not_overwritten_unless_asked(
    ws: FakeWorkspace, make_client: ClientFactory
) -> None:
    run(make_client)
    with pytest.raises(RemoteError, match="TABLE_OR_VIEW_ALREADY_EXISTS"):
        run(make_client)
    result = run(make_client, replace=True)
    assert result.state == "SUCCEEDED"  # type: ignore[attr-defined]


def test_transient_poll_failures_are_ridden_out(
    ws: FakeWorkspace, clock: FakeClock, make_client: ClientFactory
) -> None:
    ws.fail(Fault(status=503), times=2, path=f"{STATEMENTS}/*")
    ws.fail(Fault(status=429, retry_after="3"), times=1, path=f"{STATEMENTS}/*")
    result = run(make_client)
    assert result.row_count == 3  # type: ignore[attr-defined]
    assert 3.0 in clock.sleeps


def test_a_rate_limited_submission_is_an_error_after_retries(
    ws: FakeWorkspace, make_client: ClientFactory
) -> None:
    ws.fail(Fault(status=429, retry_after="1"), times=None, path=STATEMENTS)
    with pytest.raises(RateLimitError):
        run(make_client)
    assert ws.statements.statements == []


def test_polling_that_keeps_failing_gives_up(ws: FakeWorkspace, make_client: ClientFactory) -> None:
    ws.fail(Fault(status=404), times=None, path=f"{STATEMENTS}/*")
    with pytest.raises(NotFoundError):
        run(make_client)


def test_ctrl_c_cancels_the_statement(ws: FakeWorkspace, make_client: ClientFactory) -> None:
    def interrupt_when_running(status: StatementStatus, elapsed: float) -> None:
        if status.state == "RUNNING":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(make_client, on_status=interrupt_when_running)
    (statement,) = ws.statements.statements
    assert statement.state == "CANCELED"
    assert ws.requests[-1].path == f"{STATEMENTS}/{statement.statement_id}/cancel"


def test_unsafe_names_send_nothing(ws: FakeWorkspace, make_client: ClientFactory) -> None:
    client = make_client()
    with pytest.raises(InvalidRequestError):
        client.batch_sql(LLAMA, "main.default.t\n; DROP", "p", OUTPUT, warehouse_id="w")
    with pytest.raises(InvalidRequestError):
        client.batch_sql("x'; --", SOURCE, "p", OUTPUT, warehouse_id="w")
    assert ws.requests == []
