"""The workspace seam on loopback servers: one retry owner, statement rules, fakes, one pool."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from dependency_injector import providers

import brickgate
from brickgate.client import AsyncClient, Client
from brickgate.container import create_client_container
from brickgate.domain.attempts import counting_attempts
from brickgate.domain.sql import StatementStatus
from brickgate.services.sql_batch import PollPolicy
from brickgate.testing import AsyncFakeTransport, FakeClock, FakeTransport, FakeWorkspace, Fault
from tests.faults.conftest import (
    CHAT,
    LLAMA,
    LOOPBACK,
    AsyncClientFactory,
    ClientFactory,
    paths,
)

STATEMENTS = "/api/2.0/sql/statements"
EMBEDDER = "databricks-gte-large-en"
THREADS = 16
POLLS = PollPolicy().transient_retries + 1


def batch_sql(client: Client, **kwargs: Any) -> Any:
    return client.batch_sql(
        LLAMA, "main.default.src", "prompt", "main.default.out", warehouse_id="w", **kwargs
    )


async def async_batch_sql(client: AsyncClient, **kwargs: Any) -> Any:
    return await client.batch_sql(
        LLAMA, "main.default.src", "prompt", "main.default.out", warehouse_id="w", **kwargs
    )


def submits(ws: FakeWorkspace) -> int:
    return sum(1 for r in ws.requests if r.method == "POST" and r.path == STATEMENTS)


def polls(ws: FakeWorkspace) -> int:
    return sum(1 for r in ws.requests if r.method == "GET" and r.path.startswith(STATEMENTS))


def cancels(ws: FakeWorkspace) -> int:
    return sum(1 for r in ws.requests if r.path.endswith("/cancel"))


def refused_url() -> str:
    """A loopback URL nothing listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK[0], 0))
        port = sock.getsockname()[1]
    return f"http://{LOOPBACK[0]}:{port}"


# --- always 503: exactly one layer retries ------------------------------------------------


@pytest.mark.parametrize("max_retries", [0, 2, 4])
def test_chat_against_an_always_503_workspace_makes_max_retries_plus_one_requests(
    ws: FakeWorkspace, make_client: ClientFactory, clock: FakeClock, max_retries: int
) -> None:
    ws.fail(Fault(status=503), times=None)
    with pytest.raises(brickgate.ServerError):
        make_client(max_retries=max_retries).chat(LLAMA, "Hello")
    assert paths(ws, CHAT) == max_retries + 1
    assert len(clock.sleeps) == max_retries


@pytest.mark.parametrize("max_retries", [0, 2, 4])
def test_one_batch_item_against_an_always_503_workspace_makes_max_retries_plus_one_requests(
    ws: FakeWorkspace, make_client: ClientFactory, max_retries: int
) -> None:
    ws.fail(Fault(status=503), times=None)
    [result] = list(make_client(max_retries=max_retries).batch(LLAMA, [("only", "Hello")]))
    assert isinstance(result.error, brickgate.ServerError)
    assert paths(ws, CHAT) == max_retries + 1
    assert result.attempts == max_retries + 1


def test_a_per_call_max_retries_wins_over_the_clients(
    ws: FakeWorkspace, make_client: ClientFactory
) -> None:
    ws.fail(Fault(status=503), times=None)
    client = make_client(max_retries=4)
    with pytest.raises(brickgate.ServerError):
        client.chat(LLAMA, "Hello", max_retries=1)
    assert paths(ws, CHAT) == 2
    [result] = list(client.batch(LLAMA, [("only", "Hello")], max_retries=0))
    assert result.attempts == 1
    assert paths(ws, CHAT) == 3


def test_a_batch_item_that_recovers_reports_every_request_it_made(
    ws: FakeWorkspace, make_client: ClientFactory
) -> None:
    ws.fail(Fault(status=503), times=2)
    [result] = list(make_client(max_retries=2).batch(LLAMA, [("only", "Hello")]))
    assert result.ok
    assert result.attempts == 3
    assert paths(ws, CHAT) == 3


@pytest.mark.parametrize("max_retries", [0, 2, 4])
async def test_async_chat_and_batch_against_an_always_503_workspace(
    ws: FakeWorkspace, make_async_client: AsyncClientFactory, max_retries: int
) -> None:
    ws.fail(Fault(status=503), times=None)
    client = make_async_client(max_retries=max_retries)
    with pytest.raises(brickgate.ServerError):
        await client.chat(LLAMA, "Hello")
    assert paths(ws, CHAT) == max_retries + 1
    async with client.batch(LLAMA, [("only", "Hello")]) as run:
        [result] = [result async for result in run]
    assert isinstance(result.error, brickgate.ServerError)
    assert result.attempts == max_retries + 1
    assert paths(ws, CHAT) == 2 * (max_retries + 1)


# --- statements: poll and cancel retried, submit only when it cannot have started ---------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_failing_poll_is_retried_by_the_retry_layer_alone(
    ws: FakeWorkspace, make_client: ClientFactory, status: int
) -> None:
    ws.fail(Fault(status=status), times=None, path=f"{STATEMENTS}/*")
    with pytest.raises(brickgate.ServerError):
        batch_sql(make_client())
    assert submits(ws) == 1
    assert polls(ws) == POLLS


