"""HttpChatTransport specifics: paths, surfaces, headers, redirects, timeouts, TLS clients."""

from __future__ import annotations

import json
import shutil
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import certifi
import httpx
import pytest

from brickgate.adapters.transport.auth import AsyncBearerAuth, BearerAuth, StaticTokenProvider
from brickgate.adapters.transport.http import (
    HttpChatTransport,
    build_http_client,
    ssl_context,
)
from brickgate.adapters.transport.http_async import (
    AsyncHttpChatTransport,
    build_async_http_client,
)
from brickgate.adapters.transport.http_core import DEFAULT_TIMEOUTS, Surface, Timeouts
from brickgate.domain.chat import CallOptions, ChatRequest, EmbeddingRequest
from brickgate.domain.credentials import Secret
from brickgate.domain.errors import (
    ApiError,
    ConfigurationError,
    InvalidRequestError,
    NotFoundError,
    StreamError,
    TimeoutError,
    TransportError,
)
from brickgate.domain.hosts import WorkspaceHost
from brickgate.testing import FakeClock

HOST = WorkspaceHost.parse("adb-1234567890123456.7.azuredatabricks.net")
GATEWAY_HOST = WorkspaceHost.parse("1234567890123456.ai-gateway.cloud.databricks.com")
TOKEN = Secret("dapi0123456789abcdef0123456789abcdef")
OPTIONS = CallOptions()
REQUEST = ChatRequest("databricks-gpt-oss-120b", {"messages": [{"role": "user", "content": "é"}]})
CHAT_BODY = {
    "model": "gpt-oss-120b",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}],
}
EMBED_BODY = {"data": [{"index": 0, "embedding": [0.5]}]}
SSE_OK = b'data: {"choices":[{"index":0,"delta":{"content":"ok"}}]}\n\ndata: [DONE]\n\n'
GATEWAY_ABSENT = {"error_code": "ENDPOINT_NOT_FOUND", "message": "Invalid path"}

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


def transport(
    handler: Handler,
    *,
    host: WorkspaceHost = HOST,
    surface: Surface = "auto",
    use_invocations: bool = False,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
) -> HttpChatTransport:
    client = httpx.Client(transport=httpx.MockTransport(handler))
    auth = BearerAuth(host, StaticTokenProvider(TOKEN))
    return HttpChatTransport(
        client,
        host,
        auth,
        surface=surface,
        use_invocations=use_invocations,
        clock=FakeClock(),
        timeouts=timeouts,
    )


def async_transport(handler: Handler, *, surface: Surface = "auto") -> AsyncHttpChatTransport:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    auth = AsyncBearerAuth(HOST, StaticTokenProvider(TOKEN))
    return AsyncHttpChatTransport(client, HOST, auth, surface=surface, clock=FakeClock())


def ok(body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json=body)


def body_of(request: httpx.Request) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(request.content)
    return data


def test_serving_endpoints_chat_puts_the_model_in_a_compact_utf8_body() -> None:
    server = Recorder({"/serving-endpoints/chat/completions": ok(CHAT_BODY)})
    transport(server, surface="serving-endpoints").chat(REQUEST, OPTIONS)
    [sent] = server.requests
    assert sent.method == "POST"
    assert (
        sent.content
        == (
            '{"model":"databricks-gpt-oss-120b","messages":[{"role":"user","content":"é"}]}'
        ).encode()
    )
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["user-agent"].startswith("brickgate/")
    assert sent.headers["authorization"] == f"Bearer {TOKEN.get_secret_value()}"


def test_chat_drops_a_stream_flag_and_stream_sets_it() -> None:
    server = Recorder(
        {
            "/serving-endpoints/chat/completions": [
                ok(CHAT_BODY),
                httpx.Response(200, content=SSE_OK),
            ]
        }
    )
    client = transport(server, surface="serving-endpoints")
    client.chat(ChatRequest("m", {"messages": [], "stream": True}), OPTIONS)
    assert "stream" not in body_of(server.requests[0])
    list(client.stream(ChatRequest("m", {"messages": []}), OPTIONS))
    assert body_of(server.requests[1])["stream"] is True
    assert server.requests[1].headers["accept"] == "text/event-stream"
    assert server.requests[1].headers["accept-encoding"] == "identity"


def test_invocations_path_has_the_name_and_no_model_in_the_body() -> None:
    name = "my endpoint/v2"
    server = Recorder({"/serving-endpoints/my%20endpoint%2Fv2/invocations": ok(CHAT_BODY)})
    transport(server, use_invocations=True).chat(ChatRequest(name, {"messages": []}), OPTIONS)
    assert server.paths == ["/serving-endpoints/my%20endpoint%2Fv2/invocations"]
    assert "model" not in body_of(server.requests[0])


def test_invocations_cannot_combine_with_the_gateway_surface() -> None:
    with pytest.raises(ConfigurationError, match="use_invocations"):
        transport(Recorder({}), surface="ai-gateway", use_invocations=True)


