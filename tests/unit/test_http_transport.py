"""The HTTP driver and the chat service on it: paths, surfaces, headers, redirects, timeouts."""

from __future__ import annotations

import json
import shutil
import ssl
from collections.abc import Callable, Iterator
from email.utils import formatdate
from pathlib import Path
from typing import Any

import certifi
import httpx
import pytest

from brickgate.adapters.tokens._async.static import AsyncStaticTokenSource
from brickgate.adapters.tokens._sync.static import StaticTokenSource
from brickgate.adapters.transport._async.http import AsyncHttpTransport
from brickgate.adapters.transport._async.policies import AsyncAuthenticatedTransport
from brickgate.adapters.transport._sync.http import HttpTransport
from brickgate.adapters.transport._sync.policies import AuthenticatedTransport
from brickgate.adapters.transport.wire import (
    DEFAULT_TIMEOUTS,
    Timeouts,
    build_http_client,
    reads_raw,
    ssl_context,
)
from brickgate.domain.calls import Call, WireRequest
from brickgate.domain.calls.answers import api_error, json_object
from brickgate.domain.calls.serving import INVOCATIONS, chat_call, endpoint_call, stream_call
from brickgate.domain.catalog import Catalog
from brickgate.domain.chat import CallOptions, ChatRequest
from brickgate.domain.credentials import Secret
from brickgate.domain.errors import (
    ApiError,
    ConfigurationError,
    ConnectError,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
    StreamError,
    TimeoutError,
    TransportError,
)
from brickgate.domain.hosts import WorkspaceHost
from brickgate.services._async.chat import AsyncChatService
from brickgate.services._sync.chat import ChatService
from brickgate.services.surfaces import SurfaceRouter
from brickgate.testing import FakeClock

HOST = WorkspaceHost.parse("adb-1234567890123456.7.azuredatabricks.net")
GATEWAY_HOST = WorkspaceHost.parse("1234567890123456.ai-gateway.cloud.databricks.com")
TOKEN = Secret("dapi0123456789abcdef0123456789abcdef")
OPTIONS = CallOptions()
MODEL = "databricks-gpt-oss-120b"
REQUEST = ChatRequest(MODEL, {"messages": [{"role": "user", "content": "é"}]})
CHAT_BODY = {
    "model": "gpt-oss-120b",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}],
}
EMBED_BODY = {"data": [{"index": 0, "embedding": [0.5]}]}
SSE_OK = b'data: {"choices":[{"index":0,"delta":{"content":"ok"}}]}\n\ndata: [DONE]\n\n'
GATEWAY_ABSENT = {"error_code": "ENDPOINT_NOT_FOUND", "message": "Invalid path"}
CHAT = "/serving-endpoints/chat/completions"
GATEWAY_CHAT = "/ai-gateway/mlflow/v1/chat/completions"

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler that records requests and answers by path."""

    def __init__(self, answers: dict[str, httpx.Response | list[httpx.Response]]) -> None:
        self.answers = answers
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.get(request.url.raw_path.decode())
        if answer is None:
            return httpx.Response(599, text="unexpected path")
        if isinstance(answer, list):
            return answer.pop(0)
        return answer

    @property
    def paths(self) -> list[str]:
        return [request.url.raw_path.decode() for request in self.requests]


def driver(
    handler: Handler, *, host: WorkspaceHost = HOST, timeouts: Timeouts = DEFAULT_TIMEOUTS
) -> HttpTransport:
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return HttpTransport(client, host, FakeClock(), timeouts=timeouts)


def authed(handler: Handler, **how: Any) -> AuthenticatedTransport:
    """The driver with the workspace token attached, as a client's transport stack has it."""
    return AuthenticatedTransport(driver(handler, **how), StaticTokenSource(TOKEN))


def service(
    handler: Handler,
    *,
    host: WorkspaceHost = HOST,
    surface: str = "auto",
    use_invocations: bool = False,
) -> ChatService:
    router = SurfaceRouter(host, surface, use_invocations=use_invocations)
    return ChatService(authed(handler, host=host), Catalog(), router)


def async_service(handler: Handler, *, surface: str = "auto") -> AsyncChatService:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    transport = AsyncAuthenticatedTransport(
        AsyncHttpTransport(client, HOST, FakeClock()), AsyncStaticTokenSource(TOKEN)
    )
    return AsyncChatService(transport, Catalog(), SurfaceRouter(HOST, surface))


