"""The one refresh policy: refresh ahead of expiry, one flight, backoff, invalidate, long runs."""

from __future__ import annotations

import asyncio
import logging
import math
import threading

import pytest

from brickgate.adapters.tokens import AsyncClientCredentialsSource, ClientCredentialsSource
from brickgate.adapters.transport._async.http import AsyncHttpTransport
from brickgate.adapters.transport._sync.http import HttpTransport
from brickgate.domain.credentials import OAuthClientCredentials, Secret
from brickgate.domain.errors import AuthenticationError, ServerError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.tokens import RefreshPolicy
from brickgate.testing import FakeClock, FakeWorkspace, Fault

from .conftest import TOKEN_PATH, grants

HOUR = 3600.0
M2M = "client_credentials"


def credentials(workspace: FakeWorkspace, host: WorkspaceHost) -> OAuthClientCredentials:
    secret = Secret(workspace.client_secret, what="client secret")
    return OAuthClientCredentials(host, workspace.client_id, secret)


@pytest.fixture
def source(
    workspace: FakeWorkspace, host: WorkspaceHost, transport: HttpTransport, clock: FakeClock
) -> ClientCredentialsSource:
    return ClientCredentialsSource(credentials(workspace, host), transport, clock)


@pytest.fixture
def async_source(
    workspace: FakeWorkspace,
    host: WorkspaceHost,
    async_transport: AsyncHttpTransport,
    clock: FakeClock,
) -> AsyncClientCredentialsSource:
    return AsyncClientCredentialsSource(credentials(workspace, host), async_transport, clock)


def test_token_is_cached_until_the_policy_says_stale(
    source: ClientCredentialsSource, workspace: FakeWorkspace, clock: FakeClock
) -> None:
    first = source.token()
    assert source.expires_at == clock.time() + HOUR
    clock.advance(HOUR - 301)
    assert source.token() == first
    clock.advance(2)
    assert source.token() != first
    assert grants(workspace, M2M) == 2


def test_sixteen_threads_share_one_refresh(
    source: ClientCredentialsSource, workspace: FakeWorkspace
) -> None:
    workspace.fail(Fault(delay_before_headers=0.5), path=TOKEN_PATH)
    results: list[Secret] = []

    def call() -> None:
        results.append(source.token())

    threads = [threading.Thread(target=call) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(results) == 16 and len(set(results)) == 1
    assert grants(workspace, M2M) == 1


async def test_sixteen_tasks_share_one_refresh(
    async_source: AsyncClientCredentialsSource, workspace: FakeWorkspace, clock: FakeClock
) -> None:
    results = await asyncio.gather(*(async_source.token() for _ in range(16)))
    assert len(set(results)) == 1
    assert grants(workspace, M2M) == 1
    clock.advance(HOUR - 200)
    again = await asyncio.gather(*(async_source.token() for _ in range(16)))
    assert len(set(again)) == 1 and again[0] != results[0]
    assert grants(workspace, M2M) == 2


def test_failed_refresh_serves_the_valid_token_and_backs_off(
    source: ClientCredentialsSource,
    workspace: FakeWorkspace,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = source.token()
    clock.advance(HOUR - 200)
    workspace.fail(Fault(status=503), times=2, path=TOKEN_PATH)
    with caplog.at_level(logging.WARNING, "brickgate.tokens"):
        assert source.token() == first
    assert "retrying in 60 s" in caplog.text
    assert grants(workspace, M2M) == 2
    clock.advance(30)
    assert source.token() == first
    assert grants(workspace, M2M) == 2
    clock.advance(31)
    assert source.token() == first
    assert grants(workspace, M2M) == 3
    clock.advance(61)
    assert source.token() != first
    assert workspace.client_secret not in caplog.text


def test_a_token_within_the_floor_is_never_served(
    source: ClientCredentialsSource, workspace: FakeWorkspace, clock: FakeClock
) -> None:
    source.token()
    clock.advance(HOUR - 30)
    workspace.fail(Fault(status=503), path=TOKEN_PATH)
    with pytest.raises(ServerError):
        source.token()


def test_refused_credentials_raise_and_name_the_client(
    workspace: FakeWorkspace, host: WorkspaceHost, transport: HttpTransport, clock: FakeClock
) -> None:
    wrong = "dose-wrong-0123456789abcdef"
    refused = OAuthClientCredentials(host, "sp-id", Secret(wrong, what="client secret"))
    source = ClientCredentialsSource(refused, transport, clock)
    with pytest.raises(AuthenticationError) as caught:
        source.token()
    assert "sp-id" in str(caught.value) and "bad secret" in str(caught.value)
    assert wrong not in str(caught.value)


def test_invalidate_refreshes_once_for_concurrent_401s(
    source: ClientCredentialsSource, workspace: FakeWorkspace
) -> None:
    stale = source.token()
    source.invalidate(stale)
    fresh = source.token()
    source.invalidate(stale)
    assert source.token() == fresh != stale
    assert grants(workspace, M2M) == 2


@pytest.mark.parametrize("hours", [3, 5])
def test_a_long_run_under_one_hour_tokens_never_sends_an_expired_token(
    hours: int, source: ClientCredentialsSource, workspace: FakeWorkspace, clock: FakeClock
) -> None:
    rejected = 0
    end = clock.time() + hours * HOUR
    while clock.time() < end:
        token = source.token().get_secret_value()
        clock.advance(30)
        rejected += not workspace.accepts(token)
    stale_after = HOUR - RefreshPolicy().ahead
    assert rejected == 0
    assert grants(workspace, M2M) == math.ceil(hours * HOUR / stale_after)


async def test_a_long_async_stream_never_sends_an_expired_token(
    async_source: AsyncClientCredentialsSource, workspace: FakeWorkspace, clock: FakeClock
) -> None:
    rejected = 0
    for _ in range(int(5 * HOUR / 30)):
        tokens = await asyncio.gather(*(async_source.token() for _ in range(4)))
        await clock.sleep_async(30)
        rejected += sum(not workspace.accepts(t) for t in {t.get_secret_value() for t in tokens})
    assert rejected == 0
    assert grants(workspace, M2M) == math.ceil(5 * HOUR / (HOUR - 300))