@pytest.mark.parametrize("status", [500, 503])
def test_transient_poll_failures_are_ridden_out(
    ws: FakeWorkspace, make_client: ClientFactory, status: int
) -> None:
    ws.fail(Fault(status=status), times=POLLS - 1, path=f"{STATEMENTS}/*")
    result = batch_sql(make_client())
    assert result.succeeded
    assert ws.pending_faults == 0


def interrupt_when_running(status: StatementStatus, elapsed: float) -> None:
    if status.state == "RUNNING":
        raise KeyboardInterrupt


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_failing_cancel_is_retried(
    ws: FakeWorkspace, make_client: ClientFactory, status: int
) -> None:
    ws.fail(Fault(status=status), times=2, path=f"{STATEMENTS}/*/cancel")
    with pytest.raises(KeyboardInterrupt):
        batch_sql(make_client(max_retries=2), on_status=interrupt_when_running)
    assert cancels(ws) == 3
    (statement,) = ws.statements.statements
    assert statement.state == "CANCELED"


def test_a_cancel_that_keeps_failing_makes_max_retries_plus_one_requests(
    ws: FakeWorkspace, make_client: ClientFactory
) -> None:
    ws.fail(Fault(status=503), times=None, path=f"{STATEMENTS}/*/cancel")
    with pytest.raises(KeyboardInterrupt):
        batch_sql(make_client(max_retries=3), on_status=interrupt_when_running)
    assert cancels(ws) == 4


@pytest.mark.parametrize("status", [429, 503])
def test_a_submit_the_server_cannot_have_started_is_retried(
    ws: FakeWorkspace, make_client: ClientFactory, status: int
) -> None:
    ws.fail(Fault(status=status, retry_after="1"), times=None, path=STATEMENTS)
    with pytest.raises(brickgate.ApiError) as caught:
        batch_sql(make_client(max_retries=2))
    assert caught.value.status == status
    assert submits(ws) == 3
    assert ws.statements.statements == []


def test_a_submit_that_found_no_server_is_retried(
    make_client: ClientFactory, clock: FakeClock
) -> None:
    client = make_client(host=refused_url(), max_retries=2)
    with counting_attempts() as attempts, pytest.raises(brickgate.ConnectError):
        batch_sql(client)
    assert attempts.sent == 3
    assert len(clock.sleeps) == 2


@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_submit_the_server_may_have_started_is_not_retried(
    ws: FakeWorkspace, make_client: ClientFactory, clock: FakeClock, status: int
) -> None:
    ws.fail(Fault(status=status), times=None, path=STATEMENTS)
    with pytest.raises(brickgate.ServerError):
        batch_sql(make_client(max_retries=2))
    assert submits(ws) == 1
    assert clock.sleeps == []


def test_a_submit_that_timed_out_is_not_retried(
    ws: FakeWorkspace, make_client: ClientFactory, clock: FakeClock
) -> None:
    ws.fail(Fault(delay_before_headers=2.0), times=None, path=STATEMENTS)
    with pytest.raises(brickgate.TimeoutError):
        batch_sql(make_client(max_retries=2, timeout=0.2))
    assert submits(ws) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize("status", [502, 503])
async def test_async_statements_follow_the_same_rules(
    ws: FakeWorkspace, make_async_client: AsyncClientFactory, status: int
) -> None:
    ws.fail(Fault(status=status), times=None, path=STATEMENTS)
    with pytest.raises(brickgate.ServerError):
        await async_batch_sql(make_async_client(max_retries=2))
    assert submits(ws) == (3 if status == 503 else 1)
    ws.reset()
    ws.fail(Fault(status=status), times=None, path=f"{STATEMENTS}/*")
    with pytest.raises(brickgate.ServerError):
        await async_batch_sql(make_async_client(max_retries=2))
    assert polls(ws) == POLLS


# --- a fake transport replaces every path, even with DATABRICKS_* set ---------------------


