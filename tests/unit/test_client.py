"""The public Client over httpx.MockTransport serving recorded Databricks payloads."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import pytest

import brickgate
from brickgate.client import Client
from brickgate.container import create_client_container
from brickgate.domain.catalog import Availability
from brickgate.testing import FakeClock
from tests.conftest import DATA

PAYLOADS = DATA / "payloads"
HOST = "https://dbc-1234abcd-5678.cloud.databricks.com"
TOKEN = "dapi" + "ab" * 16
LLAMA = "databricks-meta-llama-3-3-70b-instruct"
CLAUDE = "databricks-claude-sonnet-4-5"
CHAT_PATH = "/serving-endpoints/chat/completions"
EMBED_PATH = "/serving-endpoints/embeddings"
LIST_PATH = "/api/2.0/serving-endpoints"

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


def payload(name: str) -> Any:
    """A recorded JSON payload from tests/data/payloads."""
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def payload_lines(name: str) -> list[dict[str, Any]]:
    """The JSON objects of a recorded .jsonl payload, one per line."""
    lines = (PAYLOADS / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def sse(chunks: Sequence[dict[str, Any]], *, done: bool = True) -> bytes:
    """SSE framing of ``chunks``, ending with ``data: [DONE]`` unless ``done`` is False."""
    events = [f"data: {json.dumps(chunk)}\n\n" for chunk in chunks]
    if done:
        events.append("data: [DONE]\n\n")
    return "".join(events).encode()


def sse_response(body: bytes) -> httpx.Response:
    """A 200 text/event-stream answer carrying ``body``."""
    return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})


def error_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    """An error answer: ``body`` as JSON, or as text when it is a ``str``."""
    if isinstance(body, str):
        return httpx.Response(status, text=body, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


ENDPOINTS: dict[str, list[dict[str, Any]]] = {
    "endpoints": [
        {
            "name": LLAMA,
            "task": "llm/v1/chat",
            "state": {"ready": "READY", "config_update": "NOT_UPDATING"},
            "config": {"served_entities": [{"name": LLAMA, "foundation_model": {"name": LLAMA}}]},
        },
        {
            "name": CLAUDE,
            "task": "llm/v1/chat",
            "state": {"ready": "NOT_READY", "config_update": "IN_PROGRESS"},
        },
        {"name": "acme-support-assistant", "task": "llm/v1/chat", "state": {"ready": "READY"}},
        {"name": "churn-model", "task": None, "state": {"ready": "READY"}},
    ]
}


class MockWorkspace:
    """An ``httpx.MockTransport`` handler answering like a workspace; records every request.

    Chat answers the recorded llama reply (streamed: the recorded llama chunks), embeddings
    answer one vector per input in reversed ``index`` order, the endpoint list answers
    ``ENDPOINTS``. ``script(path, *answers)`` queues answers used first, in order.
    """

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self._scripted: dict[str, deque[Answer]] = {}

    def script(self, path: str, *answers: Answer) -> None:
        """Answer the next requests to ``path`` with ``answers``, in order."""
        self._scripted.setdefault(path, deque()).extend(answers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self._scripted.get(request.url.path)
        if queue:
            answer = queue.popleft()
            return answer if isinstance(answer, httpx.Response) else answer(request)
        return self._default(request)

    def _default(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == CHAT_PATH:
            if json.loads(request.content).get("stream"):
                return sse_response(sse(payload_lines("ai_bridge_stream_chunks_llama31.jsonl")))
            return httpx.Response(200, json=payload("ai_bridge_chat_response_llama31.json"))
        if path == EMBED_PATH:
            return httpx.Response(200, json=embeddings_for(json.loads(request.content)))
        if path == LIST_PATH:
            return httpx.Response(200, json=ENDPOINTS)
        return error_response(404, payload("error_404_resource_does_not_exist.json"))

    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies of every request sent, in order."""
        return [json.loads(request.content) for request in self.requests if request.content]


def embeddings_for(body: dict[str, Any]) -> dict[str, Any]:
    """The recorded bge reply reshaped to one vector per input, listed in reverse order."""
    recorded = payload("litellm_embedding_response_bge.json")
    inputs = body["input"]
    data = [
        {"index": i, "object": "embedding", "embedding": [float(i), float(len(text))]}
        for i, text in enumerate(inputs)
    ]
    return {**recorded, "data": list(reversed(data))}


