"""E2E over the Responses API and Anthropic Messages, and the fallback from a Responses-only 400."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

import brickgate
from tests.e2e.conftest import Target
from tests.e2e.models import CLAUDE_MODEL, CODEX_MODEL, RESPONSES_ONLY_CUSTOM_MODEL

pytestmark = [pytest.mark.vcr, pytest.mark.block_network]

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "City name"}},
            "required": ["city"],
        },
    },
}
LONG_SYSTEM = "You are a concise weather assistant for travellers. " * 8


def test_responses_tool_call_round_trip(client: brickgate.Client) -> None:
    question: list[dict[str, Any]] = [
        {"role": "user", "content": "What is the weather in Lisbon right now?"}
    ]

    first = client.chat(CODEX_MODEL, question, tools=[WEATHER_TOOL], max_tokens=512)

    assert [a.rule for a in first.adjustments] == ["protocol"]
    assert first.finish_reason == "tool_calls"
    (call,) = first.tool_calls
    assert call.name == "get_weather"
    assert "city" in json.loads(call.arguments)
    history = [
        *question,
        first.to_message(),
        {"role": "tool", "tool_call_id": call.id, "content": "21C and sunny"},
    ]

    second = client.chat(CODEX_MODEL, history, tools=[WEATHER_TOOL], max_tokens=512)

    assert second.finish_reason == "stop"
    assert second.text.strip()
    assert second.tool_calls == ()
    assert second.usage is not None and second.usage.total_tokens > 0


def _cached_system() -> dict[str, Any]:
    part = {"type": "text", "text": LONG_SYSTEM, "cache_control": {"type": "ephemeral"}}
    return {"role": "system", "content": [part]}


def _streamed(client: brickgate.Client, messages: list[dict[str, Any]]) -> brickgate.ChatResponse:
    thinking = {"type": "enabled", "budget_tokens": 1024}
    with client.stream(CLAUDE_MODEL, messages, max_tokens=2048, thinking=thinking) as stream:
        reasoning = "".join(chunk.reasoning for chunk in stream)
    reply = stream.response
    assert reasoning == reply.reasoning
    return reply


def test_messages_stream_with_thinking_and_cache_usage(client: brickgate.Client) -> None:
    first_turn = [_cached_system(), {"role": "user", "content": "Is it warm in Rome in May?"}]

    first = _streamed(client, first_turn)
    second = _streamed(
        client,
        [*first_turn, first.to_message(), {"role": "user", "content": "And in October?"}],
    )

    assert [a.rule for a in first.adjustments] == ["protocol"]
    assert "Messages" in first.adjustments[0].detail
    for reply in (first, second):
        assert reply.reasoning
        assert reply.text.strip()
        assert reply.finish_reason == "stop"
    assert first.usage is not None and second.usage is not None
    assert (first.usage.cache_creation_input_tokens or 0) > 0
    assert (second.usage.cache_read_input_tokens or 0) > 0
    assert second.usage.total_tokens == second.usage.prompt_tokens + second.usage.completion_tokens


@pytest.fixture
def responses_only_model(e2e_target: Target) -> Iterator[str]:
    """A custom endpoint the catalog does not know, refusing Chat Completions while recording."""
    workspace = e2e_target.workspace
    if workspace is not None:
        workspace.serve_protocols(RESPONSES_ONLY_CUSTOM_MODEL, "responses")
    yield RESPONSES_ONLY_CUSTOM_MODEL
    if workspace is not None:
        workspace.serve_protocols(RESPONSES_ONLY_CUSTOM_MODEL, "chat", "responses")


@pytest.mark.fake_workspace_only
def test_unknown_model_falls_back_from_the_responses_only_400(
    client: brickgate.Client, responses_only_model: str, vcr: Any, record_mode: str
) -> None:
    first = client.chat(responses_only_model, "Hello from the fallback test.", max_tokens=64)
    second = client.chat(responses_only_model, "Hello again.", max_tokens=64)

    assert first.text.strip() and second.text.strip()
    assert [a.rule for a in first.adjustments] == ["protocol"]
    assert "only supports the Responses API" in first.adjustments[0].detail
    answers = [response["status"]["code"] for response in vcr.responses]
    assert answers == [400, 200, 200]
    served = vcr.play_count if record_mode == "none" else len(vcr)
    assert served == 3