@pytest.fixture
def recording_env(ws: FakeWorkspace, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWorkspace]:
    """DATABRICKS_HOST/TOKEN pointing at ``ws``; proves a default client would reach it."""
    monkeypatch.setenv("DATABRICKS_HOST", ws.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", ws.token)
    monkeypatch.setenv("BRICKGATE_TRUSTED_HOSTS", LOOPBACK[0])
    with Client() as reachable:
        assert reachable.endpoints()
    assert ws.requests
    ws.reset()
    yield ws
    assert ws.requests == []


def test_a_fake_transport_client_sends_nothing_anywhere(recording_env: FakeWorkspace) -> None:
    fake = FakeTransport()
    with Client.with_transport(fake) as client:
        assert LLAMA in client.chat(LLAMA, "Hello").text
        with client.stream(LLAMA, "Hello") as stream:
            assert LLAMA in "".join(chunk.text for chunk in stream)
        assert len(client.embed(EMBEDDER, ["a", "b"]).vectors) == 2
        assert client.endpoints()
        assert client.models()
        assert all(result.ok for result in client.batch(LLAMA, [("a", "x"), ("b", "y")]))
        assert batch_sql(client).succeeded
    assert {call.operation for call in fake.calls} == {
        "chat",
        "stream",
        "embed",
        "endpoints",
        "statement-submit",
    }
    assert fake.closed
    assert recording_env.requests == []


async def test_an_async_fake_transport_client_sends_nothing_anywhere(
    recording_env: FakeWorkspace,
) -> None:
    fake = AsyncFakeTransport()
    async with AsyncClient.with_transport(fake) as client:
        assert LLAMA in (await client.chat(LLAMA, "Hello")).text
        async with client.stream(LLAMA, "Hello") as stream:
            assert LLAMA in "".join([chunk.text async for chunk in stream])
        assert len((await client.embed(EMBEDDER, ["a", "b"])).vectors) == 2
        assert await client.endpoints()
        assert await client.models()
        async with client.batch(LLAMA, [("a", "x"), ("b", "y")]) as run:
            assert all([result.ok async for result in run])
        assert (await async_batch_sql(client)).succeeded
    assert {call.operation for call in fake.calls} == {
        "chat",
        "stream",
        "embed",
        "endpoints",
        "statement-submit",
    }
    assert fake.closed
    assert recording_env.requests == []


# --- one HTTP pool per client, made once, closed once -------------------------------------


class CountingClient(httpx.Client):
    """An httpx.Client that counts how often it is closed."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.close_calls = 0

    def close(self) -> None:
        self.close_calls += 1
        super().close()


class CountingAsyncClient(httpx.AsyncClient):
    """An httpx.AsyncClient that counts how often it is closed."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.close_calls = 0

    async def aclose(self) -> None:
        self.close_calls += 1
        await super().aclose()


def counting_container(ws: FakeWorkspace, clock: FakeClock, made: list[Any], kind: type) -> Any:
    lock = threading.Lock()

    def counting() -> Any:
        pool = kind(follow_redirects=False)
        with lock:
            made.append(pool)
        return pool

    name = "async_http_client" if kind is CountingAsyncClient else "http_client"
    overrides: dict[str, Any] = {"clock": clock, name: providers.Factory(counting)}
    return create_client_container(host=ws.url, token=ws.token, trusted_hosts=LOOPBACK, **overrides)


def test_sixteen_threads_on_a_cold_client_make_one_pool_closed_once(
    ws: FakeWorkspace, clock: FakeClock
) -> None:
    made: list[CountingClient] = []
    client = Client(container=counting_container(ws, clock, made, CountingClient))
    start = threading.Barrier(THREADS)
    replies: list[str] = []
    failures: list[BaseException] = []

    def first_call(index: int) -> None:
        start.wait(timeout=30)
        try:
            replies.append(client.chat(LLAMA, f"call {index}").text)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=first_call, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert len(replies) == THREADS
    assert len(made) == 1
    client.embed(EMBEDDER, "x")
    list(client.batch(LLAMA, [("a", "x")]))
    batch_sql(client)
    assert len(made) == 1
    client.close()
    client.close()
    assert made[0].close_calls == 1
    assert made[0].is_closed


def test_a_client_never_used_makes_no_pool(ws: FakeWorkspace, clock: FakeClock) -> None:
    made: list[CountingClient] = []
    Client(container=counting_container(ws, clock, made, CountingClient)).close()
    assert made == []


async def test_sixteen_tasks_on_a_cold_async_client_make_one_pool_closed_once(
    ws: FakeWorkspace, clock: FakeClock
) -> None:
    made: list[CountingAsyncClient] = []
    client = AsyncClient(container=counting_container(ws, clock, made, CountingAsyncClient))
    replies = await asyncio.gather(
        *(client.chat(LLAMA, f"call {index}") for index in range(THREADS))
    )
    assert len(replies) == THREADS
    await client.embed(EMBEDDER, "x")
    await async_batch_sql(client)
    assert len(made) == 1
    await client.aclose()
    await client.aclose()
    assert made[0].close_calls == 1
    assert made[0].is_closed


def test_a_closed_client_refuses_at_once_without_retrying(ws: FakeWorkspace) -> None:
    clock = FakeClock()
    client = Client(
        container=create_client_container(
            host=ws.url, token=ws.token, trusted_hosts=["127.0.0.1"], clock=clock, max_retries=3
        )
    )
    client.chat(LLAMA, "Hello")
    client.close()
    sent = len(ws.requests)
    with pytest.raises(brickgate.ClientClosedError, match="closed"):
        client.chat(LLAMA, "Hello")
    assert clock.sleeps == []
    assert len(ws.requests) == sent


async def test_a_closed_async_client_refuses_at_once_without_retrying(ws: FakeWorkspace) -> None:
    clock = FakeClock()
    client = AsyncClient(
        container=create_client_container(
            host=ws.url, token=ws.token, trusted_hosts=["127.0.0.1"], clock=clock, max_retries=3
        )
    )
    await client.chat(LLAMA, "Hello")
    await client.aclose()
    with pytest.raises(brickgate.ClientClosedError, match="closed"):
        await client.chat(LLAMA, "Hello")
    assert clock.sleeps == []