def make_client(ws: MockWorkspace, **overrides: Any) -> Client:
    """A Client for HOST/TOKEN whose HTTP goes to ``ws``; ``overrides`` go to the container."""
    http_client = httpx.Client(transport=httpx.MockTransport(ws))
    options: dict[str, Any] = {"host": HOST, "token": TOKEN, "http_client": http_client}
    options.update(overrides)
    return Client(container=create_client_container(**options))


@pytest.fixture
def ws() -> MockWorkspace:
    return MockWorkspace()


@pytest.fixture
def client(ws: MockWorkspace) -> Client:
    return make_client(ws, max_retries=0)


class TestChat:
    def test_sends_one_authenticated_request_to_the_chat_path(
        self, client: Client, ws: MockWorkspace
    ) -> None:
        client.chat(LLAMA, "Hello")
        (request,) = ws.requests
        assert request.method == "POST"
        assert str(request.url) == HOST + CHAT_PATH
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["user-agent"].startswith("brickgate/")
        assert request.headers["content-type"] == "application/json"
        assert ws.bodies() == [{"model": LLAMA, "messages": [{"role": "user", "content": "Hello"}]}]

    def test_decodes_text_usage_and_the_model_the_server_reports(self, client: Client) -> None:
        reply = client.chat(LLAMA, "What is 36939 x 8922.4?")
        assert reply.text.endswith("36939 x 8922.4 = 329,511,111.6")
        assert reply.model == "meta-llama-3.1-70b-instruct-072424"
        assert reply.finish_reason == "stop"
        assert reply.usage is not None
        assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (30, 36)
        assert reply.usage.total_tokens == 66
        assert reply.adjustments == ()

    def test_max_completion_tokens_is_renamed_and_reported(
        self, client: Client, ws: MockWorkspace
    ) -> None:
        reply = client.chat(LLAMA, "Hi", max_completion_tokens=50, temperature=0.2)
        (body,) = ws.bodies()
        assert body["max_tokens"] == 50
        assert "max_completion_tokens" not in body
        assert body["temperature"] == 0.2
        assert [a.rule for a in reply.adjustments] == ["rename_max_completion_tokens"]

    def test_extra_body_passes_the_rules_and_extra_headers_are_sent(
        self, client: Client, ws: MockWorkspace
    ) -> None:
        reply = client.chat(
            LLAMA,
            "Hi",
            extra_body={"max_completion_tokens": 20, "custom_field": "x"},
            extra_headers={"X-Trace": "t-1"},
        )
        (body,) = ws.bodies()
        assert body["max_tokens"] == 20
        assert body["custom_field"] == "x"
        assert "max_completion_tokens" not in body
        assert ws.requests[0].headers["x-trace"] == "t-1"
        assert reply.adjustments

    def test_reasoning_parts_are_split_from_the_text(
        self, client: Client, ws: MockWorkspace
    ) -> None:
        (choice,) = payload("litellm_claude_reasoning_choices.json")
        body = {"id": "msg_1", "model": "claude-sonnet-4-5-20250929", "choices": [choice]}
        ws.script(CHAT_PATH, httpx.Response(200, json=body))
        reply = client.chat(CLAUDE, "Q and A please")
        assert reply.text == "# 5 Question and Answer Pairs"
        assert reply.reasoning == "i'm thinking."
        assert reply.model == "claude-sonnet-4-5-20250929"

    def test_tool_calls_are_decoded(self, client: Client, ws: MockWorkspace) -> None:
        call = {
            "id": "toolu_1",
            "type": "function",
            "function": {"name": "developer__shell", "arguments": '{"command": "ls"}'},
        }
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
        choice = {"index": 0, "message": message, "finish_reason": "tool_calls"}
        ws.script(CHAT_PATH, httpx.Response(200, json={"model": "m-1", "choices": [choice]}))
        tools = [{"type": "function", "function": {"name": "developer__shell", "strict": True}}]
        reply = client.chat(CLAUDE, "list files", tools=tools)
        (tool_call,) = reply.tool_calls
        assert (tool_call.id, tool_call.name) == ("toolu_1", "developer__shell")
        assert json.loads(tool_call.arguments) == {"command": "ls"}
        assert reply.finish_reason == "tool_calls"
        assert "strict" not in ws.bodies()[0]["tools"][0]["function"]

    def test_a_per_call_timeout_reaches_httpx(self, client: Client, ws: MockWorkspace) -> None:
        client.chat(LLAMA, "Hi", timeout=7.5)
        assert ws.requests[0].extensions["timeout"]["read"] == 7.5


