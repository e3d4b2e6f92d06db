"""OAuth M2M token source (the factory's oauth-m2m): request shape, cache, one refresh, errors."""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
from urllib.parse import parse_qs

import httpx
import pytest

from brickgate.adapters.tokens import AsyncClientCredentialsSource, ClientCredentialsSource
from brickgate.adapters.transport._async.http import AsyncHttpTransport
from brickgate.adapters.transport._sync.http import HttpTransport
from brickgate.domain.credentials import OAuthClientCredentials, Secret
from brickgate.domain.errors import AuthenticationError, ServerError, TimeoutError, TransportError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.testing import FakeClock

HOST = WorkspaceHost.parse("example.cloud.databricks.com")
CLIENT_SECRET = "dose0123456789abcdef0123456789"
CREDENTIALS = OAuthClientCredentials(HOST, "id", Secret(CLIENT_SECRET, what="client secret"))


class TokenEndpoint:
    """Issues access-1, access-2... valid ``expires_in`` seconds; or scripted failures."""

    def __init__(self, expires_in: int = 3600, failures: list[httpx.Response] | None = None):
        self.expires_in = expires_in
        self.failures = failures or []
        self.requests: list[httpx.Request] = []

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.failures:
            return self.failures.pop(0)
        body = {
            "access_token": f"access-{len(self.requests)}",
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }
        return httpx.Response(200, json=body)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        return self.answer(request)


def over(client: httpx.Client, clock: FakeClock) -> HttpTransport:
    return HttpTransport(client, HOST, clock)


def m2m(
    credentials: OAuthClientCredentials, client: httpx.Client, clock: FakeClock
) -> ClientCredentialsSource:
    return ClientCredentialsSource(credentials, over(client, clock), clock)


def async_m2m(client: httpx.AsyncClient, clock: FakeClock) -> AsyncClientCredentialsSource:
    return AsyncClientCredentialsSource(CREDENTIALS, AsyncHttpTransport(client, HOST, clock), clock)


def source(endpoint: TokenEndpoint, clock: FakeClock) -> ClientCredentialsSource:
    client = httpx.Client(transport=httpx.MockTransport(endpoint))
    return m2m(CREDENTIALS, client, clock)


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
    client = httpx.Client(transport=httpx.MockTransport(endpoint))
    m2m(credentials, client, FakeClock()).token()
    assert endpoint.requests[0].headers["authorization"] == "Basic aWQ6c2VjcmV0"


def test_token_is_cached_until_half_its_short_lifetime_is_left() -> None:
    clock = FakeClock()
    endpoint = TokenEndpoint(expires_in=100)
    tokens = source(endpoint, clock)
    first = tokens.token()
    clock.advance(49)
    assert tokens.token() == first
    clock.advance(1)
    assert tokens.token().get_secret_value() == "access-2"
    assert len(endpoint.requests) == 2


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
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthenticationError) as caught:
        source(endpoint, FakeClock()).token()
    assert reason in caught.value.message
    assert caught.value.status == 401
    assert CLIENT_SECRET not in str(caught.value)
    assert CLIENT_SECRET not in caplog.text


def test_a_400_from_the_token_endpoint_is_an_authentication_error() -> None:
    body = {"error": "invalid_request", "error_description": "Bad scope"}
    endpoint = TokenEndpoint(failures=[httpx.Response(400, json=body)])
    with pytest.raises(AuthenticationError, match="Bad scope"):
        source(endpoint, FakeClock()).token()


def test_a_server_failure_stays_a_retryable_server_error() -> None:
    endpoint = TokenEndpoint(failures=[httpx.Response(503, text="TEMPORARILY_UNAVAILABLE: busy")])
    with pytest.raises(ServerError):
        source(endpoint, FakeClock()).token()


@pytest.mark.parametrize(
    "body",
    [{"token_type": "Bearer"}, {"access_token": "has space"}, ["not", "an", "object"]],
)
def test_an_answer_without_a_usable_token_is_refused(body: object) -> None:
    endpoint = TokenEndpoint(failures=[httpx.Response(200, json=body)])
    with pytest.raises(AuthenticationError):
        source(endpoint, FakeClock()).token()


def test_missing_expiry_is_taken_as_one_hour_refreshed_5_minutes_ahead() -> None:
    clock = FakeClock()
    endpoint = TokenEndpoint(failures=[httpx.Response(200, json={"access_token": "a"})])
    tokens = source(endpoint, clock)
    tokens.token()
    clock.advance(3299)
    assert tokens.token().get_secret_value() == "a"
    clock.advance(1)
    assert tokens.token().get_secret_value() == "access-2"


@pytest.mark.parametrize(
    ("raised", "expected"),
    [(httpx.ConnectTimeout("slow"), TimeoutError), (httpx.ConnectError("refused"), TransportError)],
)
def test_network_failures_are_translated(raised: Exception, expected: type[Exception]) -> None:
    def failing(request: httpx.Request) -> httpx.Response:
        raise raised

    client = httpx.Client(transport=httpx.MockTransport(failing))
    with pytest.raises(expected) as caught:
        m2m(CREDENTIALS, client, FakeClock()).token()
    assert type(raised).__name__ in str(caught.value)


def test_the_secret_never_reaches_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        source(TokenEndpoint(), FakeClock()).token()
    assert "oauth-m2m (client id id): new token valid for 3600 s" in caplog.text
    assert CLIENT_SECRET not in caplog.text
    assert "access-1" not in caplog.text


def test_concurrent_threads_share_one_refresh() -> None:
    callers = 8
    ready = threading.Barrier(callers + 1)
    release = threading.Event()
    endpoint = TokenEndpoint()

    def slow_answer(request: httpx.Request) -> httpx.Response:
        release.wait(timeout=10)
        return endpoint.answer(request)

    client = httpx.Client(transport=httpx.MockTransport(slow_answer))
    tokens = m2m(CREDENTIALS, client, FakeClock())
    results: list[str] = []

    def caller() -> None:
        ready.wait(timeout=10)
        results.append(tokens.token().get_secret_value())

    threads = [threading.Thread(target=caller) for _ in range(callers)]
    for thread in threads:
        thread.start()
    ready.wait(timeout=10)
    release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert results == ["access-1"] * callers
    assert len(endpoint.requests) == 1


async def test_concurrent_tasks_share_one_refresh() -> None:
    endpoint = TokenEndpoint()

    async def answer(request: httpx.Request) -> httpx.Response:
        for _ in range(5):
            await asyncio.sleep(0)
        return endpoint.answer(request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    tokens = async_m2m(client, FakeClock())
    results = await asyncio.gather(*(tokens.token() for _ in range(10)))
    assert {token.get_secret_value() for token in results} == {"access-1"}
    assert len(endpoint.requests) == 1


async def test_async_refusal_and_cache() -> None:
    clock = FakeClock()
    body = {"error": "invalid_client", "error_description": "Client authentication failed"}
    endpoint = TokenEndpoint(expires_in=100, failures=[httpx.Response(401, json=body)])
    client = httpx.AsyncClient(transport=httpx.MockTransport(endpoint))
    tokens = async_m2m(client, clock)
    with pytest.raises(AuthenticationError, match="Client authentication failed"):
        await tokens.token()
    first = await tokens.token()
    assert await tokens.token() == first
    tokens.invalidate(first)
    assert (await tokens.token()) != first
    assert tokens.refreshable
    assert len(endpoint.requests) == 3
