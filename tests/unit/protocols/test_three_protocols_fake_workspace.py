"""Against FakeWorkspace: every protocol answers in the same shape, sync and async.

Text, streaming, tool-call round trips, reasoning and usage with cached tokens come back alike
over Chat Completions, Responses and Anthropic Messages; a Responses-only model unknown to the
catalog works through the 400 fallback with exactly one extra request, once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

import brickgate
from brickgate import AsyncClient, ChatResponse, Client
from brickgate.testing import FakeWorkspace

CLAUDE = "databricks-claude-sonnet-4-5"
SERVED_CLAUDE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
UNKNOWN = "acme-support-assistant"
PROTOCOLS = ("chat", "responses", "messages")
PATHS = {
    "chat": "/serving-endpoints/chat/completions",
    "responses": "/serving-endpoints/open-responses",
    "messages": "/serving-endpoints/anthropic/v1/messages",
}
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
REASONING: dict[str, dict[str, Any]] = {
    "chat": {"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 2048},
    "responses": {"reasoning_effort": "low", "max_tokens": 2048},
    "messages": {"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 2048},
}


@pytest.fixture
def ws() -> Iterator[FakeWorkspace]:
    with FakeWorkspace(protocols={UNKNOWN: ["responses"]}) as workspace:
        yield workspace


@pytest.fixture
def client(ws: FakeWorkspace) -> Iterator[Client]:
    with Client(host=ws.url, token=ws.token, trusted_hosts=("127.0.0.1",), max_retries=0) as c:
        yield c


def _async_client(ws: FakeWorkspace) -> AsyncClient:
    return AsyncClient(host=ws.url, token=ws.token, trusted_hosts=("127.0.0.1",), max_retries=0)


def _sums_up(reply: ChatResponse) -> None:
    assert reply.usage is not None
    assert reply.usage.prompt_tokens > 0
    assert reply.usage.completion_tokens > 0
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens


def _cached_conversation(protocol: str) -> list[dict[str, Any]]:
    system: dict[str, Any] = {"type": "text", "text": "You are a terse weather bot. " * 20}
    if protocol != "responses":
        system["cache_control"] = {"type": "ephemeral"}
    return [
        {"role": "system", "content": [system]},
        {"role": "user", "content": "Is it sunny?"},
        {"role": "assistant", "content": "Yes."},
        {"role": "user", "content": "And tomorrow?"},
    ]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_text_reply_has_one_shape_over_every_protocol(
    client: Client, ws: FakeWorkspace, protocol: str
) -> None:
    reply = client.chat(CLAUDE, "Hello there", protocol=protocol, max_tokens=256)

    assert reply.text == f"FakeWorkspace {CLAUDE} says: you said Hello there"
    assert reply.finish_reason == "stop"
    assert reply.model == SERVED_CLAUDE
    assert reply.tool_calls == ()
    assert reply.reasoning is None
    _sums_up(reply)
    assert [r.path for r in ws.requests] == [PATHS[protocol]]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_streamed_reply_assembles_to_the_non_streamed_one(client: Client, protocol: str) -> None:
    whole = client.chat(CLAUDE, "Stream this please", protocol=protocol, max_tokens=256)
    with client.stream(CLAUDE, "Stream this please", protocol=protocol, max_tokens=256) as s:
        pieces = [chunk.text for chunk in s if chunk.text]
    streamed = s.response

    assert len(pieces) > 1
    assert "".join(pieces) == streamed.text == whole.text
    assert streamed.finish_reason == whole.finish_reason == "stop"
    assert streamed.usage is not None and whole.usage is not None
    assert streamed.usage.total_tokens == whole.usage.total_tokens


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("stream", [False, True])
def test_tool_call_round_trip_over_every_protocol(
    client: Client, protocol: str, stream: bool
) -> None:
    question: list[dict[str, Any]] = [{"role": "user", "content": "Weather in Paris?"}]
    options: dict[str, Any] = {"tools": [WEATHER], "protocol": protocol, "max_tokens": 256}
    if stream:
        with client.stream(CLAUDE, question, **options) as s:
            for _ in s:
                pass
        first = s.response
    else:
        first = client.chat(CLAUDE, question, **options)

    assert first.finish_reason == "tool_calls"
    (call,) = first.tool_calls
    assert call.name == "get_weather"
    assert call.id.startswith("toolu_bdrk_")
    assert set(json.loads(call.arguments)) == {"city"}

    history = [
        *question,
        first.to_message(),
        {"role": "tool", "tool_call_id": call.id, "content": "18C and sunny"},
    ]
    second = client.chat(CLAUDE, history, **options)

    assert second.finish_reason == "stop"
    assert second.text == "The tool returned: 18C and sunny"
    assert second.tool_calls == ()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_reasoning_comes_back_apart_from_the_answer(client: Client, protocol: str) -> None:
    reply = client.chat(CLAUDE, "Think first", protocol=protocol, **REASONING[protocol])
    with client.stream(CLAUDE, "Think first", protocol=protocol, **REASONING[protocol]) as s:
        streamed_reasoning = "".join(chunk.reasoning for chunk in s)

    assert reply.reasoning
    assert reply.reasoning not in reply.text
    assert streamed_reasoning == reply.reasoning == s.response.reasoning
    assert reply.text.endswith("you said Think first")
    _sums_up(reply)


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("stream", [False, True])
def test_usage_reports_cached_prompt_tokens(client: Client, protocol: str, stream: bool) -> None:
    conversation = _cached_conversation(protocol)
    if stream:
        with client.stream(CLAUDE, conversation, protocol=protocol, max_tokens=256) as s:
            for _ in s:
                pass
        reply = s.response
    else:
        reply = client.chat(CLAUDE, conversation, protocol=protocol, max_tokens=256)

    usage = reply.usage
    assert usage is not None
    assert usage.cache_read_input_tokens is not None
    assert 0 < usage.cache_read_input_tokens < usage.prompt_tokens
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_messages_reports_the_prompt_cache_written_on_the_first_turn(client: Client) -> None:
    first_turn = [_cached_conversation("messages")[0], {"role": "user", "content": "Hi"}]

    usage = client.chat(CLAUDE, first_turn, protocol="messages", max_tokens=64).usage

    assert usage is not None
    assert usage.cache_creation_input_tokens is not None and usage.cache_creation_input_tokens > 0
    assert usage.cache_read_input_tokens == 0


def test_unknown_responses_only_model_falls_back_once_and_remembers(
    client: Client, ws: FakeWorkspace
) -> None:
    first = client.chat(UNKNOWN, "Hello")
    second = client.chat(UNKNOWN, "Hello again")
    with client.stream(UNKNOWN, "And streamed") as s:
        streamed = "".join(chunk.text for chunk in s)

    assert first.text.endswith("you said Hello")
    assert [a.rule for a in first.adjustments] == ["protocol"]
    assert "only supports the Responses API" in first.adjustments[0].detail
    assert second.text.endswith("you said Hello again")
    assert streamed.endswith("you said And streamed")
    assert [r.path for r in ws.requests] == [
        "/serving-endpoints/chat/completions",
        "/serving-endpoints/open-responses",
        "/serving-endpoints/open-responses",
        "/serving-endpoints/open-responses",
    ]


def test_a_streamed_first_call_falls_back_too(ws: FakeWorkspace) -> None:
    with (
        Client(host=ws.url, token=ws.token, trusted_hosts=("127.0.0.1",)) as client,
        client.stream(UNKNOWN, "Stream first") as s,
    ):
        text = "".join(chunk.text for chunk in s)

    assert text.endswith("you said Stream first")
    assert [a.rule for a in s.response.adjustments] == ["protocol"]
    assert [r.path for r in ws.requests] == [
        "/serving-endpoints/chat/completions",
        "/serving-endpoints/open-responses",
    ]


def test_an_explicit_chat_protocol_does_not_fall_back(client: Client, ws: FakeWorkspace) -> None:
    with pytest.raises(brickgate.ResponsesOnlyError, match="only supports the Responses API"):
        client.chat(UNKNOWN, "Hello", protocol="chat")

    assert len(ws.requests) == 1


@pytest.mark.parametrize(
    ("model", "params", "field"),
    [
        (CLAUDE, {"protocol": "responses", "stop": ["END"]}, "stop"),
        (CLAUDE, {"protocol": "responses", "thinking": {"type": "enabled"}}, "thinking"),
        ("databricks-gpt-5-mini", {"protocol": "messages"}, "messages"),
        (
            CLAUDE,
            {"protocol": "messages", "max_tokens": 100, "thinking": {"budget_tokens": 100}},
            "budget_tokens",
        ),
        (UNKNOWN, {"protocol": "messages"}, "messages"),
    ],
)
def test_what_a_protocol_cannot_carry_raises_before_sending(
    client: Client, ws: FakeWorkspace, model: str, params: dict[str, Any], field: str
) -> None:
    with pytest.raises(brickgate.InvalidRequestError, match=field):
        client.chat(model, "Hi", **params)
    with pytest.raises(brickgate.InvalidRequestError, match=field):
        client.stream(model, "Hi", **params)

    assert ws.requests == []


def test_cache_control_on_a_responses_call_raises_before_sending(
    client: Client, ws: FakeWorkspace
) -> None:
    with pytest.raises(brickgate.InvalidRequestError, match="cache_control"):
        client.chat(CLAUDE, _cached_conversation("messages"), protocol="responses")

    assert ws.requests == []


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_async_text_stream_and_tool_round_trip(ws: FakeWorkspace, protocol: str) -> None:
    options: dict[str, Any] = {"protocol": protocol, "max_tokens": 256}
    async with _async_client(ws) as client:
        reply = await client.chat(CLAUDE, "Hello async", **options)
        async with client.stream(CLAUDE, "Hello async", **options) as s:
            streamed = "".join([chunk.text async for chunk in s])
        question: list[dict[str, Any]] = [{"role": "user", "content": "Weather in Oslo?"}]
        first = await client.chat(CLAUDE, question, tools=[WEATHER], **options)
        (call,) = first.tool_calls
        result = {"role": "tool", "tool_call_id": call.id, "content": "4C"}
        second = await client.chat(
            CLAUDE, [*question, first.to_message(), result], tools=[WEATHER], **options
        )

    assert reply.text == streamed == f"FakeWorkspace {CLAUDE} says: you said Hello async"
    _sums_up(reply)
    assert first.finish_reason == "tool_calls"
    assert second.text == "The tool returned: 4C"


async def test_async_fallback_costs_one_extra_request_once(ws: FakeWorkspace) -> None:
    async with _async_client(ws) as client:
        first = await client.chat(UNKNOWN, "One")
        second = await client.chat(UNKNOWN, "Two")

    assert first.text.endswith("you said One")
    assert second.text.endswith("you said Two")
    assert [r.path for r in ws.requests] == [
        "/serving-endpoints/chat/completions",
        "/serving-endpoints/open-responses",
        "/serving-endpoints/open-responses",
    ]
