"""E2E chat through the public Client: prompts, history, tools, structured output, reasoning."""

from __future__ import annotations

import json
from typing import Any

import pytest

import brickgate
from tests.e2e.models import CHAT_MODEL, CLAUDE_MODEL, REASONING_MODEL

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


def _usage_adds_up(reply: brickgate.ChatResponse) -> None:
    assert reply.usage is not None
    assert reply.usage.prompt_tokens > 0
    assert reply.usage.completion_tokens > 0
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens


def test_chat_returns_text_usage_and_the_served_model_id(client: brickgate.Client) -> None:
    reply = client.chat(CHAT_MODEL, "Say hello to the e2e suite in five words.", max_tokens=64)

    assert reply.text.strip()
    assert reply.finish_reason == "stop"
    assert reply.model
    assert reply.model != CHAT_MODEL
    assert reply.tool_calls == ()
    _usage_adds_up(reply)


def test_system_prompt_is_sent_and_answered(client: brickgate.Client) -> None:
    messages = [
        {"role": "system", "content": "You are terse. Answer in one short sentence."},
        {"role": "user", "content": "What colour is the sky on a clear day?"},
    ]

    reply = client.chat(CHAT_MODEL, messages, max_tokens=64)

    assert reply.text.strip()
    assert reply.finish_reason == "stop"
    _usage_adds_up(reply)


def test_multi_turn_history_counts_in_the_prompt(client: brickgate.Client) -> None:
    first_turn = [{"role": "user", "content": "My name is Ada. Please remember it."}]
    first = client.chat(CHAT_MODEL, first_turn, max_tokens=64)
    history = [
        *first_turn,
        {"role": "assistant", "content": first.text},
        {"role": "user", "content": "What is my name?"},
    ]

    second = client.chat(CHAT_MODEL, history, max_tokens=64)

    assert second.text.strip()
    assert first.usage is not None
    assert second.usage is not None
    assert second.usage.prompt_tokens > first.usage.prompt_tokens


def test_tool_call_round_trip(client: brickgate.Client) -> None:
    question: list[dict[str, Any]] = [
        {"role": "user", "content": "What is the weather in Paris right now?"}
    ]
    call_turn = client.chat(
        CLAUDE_MODEL,
        question,
        tools=[WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        max_tokens=256,
    )

    assert call_turn.finish_reason == "tool_calls"
    (call,) = call_turn.tool_calls
    assert call.name == "get_weather"
    assert call.id
    assert isinstance(json.loads(call.arguments)["city"], str)

    history: list[dict[str, Any]] = [
        *question,
        {
            "role": "assistant",
            "content": call_turn.text,
            "tool_calls": [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments},
                }
            ],
        },
        {"role": "tool", "tool_call_id": call.id, "content": "18 degrees C and sunny"},
    ]
    answer = client.chat(CLAUDE_MODEL, history, tools=[WEATHER_TOOL], max_tokens=256)

    assert answer.finish_reason == "stop"
    assert answer.tool_calls == ()
    assert answer.text.strip()


def test_structured_output_follows_the_json_schema(client: brickgate.Client) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
        "required": ["city", "population"],
        "additionalProperties": False,
    }
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "city_fact", "schema": schema, "strict": True},
    }

    reply = client.chat(
        CHAT_MODEL,
        "Give the largest city in France and its population.",
        response_format=response_format,
        max_tokens=128,
    )

    parsed = json.loads(reply.text)
    assert set(parsed) == {"city", "population"}
    assert isinstance(parsed["city"], str)
    assert isinstance(parsed["population"], int)


def test_reasoning_content_is_separated_from_the_answer(client: brickgate.Client) -> None:
    reply = client.chat(REASONING_MODEL, "Is 17 a prime number? Answer yes or no.", max_tokens=512)

    assert reply.reasoning
    assert reply.reasoning.strip()
    assert reply.text.strip()
    assert reply.reasoning not in reply.text
