"""The httpx2 HTTP backend (BRICKGATE_HTTP_BACKEND=httpx2) against a live FakeWorkspace."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from dependency_injector import providers

import brickgate
from brickgate.client import AsyncClient, Client
from brickgate.container import BrickgateContainer, create_client_container
from brickgate.domain.calls.statements import poll_call, submit_call
from brickgate.domain.sql import StatementRequest
from brickgate.testing import FakeClock, FakeWorkspace, Fault
from tests.faults.conftest import (
    CHAT,
    CLAUDE,
    LLAMA,
    LOOPBACK,
    TOKEN_PATH,
    assert_no_secret,
    paths,
)

EMBEDDER = "databricks-gte-large-en"


@pytest.fixture
def httpx2(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """httpx2 (skipped when not installed; the test extra installs it), chosen by the setting."""
    library: ModuleType = pytest.importorskip("httpx2")
    monkeypatch.setenv("BRICKGATE_HTTP_BACKEND", "httpx2")
    return library


@pytest.fixture
def containers(
    ws: FakeWorkspace, clock: FakeClock, httpx2: ModuleType
) -> Iterator[list[BrickgateContainer]]:
    """Containers made by ``container_for``; their HTTP clients are closed after the test."""
    made: list[BrickgateContainer] = []
    yield made
    for container in made:
        container.http_client().close()


def container_for(
    made: list[BrickgateContainer],
    ws: FakeWorkspace,
    clock: FakeClock,
    *,
    oauth: bool = False,
    **settings: Any,
) -> BrickgateContainer:
    credentials: dict[str, Any] = (
        {"client_id": ws.client_id, "client_secret": ws.client_secret}
        if oauth
        else {"token": ws.token}
    )
    container = create_client_container(
        host=ws.url, trusted_hosts=LOOPBACK, clock=clock, **credentials, **settings
    )
    container.http_client.override(providers.Object(container.http_client()))
    made.append(container)
    return container


def test_the_setting_builds_httpx2_clients(
    ws: FakeWorkspace,
    clock: FakeClock,
    httpx2: ModuleType,
    containers: list[BrickgateContainer],
) -> None:
    container = container_for(containers, ws, clock)
    assert isinstance(container.http_client(), httpx2.Client)
    assert isinstance(container.async_http_client(), httpx2.AsyncClient)


def test_chat_stream_embed_and_endpoints(
    ws: FakeWorkspace, clock: FakeClock, containers: list[BrickgateContainer]
) -> None:
    client = Client(container=container_for(containers, ws, clock))
    assert "you said Hello" in client.chat(LLAMA, "Hello").text
    with client.stream(CLAUDE, "Hi") as stream:
        texts = [chunk.text for chunk in stream]
    assert "".join(texts) == stream.response.text
    assert len(texts) > 1
    vectors = client.embed(EMBEDDER, ["a", "b", "a"]).vectors
    assert vectors[0] == vectors[2] != vectors[1]
    assert LLAMA in [endpoint.name for endpoint in client.endpoints()]
    assert all(r.headers["authorization"].startswith("Bearer ") for r in ws.requests)


async def test_async_chat_stream_and_embed(
    ws: FakeWorkspace, clock: FakeClock, containers: list[BrickgateContainer]
) -> None:
    async with AsyncClient(container=container_for(containers, ws, clock)) as client:
        assert "you said Hello" in (await client.chat(LLAMA, "Hello")).text
        async with client.stream(CLAUDE, "Hi") as stream:
            texts = [chunk.text async for chunk in stream]
        assert "".join(texts) == stream.response.text
        assert len((await client.embed(EMBEDDER, "a")).vectors) == 1


def test_api_errors_are_mapped(
    ws: FakeWorkspace, clock: FakeClock, containers: list[BrickgateContainer]
) -> None:
    client = Client(container=container_for(containers, ws, clock))
    with pytest.raises(brickgate.NotFoundError) as caught:
        client.chat("no-such-endpoint", "Hello")
    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert_no_secret(ws, str(caught.value))


async def test_async_api_errors_are_mapped(
    ws: FakeWorkspace, clock: FakeClock, containers: list[BrickgateContainer]
) -> None:
    async with AsyncClient(container=container_for(containers, ws, clock)) as client:
        with pytest.raises(brickgate.NotFoundError):
            await client.embed("no-such-endpoint", "x")


def test_a_429_is_waited_out_then_retried(
    ws: FakeWorkspace, clock: FakeClock, containers: list[BrickgateContainer]
) -> None:
    ws.fail(Fault(status=429, retry_after="2"), times=1, path=CHAT)
    client = Client(container=container_for(containers, ws, clock, max_retries=2))
    assert "you said Hello" in client.chat(LLAMA, "Hello").text
    assert clock.sleeps == [2.0]
    assert paths(ws, CHAT) == 2


async def test_async_429_is_waited_out_then_retried(
    ws: FakeWorkspace, clock: FakeClock, containers: list[BrickgateContainer]
) -> None:
    ws.fail(Fault(status=429, retry_after="3"), times=1, path=CHAT)
    container = container_for(containers, ws, clock, max_retries=1)
    async with AsyncClient(container=container) as client:
        assert "you said Hello" in (await client.chat(LLAMA, "Hello")).text
    assert clock.sleeps == [3.0]
    assert paths(ws, CHAT) == 2


def test_a_reset_connection_is_a_transport_error_then_retried(
    ws: FakeWorkspace, clock: FakeClock, containers: list[BrickgateContainer]
) -> None:
    ws.fail(Fault(reset_before_headers=True), times=1)
    client = Client(container=container_for(containers, ws, clock, max_retries=0))
    with pytest.raises(brickgate.TransportError) as caught:
        client.chat(LLAMA, "Hello")
    assert not isinstance(caught.value, brickgate.TimeoutError)
    ws.fail(Fault(reset_before_headers=True), times=1)
    retrying = Client(container=container_for(containers, ws, clock, max_retries=1))
    assert "you said Hello" in retrying.chat(LLAMA, "Hello").text


def test_slow_headers_hit_the_timeout(
    ws: FakeWorkspace, clock: FakeClock, containers: list[BrickgateContainer]
) -> None:
    ws.fail(Fault(delay_before_headers=2.0), times=1)
    client = Client(container=container_for(containers, ws, clock, max_retries=0))
    with pytest.raises(brickgate.TimeoutError):
        client.chat(LLAMA, "Hello", timeout=0.2)


def test_a_stream_cut_mid_way_keeps_the_partial_text(
    ws: FakeWorkspace, clock: FakeClock, containers: list[BrickgateContainer]
) -> None:
    client = Client(container=container_for(containers, ws, clock, max_retries=0))
    ws.fail(Fault(cut_after_chunks=2), times=1)
    received: list[str] = []
    stream = client.stream(LLAMA, "Hello")
    with pytest.raises(brickgate.StreamError, match=r"\[DONE\]") as caught, stream:
        received.extend(chunk.text for chunk in stream)
    assert len(received) == 2
    assert caught.value.partial is not None
    assert caught.value.partial.text == "".join(received)


async def test_an_async_stream_reset_after_headers_is_a_stream_error(
    ws: FakeWorkspace, clock: FakeClock, containers: list[BrickgateContainer]
) -> None:
    ws.fail(Fault(reset_after_headers=True), times=1)
    container = container_for(containers, ws, clock, max_retries=0)
    async with AsyncClient(container=container) as client:
        with pytest.raises(brickgate.RemoteError):
            async with client.stream(LLAMA, "Hello") as stream:
                async for _ in stream:
                    pass


def test_oauth_tokens_are_fetched_once_and_refreshed_on_expiry(
    ws: FakeWorkspace, clock: FakeClock, containers: list[BrickgateContainer]
) -> None:
    container = container_for(containers, ws, clock, oauth=True, max_retries=0)
    client = Client(container=container)
    client.chat(LLAMA, "before")
    client.chat(LLAMA, "again")
    assert paths(ws, TOKEN_PATH) == 1
    ws.expire_tokens()
    assert "you said after" in client.chat(LLAMA, "after").text
    assert paths(ws, TOKEN_PATH) == 2
    assert paths(ws, CHAT) == 4


async def test_async_oauth_tokens_are_refreshed_on_expiry(
    ws: FakeWorkspace, clock: FakeClock, containers: list[BrickgateContainer]
) -> None:
    container = container_for(containers, ws, clock, oauth=True, max_retries=0)
    async with AsyncClient(container=container) as client:
        await client.chat(LLAMA, "before")
        ws.expire_tokens()
        assert "you said after" in (await client.chat(LLAMA, "after")).text
    assert paths(ws, TOKEN_PATH) == 2


def test_a_refused_oauth_secret_is_an_authentication_error(
    ws: FakeWorkspace, clock: FakeClock, containers: list[BrickgateContainer]
) -> None:
    ws.fail(Fault(status=401), times=1, path=TOKEN_PATH)
    container = container_for(containers, ws, clock, oauth=True, max_retries=0)
    with pytest.raises(brickgate.AuthenticationError) as caught:
        Client(container=container).chat(LLAMA, "Hello")
    assert_no_secret(ws, str(caught.value))


def test_sql_statements_go_through_httpx2(
    ws: FakeWorkspace, clock: FakeClock, containers: list[BrickgateContainer]
) -> None:
    session = container_for(containers, ws, clock).session()
    transport = session.services.sql.transport
    status = transport.send(submit_call(StatementRequest("SELECT 1", "wh-1")))
    assert status.statement_id
    assert transport.send(poll_call(status.statement_id)).statement_id == status.statement_id
    session.close()


def test_a_missing_httpx2_package_is_a_clear_configuration_error(
    ws: FakeWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "httpx2", None)
    monkeypatch.setenv("BRICKGATE_HTTP_BACKEND", "httpx2")
    client = Client(host=ws.url, token=ws.token, trusted_hosts=LOOPBACK)
    with pytest.raises(brickgate.ConfigurationError, match=r"pip install 'brickgate\[httpx2\]'"):
        client.chat(LLAMA, "Hello")
    assert ws.requests == []


def test_an_unknown_backend_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRICKGATE_HTTP_BACKEND", "urllib3")
    with pytest.raises(brickgate.ConfigurationError, match="BRICKGATE_HTTP_BACKEND"):
        Client(host="adb-1234567890123456.7.azuredatabricks.net", token="dapi" + "0" * 32)


@pytest.mark.parametrize("installed", [True, False])
async def test_auto_gives_async_clients_httpx2_when_installed_and_sync_clients_httpx(
    ws: FakeWorkspace, monkeypatch: pytest.MonkeyPatch, installed: bool
) -> None:
    import httpx

    monkeypatch.delenv("BRICKGATE_HTTP_BACKEND")
    if installed:
        library = pytest.importorskip("httpx2")
        expected_async: type = library.AsyncClient
    else:
        monkeypatch.setitem(sys.modules, "httpx2", None)
        expected_async = httpx.AsyncClient
    container = create_client_container(host=ws.url, token=ws.token, trusted_hosts=LOOPBACK)
    sync_client, async_client = container.http_client(), container.async_http_client()
    assert type(sync_client) is httpx.Client
    assert type(async_client) is expected_async
    sync_client.close()
    await async_client.aclose()
    async with AsyncClient(host=ws.url, token=ws.token, trusted_hosts=LOOPBACK) as client:
        assert (await client.chat(LLAMA, "Hello")).text
    with Client(host=ws.url, token=ws.token, trusted_hosts=LOOPBACK) as sync:
        assert sync.chat(LLAMA, "Hello").text
