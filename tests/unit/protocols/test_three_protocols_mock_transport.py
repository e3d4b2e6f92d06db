"""Through httpx.MockTransport: one reply, told in each protocol's wire shape, reads back alike.

The mock answers the same reply (text, reasoning, a tool call, cached prompt tokens) as a Chat
Completions, Responses or Messages body or SSE stream; the public clients, sync and async, must
decode all three into the same ``ChatResponse``. The reference's example streams and a
"Responses only" refusal travel the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pytest

import brickgate
from brickgate import AsyncClient, ChatResponse, Client
from brickgate.container import create_client_container
from brickgate.testing.fake_workspace.catalog import find_endpoint
from brickgate.testing.fake_workspace.exchange import Reply
from brickgate.testing.fake_workspace.messages_render import messages_body, messages_events
from brickgate.testing.fake_workspace.protocol_routes import chat_cache
from brickgate.testing.fake_workspace.render import completion_body, stream_events
from brickgate.testing.fake_workspace.replies import ChatPlan, ToolCallPlan
from brickgate.testing.fake_workspace.responses_render import (
    CacheUse,
    responses_body,
    responses_events,
)
from tests.unit.protocols.helpers import stream_bytes

HOST = "https://dbc-1234abcd-5678.cloud.databricks.com"
TOKEN = "dapi" + "cd" * 16
CLAUDE = "databricks-claude-sonnet-4-5"
UNKNOWN = "acme-agent"
SPEC = find_endpoint(CLAUDE)
assert SPEC is not None
PATHS = {
    "/serving-endpoints/chat/completions": "chat",
    "/serving-endpoints/open-responses": "responses",
    "/serving-endpoints/anthropic/v1/messages": "messages",
}
CACHE = CacheUse(read=30)
TEXT_PLAN = ChatPlan(
    ident="msg_bdrk_01ab12cd34ef56ab78cd90ef12",
    text="It is 18C and sunny in Paris.",
    finish_reason="stop",
    prompt_tokens=40,
    completion_tokens=12,
    reasoning="The user wants the weather.",
    signature="EqQBfake",
)
TOOL_PLAN = replace(
    TEXT_PLAN,
    text="",
    finish_reason="tool_calls",
    tool_call=ToolCallPlan("toolu_bdrk_01X", "get_weather", '{"city":"Paris"}'),
)
REFUSAL = {
    "error_code": "BAD_REQUEST",
    "message": f"Bad Request: Model {UNKNOWN} only supports the Responses API. Please use "
    "/serving-endpoints/responses instead.",
}


def _wire(protocol: str, plan: ChatPlan, stream: bool) -> httpx.Response:
    assert SPEC is not None
    if protocol == "chat":
        events = stream_events(SPEC, plan, None) if stream else None
        reply = chat_cache(Reply(200, completion_body(SPEC, plan), events=events), CACHE)
    elif protocol == "responses":
        events = responses_events(SPEC, plan, CACHE) if stream else None
        reply = Reply(200, responses_body(SPEC, plan, CACHE), events=events)
    else:
        events = messages_events(SPEC, plan, CACHE) if stream else None
        reply = Reply(200, messages_body(SPEC, plan, CACHE), events=events)
    if reply.events is not None:
        body = b"".join(reply.events)
        return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})
    return httpx.Response(200, content=reply.body, headers={"content-type": "application/json"})


@dataclass
class MockServing:
    """Answers every protocol path with ``plan``; ``UNKNOWN`` refuses Chat Completions."""

    plan: ChatPlan = TEXT_PLAN
    paths: list[str] = field(default_factory=list)
    raw: dict[str, bytes] = field(default_factory=dict)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.paths.append(path)
        body = json.loads(request.content)
        if body.get("model") == UNKNOWN and path.endswith("chat/completions"):
            return httpx.Response(400, json=REFUSAL)
        if path in self.raw:
            headers = {"content-type": "text/event-stream"}
            return httpx.Response(200, content=self.raw[path], headers=headers)
        return _wire(PATHS[path], self.plan, body.get("stream") is True)


def _client(mock: MockServing) -> Client:
    http = httpx.Client(transport=httpx.MockTransport(mock))
    container = create_client_container(host=HOST, token=TOKEN, http_client=http, max_retries=0)
    return Client(container=container)


def _async_client(mock: MockServing) -> AsyncClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(mock))
    container = create_client_container(
        host=HOST, token=TOKEN, async_http_client=http, max_retries=0
    )
    return AsyncClient(container=container)


def _shape(reply: ChatResponse) -> tuple[Any, ...]:
    usage = reply.usage
    assert usage is not None
    counts = (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens)
    calls = tuple((c.id, c.name, json.loads(c.arguments)) for c in reply.tool_calls)
    return (
        reply.text,
        reply.reasoning,
        calls,
        reply.finish_reason,
        counts,
        usage.cache_read_input_tokens,
    )


def _ask(client: Client, protocol: str, stream: bool) -> ChatResponse:
    if not stream:
        return client.chat(CLAUDE, "Weather in Paris?", protocol=protocol, max_tokens=256)
    with client.stream(CLAUDE, "Weather in Paris?", protocol=protocol, max_tokens=256) as s:
        for _ in s:
            pass
    return s.response


@pytest.mark.parametrize("plan", [TEXT_PLAN, TOOL_PLAN], ids=["text", "tool-call"])
@pytest.mark.parametrize("stream", [False, True], ids=["reply", "stream"])
def test_one_reply_reads_back_alike_from_every_protocol(plan: ChatPlan, stream: bool) -> None:
    mock = MockServing(plan)
    with _client(mock) as client:
        shapes = {protocol: _shape(_ask(client, protocol, stream)) for protocol in PATHS.values()}

    assert shapes["chat"] == shapes["responses"] == shapes["messages"]
    text, reasoning, calls, finish, counts, cached = shapes["chat"]
    assert text == plan.text and reasoning == plan.reasoning
    assert finish == plan.finish_reason
    assert counts == (40, 12, 52) and cached == 30
    if plan.tool_call is not None:
        assert calls == (("toolu_bdrk_01X", "get_weather", {"city": "Paris"}),)
    assert mock.paths == list(PATHS)


@pytest.mark.parametrize("plan", [TEXT_PLAN, TOOL_PLAN], ids=["text", "tool-call"])
async def test_async_clients_read_every_protocol_alike(plan: ChatPlan) -> None:
    mock = MockServing(plan)
    shapes = []
    async with _async_client(mock) as client:
        for protocol in PATHS.values():
            reply = await client.chat(CLAUDE, "Weather?", protocol=protocol, max_tokens=256)
            async with client.stream(CLAUDE, "Weather?", protocol=protocol, max_tokens=256) as s:
                async for _ in s:
                    pass
            streamed = await s.get_response()
            shapes += [_shape(reply), _shape(streamed)]

    assert all(shape == shapes[0] for shape in shapes)


def test_the_reference_tool_streams_read_back_as_one_tool_call() -> None:
    mock = MockServing()
    mock.raw = {
        "/serving-endpoints/open-responses": stream_bytes("responses_tool_call.sse"),
        "/serving-endpoints/anthropic/v1/messages": stream_bytes("messages_thinking_tool.sse"),
    }
    with _client(mock) as client:
        replies = [_ask(client, protocol, True) for protocol in ("responses", "messages")]

    for reply in replies:
        assert reply.finish_reason == "tool_calls"
        assert [(c.name, set(json.loads(c.arguments))) for c in reply.tool_calls] == [
            ("get_weather", {"city"})
        ]
    assert replies[1].reasoning == "User wants Oslo weather."


def test_a_responses_only_refusal_costs_one_extra_request_once() -> None:
    mock = MockServing()
    with _client(mock) as client:
        first = client.chat(UNKNOWN, "Hi")
        second = client.chat(UNKNOWN, "Hi again")

    assert first.text == second.text == TEXT_PLAN.text
    assert mock.paths == [
        "/serving-endpoints/chat/completions",
        "/serving-endpoints/open-responses",
        "/serving-endpoints/open-responses",
    ]


async def test_async_responses_only_refusal_is_remembered_for_streams_too() -> None:
    mock = MockServing()
    async with _async_client(mock) as client:
        async with client.stream(UNKNOWN, "Hi") as s:
            async for _ in s:
                pass
        await client.chat(UNKNOWN, "Again")

    assert (await s.get_response()).text == TEXT_PLAN.text
    assert mock.paths == [
        "/serving-endpoints/chat/completions",
        "/serving-endpoints/open-responses",
        "/serving-endpoints/open-responses",
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"protocol": "responses", "stop": ["END"]}, "stop"),
        ({"protocol": "responses", "n": 2}, "'n'"),
        ({"protocol": "messages", "max_tokens": 64, "thinking": {"budget_tokens": 64}}, "budget"),
        ({"protocol": "grpc"}, "protocol"),
    ],
)
def test_uncarryable_inputs_raise_before_any_request(params: dict[str, Any], field: str) -> None:
    mock = MockServing()
    with _client(mock) as client:
        with pytest.raises(brickgate.InvalidRequestError, match=field):
            client.chat(CLAUDE, "Hi", **params)
        with pytest.raises(brickgate.InvalidRequestError, match=field):
            client.stream(CLAUDE, "Hi", **params)

    assert mock.paths == []