def ok(body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json=body)


def body_of(request: httpx.Request) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(request.content)
    return data


def test_serving_endpoints_chat_puts_the_model_in_a_compact_utf8_body() -> None:
    server = Recorder({CHAT: ok(CHAT_BODY)})
    authed(server).send(chat_call(HOST, REQUEST, OPTIONS))
    [sent] = server.requests
    assert sent.method == "POST"
    assert (
        sent.content
        == (
            '{"model":"databricks-gpt-oss-120b","messages":[{"role":"user","content":"é"}]}'
        ).encode()
    )
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["accept"] == "application/json"
    assert sent.headers["user-agent"].startswith("brickgate/")
    assert sent.headers["authorization"] == f"Bearer {TOKEN.get_secret_value()}"


def test_the_driver_alone_sends_no_authorization() -> None:
    server = Recorder({CHAT: ok(CHAT_BODY)})
    driver(server).send(chat_call(HOST, REQUEST, OPTIONS))
    assert "authorization" not in server.requests[0].headers


def test_chat_drops_a_stream_flag_and_stream_sets_it() -> None:
    server = Recorder({CHAT: [ok(CHAT_BODY), httpx.Response(200, content=SSE_OK)]})
    transport = authed(server)
    transport.send(chat_call(HOST, ChatRequest("m", {"messages": [], "stream": True}), OPTIONS))
    assert "stream" not in body_of(server.requests[0])
    list(transport.open(stream_call(HOST, ChatRequest("m", {"messages": []}), OPTIONS)))
    assert body_of(server.requests[1])["stream"] is True
    assert server.requests[1].headers["accept"] == "text/event-stream"
    assert server.requests[1].headers["accept-encoding"] == "identity"
    assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


def test_invocations_path_has_the_name_and_no_model_in_the_body() -> None:
    path = "/serving-endpoints/my%20endpoint%2Fv2/invocations"
    server = Recorder({path: ok(CHAT_BODY)})
    request = ChatRequest("my endpoint/v2", {"messages": []})
    authed(server).send(chat_call(HOST, request, OPTIONS, surface=INVOCATIONS))
    assert server.paths == [path]
    assert "model" not in body_of(server.requests[0])


def test_the_router_sends_chat_to_invocations_when_asked() -> None:
    server = Recorder({f"/serving-endpoints/{MODEL}/invocations": [ok(CHAT_BODY)] * 2})
    chat = service(server, use_invocations=True)
    chat.chat(MODEL, "hi", {})
    chat.chat(MODEL, "hi", {})
    assert server.paths == [f"/serving-endpoints/{MODEL}/invocations"] * 2
    assert "model" not in body_of(server.requests[0])


def test_invocations_cannot_combine_with_the_gateway_surface() -> None:
    with pytest.raises(ConfigurationError, match="use_invocations"):
        SurfaceRouter(HOST, "ai-gateway", use_invocations=True)


def test_unknown_surface_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="surface"):
        SurfaceRouter(HOST, "gateway")


def test_ai_gateway_surface_paths() -> None:
    server = Recorder(
        {GATEWAY_CHAT: ok(CHAT_BODY), "/ai-gateway/mlflow/v1/embeddings": ok(EMBED_BODY)}
    )
    chat = service(server, surface="ai-gateway")
    chat.chat(MODEL, "hi", {})
    chat.embed("databricks-gte-large-en", "a", {})
    assert server.paths == [GATEWAY_CHAT, "/ai-gateway/mlflow/v1/embeddings"]
    assert body_of(server.requests[1]) == {"model": "databricks-gte-large-en", "input": ["a"]}


def test_a_fixed_gateway_surface_does_not_fall_back() -> None:
    server = Recorder({GATEWAY_CHAT: httpx.Response(404, json=GATEWAY_ABSENT)})
    with pytest.raises(NotFoundError):
        service(server, surface="ai-gateway").chat(MODEL, "hi", {})
    assert server.paths == [GATEWAY_CHAT]


