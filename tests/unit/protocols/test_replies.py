"""Non-streamed replies of the three protocols decode to the same ChatResponse shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brickgate.domain.chat import ToolCall, Usage
from brickgate.domain.errors import ServerError, TransportError
from brickgate.domain.protocols import (
    MessagesEventReader,
    ResponsesEventReader,
    decode_chat_reply,
    decode_messages_reply,
    decode_responses_reply,
)

from .helpers import assemble, read_all, reply_json, sse


def test_the_reference_responses_reply() -> None:
    reply = decode_responses_reply(reply_json("responses_reply.json"))
    assert reply.text == "Checking now."
    assert reply.reasoning == "Call the tool."
    assert reply.tool_calls == (ToolCall("call_7tsd", "get_weather", '{"city":"Melbourne"}'),)
    assert reply.finish_reason == "tool_calls"
    assert reply.model == "gpt-5.5-2026-04-23" and reply.id == "resp_01c6"
    assert reply.usage == Usage(505, 94, 599, reasoning_tokens=0, cache_read_input_tokens=0)


def test_the_reference_messages_reply() -> None:
    reply = decode_messages_reply(reply_json("messages_reply.json"))
    assert reply.text == "4°C and raining."
    assert reply.reasoning == "..."
    assert reply.finish_reason == "stop"
    assert reply.usage == Usage(
        812 + 1536, 57, 812 + 1536 + 57, cache_read_input_tokens=1536, cache_creation_input_tokens=0
    )
    assert reply.content_parts == (
        {
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": "...", "signature": "EqQB..."}],
        },
        {"type": "text", "text": "4°C and raining."},
    )
    assert reply.to_message()["content"] == list(reply.content_parts)


def test_responses_total_tokens_is_summed_when_absent() -> None:
    data = {"status": "completed", "output": [], "usage": {"input_tokens": 3, "output_tokens": 4}}
    assert decode_responses_reply(data).usage == Usage(3, 4, 7)


def test_a_failed_responses_reply_raises_the_mapped_error() -> None:
    data = {"status": "failed", "error": {"code": "server_error", "message": "boom"}, "output": []}
    with pytest.raises(ServerError, match="boom"):
        decode_responses_reply(data)


@pytest.mark.parametrize(
    ("decode", "body"),
    [
        (decode_responses_reply, {"status": "completed"}),
        (decode_responses_reply, {"output": [{"type": "message", "content": [7]}]}),
        (decode_messages_reply, {"content": "text"}),
        (decode_messages_reply, {}),
    ],
)
def test_unreadable_bodies_are_transport_errors(decode: Any, body: dict[str, Any]) -> None:
    with pytest.raises(TransportError):
        decode(body)


def test_chat_reply_finish_reason_is_normalized() -> None:
    body = {"choices": [{"message": {"content": "x"}, "finish_reason": "function_call"}]}
    assert decode_chat_reply(body).finish_reason == "tool_calls"
    body["choices"][0]["finish_reason"] = "weird"
    assert decode_chat_reply(body).finish_reason == "other"


def chat_body(text: str, call: ToolCall) -> dict[str, Any]:
    return {
        "id": "x",
        "model": "m",
        "choices": [
            {
                "message": {"role": "assistant", "content": text, "tool_calls": [call.to_wire()]},
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
    }


def responses_body(text: str, call: ToolCall) -> dict[str, Any]:
    return {
        "id": "x",
        "model": "m",
        "status": "completed",
        "output": [
            {"type": "message", "content": [{"type": "output_text", "text": text}]},
            {
                "type": "function_call",
                "call_id": call.id,
                "name": call.name,
                "arguments": call.arguments,
            },
        ],
        "usage": {"input_tokens": 5, "output_tokens": 7, "total_tokens": 12},
    }


def messages_body(text: str, call: ToolCall) -> dict[str, Any]:
    return {
        "id": "x",
        "model": "m",
        "content": [
            {"type": "text", "text": text},
            {
                "type": "tool_use",
                "id": call.id,
                "name": call.name,
                "input": json.loads(call.arguments),
            },
        ],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 5, "output_tokens": 7},
    }


def responses_stream(text: str, call: ToolCall) -> bytes:
    item = {"type": "function_call", "call_id": call.id, "name": call.name, "arguments": ""}
    half = len(call.arguments) // 2
    return sse(
        {"type": "response.created", "response": {"id": "x", "model": "m"}},
        *(
            {"type": "response.output_text.delta", "output_index": 0, "delta": piece}
            for piece in (text[:3], text[3:])
        ),
        {"type": "response.output_item.added", "output_index": 1, "item": item},
        {
            "type": "response.function_call_arguments.delta",
            "output_index": 1,
            "delta": call.arguments[:half],
        },
        {
            "type": "response.function_call_arguments.delta",
            "output_index": 1,
            "delta": call.arguments[half:],
        },
        {
            "type": "response.completed",
            "response": {
                "status": "completed",
                "usage": {"input_tokens": 5, "output_tokens": 7, "total_tokens": 12},
            },
        },
    )


def messages_stream(text: str, call: ToolCall) -> bytes:
    half = len(call.arguments) // 2
    block = {"type": "tool_use", "id": call.id, "name": call.name, "input": {}}
    return sse(
        {
            "type": "message_start",
            "message": {"id": "x", "model": "m", "usage": {"input_tokens": 5}},
        },
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        *(
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": piece},
            }
            for piece in (text[:3], text[3:])
        ),
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": block},
        *(
            {
                "type": "content_block_delta",
                "index": 1,
                "delta": {"type": "input_json_delta", "partial_json": p},
            }
            for p in (call.arguments[:half], call.arguments[half:])
        ),
        {"type": "content_block_stop", "index": 1},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use"},
            "usage": {"output_tokens": 7},
        },
        {"type": "message_stop"},
    )


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=80, deadline=None)
@given(
    text=st.text(max_size=40),
    call_id=st.text(alphabet="abcdefghij_0123456789", min_size=1, max_size=20),
    name=st.text(alphabet="abcdefghij_", min_size=1, max_size=12),
    arguments=st.dictionaries(st.text(max_size=6), JSON_VALUES, max_size=4),
)
def test_all_three_protocols_give_the_same_reply(
    text: str, call_id: str, name: str, arguments: dict[str, Any]
) -> None:
    call = ToolCall(call_id, name, json.dumps(arguments, separators=(",", ":")))
    chat = decode_chat_reply(chat_body(text, call))
    replies = [
        decode_responses_reply(responses_body(text, call)),
        decode_messages_reply(messages_body(text, call)),
        assemble(read_all(ResponsesEventReader, [responses_stream(text, call)])[0]),
        assemble(read_all(MessagesEventReader, [messages_stream(text, call)])[0]),
    ]
    for reply in replies:
        assert (reply.text, reply.tool_calls, reply.finish_reason) == (
            chat.text,
            chat.tool_calls,
            chat.finish_reason,
        )
        assert reply.usage == chat.usage
        assert json.loads(reply.tool_calls[0].arguments) == arguments