def test_unknown_surface_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="surface"):
        transport(Recorder({}), surface="gateway")  # type: ignore[arg-type]


def test_ai_gateway_surface_paths() -> None:
    server = Recorder(
        {
            "/ai-gateway/mlflow/v1/chat/completions": ok(CHAT_BODY),
            "/ai-gateway/mlflow/v1/embeddings": ok(EMBED_BODY),
        }
    )
    client = transport(server, surface="ai-gateway")
    client.chat(REQUEST, OPTIONS)
    client.embed(EmbeddingRequest("databricks-gte-large-en", ("a",)), OPTIONS)
    assert server.paths == [
        "/ai-gateway/mlflow/v1/chat/completions",
        "/ai-gateway/mlflow/v1/embeddings",
    ]
    assert body_of(server.requests[1]) == {"model": "databricks-gte-large-en", "input": ["a"]}


def test_dedicated_gateway_host_has_no_prefix() -> None:
    server = Recorder({"/mlflow/v1/chat/completions": ok(CHAT_BODY)})
    transport(server, host=GATEWAY_HOST).chat(REQUEST, OPTIONS)
    assert server.paths == ["/mlflow/v1/chat/completions"]
    assert server.requests[0].url.host == GATEWAY_HOST.name


@pytest.mark.parametrize(
    "absent",
    [httpx.Response(501, text="Not Implemented"), httpx.Response(404, json=GATEWAY_ABSENT)],
)
def test_auto_falls_back_when_the_gateway_is_absent_and_remembers(absent: httpx.Response) -> None:
    server = Recorder(
        {
            "/ai-gateway/mlflow/v1/chat/completions": absent,
            "/serving-endpoints/chat/completions": [ok(CHAT_BODY), ok(CHAT_BODY)],
            "/serving-endpoints/embeddings": ok(EMBED_BODY),
        }
    )
    client = transport(server)
    assert client.chat(REQUEST, OPTIONS).text == "ok"
    client.chat(REQUEST, OPTIONS)
    client.embed(EmbeddingRequest("databricks-gte-large-en", ("a",)), OPTIONS)
    assert server.paths == [
        "/ai-gateway/mlflow/v1/chat/completions",
        "/serving-endpoints/chat/completions",
        "/serving-endpoints/chat/completions",
        "/serving-endpoints/embeddings",
    ]


def test_auto_remembers_a_working_gateway() -> None:
    server = Recorder({"/ai-gateway/mlflow/v1/chat/completions": [ok(CHAT_BODY), ok(CHAT_BODY)]})
    client = transport(server)
    client.chat(REQUEST, OPTIONS)
    client.chat(REQUEST, OPTIONS)
    assert server.paths == ["/ai-gateway/mlflow/v1/chat/completions"] * 2


def test_auto_plain_404_means_no_such_model_not_no_gateway() -> None:
    missing = {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no such model"}
    server = Recorder({"/ai-gateway/mlflow/v1/chat/completions": httpx.Response(404, json=missing)})
    with pytest.raises(NotFoundError, match="no such model"):
        transport(server).chat(REQUEST, OPTIONS)
    assert len(server.requests) == 1


def test_auto_stream_falls_back_too() -> None:
    server = Recorder(
        {
            "/ai-gateway/mlflow/v1/chat/completions": httpx.Response(501),
            "/serving-endpoints/chat/completions": httpx.Response(200, content=SSE_OK),
        }
    )
    chunks = list(transport(server).stream(REQUEST, OPTIONS))
    assert [chunk.text for chunk in chunks] == ["ok"]
    assert len(server.requests) == 2


def test_endpoint_listing_paths() -> None:
    server = Recorder(
        {
            "/api/2.0/serving-endpoints": ok({"endpoints": []}),
            "/api/2.0/serving-endpoints/a%3Fb%23c": ok({"name": "a?b#c"}),
        }
    )
    client = transport(server)
    assert client.endpoints(OPTIONS) == []
    assert client.endpoint("a?b#c", OPTIONS).name == "a?b#c"
    assert [r.method for r in server.requests] == ["GET", "GET"]


def test_extra_headers_are_sent_but_never_authorization_or_host() -> None:
    server = Recorder({"/serving-endpoints/chat/completions": ok(CHAT_BODY)})
    client = transport(server, surface="serving-endpoints")
    client.chat(REQUEST, CallOptions(extra_headers={"X-Trace": "abc"}))
    assert server.requests[0].headers["x-trace"] == "abc"
    for name in ("Authorization", "HOST"):
        with pytest.raises(InvalidRequestError, match=name):
            client.chat(REQUEST, CallOptions(extra_headers={name: "x"}))
    with pytest.raises(InvalidRequestError):
        client.chat(REQUEST, CallOptions(extra_headers={"X-Bad": "a\r\nInjected: 1"}))
    assert len(server.requests) == 1


def test_a_redirect_is_an_error_and_never_followed() -> None:
    moved = httpx.Response(302, headers={"location": "https://login.example.com/?next=x"})
    server = Recorder({"/serving-endpoints/chat/completions": moved})
    with pytest.raises(ApiError, match="never follows redirects") as caught:
        transport(server, surface="serving-endpoints").chat(REQUEST, OPTIONS)
    assert caught.value.status == 302
    assert "login.example.com" in caught.value.message
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (httpx.ReadTimeout("read"), TimeoutError),
        (httpx.ConnectTimeout("connect"), TimeoutError),
        (httpx.ConnectError("refused"), TransportError),
        (httpx.RemoteProtocolError("reset"), TransportError),
    ],
)
def test_httpx_errors_are_translated_and_chained(
    raised: Exception, expected: type[Exception]
) -> None:
    def failing(request: httpx.Request) -> httpx.Response:
        raise raised

    with pytest.raises(expected) as caught:
        transport(failing).endpoints(OPTIONS)
    assert caught.value.__cause__ is raised


