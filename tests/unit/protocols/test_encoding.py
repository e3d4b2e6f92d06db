"""One ChatRequest, three bodies: each row of the reference's mapping table, and the refusals."""

from __future__ import annotations

from typing import Any

import pytest

from brickgate.domain.chat import Adjustment, ChatRequest
from brickgate.domain.errors import InvalidRequestError
from brickgate.domain.protocols import (
    encode_chat_body,
    encode_messages_body,
    encode_responses_body,
)
from brickgate.domain.protocols.anthropic import with_max_tokens

IMAGE = "data:image/png;base64,iVBOR"
TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "description": "Weather", "parameters": {"type": "object"}},
}
CALL = {
    "id": "call_ab",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'},
}


def request(*messages: dict[str, Any], **body: Any) -> ChatRequest:
    return ChatRequest("databricks-model", {"messages": list(messages), **body})


def responses(*messages: dict[str, Any], **body: Any) -> dict[str, Any]:
    return encode_responses_body(request(*messages, **body), stream=False)


def messages(*messages_: dict[str, Any], **body: Any) -> dict[str, Any]:
    body.setdefault("max_tokens", 100)
    return encode_messages_body(request(*messages_, **body), stream=False).body


USER = {"role": "user", "content": "Hi"}

# --- Responses rows -------------------------------------------------------------------------


def test_responses_system_becomes_instructions_and_later_ones_stay_items() -> None:
    body = responses(
        {"role": "system", "content": "Be terse."},
        {"role": "developer", "content": [{"type": "text", "text": "No lists."}]},
        USER,
        {"role": "system", "content": "Now French."},
    )
    assert body["instructions"] == "Be terse.\n\nNo lists."
    assert body["input"] == [USER, {"role": "system", "content": "Now French."}]
    assert body["store"] is False and body["model"] == "databricks-model"
    assert "stream" not in body


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        ({"type": "text", "text": "t"}, {"type": "input_text", "text": "t"}),
        (
            {"type": "image_url", "image_url": {"url": IMAGE}},
            {"type": "input_image", "image_url": IMAGE},
        ),
        (
            {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "low"}},
            {"type": "input_image", "image_url": "https://x/y.png", "detail": "low"},
        ),
        ({"type": "input_file", "file_id": "f"}, {"type": "input_file", "file_id": "f"}),
    ],
)
def test_responses_user_parts(part: dict[str, Any], expected: dict[str, Any]) -> None:
    assert responses({"role": "user", "content": [part]})["input"][0]["content"] == [expected]


def test_responses_tool_round_trip_items() -> None:
    body = responses(
        USER,
        {"role": "assistant", "content": " ", "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": "call_ab", "content": "4°C"},
        {"role": "assistant", "content": "Cold."},
    )
    assert body["input"][1:] == [
        {
            "type": "function_call",
            "id": "fc_call_ab",
            "call_id": "call_ab",
            "name": "get_weather",
            "arguments": '{"city":"Oslo"}',
        },
        {"type": "function_call_output", "call_id": "call_ab", "output": "4°C"},
        {"role": "assistant", "content": "Cold."},
    ]


def test_responses_replayed_ids_are_cut_to_64_characters() -> None:
    long_id = "call_" + "x" * 200
    call = {**CALL, "id": long_id}
    body = responses(
        USER,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": long_id, "content": "ok"},
    )
    item, output = body["input"][1], body["input"][2]
    assert len(item["id"]) == 64 and item["id"].startswith("fc_")
    assert item["call_id"] == output["call_id"] == long_id[:64]


def test_responses_reasoning_parts_are_not_replayed() -> None:
    part = {"type": "reasoning", "summary": [{"type": "summary_text", "text": "hmm"}]}
    body = responses(USER, {"role": "assistant", "content": [part, {"type": "text", "text": "A"}]})
    assert body["input"][1] == {"role": "assistant", "content": "A"}


def test_responses_tools_choice_caps_reasoning_and_format() -> None:
    body = responses(
        USER,
        tools=[TOOL, {"type": "web_search"}],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        max_tokens=50,
        reasoning_effort="high",
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "w", "schema": {"type": "object"}, "strict": True},
        },
        temperature=0.2,
        parallel_tool_calls=False,
    )
    assert body["tools"] == [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Weather",
            "parameters": {"type": "object"},
        },
        {"type": "web_search"},
    ]
    assert body["tool_choice"] == {"type": "function", "name": "get_weather"}
    assert body["max_output_tokens"] == 50 and "max_tokens" not in body
    assert body["reasoning"] == {"effort": "high"}
    assert body["text"] == {
        "format": {"type": "json_schema", "name": "w", "schema": {"type": "object"}, "strict": True}
    }
    assert body["temperature"] == 0.2 and body["parallel_tool_calls"] is False


