"""The auth policy: the token on every call, refreshed once on expiry, only ever to the host."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

from brickgate.adapters.tokens._async.static import AsyncStaticTokenSource
from brickgate.adapters.tokens._sync.static import StaticTokenSource
from brickgate.adapters.transport._async.http import AsyncHttpTransport
from brickgate.adapters.transport._async.policies import AsyncAuthenticatedTransport
from brickgate.adapters.transport._sync.http import HttpTransport
from brickgate.adapters.transport._sync.policies import AuthenticatedTransport
from brickgate.domain.calls import BasicAuth, Call, WireRequest
from brickgate.domain.calls.answers import api_error, json_object
from brickgate.domain.calls.serving import endpoint_call, endpoints_call, stream_call
from brickgate.domain.chat import CallOptions, ChatRequest
from brickgate.domain.credentials import Secret
from brickgate.domain.errors import (
    ApiError,
    AuthenticationError,
    InvalidRequestError,
    PermissionDeniedError,
)
from brickgate.domain.hosts import WorkspaceHost
from brickgate.testing import FakeClock

HOST = WorkspaceHost.parse("dbc-a1b2c3d4-e5f6.cloud.databricks.com")
PAT = Secret("dapi0123456789abcdef0123456789abcdef")
OPTIONS = CallOptions()
LIST = endpoints_call(OPTIONS)
SSE_OK = b'data: {"choices":[{"index":0,"delta":{"content":"ok"}}]}\n\ndata: [DONE]\n\n'


class RotatingTokens:
    """A refreshable source handing out tok-1, tok-2... and recording invalidations."""

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

    def invalidate(self, stale: Secret) -> None:
        self.invalidated.append(stale.get_secret_value())
        if self.current == stale:
            self.current = None

    def describe(self) -> str:
        return "rotating test tokens"


class AsyncRotatingTokens:
    """The async face of ``RotatingTokens`` (same state)."""

    def __init__(self, tokens: RotatingTokens) -> None:
        self.tokens = tokens

    @property
    def refreshable(self) -> bool:
        return True

    async def token(self) -> Secret:
        return self.tokens.token()

    def invalidate(self, stale: Secret) -> None:
        self.tokens.invalidate(stale)

    def describe(self) -> str:
        return self.tokens.describe()


class Server:
    """Answers with the scripted statuses in order; records each request's URL and credential."""

    def __init__(self, *answers: tuple[int, str], location: str | None = None) -> None:
        self.answers = list(answers)
        self.location = location
        self.seen: list[str | None] = []
        self.urls: list[httpx.URL] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request.headers.get("authorization"))
        self.urls.append(request.url)
        status, text = self.answers.pop(0) if self.answers else (200, '{"endpoints":[]}')
        headers = {"location": self.location} if self.location else {}
        if request.headers.get("accept") == "text/event-stream" and status == 200:
            return httpx.Response(200, content=SSE_OK, headers=headers)
        return httpx.Response(status, text=text, headers=headers)


def driver(server: Server, host: WorkspaceHost = HOST) -> HttpTransport:
    return HttpTransport(httpx.Client(transport=httpx.MockTransport(server)), host, FakeClock())


def async_driver(server: Server, host: WorkspaceHost = HOST) -> AsyncHttpTransport:
    client = httpx.AsyncClient(transport=httpx.MockTransport(server))
    return AsyncHttpTransport(client, host, FakeClock())


def static(server: Server, host: WorkspaceHost = HOST) -> AuthenticatedTransport:
    return AuthenticatedTransport(driver(server, host), StaticTokenSource(PAT))


def test_static_token_is_attached_to_every_call() -> None:
    server = Server()
    transport = static(server)
    transport.send(LIST)
    transport.send(LIST)
    assert server.seen == [f"Bearer {PAT.get_secret_value()}"] * 2


def test_static_token_is_not_resent_after_401() -> None:
    server = Server((401, "Invalid Token"))
    with pytest.raises(AuthenticationError) as caught:
        static(server).send(LIST)
    assert caught.value.status == 401
    assert len(server.seen) == 1
    assert PAT.get_secret_value() not in str(caught.value)