def test_a_2xx_body_that_is_not_json_is_a_transport_error() -> None:
    page = httpx.Response(200, text="<html>login</html>")
    server = Recorder({"/serving-endpoints/chat/completions": page})
    with pytest.raises(TransportError, match="not a JSON object"):
        transport(server, surface="serving-endpoints").chat(REQUEST, OPTIONS)


def test_timeouts_default_and_per_call() -> None:
    server = Recorder(
        {
            "/serving-endpoints/chat/completions": [
                ok(CHAT_BODY),
                ok(CHAT_BODY),
                httpx.Response(200, content=SSE_OK),
            ]
        }
    )
    timeouts = Timeouts(connect=5.0, read=200.0, stream_idle=30.0)
    client = transport(server, surface="serving-endpoints", timeouts=timeouts)
    client.chat(REQUEST, OPTIONS)
    client.chat(REQUEST, CallOptions(timeout=2.0))
    list(client.stream(REQUEST, OPTIONS))
    seen = [request.extensions["timeout"] for request in server.requests]
    assert seen[0] == {"connect": 5.0, "read": 200.0, "write": 200.0, "pool": 200.0}
    assert seen[1] == {"connect": 2.0, "read": 2.0, "write": 2.0, "pool": 2.0}
    assert seen[2]["read"] == 30.0


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
    server = Recorder({"/serving-endpoints/chat/completions": httpx.Response(200, stream=body)})
    received = []
    with pytest.raises(expected):
        for chunk in transport(server, surface="serving-endpoints").stream(REQUEST, OPTIONS):
            received.append(chunk.text)
    assert received == ["Hel"]
    assert body.closed


def test_closing_a_stream_early_closes_the_response() -> None:
    body = BrokenStream(httpx.ReadError("never reached"))
    server = Recorder({"/serving-endpoints/chat/completions": httpx.Response(200, stream=body)})
    opened = transport(server, surface="serving-endpoints").stream(REQUEST, OPTIONS)
    for _chunk in opened:
        break
    opened.close()
    opened.close()
    assert body.closed


def test_stream_error_status_raises_from_stream_itself() -> None:
    server = Recorder(
        {
            "/serving-endpoints/chat/completions": httpx.Response(
                429, headers={"retry-after": "4"}, json={"message": "slow down"}
            )
        }
    )
    with pytest.raises(ApiError) as caught:
        transport(server, surface="serving-endpoints").stream(REQUEST, OPTIONS)
    assert getattr(caught.value, "retry_after", None) == 4.0


def test_close_closes_the_client() -> None:
    client = transport(Recorder({}))
    with client:
        pass
    with pytest.raises(TransportError):
        client.endpoints(OPTIONS)


async def test_async_auto_fallback_and_stream() -> None:
    server = Recorder(
        {
            "/ai-gateway/mlflow/v1/chat/completions": httpx.Response(404, json=GATEWAY_ABSENT),
            "/serving-endpoints/chat/completions": [
                ok(CHAT_BODY),
                httpx.Response(200, content=SSE_OK),
            ],
        }
    )
    client = async_transport(server)
    assert (await client.chat(REQUEST, OPTIONS)).text == "ok"
    opened = await client.stream(REQUEST, OPTIONS)
    assert [chunk.text async for chunk in opened] == ["ok"]
    assert len(server.requests) == 3
    await client.aclose()


async def test_async_errors_are_translated() -> None:
    def failing(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("slow")

    with pytest.raises(TimeoutError):
        await async_transport(failing).endpoint("x", OPTIONS)


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
        assert client.follow_redirects is False
        assert client.headers["user-agent"].startswith("brickgate/")
        assert client.timeout.read == Timeouts().read
    async with build_async_http_client(timeouts=Timeouts(connect=3.0)) as aclient:
        assert aclient.follow_redirects is False
        assert aclient.timeout.connect == 3.0
