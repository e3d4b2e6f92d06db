"""OAuth M2M token source: request shape, caching by the clock, one shared refresh, errors."""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from brickgate.adapters.transport._async.http import AsyncHttpTransport
from brickgate.adapters.transport._async.tokens import AsyncOAuthTokenSource
from brickgate.adapters.transport._sync.http import HttpTransport
from brickgate.adapters.transport._sync.tokens import OAuthTokenSource
from brickgate.domain.credentials import OAuthClientCredentials, Secret
from brickgate.domain.errors import (
    AuthenticationError,
    ConnectError,
    ServerError,
    TimeoutError,
    TransportError,
)
from brickgate.domain.hosts import WorkspaceHost
from brickgate.testing import FakeClock, FakeTransport, JsonReply

HOST = WorkspaceHost.parse("example.cloud.databricks.com")
CLIENT_SECRET = "dose0123456789abcdef0123456789"
CREDENTIALS = OAuthClientCredentials(HOST, "id", Secret(CLIENT_SECRET, what="client secret"))
CALLERS = 16


class TokenEndpoint:
    """Issues access-1, access-2... valid ``expires_in`` seconds; or scripted failures."""

    def __init__(self, expires_in: int = 3600, failures: list[httpx.Response] | None = None):
        self.expires_in = expires_in
        self.failures = failures or []
        self.requests: list[httpx.Request] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
            if self.failures:
                return self.failures.pop(0)
            issued = len(self.requests)
        body = {
            "access_token": f"access-{issued}",
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }
        return httpx.Response(200, json=body)


def source(
    endpoint: Any, clock: FakeClock, credentials: OAuthClientCredentials = CREDENTIALS
) -> OAuthTokenSource:
    client = httpx.Client(transport=httpx.MockTransport(endpoint))
    return OAuthTokenSource(credentials, HttpTransport(client, HOST, clock), clock)


def async_source(endpoint: Any, clock: FakeClock) -> AsyncOAuthTokenSource:
    client = httpx.AsyncClient(transport=httpx.MockTransport(endpoint))
    return AsyncOAuthTokenSource(CREDENTIALS, AsyncHttpTransport(client, HOST, clock), clock)


def test_token_request_matches_the_recorded_m2m_request() -> None:
    endpoint = TokenEndpoint()
    assert source(endpoint, FakeClock()).token().get_secret_value() == "access-1"
    [request] = endpoint.requests
    assert str(request.url) == "https://example.cloud.databricks.com/oidc/v1/token"
    assert request.method == "POST"
    expected = base64.b64encode(f"id:{CLIENT_SECRET}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected}"
    assert request.headers["accept"] == "application/json"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.content.decode()) == {
        "grant_type": ["client_credentials"],
        "scope": ["all-apis"],
    }


def test_basic_header_shape_matches_the_snapshot() -> None:
    endpoint = TokenEndpoint()
    credentials = OAuthClientCredentials(HOST, "id", Secret("secret", what="client secret"))
    source(endpoint, FakeClock(), credentials).token()
    assert endpoint.requests[0].headers["authorization"] == "Basic aWQ6c2VjcmV0"


def test_token_is_cached_until_40_seconds_before_expiry() -> None:
    clock = FakeClock()
    endpoint = TokenEndpoint(expires_in=100)
    tokens = source(endpoint, clock)
    first = tokens.token()
    clock.advance(59)
    assert tokens.token() == first
    clock.advance(1)
    assert tokens.token().get_secret_value() == "access-2"
    assert len(endpoint.requests) == 2


def test_the_refresh_margin_is_configurable() -> None:
    clock = FakeClock()
    endpoint = TokenEndpoint(expires_in=100)
    client = httpx.Client(transport=httpx.MockTransport(endpoint))
    transport = HttpTransport(client, HOST, clock)
    tokens = OAuthTokenSource(CREDENTIALS, transport, clock, refresh_margin=10.0)
    first = tokens.token()
    clock.advance(89)
    assert tokens.token() == first
    clock.advance(1)
    assert tokens.token() != first


def test_invalidate_forces_a_refresh_only_for_the_current_token() -> None:
    clock = FakeClock()
    endpoint = TokenEndpoint()
    tokens = source(endpoint, clock)
    first = tokens.token()
    tokens.invalidate(first)
    second = tokens.token()
    assert second.get_secret_value() == "access-2"
    tokens.invalidate(first)
    assert tokens.token() == second
    assert tokens.refreshable


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"error": "invalid_client", "error_description": "Client authentication failed"},
         "Client authentication failed"),
        ({"errorCode": "invalid_client", "errorSummary": "Invalid client secret"},
         "Invalid client secret"),
    ],
)  # fmt: skip
def test_refusals_are_authentication_errors_with_the_servers_reason(
    body: dict[str, str], reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    endpoint = TokenEndpoint(failures=[httpx.Response(401, json=body)])
    tokens = source(endpoint, FakeClock())
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthenticationError) as caught:
        tokens.token()
    assert reason in caught.value.message
    assert "client id 'id'" in caught.value.message
    assert caught.value.status == 401
    assert CLIENT_SECRET not in str(caught.value)
    assert CLIENT_SECRET not in repr(caught.value)
    assert CLIENT_SECRET not in caplog.text
    assert len(endpoint.requests) == 1