class TestErrors:
    @pytest.mark.parametrize(
        ("status", "name", "error_type"),
        [
            (404, "error_404_resource_does_not_exist.json", brickgate.NotFoundError),
            (403, "error_403_permission_denied.json", brickgate.PermissionDeniedError),
            (400, "error_400_bad_request_claude_thinking.json", brickgate.BadRequestError),
        ],
    )
    def test_recorded_error_bodies_map_to_typed_errors(
        self,
        client: Client,
        ws: MockWorkspace,
        status: int,
        name: str,
        error_type: type[brickgate.ApiError],
    ) -> None:
        body = payload(name)
        ws.script(CHAT_PATH, error_response(status, body))
        with pytest.raises(error_type) as caught:
            client.chat(LLAMA, "Hi")
        assert caught.value.status == status
        assert caught.value.error_code == body["error_code"]
        assert "<" not in caught.value.message

    def test_request_id_is_kept(self, client: Client, ws: MockWorkspace) -> None:
        ws.script(CHAT_PATH, error_response(404, payload("error_404_resource_does_not_exist.json")))
        with pytest.raises(brickgate.NotFoundError) as caught:
            client.chat(LLAMA, "Hi")
        assert caught.value.request_id == "28e113da-9127-4b02-b211-c08df9e8e397"
        assert "does not exist" in caught.value.message

    def test_error_code_wins_over_status(self, client: Client, ws: MockWorkspace) -> None:
        body = {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "No endpoint named x."}
        ws.script(CHAT_PATH, error_response(400, body))
        with pytest.raises(brickgate.NotFoundError):
            client.chat(LLAMA, "Hi")

    def test_html_error_pages_become_readable_server_errors(
        self, client: Client, ws: MockWorkspace
    ) -> None:
        page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
        ws.script(CHAT_PATH, error_response(502, page, {"content-type": "text/html"}))
        with pytest.raises(brickgate.ServerError) as caught:
            client.chat(LLAMA, "Hi")
        assert "Bad Gateway" in caught.value.message
        assert "<" not in str(caught.value)

    def test_rate_limit_carries_retry_after(self, client: Client, ws: MockWorkspace) -> None:
        body = {"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "Exceeded workspace QPS"}
        ws.script(CHAT_PATH, error_response(429, body, {"retry-after": "7"}))
        with pytest.raises(brickgate.RateLimitError) as caught:
            client.chat(LLAMA, "Hi")
        assert caught.value.retry_after == 7.0

    def test_a_redirect_is_not_followed_and_the_token_stays_home(
        self, client: Client, ws: MockWorkspace
    ) -> None:
        ws.script(CHAT_PATH, httpx.Response(302, headers={"location": "https://evil.example/x"}))
        with pytest.raises(brickgate.ApiError, match="redirect") as caught:
            client.chat(LLAMA, "Hi")
        assert len(ws.requests) == 1
        assert TOKEN not in str(caught.value)

    def test_a_body_that_is_not_json_is_a_transport_error(
        self, client: Client, ws: MockWorkspace
    ) -> None:
        ws.script(CHAT_PATH, httpx.Response(200, text="<html>Sign in</html>"))
        with pytest.raises(brickgate.TransportError, match="not a JSON object"):
            client.chat(LLAMA, "Hi")

    def test_connection_failures_are_transport_errors(
        self, client: Client, ws: MockWorkspace
    ) -> None:
        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused", request=request)

        ws.script(CHAT_PATH, refuse)
        with pytest.raises(brickgate.TransportError) as caught:
            client.chat(LLAMA, "Hi")
        assert not isinstance(caught.value, brickgate.TimeoutError)

    def test_read_timeouts_are_brickgate_timeouts(self, client: Client, ws: MockWorkspace) -> None:
        def slow(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("timed out", request=request)

        ws.script(CHAT_PATH, slow)
        with pytest.raises(brickgate.TimeoutError):
            client.chat(LLAMA, "Hi")


class TestNothingUnsafeLeavesTheProcess:
    @pytest.mark.parametrize("model", ["../../api/2.0/x", "..", "a/b", "databricks/x y"])
    def test_chat_with_a_path_escaping_model_sends_nothing(
        self, client: Client, ws: MockWorkspace, model: str
    ) -> None:
        with pytest.raises(brickgate.InvalidRequestError):
            client.chat(model, "Hi")
        assert ws.requests == []

    @pytest.mark.parametrize("model", ["../../api/2.0/x", ".."])
    def test_embed_with_a_path_escaping_model_sends_nothing(
        self, client: Client, ws: MockWorkspace, model: str
    ) -> None:
        with pytest.raises(brickgate.InvalidRequestError):
            client.embed(model, ["a"])
        assert ws.requests == []

    @pytest.mark.parametrize("name", ["../../api/2.0/x", "..", "."])
    def test_endpoint_lookup_with_a_path_escaping_name_sends_nothing(
        self, client: Client, ws: MockWorkspace, name: str
    ) -> None:
        with pytest.raises(brickgate.InvalidRequestError):
            client.endpoint(name)
        assert ws.requests == []

    @pytest.mark.parametrize(
        "host",
        [
            "https://evil.example.com",
            "dbc-1234abcd-5678.cloud.databricks.com.evil.com",
            "http://dbc-1234abcd-5678.cloud.databricks.com",
            "https://user@dbc-1234abcd-5678.cloud.databricks.com",
            "dbc-1234abcd-5678.cloud.databricks.com:8443",
        ],
    )
    def test_a_host_that_fails_validation_never_gets_a_request(
        self, ws: MockWorkspace, host: str
    ) -> None:
        with pytest.raises(brickgate.InvalidHostError) as caught:
            make_client(ws, host=host)
        assert TOKEN not in str(caught.value)
        assert ws.requests == []

    def test_no_credentials_fails_at_construction(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("BRICKGATE_USE_KEYRING", "false")
        with pytest.raises(brickgate.NoCredentialsError):
            Client()

    def test_no_credentials_means_no_request(
        self, ws: MockWorkspace, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("BRICKGATE_USE_KEYRING", "false")
        http_client = httpx.Client(transport=httpx.MockTransport(ws))
        client = Client(container=create_client_container(http_client=http_client))
        with pytest.raises(brickgate.NoCredentialsError):
            client.chat(LLAMA, "Hi")
        assert ws.requests == []


class TestFromLogin:
    def test_host_and_token_come_from_the_login(self) -> None:
        client = Client.from_login(f"myws.cloud.databricks.com::{TOKEN}")
        credential = client.resolution.credential
        assert credential.host.name == "myws.cloud.databricks.com"
        assert isinstance(credential, brickgate.PersonalAccessToken)
        assert credential.token.get_secret_value() == TOKEN
        assert TOKEN not in repr(client.resolution)

    def test_a_bad_login_is_refused_without_echoing_the_token(self) -> None:
        with pytest.raises(brickgate.InvalidLoginError) as caught:
            Client.from_login(f"evil.example.com::{TOKEN}")
        assert TOKEN not in str(caught.value)


class TestEmbed:
    def test_vectors_come_back_in_input_order(self, client: Client, ws: MockWorkspace) -> None:
        reply = client.embed("databricks-bge-large-en", ["a", "bb", "ccc"])
        assert reply.vectors == [[0.0, 1.0], [1.0, 2.0], [2.0, 3.0]]
        assert reply.usage is not None and reply.usage.prompt_tokens == 8
        (request,) = ws.requests
        assert request.url.path == EMBED_PATH
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert ws.bodies() == [{"model": "databricks-bge-large-en", "input": ["a", "bb", "ccc"]}]

    def test_one_text_is_one_input(self, client: Client, ws: MockWorkspace) -> None:
        reply = client.embed("databricks-bge-large-en", "hello")
        assert reply.vectors == [[0.0, 5.0]]
        assert ws.bodies()[0]["input"] == ["hello"]

    def test_the_recorded_reply_decodes(self, client: Client, ws: MockWorkspace) -> None:
        recorded = payload("litellm_embedding_response_bge.json")
        ws.script(EMBED_PATH, httpx.Response(200, json=recorded))
        reply = client.embed("databricks-bge-large-en", "x")
        assert reply.vectors == [recorded["data"][0]["embedding"]]
        assert reply.model == "bge-large-en-v1.5"


class TestEndpointsAndModels:
    def test_endpoints_are_listed_live(self, client: Client, ws: MockWorkspace) -> None:
        endpoints = client.endpoints()
        assert [e.name for e in endpoints] == [e["name"] for e in ENDPOINTS["endpoints"]]
        assert [e.ready for e in endpoints] == [True, False, True, True]
        assert endpoints[0].foundation_model == LLAMA
        (request,) = ws.requests
        assert (request.method, request.url.path) == ("GET", LIST_PATH)
        assert request.headers["authorization"] == f"Bearer {TOKEN}"

    def test_one_endpoint(self, client: Client, ws: MockWorkspace) -> None:
        ws.script(f"{LIST_PATH}/{LLAMA}", httpx.Response(200, json=ENDPOINTS["endpoints"][0]))
        endpoint = client.endpoint(LLAMA)
        assert (endpoint.name, endpoint.task, endpoint.ready) == (LLAMA, "llm/v1/chat", True)

    def test_an_unknown_endpoint_is_not_found(self, client: Client) -> None:
        with pytest.raises(brickgate.NotFoundError):
            client.endpoint("no-such-endpoint")

    def test_models_merge_the_catalog_with_the_workspace(self, client: Client) -> None:
        entries = {entry.name: entry for entry in client.models()}
        assert entries[LLAMA].availability is Availability.SERVED
        assert entries[LLAMA].spec is not None
        assert entries[CLAUDE].availability is Availability.NOT_READY
        assert entries["acme-support-assistant"].availability is Availability.UNKNOWN
        assert entries["acme-support-assistant"].spec is None
        assert entries["databricks-gpt-oss-120b"].availability is Availability.NOT_SERVED
        assert "churn-model" not in entries

    def test_retired_models_appear_only_when_asked(self, client: Client) -> None:
        retired = "databricks-dbrx-instruct"
        assert retired not in {entry.name for entry in client.models()}
        everything = {entry.name: entry for entry in client.models(include_retired=True)}
        assert everything[retired].availability is Availability.NOT_SERVED
        assert everything[retired].spec is not None
        assert everything[retired].spec.status == "retired"


class TestRetries:
    def test_a_503_then_200_succeeds_after_one_backoff(self, ws: MockWorkspace) -> None:
        clock = FakeClock()
        client = make_client(ws, max_retries=2, clock=clock)
        body = {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "Retry later."}
        ws.script(CHAT_PATH, error_response(503, body))
        reply = client.chat(LLAMA, "Hi")
        assert reply.text
        assert len(ws.requests) == 2
        assert ws.bodies()[0] == ws.bodies()[1]
        (wait,) = clock.sleeps
        assert 0.375 <= wait <= 0.5

    def test_retry_after_is_honoured(self, ws: MockWorkspace) -> None:
        clock = FakeClock()
        client = make_client(ws, max_retries=1, clock=clock)
        body = {"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "Exceeded workspace QPS"}
        ws.script(CHAT_PATH, error_response(429, body, {"retry-after": "3"}))
        client.chat(LLAMA, "Hi")
        assert clock.sleeps == [3.0]

    def test_the_budget_runs_out_with_the_last_error(self, ws: MockWorkspace) -> None:
        clock = FakeClock()
        client = make_client(ws, max_retries=2, clock=clock)
        body = {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "Retry later."}
        ws.script(EMBED_PATH, *(error_response(503, body) for _ in range(3)))
        with pytest.raises(brickgate.ServerError):
            client.embed("databricks-bge-large-en", "x")
        assert len(ws.requests) == 3
        assert len(clock.sleeps) == 2

    def test_client_errors_are_not_retried(self, ws: MockWorkspace) -> None:
        clock = FakeClock()
        client = make_client(ws, max_retries=3, clock=clock)
        ws.script(LIST_PATH, error_response(403, payload("error_403_permission_denied.json")))
        with pytest.raises(brickgate.PermissionDeniedError):
            client.endpoints()
        assert len(ws.requests) == 1
        assert clock.sleeps == []


class TestLifecycle:
    def test_the_context_manager_closes_the_http_client(self, ws: MockWorkspace) -> None:
        with make_client(ws) as client:
            client.chat(LLAMA, "Hi")
        with pytest.raises(brickgate.BrickgateError):
            client.chat(LLAMA, "Hi again")
        assert len(ws.requests) == 1

    def test_close_is_idempotent_and_safe_before_use(self, ws: MockWorkspace) -> None:
        client = make_client(ws)
        client.close()
        client.close()
        assert ws.requests == []
