"""BearerAuth: the token on every request, only to the workspace, refreshed once on expiry."""

from __future__ import annotations

import httpx
import pytest

from brickgate.adapters.transport.auth import AsyncBearerAuth, BearerAuth, StaticTokenProvider
from brickgate.domain.credentials import Secret
from brickgate.domain.errors import ConfigurationError
from brickgate.domain.hosts import WorkspaceHost

HOST = WorkspaceHost.parse("dbc-a1b2c3d4-e5f6.cloud.databricks.com")
URL = HOST.url + "/serving-endpoints/chat/completions"
PAT = Secret("dapi0123456789abcdef0123456789abcdef")


class RotatingTokens:
    """A refreshable provider that hands out tok-1, tok-2... and records invalidations."""

    def __init__(self) -> None:
        self.issued = 0
        self.current: Secret | None = None
        self.invalidated: list[str] = []

    @property
    def refreshable(self) -> bool:
        return True

    def token(self) -> Secret:
        if self.current is None:
            self.issued += 1
            self.current = Secret(f"tok-{self.issued}")
        return self.current

    async def token_async(self) -> Secret:
        return self.token()

    def invalidate(self, stale: Secret) -> None:
        self.invalidated.append(stale.get_secret_value())
        if self.current == stale:
            self.current = None


class Server:
    """Answers with the scripted statuses in order and records the Authorization it saw."""

    def __init__(self, *answers: tuple[int, str]) -> None:
        self.answers = list(answers)
        self.seen: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request.headers.get("authorization"))
        status, text = self.answers.pop(0) if self.answers else (200, "{}")
        return httpx.Response(status, text=text)


def send(auth: httpx.Auth, server: Server, url: str = URL) -> httpx.Response:
    with httpx.Client(transport=httpx.MockTransport(server)) as client:
        return client.post(url, auth=auth, content=b'{"x":1}')


async def send_async(auth: httpx.Auth, server: Server, url: str = URL) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as client:
        return await client.post(url, auth=auth, content=b'{"x":1}')


def test_static_token_is_attached_to_every_request() -> None:
    server = Server()
    auth = BearerAuth(HOST, StaticTokenProvider(PAT))
    send(auth, server)
    send(auth, server)
    assert server.seen == [f"Bearer {PAT.get_secret_value()}"] * 2


def test_static_token_is_not_resent_after_401() -> None:
    server = Server((401, "Invalid Token"))
    response = send(BearerAuth(HOST, StaticTokenProvider(PAT)), server)
    assert response.status_code == 401
    assert len(server.seen) == 1


def test_401_with_a_refreshable_provider_refreshes_once_and_resends() -> None:
    tokens = RotatingTokens()
    server = Server((401, "expired"), (200, "{}"))
    response = send(BearerAuth(HOST, tokens), server)
    assert response.status_code == 200
    assert server.seen == ["Bearer tok-1", "Bearer tok-2"]
    assert tokens.invalidated == ["tok-1"]


def test_a_second_401_is_returned_not_retried_again() -> None:
    tokens = RotatingTokens()
    server = Server((401, "no"), (401, "still no"), (200, "{}"))
    response = send(BearerAuth(HOST, tokens), server)
    assert response.status_code == 401
    assert len(server.seen) == 2


@pytest.mark.parametrize(
    "message",
    [
        '{"error_code":"PERMISSION_DENIED","message":"Token is expiring"}',
        "Invalid access token",
        "the OAuth token has expired",
    ],
)
def test_403_about_an_expired_or_invalid_token_refreshes(message: str) -> None:
    tokens = RotatingTokens()
    server = Server((403, message), (200, "{}"))
    assert send(BearerAuth(HOST, tokens), server).status_code == 200
    assert server.seen == ["Bearer tok-1", "Bearer tok-2"]


def test_403_permission_denied_is_not_a_token_problem() -> None:
    tokens = RotatingTokens()
    body = '{"error_code":"PERMISSION_DENIED","message":"User does not have permission \'View\'"}'
    server = Server((403, body))
    assert send(BearerAuth(HOST, tokens), server).status_code == 403
    assert tokens.invalidated == []


def test_token_is_never_sent_to_another_origin() -> None:
    server = Server()
    auth = BearerAuth(HOST, StaticTokenProvider(PAT))
    for url in (
        "https://evil.example.com/serving-endpoints/chat/completions",
        "http://dbc-a1b2c3d4-e5f6.cloud.databricks.com/x",
        "https://dbc-a1b2c3d4-e5f6.cloud.databricks.com:8443/x",
    ):
        with pytest.raises(ConfigurationError, match="refusing to send the workspace token") as e:
            send(auth, server, url)
        assert PAT.get_secret_value() not in str(e.value)
    assert server.seen == []


def test_loopback_host_with_port_is_its_own_origin() -> None:
    local = WorkspaceHost.parse("http://127.0.0.1:8123", trusted_hosts=["127.0.0.1"])
    server = Server()
    send(BearerAuth(local, StaticTokenProvider(PAT)), server, local.url + "/api/2.0/x")
    assert len(server.seen) == 1
    with pytest.raises(ConfigurationError):
        send(BearerAuth(local, StaticTokenProvider(PAT)), server, "http://127.0.0.1:9999/x")


async def test_sync_auth_refuses_the_async_client() -> None:
    server = Server()
    with pytest.raises(ConfigurationError, match="AsyncBearerAuth"):
        await send_async(BearerAuth(HOST, StaticTokenProvider(PAT)), server)
    assert server.seen == []


def test_async_auth_refuses_the_sync_client() -> None:
    with pytest.raises(ConfigurationError, match="BearerAuth"):
        send(AsyncBearerAuth(HOST, StaticTokenProvider(PAT)), Server())


async def test_async_refreshes_once_on_401() -> None:
    tokens = RotatingTokens()
    server = Server((401, "expired"), (401, "again"))
    response = await send_async(AsyncBearerAuth(HOST, tokens), server)
    assert response.status_code == 401
    assert server.seen == ["Bearer tok-1", "Bearer tok-2"]


async def test_async_403_expiring_token_refreshes() -> None:
    tokens = RotatingTokens()
    server = Server((403, "Token is expiring"), (200, "{}"))
    assert (await send_async(AsyncBearerAuth(HOST, tokens), server)).status_code == 200


async def test_async_refuses_another_origin() -> None:
    server = Server()
    with pytest.raises(ConfigurationError):
        await send_async(
            AsyncBearerAuth(HOST, StaticTokenProvider(PAT)), server, "https://example.org/x"
        )
    assert server.seen == []


def test_static_provider_never_shows_the_token() -> None:
    provider = StaticTokenProvider(PAT)
    assert PAT.get_secret_value() not in repr(provider)
    assert not provider.refreshable
