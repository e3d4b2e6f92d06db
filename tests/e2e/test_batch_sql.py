"""E2E remote batch: ai_query over the SQL Statement Execution API through the public Client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import brickgate
from brickgate.container import create_client_container
from brickgate.testing import FakeClock
from tests.e2e.conftest import Target
from tests.e2e.models import CHAT_MODEL

pytestmark = [pytest.mark.vcr, pytest.mark.block_network, pytest.mark.fake_workspace_only]

WAREHOUSE = "e2e0warehouse"
SOURCE = "main.brickgate_e2e.reviews"
STATEMENTS = "/api/2.0/sql/statements"


@pytest.fixture
def sql_client(e2e_target: Target) -> Iterator[brickgate.Client]:
    """A client on a FakeClock, so polling back-off takes no time on record or replay."""
    container = create_client_container(**e2e_target.client_kwargs(), clock=FakeClock())
    with brickgate.Client(container=container) as instance:
        yield instance


def test_ai_query_batch_runs_to_success_and_counts_rows(
    sql_client: brickgate.Client, e2e_target: Target
) -> None:
    if e2e_target.workspace is not None:
        e2e_target.workspace.statements.set_rows("`main`.`brickgate_e2e`.`reviews`", 25)
    states: list[str] = []

    result = sql_client.batch_sql(
        CHAT_MODEL,
        SOURCE,
        "review",
        "main.brickgate_e2e.reviews_scored",
        warehouse_id=WAREHOUSE,
        model_parameters={"max_tokens": 32, "temperature": 0.0},
        on_status=lambda status, elapsed: states.append(status.state),
    )

    assert result.succeeded
    assert result.row_count == 25
    assert states[0] == "PENDING"
    assert states[-1] == "SUCCEEDED"
    assert "RUNNING" in states
    assert "ai_query('databricks-meta-llama-3-3-70b-instruct', `review`" in result.sql


def test_a_failed_statement_raises_remote_error(
    sql_client: brickgate.Client, e2e_target: Target
) -> None:
    if e2e_target.workspace is not None:
        e2e_target.workspace.statements.fail_next(
            "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column `nope` cannot be resolved.",
            error_code="BAD_REQUEST",
        )

    with pytest.raises(brickgate.RemoteError) as caught:
        sql_client.batch_sql(
            CHAT_MODEL, SOURCE, "nope", "main.brickgate_e2e.unused", warehouse_id=WAREHOUSE
        )

    assert "ended FAILED" in str(caught.value)
    assert "UNRESOLVED_COLUMN" in str(caught.value)
