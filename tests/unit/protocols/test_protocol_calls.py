"""Responses, Messages and pass-through call definitions: paths, headers, bodies, answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from brickgate.domain.calls import EVENT_STREAM, JSON_TYPE, Answer, Retry
from brickgate.domain.calls.answers import encode_json, json_answer
from brickgate.domain.calls.headers import TAGS_HEADER, tags_header
from brickgate.domain.calls.messages import messages_call, messages_path, messages_stream_call
from brickgate.domain.calls.passthrough import (
    RawReader,
    passthrough_call,
    passthrough_stream_call,
)
from brickgate.domain.calls.protocol import protocol_call, protocol_stream_call
from brickgate.domain.calls.responses import (
    responses_call,
    responses_path,
    responses_stream_call,
)
from brickgate.domain.calls.serving import GATEWAY, INVOCATIONS, SERVING, SurfaceAbsentError
from brickgate.domain.chat import Adjustment, CallOptions, ChatRequest
from brickgate.domain.errors import InvalidRequestError, RateLimitError, ServerError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.protocols import ChatEventReader, MessagesEventReader, ResponsesEventReader
from brickgate.domain.protocols.anthropic import with_max_tokens

from .helpers import reply_json

WORKSPACE = WorkspaceHost.parse("adb-1.2.azuredatabricks.net")
GATEWAY_HOST = WorkspaceHost.parse("1234.ai-gateway.cloud.databricks.com")
USER = {"role": "user", "content": "Hi"}


def req(model: str, **body: Any) -> ChatRequest:
    return ChatRequest(model, {"messages": [USER], **body}, (Adjustment("rule", "did"),))


@pytest.mark.parametrize(
    ("host", "surface", "model", "path"),
    [
        (WORKSPACE, SERVING, "databricks-gpt-5", ("serving-endpoints", "responses")),
        (
            WORKSPACE,
            SERVING,
            "databricks-claude-sonnet-4-5",
            ("serving-endpoints", "open-responses"),
        ),
        (WORKSPACE, SERVING, "databricks-gpt-oss-120b", ("serving-endpoints", "open-responses")),
        (
            WORKSPACE,
            GATEWAY,
            "databricks-gpt-5-1-codex-max",
            ("ai-gateway", "codex", "v1", "responses"),
        ),
        (WORKSPACE, GATEWAY, "system.ai.gpt-5", ("ai-gateway", "openai", "v1", "responses")),
        (
            WORKSPACE,
            GATEWAY,
            "system.ai.claude-sonnet-4-5",
            ("ai-gateway", "mlflow", "v1", "responses"),
        ),
        (GATEWAY_HOST, GATEWAY, "system.ai.gpt-5", ("openai", "v1", "responses")),
    ],
)
def test_responses_paths(
    host: WorkspaceHost, surface: Any, model: str, path: tuple[str, ...]
) -> None:
    assert responses_path(host, surface, model) == path
    assert responses_call(host, req(model), CallOptions(), surface=surface).request.path == path


def test_responses_route_override_and_refusals() -> None:
    assert responses_path(WORKSPACE, GATEWAY, "x", route="mlflow") == (
        "ai-gateway",
        "mlflow",
        "v1",
        "responses",
    )
    with pytest.raises(InvalidRequestError, match="route"):
        responses_path(WORKSPACE, GATEWAY, "x", route="anthropic")
    with pytest.raises(InvalidRequestError, match="invocations"):
        responses_path(WORKSPACE, INVOCATIONS, "x")


def test_responses_call_sends_the_encoded_body_and_decodes_with_adjustments() -> None:
    call = responses_call(
        WORKSPACE, req("databricks-gpt-5", max_tokens=9), CallOptions(timeout=5.0, max_retries=1)
    )
    request = call.request
    assert (request.method, request.content_type, request.accept) == ("POST", JSON_TYPE, JSON_TYPE)
    assert request.timeout == 5.0 and call.max_retries == 1 and call.retry == Retry.ALWAYS
    sent = json.loads(request.content or b"")
    assert sent["max_output_tokens"] == 9 and sent["store"] is False and "stream" not in sent
    reply = call.decode(json_answer(reply_json("responses_reply.json")))
    assert reply.text == "Checking now." and reply.adjustments == (Adjustment("rule", "did"),)


def test_responses_stream_call() -> None:
    call = responses_stream_call(WORKSPACE, req("databricks-gpt-5-1-codex-max"), CallOptions())
    assert call.request.accept == EVENT_STREAM
    assert json.loads(call.request.content or b"")["stream"] is True
    assert isinstance(call.reader(), ResponsesEventReader)


def test_refused_bodies_raise_before_a_call_exists() -> None:
    with pytest.raises(InvalidRequestError, match="stop"):
        responses_call(WORKSPACE, req("databricks-gpt-5", stop="x"), CallOptions())
    with pytest.raises(InvalidRequestError, match="max_tokens"):
        messages_call(WORKSPACE, req("databricks-claude-sonnet-4-5"), CallOptions())


@pytest.mark.parametrize(
    ("host", "surface", "path"),
    [
        (WORKSPACE, SERVING, ("serving-endpoints", "anthropic", "v1", "messages")),
        (WORKSPACE, GATEWAY, ("ai-gateway", "anthropic", "v1", "messages")),
        (GATEWAY_HOST, GATEWAY, ("anthropic", "v1", "messages")),
    ],
)
def test_messages_paths(host: WorkspaceHost, surface: Any, path: tuple[str, ...]) -> None:
    assert messages_path(host, surface) == path


def test_messages_call_headers_body_default_cap_and_decode() -> None:
    options = CallOptions(
        extra_headers={"anthropic-beta": "fine-grained-tool-streaming-2025-05-14"}
    )
    call = messages_call(
        WORKSPACE,
        req("databricks-claude-sonnet-4-5"),
        options,
        tags={"team": "search"},
        default_max_tokens=64000,
    )
    assert call.request.headers == {
        "anthropic-version": "2023-06-01",
        TAGS_HEADER: '{"team":"search"}',
        "anthropic-beta": "fine-grained-tool-streaming-2025-05-14",
    }
    assert json.loads(call.request.content or b"")["max_tokens"] == 64000
    reply = call.decode(json_answer(reply_json("messages_reply.json")))
    assert [a.rule for a in reply.adjustments] == ["rule", "default_max_tokens"]


def test_the_callers_anthropic_version_wins() -> None:
    options = CallOptions(extra_headers={"Anthropic-Version": "2099-01-01"})
    call = messages_stream_call(
        WORKSPACE, req("databricks-claude-sonnet-4-5", max_tokens=5), options
    )
    assert call.request.headers == {"anthropic-version": "2099-01-01"}
    assert isinstance(call.reader(), MessagesEventReader)


def test_anthropic_error_bodies_map_to_the_error_tree() -> None:
    call = messages_call(
        WORKSPACE, req("databricks-claude-sonnet-4-5", max_tokens=5), CallOptions()
    )
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    assert isinstance(call.fail(Answer(529, {}, encode_json(overloaded))), ServerError)
    limited = {"type": "error", "error": {"type": "rate_limit_error", "message": "slow"}}
    assert isinstance(call.fail(Answer(429, {}, encode_json(limited))), RateLimitError)


def test_a_missing_gateway_is_reported_while_discovering() -> None:
    call = messages_call(
        WORKSPACE,
        req("system.ai.claude-sonnet-4-5", max_tokens=5),
        CallOptions(),
        surface=GATEWAY,
        discovering=True,
    )
    assert isinstance(
        call.fail(Answer(404, {}, b'{"error_code":"ENDPOINT_NOT_FOUND"}')), SurfaceAbsentError
    )


@pytest.mark.parametrize(
    "tags",
    [
        {"team": "a\nb"},
        {"": "x"},
        {"team": 3},
        {"k" * 300: "x"},
        {str(i): "x" for i in range(65)},
    ],
)
def test_bad_tags_are_refused(tags: Any) -> None:
    with pytest.raises(InvalidRequestError, match="tag"):
        tags_header(tags)


def test_tags_are_one_ascii_line() -> None:
    assert tags_header({"team": "søk", "project": "x"}) == {
        TAGS_HEADER: '{"team":"s\\u00f8k","project":"x"}'
    }
    assert tags_header(None) == {} and tags_header({}) == {}


def test_passthrough_sends_bytes_unchanged_and_returns_the_answer() -> None:
    body = b'{"model":"m","input":"hi"}'
    call = passthrough_call(
        "POST",
        ["serving-endpoints", "responses"],
        body,
        {"X-Trace": "1"},
        timeout=3.0,
        max_retries=0,
    )
    assert call.request.content is body and call.request.path == ("serving-endpoints", "responses")
    assert call.request.headers == {"x-trace": "1"} and call.request.content_type == JSON_TYPE
    answer = Answer(200, {"content-type": "application/json"}, b'{"any":"thing"}')
    assert call.decode(answer) is answer


def test_passthrough_refusals_keep_the_native_answer_without_cookies() -> None:
    call = passthrough_call("POST", ["ai-gateway", "anthropic", "v1", "messages"], b"{}")
    body = b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'
    error = call.fail(Answer(529, {"set-cookie": "s=1", "x-request-id": "r"}, body))
    assert isinstance(error, ServerError)
    assert error.native_answer == Answer(529, {"x-request-id": "r"}, body)


def test_passthrough_stream_hands_pieces_on_unchanged() -> None:
    call = passthrough_stream_call("POST", ["serving-endpoints", "chat", "completions"], b"{}")
    assert call.request.accept == EVENT_STREAM
    reader = call.reader()
    assert isinstance(reader, RawReader)
    assert reader.feed(b"data: {") == [b"data: {"] and reader.feed(b"") == []
    assert reader.finish() == [] and reader.error is None and not reader.done


def test_passthrough_on_a_gateway_host_uses_route_roots() -> None:
    call = passthrough_call("GET", ["anthropic", "v1", "models"], None, host=GATEWAY_HOST)
    assert call.request.content is None and call.request.content_type is None
    with pytest.raises(InvalidRequestError, match="must start with"):
        passthrough_call("GET", ["serving-endpoints", "x"], None, host=GATEWAY_HOST)


@pytest.mark.parametrize(
    ("method", "path", "headers", "named"),
    [
        ("DELETE", ["serving-endpoints", "x"], None, "DELETE"),
        ("POST", ["api", "2.0", "secrets"], None, "must start with"),
        ("POST", [], None, "must start with"),
        ("POST", ["serving-endpoints", ".."], None, "segment"),
        ("POST", ["serving-endpoints", "a/b"], None, "segment"),
        ("POST", ["serving-endpoints", ""], None, "segment"),
        ("POST", ["serving-endpoints", "x"], {"Authorization": "Bearer x"}, "Authorization"),
        ("POST", ["serving-endpoints", "x"], {"Transfer-Encoding": "chunked"}, "Transfer-Encoding"),
    ],
)
def test_passthrough_refuses_unsafe_requests(
    method: str, path: list[str], headers: dict[str, str] | None, named: str
) -> None:
    with pytest.raises(InvalidRequestError, match=named):
        passthrough_call(method, path, b"{}", headers)


@pytest.mark.parametrize(
    ("protocol", "path"),
    [
        ("chat", ("serving-endpoints", "chat", "completions")),
        ("responses", ("serving-endpoints", "open-responses")),
        ("messages", ("serving-endpoints", "anthropic", "v1", "messages")),
    ],
)
def test_protocol_calls_dispatch_and_carry_tags(protocol: Any, path: tuple[str, ...]) -> None:
    request = req("databricks-claude-sonnet-4-5")
    call = protocol_call(
        protocol, WORKSPACE, request, CallOptions(), tags={"t": "v"}, default_max_tokens=8
    )
    stream = protocol_stream_call(
        protocol, WORKSPACE, with_max_tokens(request, 8), CallOptions(), tags={"t": "v"}
    )
    for made in (call, stream):
        assert made.request.path == path
        assert (made.request.headers or {})[TAGS_HEADER] == '{"t":"v"}'
    with pytest.raises(InvalidRequestError, match="auto"):
        protocol_call("auto", WORKSPACE, request, CallOptions())  # type: ignore[arg-type]


def test_chat_event_reader_normalizes_finish_reasons() -> None:
    reader = ChatEventReader()
    chunk = {"choices": [{"delta": {"content": "x"}, "finish_reason": "function_call"}]}
    data = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()
    assert [c.finish_reason for c in reader.feed(data)] == ["tool_calls"]
    assert reader.done