def test_serving_endpoints_surface_never_tries_the_gateway() -> None:
    server = Recorder({"/serving-endpoints/embeddings": [ok(EMBED_BODY)] * 2})
    chat = service(server, surface="serving-endpoints")
    chat.embed("databricks-gte-large-en", "a", {})
    chat.embed("databricks-gte-large-en", "b", {})
    assert server.paths == ["/serving-endpoints/embeddings"] * 2


def test_dedicated_gateway_host_has_no_prefix() -> None:
    server = Recorder({"/mlflow/v1/chat/completions": ok(CHAT_BODY)})
    service(server, host=GATEWAY_HOST).chat(MODEL, "hi", {})
    assert server.paths == ["/mlflow/v1/chat/completions"]
    assert server.requests[0].url.host == GATEWAY_HOST.name


@pytest.mark.parametrize(
    "absent",
    [httpx.Response(501, text="Not Implemented"), httpx.Response(404, json=GATEWAY_ABSENT)],
)
def test_auto_falls_back_when_the_gateway_is_absent_and_remembers(absent: httpx.Response) -> None:
    server = Recorder(
        {
            GATEWAY_CHAT: absent,
            CHAT: [ok(CHAT_BODY), ok(CHAT_BODY)],
            "/serving-endpoints/embeddings": ok(EMBED_BODY),
        }
    )
    chat = service(server)
    assert chat.chat(MODEL, "hi", {}).text == "ok"
    chat.chat(MODEL, "hi", {})
    chat.embed("databricks-gte-large-en", "a", {})
    assert server.paths == [GATEWAY_CHAT, CHAT, CHAT, "/serving-endpoints/embeddings"]
    assert chat.router.routes(chat=True) == (("serving-endpoints", False),)


def test_auto_remembers_a_working_gateway() -> None:
    server = Recorder(
        {
            GATEWAY_CHAT: [ok(CHAT_BODY), ok(CHAT_BODY)],
            "/ai-gateway/mlflow/v1/embeddings": ok(EMBED_BODY),
        }
    )
    chat = service(server)
    chat.chat(MODEL, "hi", {})
    chat.chat(MODEL, "hi", {})
    chat.embed("databricks-gte-large-en", "a", {})
    assert server.paths == [GATEWAY_CHAT, GATEWAY_CHAT, "/ai-gateway/mlflow/v1/embeddings"]