def test_a_400_from_the_token_endpoint_is_an_authentication_error() -> None:
    body = {"error": "invalid_request", "error_description": "Bad scope"}
    endpoint = TokenEndpoint(failures=[httpx.Response(400, json=body)])
    with pytest.raises(AuthenticationError, match="Bad scope"):
        source(endpoint, FakeClock()).token()


def test_a_server_failure_stays_a_retryable_server_error_and_is_not_resent() -> None:
    endpoint = TokenEndpoint(failures=[httpx.Response(503, text="TEMPORARILY_UNAVAILABLE: busy")])
    with pytest.raises(ServerError) as caught:
        source(endpoint, FakeClock()).token()
    assert caught.value.status == 503
    assert len(endpoint.requests) == 1


@pytest.mark.parametrize(
    "body",
    [{"token_type": "Bearer"}, {"access_token": "has space"}, ["not", "an", "object"]],
)
def test_an_answer_without_a_usable_token_is_refused(body: object) -> None:
    endpoint = TokenEndpoint(failures=[httpx.Response(200, json=body)])
    with pytest.raises(AuthenticationError) as caught:
        source(endpoint, FakeClock()).token()
    assert "has space" not in str(caught.value)


def test_missing_expiry_is_taken_as_one_hour() -> None:
    clock = FakeClock()
    endpoint = TokenEndpoint(failures=[httpx.Response(200, json={"access_token": "a"})])
    tokens = source(endpoint, clock)
    tokens.token()
    clock.advance(3559)
    assert tokens.token().get_secret_value() == "a"
    clock.advance(1)
    assert tokens.token().get_secret_value() == "access-2"


@pytest.mark.parametrize(
    ("raised", "expected"),
    [(httpx.ConnectTimeout("slow"), TimeoutError), (httpx.ConnectError("refused"), ConnectError)],
)
def test_network_failures_are_translated(raised: Exception, expected: type[Exception]) -> None:
    def failing(request: httpx.Request) -> httpx.Response:
        raise raised

    with pytest.raises(expected) as caught:
        source(failing, FakeClock()).token()
    assert isinstance(caught.value, TransportError)
    assert "the OAuth token request" in str(caught.value)
    assert caught.value.__cause__ is None
    assert CLIENT_SECRET not in str(caught.value)


def test_the_secret_never_reaches_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    tokens = source(TokenEndpoint(), FakeClock())
    with caplog.at_level(logging.DEBUG):
        tokens.token()
    assert "fetched an OAuth token" in caplog.text
    assert CLIENT_SECRET not in caplog.text
    assert "access-1" not in caplog.text
    assert CLIENT_SECRET not in repr(tokens) + tokens.describe()
    assert tokens.describe() == f"OAuth M2M (client id 'id' at {HOST.url})"


def test_concurrent_threads_share_one_refresh() -> None:
    ready = threading.Barrier(CALLERS + 1)
    release = threading.Event()
    endpoint = TokenEndpoint()

    def slow_answer(request: httpx.Request) -> httpx.Response:
        assert release.wait(timeout=10)
        return endpoint(request)

    tokens = source(slow_answer, FakeClock())
    results: list[str] = []

    def caller() -> None:
        ready.wait(timeout=10)
        results.append(tokens.token().get_secret_value())

    threads = [threading.Thread(target=caller) for _ in range(CALLERS)]
    for thread in threads:
        thread.start()
    ready.wait(timeout=10)
    release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert results == ["access-1"] * CALLERS
    assert len(endpoint.requests) == 1


async def test_concurrent_tasks_share_one_refresh() -> None:
    endpoint = TokenEndpoint()

    async def answer(request: httpx.Request) -> httpx.Response:
        for _ in range(5):
            await asyncio.sleep(0)
        return endpoint(request)

    tokens = async_source(answer, FakeClock())
    results = await asyncio.gather(*(tokens.token() for _ in range(CALLERS)))
    assert {token.get_secret_value() for token in results} == {"access-1"}
    assert len(endpoint.requests) == 1


async def test_async_refusal_and_cache() -> None:
    clock = FakeClock()
    body = {"error": "invalid_client", "error_description": "Client authentication failed"}
    endpoint = TokenEndpoint(expires_in=100, failures=[httpx.Response(401, json=body)])
    tokens = async_source(endpoint, clock)
    with pytest.raises(AuthenticationError, match="Client authentication failed") as caught:
        await tokens.token()
    assert CLIENT_SECRET not in str(caught.value)
    first = await tokens.token()
    assert await tokens.token() == first
    clock.advance(60)
    second = await tokens.token()
    assert second != first
    tokens.invalidate(second)
    assert (await tokens.token()) not in (first, second)
    assert tokens.refreshable
    assert len(endpoint.requests) == 4


def test_over_the_fake_transport_the_token_call_is_scripted() -> None:
    clock = FakeClock()
    fake = FakeTransport(clock=clock)
    refusal = {"error": "invalid_client", "error_description": "Client authentication failed"}
    fake.enqueue("oauth-token", JsonReply(refusal, status=401))
    fake.enqueue("oauth-token", JsonReply({"access_token": "scripted", "expires_in": 50}))
    tokens = OAuthTokenSource(CREDENTIALS, fake, clock)
    with pytest.raises(AuthenticationError, match="Client authentication failed"):
        tokens.token()
    assert tokens.token().get_secret_value() == "scripted"
    clock.advance(10)
    assert tokens.token().get_secret_value() == "fake-oauth-access-token"
    assert [call.operation for call in fake.calls] == ["oauth-token"] * 3
    assert fake.calls[0].request.path == ("oidc", "v1", "token")