def test_401_with_a_refreshable_source_refreshes_once_and_resends() -> None:
    tokens = RotatingTokens()
    server = Server((401, "expired"), (200, '{"endpoints":[]}'))
    assert AuthenticatedTransport(driver(server), tokens).send(LIST) == []
    assert server.seen == ["Bearer tok-1", "Bearer tok-2"]
    assert tokens.invalidated == ["tok-1"]


def test_a_second_401_is_raised_not_retried_again() -> None:
    tokens = RotatingTokens()
    server = Server((401, "no"), (401, "still no"), (200, "{}"))
    with pytest.raises(AuthenticationError, match="still no"):
        AuthenticatedTransport(driver(server), tokens).send(LIST)
    assert len(server.seen) == 2


def test_a_source_that_hands_back_the_same_token_is_not_asked_to_resend() -> None:
    class Stuck(RotatingTokens):
        def invalidate(self, stale: Secret) -> None:
            self.invalidated.append(stale.get_secret_value())

    tokens = Stuck()
    server = Server((401, "expired"))
    with pytest.raises(AuthenticationError, match="expired"):
        AuthenticatedTransport(driver(server), tokens).send(LIST)
    assert server.seen == ["Bearer tok-1"]
    assert tokens.invalidated == ["tok-1"]


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
    server = Server((403, message), (200, '{"endpoints":[]}'))
    AuthenticatedTransport(driver(server), tokens).send(LIST)
    assert server.seen == ["Bearer tok-1", "Bearer tok-2"]


def test_403_permission_denied_is_not_a_token_problem() -> None:
    tokens = RotatingTokens()
    body = '{"error_code":"PERMISSION_DENIED","message":"User does not have permission \'View\'"}'
    server = Server((403, body))
    with pytest.raises(PermissionDeniedError):
        AuthenticatedTransport(driver(server), tokens).send(LIST)
    assert tokens.invalidated == []
    assert len(server.seen) == 1


def test_a_stream_opening_is_authenticated_and_refreshed_once() -> None:
    tokens = RotatingTokens()
    server = Server((401, "expired"))
    call = stream_call(HOST, ChatRequest("m", {"messages": []}), OPTIONS)
    opened = AuthenticatedTransport(driver(server), tokens).open(call)
    assert [chunk.text for chunk in opened] == ["ok"]
    assert server.seen == ["Bearer tok-1", "Bearer tok-2"]


def test_a_call_with_its_own_credentials_keeps_them_and_asks_no_token() -> None:
    class Untouchable(RotatingTokens):
        def token(self) -> Secret:
            raise AssertionError("the token source must not be asked")

    server = Server((200, '{"access_token":"a"}'))
    own = Call(
        "own",
        WireRequest("POST", ("oidc", "v1", "token"), auth=BasicAuth("id", Secret("s3cret"))),
        json_object,
        api_error,
    )
    AuthenticatedTransport(driver(server), Untouchable()).send(own)
    assert server.seen == ["Basic aWQ6czNjcmV0"]


HOSTILE_SEGMENTS = [
    ("https://evil.example.com",),
    ("//evil.example.com", "x"),
    ("@evil.example.com:443",),
    ("..", "..", "evil"),
    (".",),
    ("a/../../b",),
    ("x?host=evil.example.com#frag",),
    ("%2e%2e", "%2F"),
    ("\\evil.example.com",),
]


@pytest.mark.parametrize("segments", HOSTILE_SEGMENTS)
def test_the_driver_builds_every_url_from_the_host_and_encoded_segments(
    segments: tuple[str, ...],
) -> None:
    server = Server()
    hostile = Call("hostile", WireRequest("GET", ("api", *segments)), json_object, api_error)
    static(server).send(hostile)
    [url] = server.urls
    assert (url.scheme, url.host, url.port) == ("https", HOST.name, None)
    assert url.query == b""
    assert url.fragment == ""
    raw = url.raw_path.decode()
    assert raw.count("/") == len(segments) + 1
    assert raw.split("/")[1] == "api"
    assert server.seen == [f"Bearer {PAT.get_secret_value()}"]


