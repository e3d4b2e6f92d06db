"""OAuth M2M against a live FakeWorkspace: tokens cached, expired tokens refreshed once."""

from __future__ import annotations

import asyncio

import pytest

import brickgate
from brickgate.testing import FakeWorkspace, Fault
from tests.faults.conftest import (
    CHAT,
    LLAMA,
    TOKEN_PATH,
    AsyncClientFactory,
    ClientFactory,
    assert_no_secret,
    paths,
)


def test_the_token_is_fetched_once_and_reused(
    ws: FakeWorkspace, make_client: ClientFactory
) -> None:
    client = make_client(oauth=True)
    for _ in range(3):
        client.chat(LLAMA, "Hello")
    assert paths(ws, TOKEN_PATH) == 1
    assert paths(ws, CHAT) == 3
    (grant,) = [r for r in ws.requests if r.path == TOKEN_PATH]
    assert grant.form is not None and grant.form.get("grant_type") == "client_credentials"


def test_an_expired_token_is_refreshed_once_mid_session(
    ws: FakeWorkspace, make_client: ClientFactory
) -> None:
    client = make_client(oauth=True, max_retries=0)
    client.chat(LLAMA, "before")
    ws.expire_tokens()
    reply = client.chat(LLAMA, "after")
    assert "you said after" in reply.text
    client.embed("databricks-gte-large-en", "still fine")
    assert paths(ws, TOKEN_PATH) == 2
    assert paths(ws, CHAT) == 3
    chat_auth = [r.headers["authorization"] for r in ws.requests if r.path == CHAT]
    assert all(value.startswith("Bearer ") for value in chat_auth)


def test_a_stream_after_expiry_is_refreshed_too(
    ws: FakeWorkspace, make_client: ClientFactory
) -> None:
    client = make_client(oauth=True, max_retries=0)
    client.chat(LLAMA, "before")
    ws.expire_tokens()
    assert "you said again" in client.stream(LLAMA, "again").response.text
    assert paths(ws, TOKEN_PATH) == 2


def test_a_refused_token_request_is_an_authentication_error(
    ws: FakeWorkspace, make_client: ClientFactory
) -> None:
    client = make_client(oauth=True, max_retries=0, client_secret="dose" + "0" * 32)
    with pytest.raises(brickgate.AuthenticationError) as caught:
        client.chat(LLAMA, "Hello")
    assert paths(ws, CHAT) == 0
    assert_no_secret(ws, str(caught.value))
    assert "dose" + "0" * 32 not in str(caught.value)


def test_a_failing_token_endpoint_is_a_typed_error(
    ws: FakeWorkspace, make_client: ClientFactory
) -> None:
    ws.fail(Fault(reset_before_headers=True), times=None, path=TOKEN_PATH)
    with pytest.raises(brickgate.RemoteError) as caught:
        make_client(oauth=True, max_retries=0).chat(LLAMA, "Hello")
    assert isinstance(caught.value, (brickgate.TransportError, brickgate.AuthenticationError))
    assert_no_secret(ws, str(caught.value))


async def test_concurrent_async_calls_after_expiry_share_one_refresh(
    ws: FakeWorkspace, make_async_client: AsyncClientFactory
) -> None:
    aclient = make_async_client(oauth=True, max_retries=0)
    await aclient.chat(LLAMA, "before")
    ws.expire_tokens()
    calls = (aclient.chat(LLAMA, f"q{i}") for i in range(10))
    replies = await asyncio.wait_for(asyncio.gather(*calls), timeout=10)
    assert len(replies) == 10
    assert paths(ws, TOKEN_PATH) == 2
