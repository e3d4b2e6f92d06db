"""The one refresh policy: refresh ahead of expiry, one flight, backoff, invalidate, long runs."""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time

import pytest

from brickgate.adapters.tokens import AsyncClientCredentialsSource, ClientCredentialsSource
from brickgate.domain.calls.answers import json_answer
from brickgate.domain.credentials import OAuthClientCredentials, Secret
from brickgate.domain.errors import AuthenticationError, ServerError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.tokens import RefreshPolicy

from .fakes import AsyncFakeTransport, FakeClock, FakeTokenEndpoint, FakeTransport

HOST = WorkspaceHost.parse("example.cloud.databricks.com")
SECRET = "dose-secret-0123456789abcdef"
CREDENTIALS = OAuthClientCredentials(HOST, "sp-id", Secret(SECRET, what="client secret"))
HOUR = 3600.0


def sync_source(endpoint: FakeTokenEndpoint, **kwargs: object) -> ClientCredentialsSource:
    transport = FakeTransport(endpoint.answer, **kwargs)  # type: ignore[arg-type]
    return ClientCredentialsSource(CREDENTIALS, transport, endpoint.clock)


def test_token_is_cached_until_the_policy_says_stale() -> None:
    clock = FakeClock()
    endpoint = FakeTokenEndpoint(clock)
    source = sync_source(endpoint)
    first = source.token()
    assert source.expires_at == clock.time() + HOUR
    clock.advance(HOUR - 301)
    assert source.token() == first
    clock.advance(2)
    assert source.token() != first
    assert endpoint.grants("client_credentials") == 2


def test_sixteen_threads_share_one_refresh() -> None:
    clock = FakeClock()
    endpoint = FakeTokenEndpoint(clock)
    gate = threading.Event()
    source = sync_source(endpoint, gate=gate)
    results: list[Secret] = []

    def call() -> None:
        results.append(source.token())

    threads = [threading.Thread(target=call) for _ in range(16)]
    for thread in threads:
        thread.start()
    time.sleep(0.05)
    gate.set()
    for thread in threads:
        thread.join(10)
    assert len(results) == 16 and len(set(results)) == 1
    assert endpoint.grants("client_credentials") == 1


async def test_sixteen_tasks_share_one_refresh() -> None:
    clock = FakeClock()
    endpoint = FakeTokenEndpoint(clock)
    source = AsyncClientCredentialsSource(CREDENTIALS, AsyncFakeTransport(endpoint.answer), clock)
    results = await asyncio.gather(*(source.token() for _ in range(16)))
    assert len(set(results)) == 1
    assert endpoint.grants("client_credentials") == 1
    clock.advance(HOUR - 200)
    again = await asyncio.gather(*(source.token() for _ in range(16)))
    assert len(set(again)) == 1 and again[0] != results[0]
    assert endpoint.grants("client_credentials") == 2


def test_failed_refresh_serves_the_valid_token_and_backs_off(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    endpoint = FakeTokenEndpoint(clock)
    source = sync_source(endpoint)
    first = source.token()
    clock.advance(HOUR - 200)
    endpoint.fail_next = [503, 503]
    with caplog.at_level(logging.WARNING, "brickgate.tokens"):
        assert source.token() == first
    assert "retrying in 60 s" in caplog.text
    assert endpoint.grants("client_credentials") == 2
    clock.advance(30)
    assert source.token() == first
    assert endpoint.grants("client_credentials") == 2
    clock.advance(31)
    assert source.token() == first
    assert endpoint.grants("client_credentials") == 3
    clock.advance(61)
    assert source.token() != first
    assert SECRET not in caplog.text


def test_a_token_within_the_floor_is_never_served() -> None:
    clock = FakeClock()
    endpoint = FakeTokenEndpoint(clock)
    source = sync_source(endpoint)
    source.token()
    clock.advance(HOUR - 30)
    endpoint.fail_next = [503]
    with pytest.raises(ServerError):
        source.token()


def test_refused_credentials_raise_and_name_the_client() -> None:
    clock = FakeClock()
    refusal = json_answer({"error": "invalid_client", "error_description": "bad secret"}, 401)
    source = ClientCredentialsSource(CREDENTIALS, FakeTransport(lambda _: refusal), clock)
    with pytest.raises(AuthenticationError) as caught:
        source.token()
    assert "sp-id" in str(caught.value) and "bad secret" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_invalidate_refreshes_once_for_concurrent_401s() -> None:
    clock = FakeClock()
    endpoint = FakeTokenEndpoint(clock)
    source = sync_source(endpoint)
    stale = source.token()
    source.invalidate(stale)
    fresh = source.token()
    source.invalidate(stale)
    assert source.token() == fresh != stale
    assert endpoint.grants("client_credentials") == 2


@pytest.mark.parametrize("hours", [3, 5])
def test_a_long_run_under_one_hour_tokens_never_sends_an_expired_token(hours: int) -> None:
    clock = FakeClock()
    endpoint = FakeTokenEndpoint(clock, lifetime=int(HOUR))
    source = sync_source(endpoint)
    rejected = 0
    end = clock.time() + hours * HOUR
    while clock.time() < end:
        token = source.token().get_secret_value()
        if not endpoint.valid(token, clock.time() + 30):
            rejected += 1
        clock.advance(20)
    stale_after = HOUR - RefreshPolicy().ahead
    assert rejected == 0
    assert endpoint.grants("client_credentials") == math.ceil(hours * HOUR / stale_after)


async def test_a_long_async_stream_never_sends_an_expired_token() -> None:
    clock = FakeClock()
    endpoint = FakeTokenEndpoint(clock, lifetime=int(HOUR))
    source = AsyncClientCredentialsSource(CREDENTIALS, AsyncFakeTransport(endpoint.answer), clock)
    rejected = 0
    for _ in range(int(5 * HOUR / 15)):
        tokens = await asyncio.gather(*(source.token() for _ in range(4)))
        rejected += sum(not endpoint.valid(t.get_secret_value(), clock.time() + 30) for t in tokens)
        await clock.sleep_async(15)
    assert rejected == 0
    assert endpoint.grants("client_credentials") == math.ceil(5 * HOUR / (HOUR - 300))