def test_auto_plain_404_means_no_such_model_not_no_gateway() -> None:
    missing = {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no such model"}
    server = Recorder({GATEWAY_CHAT: httpx.Response(404, json=missing)})
    chat = service(server)
    with pytest.raises(NotFoundError, match="no such model") as caught:
        chat.chat(MODEL, "hi", {})
    assert type(caught.value) is NotFoundError
    assert len(server.requests) == 1
    assert chat.router.routes(chat=True) == (("ai-gateway", True), ("serving-endpoints", False))


def test_auto_stream_falls_back_too() -> None:
    server = Recorder(
        {GATEWAY_CHAT: httpx.Response(501), CHAT: httpx.Response(200, content=SSE_OK)}
    )
    with service(server).stream(MODEL, "hi", {}) as chunks:
        assert [chunk.text for chunk in chunks] == ["ok"]
    assert server.paths == [GATEWAY_CHAT, CHAT]


def test_endpoint_listing_paths() -> None:
    server = Recorder(
        {
            "/api/2.0/serving-endpoints": ok({"endpoints": []}),
            "/api/2.0/serving-endpoints/a%3Fb%23c": ok({"name": "a?b#c"}),
        }
    )
    chat = service(server)
    assert chat.endpoints({}) == []
    assert authed(server).send(endpoint_call("a?b#c", OPTIONS)).name == "a?b#c"
    assert [r.method for r in server.requests] == ["GET", "GET"]
    assert all(not r.content for r in server.requests)


def test_a_query_is_appended_to_the_encoded_path() -> None:
    server = Recorder({"/api/2.0/sql/statements/a%2Fb?x=1+2": ok({"ok": True})})
    request = WireRequest("GET", ("api", "2.0", "sql", "statements", "a/b"), query=(("x", "1 2"),))
    call = Call("a test call", request, json_object, api_error)
    assert driver(server).send(call) == {"ok": True}
    assert server.requests[0].url.host == HOST.name


def test_many_distinct_paths_each_reach_their_own_url() -> None:
    seen: list[str] = []

    def echo(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return ok({"name": request.url.path.rsplit("/", 1)[-1]})

    transport = driver(echo)
    names = [f"endpoint-{n}" for n in range(600)] + ["endpoint-0"]
    assert [transport.send(endpoint_call(name, OPTIONS)).name for name in names] == names
    assert seen == [f"/api/2.0/serving-endpoints/{name}" for name in names]


def test_extra_headers_are_sent_but_never_authorization_or_host() -> None:
    server = Recorder({CHAT: ok(CHAT_BODY)})
    chat = service(server, surface="serving-endpoints")
    chat.chat(MODEL, "hi", {"extra_headers": {"X-Trace": "abc"}})
    assert server.requests[0].headers["x-trace"] == "abc"
    assert server.requests[0].headers["authorization"] == f"Bearer {TOKEN.get_secret_value()}"
    for name in ("Authorization", "HOST", "Content-Length", "Transfer-Encoding"):
        with pytest.raises(InvalidRequestError, match=name):
            chat.chat(MODEL, "hi", {"extra_headers": {name: "x"}})
    with pytest.raises(InvalidRequestError):
        chat.chat(MODEL, "hi", {"extra_headers": {"X-Bad": "a\r\nInjected: 1"}})
    assert len(server.requests) == 1


def test_a_redirect_is_an_error_and_never_followed() -> None:
    moved = httpx.Response(302, headers={"location": "https://login.example.com/?next=x"})
    server = Recorder({CHAT: moved, "/": ok(CHAT_BODY)})
    with pytest.raises(ApiError, match="never follows redirects") as caught:
        service(server, surface="serving-endpoints").chat(MODEL, "hi", {})
    assert caught.value.status == 302
    assert "login.example.com" in caught.value.message
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (httpx.ReadTimeout("read"), TimeoutError),
        (httpx.ConnectTimeout("connect"), TimeoutError),
        (httpx.ConnectError("refused"), ConnectError),
        (httpx.RemoteProtocolError("reset"), TransportError),
    ],
)
def test_httpx_errors_are_translated_without_the_request(
    raised: Exception, expected: type[Exception]
) -> None:
    def failing(request: httpx.Request) -> httpx.Response:
        raise raised

    with pytest.raises(expected) as caught:
        authed(failing).send(endpoint_call("x", OPTIONS))
    assert type(caught.value) is expected
    error = caught.value
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__
    assert TOKEN.get_secret_value() not in str(caught.value)


def test_a_2xx_body_that_is_not_json_is_a_transport_error() -> None:
    page = httpx.Response(200, text="<html>login</html>")
    server = Recorder({CHAT: page})
    with pytest.raises(TransportError, match="not a JSON object"):
        service(server, surface="serving-endpoints").chat(MODEL, "hi", {})


def test_a_retry_after_date_is_read_against_the_arrival_time() -> None:
    clock = FakeClock()
    in_ten_seconds = formatdate(clock.time() + 10, usegmt=True)
    limited = httpx.Response(
        429, headers={"retry-after": in_ten_seconds}, json={"message": "slow down"}
    )
    client = httpx.Client(transport=httpx.MockTransport(Recorder({CHAT: limited})))
    with pytest.raises(RateLimitError) as caught:
        HttpTransport(client, HOST, clock).send(chat_call(HOST, REQUEST, OPTIONS))
    assert caught.value.retry_after == pytest.approx(10.0, abs=1.0)


def test_timeouts_default_and_per_call() -> None:
    server = Recorder({CHAT: [ok(CHAT_BODY), ok(CHAT_BODY), httpx.Response(200, content=SSE_OK)]})
    timeouts = Timeouts(connect=5.0, read=200.0, stream_idle=30.0)
    chat = ChatService(
        authed(server, timeouts=timeouts), Catalog(), SurfaceRouter(HOST, "serving-endpoints")
    )
    chat.chat(MODEL, "hi", {})
    chat.chat(MODEL, "hi", {"timeout": 2.0})
    with chat.stream(MODEL, "hi", {}) as chunks:
        list(chunks)
    seen = [request.extensions["timeout"] for request in server.requests]
    assert seen[0] == {"connect": 5.0, "read": 200.0, "write": 200.0, "pool": 200.0}
    assert seen[1] == {"connect": 2.0, "read": 2.0, "write": 2.0, "pool": 2.0}
    assert seen[2] == {"connect": 5.0, "read": 30.0, "write": 30.0, "pool": 30.0}