def test_responses_max_completion_tokens_wins_and_stream_is_set() -> None:
    body = encode_responses_body(
        request(
            USER, max_tokens=5, max_completion_tokens=9, stream_options={"include_usage": True}
        ),
        stream=True,
    )
    assert body["max_output_tokens"] == 9 and body["stream"] is True
    assert "stream_options" not in body


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("stop", ["END"]),
        ("presence_penalty", 0.5),
        ("frequency_penalty", 0.5),
        ("seed", 3),
        ("thinking", {"type": "enabled", "budget_tokens": 10}),
        ("previous_response_id", "resp_1"),
        ("n", 2),
        ("store", True),
    ],
)
def test_responses_refuses_what_it_cannot_carry(field: str, value: Any) -> None:
    with pytest.raises(InvalidRequestError, match=field):
        responses(USER, **{field: value})


def test_responses_refuses_cache_control_anywhere() -> None:
    cached = {"type": "ephemeral"}
    with pytest.raises(InvalidRequestError, match=r"tools\[0\].cache_control"):
        responses(USER, tools=[{**TOOL, "cache_control": cached}])
    system = {"role": "system", "content": [{"type": "text", "text": "S", "cache_control": cached}]}
    with pytest.raises(InvalidRequestError, match=r"messages\[0\].content\[0\].cache_control"):
        responses(system, USER)


@pytest.mark.parametrize(
    ("message", "named"),
    [
        (
            {
                "role": "user",
                "content": [{"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}}],
            },
            "cache_control",
        ),
        ({"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}, "input_audio"),
        ({"role": "user", "content": "x", "name": "ann"}, r"messages\[0\].name"),
        ({"role": "tool", "content": "x"}, "tool_call_id"),
        (
            {
                "role": "tool",
                "tool_call_id": "c",
                "content": [{"type": "image_url", "image_url": {"url": IMAGE}}],
            },
            "image_url",
        ),
    ],
)
def test_responses_refuses_messages_it_cannot_carry(message: dict[str, Any], named: str) -> None:
    with pytest.raises(InvalidRequestError, match=named):
        responses(message)


# --- Anthropic Messages rows ----------------------------------------------------------------


def test_messages_system_is_lifted_and_turns_are_blocks() -> None:
    body = messages({"role": "system", "content": "Be terse."}, USER)
    assert body["system"] == "Be terse."
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}]
    assert body["max_tokens"] == 100


def test_messages_cache_control_passes_through_on_system_user_and_tools() -> None:
    cached = {"type": "ephemeral"}
    body = messages(
        {"role": "system", "content": [{"type": "text", "text": "Long.", "cache_control": cached}]},
        {"role": "user", "content": [{"type": "text", "text": "Q", "cache_control": cached}]},
        tools=[{**TOOL, "cache_control": cached}],
    )
    assert body["system"] == [{"type": "text", "text": "Long.", "cache_control": cached}]
    assert body["messages"][0]["content"] == [
        {"type": "text", "text": "Q", "cache_control": cached}
    ]
    assert body["tools"] == [
        {
            "name": "get_weather",
            "input_schema": {"type": "object"},
            "description": "Weather",
            "cache_control": cached,
        }
    ]


def test_messages_message_level_cache_control_goes_on_the_last_block() -> None:
    cached = {"type": "ephemeral"}
    body = messages(
        {"role": "system", "content": "Long.", "cache_control": cached},
        {"role": "user", "content": "Q", "cache_control": cached},
    )
    assert body["system"] == [{"type": "text", "text": "Long.", "cache_control": cached}]
    assert body["messages"][0]["content"] == [
        {"type": "text", "text": "Q", "cache_control": cached}
    ]
    with pytest.raises(InvalidRequestError, match="cache_control"):
        responses({"role": "user", "content": "Q", "cache_control": cached})


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        (
            {"type": "image_url", "image_url": {"url": IMAGE}},
            {
                "type": "image",
                "source": {"type": "base64", "media_type": "image/png", "data": "iVBOR"},
            },
        ),
        (
            {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
            {"type": "image", "source": {"type": "url", "url": "https://x/y.png"}},
        ),
    ],
)
def test_messages_images(part: dict[str, Any], expected: dict[str, Any]) -> None:
    assert messages({"role": "user", "content": [part]})["messages"][0]["content"] == [expected]


def test_messages_tool_round_trip_with_thinking_replay() -> None:
    thinking = {
        "type": "reasoning",
        "summary": [{"type": "summary_text", "text": "Need it.", "signature": "EqQB"}],
    }
    foreign = {"type": "reasoning", "summary": [{"type": "summary_text", "text": "no signature"}]}
    body = messages(
        USER,
        {
            "role": "assistant",
            "content": [thinking, foreign, {"type": "text", "text": " "}],
            "tool_calls": [CALL],
        },
        {"role": "tool", "tool_call_id": "call_ab", "content": "4°C"},
        {"role": "tool", "tool_call_id": "call_cd", "content": "5°C", "is_error": True},
        {"role": "user", "content": "And?"},
    )
    assert body["messages"][1] == {
        "role": "assistant",
        "content": [
            {"type": "thinking", "thinking": "Need it.", "signature": "EqQB"},
            {"type": "tool_use", "id": "call_ab", "name": "get_weather", "input": {"city": "Oslo"}},
        ],
    }
    assert body["messages"][2] == {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "call_ab", "content": "4°C"},
            {"type": "tool_result", "tool_use_id": "call_cd", "content": "5°C", "is_error": True},
            {"type": "text", "text": "And?"},
        ],
    }


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", {"type": "auto"}),
        ("none", {"type": "none"}),
        ("required", {"type": "any"}),
        ({"type": "function", "function": {"name": "f"}}, {"type": "tool", "name": "f"}),
    ],
)
def test_messages_tool_choice(choice: Any, expected: dict[str, Any]) -> None:
    assert messages(USER, tools=[TOOL], tool_choice=choice)["tool_choice"] == expected