def test_an_endpoint_name_is_one_segment_and_dot_names_send_nothing() -> None:
    server = Server((200, '{"name":"a/../b?c","state":{}}'))
    static(server).send(endpoint_call("a/../b?c", OPTIONS))
    assert [url.raw_path for url in server.urls] == [b"/api/2.0/serving-endpoints/a%2F..%2Fb%3Fc"]
    for name in ("", ".", ".."):
        with pytest.raises(InvalidRequestError):
            static(server).send(endpoint_call(name, OPTIONS))
    assert len(server.urls) == 1


def test_a_redirect_is_never_followed_so_the_token_stays_on_the_host() -> None:
    server = Server((302, ""), location="https://evil.example.com/steal")
    with pytest.raises(ApiError, match="never follows redirects") as caught:
        static(server).send(LIST)
    assert caught.value.status == 302
    assert [url.host for url in server.urls] == [HOST.name]
    assert PAT.get_secret_value() not in str(caught.value)


def test_a_loopback_host_with_a_port_is_its_own_origin() -> None:
    local = WorkspaceHost.parse("http://127.0.0.1:8123", trusted_hosts=["127.0.0.1"])
    server = Server()
    transport = static(server, local)
    transport.send(LIST)
    transport.send(Call("x", WireRequest("GET", (":9999", "x")), json_object, api_error))
    assert {urlsplit(str(url)).netloc for url in server.urls} == {"127.0.0.1:8123"}


async def test_async_refreshes_once_on_401() -> None:
    tokens = RotatingTokens()
    server = Server((401, "expired"), (401, "again"))
    transport = AsyncAuthenticatedTransport(async_driver(server), AsyncRotatingTokens(tokens))
    with pytest.raises(AuthenticationError, match="again"):
        await transport.send(LIST)
    assert server.seen == ["Bearer tok-1", "Bearer tok-2"]
    await transport.aclose()


async def test_async_403_expiring_token_refreshes() -> None:
    tokens = RotatingTokens()
    server = Server((403, "Token is expiring"), (200, '{"endpoints":[]}'))
    transport = AsyncAuthenticatedTransport(async_driver(server), AsyncRotatingTokens(tokens))
    assert await transport.send(LIST) == []
    assert tokens.invalidated == ["tok-1"]


async def test_async_stream_opening_refreshes_once() -> None:
    tokens = RotatingTokens()
    server = Server((401, "expired"))
    call = stream_call(HOST, ChatRequest("m", {"messages": []}), OPTIONS)
    transport = AsyncAuthenticatedTransport(async_driver(server), AsyncRotatingTokens(tokens))
    opened = await transport.open(call)
    assert [chunk.text async for chunk in opened] == ["ok"]
    assert server.seen == ["Bearer tok-1", "Bearer tok-2"]


@pytest.mark.parametrize("segments", HOSTILE_SEGMENTS)
async def test_async_driver_builds_every_url_from_the_host(segments: tuple[str, ...]) -> None:
    server = Server()
    transport = AsyncAuthenticatedTransport(async_driver(server), AsyncStaticTokenSource(PAT))
    await transport.send(Call("x", WireRequest("GET", ("api", *segments)), json_object, api_error))
    [url] = server.urls
    assert (url.scheme, url.host, url.port) == ("https", HOST.name, None)
    assert url.raw_path.decode().count("/") == len(segments) + 1


@pytest.mark.parametrize("source", [StaticTokenSource(PAT), AsyncStaticTokenSource(PAT)])
def test_static_source_never_shows_the_token(
    source: StaticTokenSource | AsyncStaticTokenSource,
) -> None:
    assert PAT.get_secret_value() not in repr(source)
    assert PAT.get_secret_value() not in source.describe()
    assert not source.refreshable
    source.invalidate(PAT)


async def test_static_sources_hand_out_the_token() -> None:
    assert StaticTokenSource(PAT).token() == PAT
    assert await AsyncStaticTokenSource(PAT).token() == PAT