class BrokenStream(httpx.SyncByteStream):
    """Yields one event, then fails the way a dropped connection or an idle stream does."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield b'data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n'
        raise self.error

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize(
    ("error", "expected"),
    [(httpx.ReadTimeout("idle"), TimeoutError), (httpx.ReadError("reset"), StreamError)],
)
def test_mid_stream_failures_are_translated_after_the_chunks(
    error: Exception, expected: type[Exception]
) -> None:
    body = BrokenStream(error)
    server = Recorder({CHAT: httpx.Response(200, stream=body)})
    received = []
    with pytest.raises(expected):
        for chunk in authed(server).open(stream_call(HOST, REQUEST, OPTIONS)):
            received.append(chunk.text)
    assert received == ["Hel"]
    assert body.closed


def test_a_broken_stream_through_the_service_keeps_what_arrived() -> None:
    body = BrokenStream(httpx.ReadError("reset"))
    server = Recorder({CHAT: httpx.Response(200, stream=body)})
    opened = service(server, surface="serving-endpoints").stream(MODEL, "hi", {})
    with opened as chunks, pytest.raises(StreamError) as caught:
        list(chunks)
    assert caught.value.partial is not None and caught.value.partial.text == "Hel"
    assert body.closed


def test_closing_a_stream_early_closes_the_response() -> None:
    body = BrokenStream(httpx.ReadError("never reached"))
    server = Recorder({CHAT: httpx.Response(200, stream=body)})
    opened = authed(server).open(stream_call(HOST, REQUEST, OPTIONS))
    for _chunk in opened:
        break
    opened.close()
    opened.close()
    assert body.closed


class ErrorBody(httpx.SyncByteStream):
    """An error answer's body, in two pieces, that records being closed."""

    def __init__(self) -> None:
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield b'{"error_code":"REQUEST_LIMIT_EXCEEDED",'
        yield b'"message":"slow down"}'

    def close(self) -> None:
        self.closed = True


def test_stream_error_status_raises_from_opening_and_releases_the_body() -> None:
    body = ErrorBody()
    limited = httpx.Response(429, headers={"retry-after": "4"}, stream=body)
    server = Recorder({CHAT: limited})
    with pytest.raises(RateLimitError) as caught:
        authed(server).open(stream_call(HOST, REQUEST, OPTIONS))
    assert (caught.value.retry_after, caught.value.message) == (4.0, "slow down")
    assert body.closed


def test_close_closes_the_client_once_and_refuses_later_calls() -> None:
    client = httpx.Client(transport=httpx.MockTransport(Recorder({})))
    transport = HttpTransport(client, HOST, FakeClock())
    transport.close()
    transport.close()
    assert client.is_closed
    with pytest.raises(TransportError, match="closed"):
        transport.send(endpoint_call("x", OPTIONS))
    assert "dapi" not in repr(AuthenticatedTransport(transport, StaticTokenSource(TOKEN)))
    assert repr(transport) == f"HttpTransport(host={HOST.url!r})"


async def test_async_auto_fallback_and_stream() -> None:
    server = Recorder(
        {
            GATEWAY_CHAT: httpx.Response(404, json=GATEWAY_ABSENT),
            CHAT: [ok(CHAT_BODY), httpx.Response(200, content=SSE_OK)],
        }
    )
    chat = async_service(server)
    assert (await chat.chat(MODEL, "hi", {})).text == "ok"
    async with chat.stream(MODEL, "hi", {}) as opened:
        assert [chunk.text async for chunk in opened] == ["ok"]
    assert server.paths == [GATEWAY_CHAT, CHAT, CHAT]
    await chat.transport.aclose()