def test_messages_parallel_tool_calls_off_and_stop_sequences() -> None:
    body = messages(USER, tools=[TOOL], parallel_tool_calls=False, stop="END", top_k=5, user="u1")
    assert body["metadata"] == {"user_id": "u1"} and "user" not in body
    assert body["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}
    assert body["stop_sequences"] == ["END"] and "stop" not in body
    assert body["top_k"] == 5


def test_messages_needs_max_tokens_and_takes_the_default_with_an_adjustment() -> None:
    bare = request(USER)
    with pytest.raises(InvalidRequestError, match="max_tokens"):
        encode_messages_body(bare, stream=False)
    encoded = encode_messages_body(bare, stream=True, default_max_tokens=64000)
    assert encoded.body["max_tokens"] == 64000 and encoded.body["stream"] is True
    assert encoded.adjustments == (
        Adjustment("default_max_tokens", "set max_tokens to 64000 (required by Messages)"),
    )
    filled = with_max_tokens(bare, 64000)
    assert filled.body["max_tokens"] == 64000 and filled.adjustments == encoded.adjustments
    assert with_max_tokens(request(USER, max_tokens=5), 64000) == request(USER, max_tokens=5)


def test_messages_thinking_budget_must_be_below_max_tokens() -> None:
    with pytest.raises(InvalidRequestError, match="budget_tokens"):
        messages(USER, max_tokens=1024, thinking={"type": "enabled", "budget_tokens": 1024})
    body = messages(USER, max_tokens=2048, thinking={"type": "enabled", "budget_tokens": 1024})
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 1024}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("response_format", {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}),
        ("response_format", {"type": "json_object"}),
        ("reasoning_effort", "high"),
        ("presence_penalty", 1.0),
        ("seed", 1),
        ("n", 3),
    ],
)
def test_messages_refuses_what_it_cannot_carry(field: str, value: Any) -> None:
    with pytest.raises(InvalidRequestError, match=field):
        messages(USER, **{field: value})


@pytest.mark.parametrize(
    ("message", "named"),
    [
        (
            {"role": "system", "content": [{"type": "image_url", "image_url": {"url": IMAGE}}]},
            "system prompt",
        ),
        ({"role": "user", "content": [{"type": "input_audio"}]}, "input_audio"),
        (
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{**CALL, "function": {"name": "f", "arguments": "{oops"}}],
            },
            "arguments",
        ),
        (
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"type": "function", "function": {"name": "f"}}],
            },
            "no id",
        ),
        (
            {
                "role": "user",
                "content": [{"type": "image_url", "image_url": {"url": "data:image/png,raw"}}],
            },
            "base64",
        ),
    ],
)
def test_messages_refuses_messages_it_cannot_carry(message: dict[str, Any], named: str) -> None:
    with pytest.raises(InvalidRequestError, match=named):
        messages(message)


def test_response_format_text_is_accepted_by_messages() -> None:
    assert "response_format" not in messages(USER, response_format={"type": "text"})


# --- Chat Completions ----------------------------------------------------------------------


def test_chat_body_is_the_request_body_with_model_and_stream() -> None:
    assert encode_chat_body(request(USER, stream=True), stream=False) == {
        "model": "databricks-model",
        "messages": [USER],
    }
    assert encode_chat_body(request(USER), stream=True)["stream"] is True