async def test_async_errors_are_translated() -> None:
    def failing(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("slow")

    with pytest.raises(TimeoutError):
        await async_service(failing).endpoint("x", {})


async def test_async_close_closes_the_client_once() -> None:
    client = httpx.AsyncClient(transport=httpx.MockTransport(Recorder({})))
    transport = AsyncHttpTransport(client, HOST, FakeClock())
    await transport.aclose()
    await transport.aclose()
    assert client.is_closed
    with pytest.raises(TransportError, match="closed"):
        await transport.open(stream_call(HOST, REQUEST, OPTIONS))


@pytest.mark.parametrize(
    ("headers", "raw"),
    [({}, True), ({"content-encoding": "identity"}, True), ({"content-encoding": "gzip"}, False)],
)
def test_only_an_unencoded_body_is_read_raw(headers: dict[str, str], raw: bool) -> None:
    response = httpx.Response(200, headers=headers, stream=httpx.ByteStream(b""))
    assert reads_raw(response) is raw
    response.read()
    assert reads_raw(response) is False


def test_default_tls_context_is_shared() -> None:
    assert ssl_context() is ssl_context()
    assert ssl_context(True) is ssl_context(True)
    mine = ssl.create_default_context()
    assert ssl_context(mine) is mine
    assert ssl_context(False).verify_mode == ssl.CERT_NONE


def test_ca_bundle_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = tmp_path / "corporate-ca.pem"
    shutil.copyfile(certifi.where(), bundle)
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    default = ssl_context()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    from_env = ssl_context()
    assert from_env is not default
    assert ssl_context(str(bundle)) is from_env


def test_unreadable_ca_bundle_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="CA certificates"):
        ssl_context(str(tmp_path / "missing.pem"))


async def test_client_factories_build_clients_that_never_follow_redirects() -> None:
    with build_http_client(proxy=None) as client:
        assert isinstance(client, httpx.Client)
        assert client.follow_redirects is False
        assert client.headers["user-agent"].startswith("brickgate/")
        assert client.timeout.read == Timeouts().read
    async with build_http_client(asynchronous=True, timeouts=Timeouts(connect=3.0)) as aclient:
        assert isinstance(aclient, httpx.AsyncClient)
        assert aclient.follow_redirects is False
        assert aclient.timeout.connect == 3.0


class Body(httpx.SyncByteStream):
    """A response body in fixed pieces that records being closed."""

    def __init__(self, *pieces: bytes) -> None:
        self.pieces = pieces
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield from self.pieces

    def close(self) -> None:
        self.closed = True


def test_reading_a_stream_to_its_end_releases_the_response() -> None:
    body = Body(SSE_OK)
    server = Recorder({CHAT: httpx.Response(200, stream=body)})
    chunks = authed(server).open(stream_call(HOST, REQUEST, OPTIONS))
    assert [chunk.text for chunk in chunks] == ["ok"]
    assert body.closed


def test_what_follows_done_is_ignored() -> None:
    body = Body(SSE_OK, b"data: {not json at all\n\n", b"\xff\xfe garbage")
    server = Recorder({CHAT: httpx.Response(200, stream=body)})
    chunks = authed(server).open(stream_call(HOST, REQUEST, OPTIONS))
    assert [chunk.text for chunk in chunks] == ["ok"]
    assert body.closed


def test_a_corrupt_gzip_answer_is_a_transport_error() -> None:
    headers = {"content-type": "application/json", "content-encoding": "gzip"}
    corrupt = httpx.Response(200, headers=headers, stream=Body(b"not gzip at all"))
    server = Recorder({CHAT: corrupt})
    with pytest.raises(TransportError) as caught:
        authed(server).send(chat_call(HOST, REQUEST, OPTIONS))
    assert type(caught.value) is TransportError


def test_a_corrupt_gzip_stream_is_a_stream_error() -> None:
    headers = {"content-type": "text/event-stream", "content-encoding": "gzip"}
    corrupt = httpx.Response(200, headers=headers, stream=Body(b"not gzip", b" at all"))
    server = Recorder({CHAT: corrupt})
    with pytest.raises(StreamError):
        list(authed(server).open(stream_call(HOST, REQUEST, OPTIONS)))


@pytest.mark.parametrize("body", [b"[1, 2]", b"", b"\xff\xfe", b'"text"', b"[" * 100_000])
def test_a_2xx_answer_that_is_not_an_object_is_a_transport_error(body: bytes) -> None:
    server = Recorder({"/api/2.0/serving-endpoints": httpx.Response(200, content=body)})
    with pytest.raises(TransportError, match="not a JSON object"):
        service(server).endpoints({})
