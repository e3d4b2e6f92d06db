"""Reverse encoders (replies in each caller's protocol) and request readers, from tables and
round trips through the protocols' own decoders."""

from __future__ import annotations

import json
from typing import Any

import pytest

from brickgate.domain.chat import ChatChunk, ChatResponse, ToolCall, ToolCallDelta, Usage
from brickgate.domain.errors import InvalidRequestError
from brickgate.domain.protocols.anthropic_in import messages_parts
from brickgate.domain.protocols.anthropic_out import (
    MessagesStreamWriter,
    anthropic_error,
    message_json,
    stop_reason,
)
from brickgate.domain.protocols.anthropic_reply import decode_messages_reply
from brickgate.domain.protocols.anthropic_stream import MessagesEventReader
from brickgate.domain.protocols.chat_completions import ChatEventReader, decode_chat_reply
from brickgate.domain.protocols.native import native_body, native_protocols
from brickgate.domain.protocols.openai_in import chat_parts, embedding_parts
from brickgate.domain.protocols.openai_out import (
    chat_chunk_json,
    chat_completion_json,
    openai_error,
)
from brickgate.domain.protocols.responses_in import responses_parts
from brickgate.domain.protocols.responses_out import ResponsesStreamWriter, response_json
from brickgate.domain.protocols.responses_reply import decode_responses_reply
from brickgate.domain.protocols.responses_stream import ResponsesEventReader
from brickgate.domain.protocols.usage_scan import UsageScanner
from brickgate.domain.streaming import StreamAssembler

USAGE = Usage(prompt_tokens=12, completion_tokens=5, total_tokens=17)
CALL = ToolCall(id="call_1", name="get_weather", arguments='{"city":"Paris"}')
REPLIES = [
    ChatResponse(text="hello", model="m", finish_reason="stop", usage=USAGE),
    ChatResponse(text="", model="m", tool_calls=(CALL,), finish_reason="tool_calls", usage=USAGE),
    ChatResponse(text="partial", model="m", finish_reason="length", usage=USAGE),
]
CHUNKS = [
    ChatChunk(text="Hel"),
    ChatChunk(text="lo"),
    ChatChunk(tool_calls=(ToolCallDelta(0, id="call_1", name="get_weather"),)),
    ChatChunk(tool_calls=(ToolCallDelta(0, arguments='{"city":'),)),
    ChatChunk(tool_calls=(ToolCallDelta(0, arguments='"Paris"}'),)),
    ChatChunk(finish_reason="tool_calls", usage=USAGE),
]


def sse(events: list[tuple[str, dict[str, Any]]]) -> bytes:
    return b"".join(
        f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events
    )


def assembled(reader: Any, data: bytes) -> ChatResponse:
    assembler = StreamAssembler()
    for chunk in reader.feed(data) + reader.finish():
        assembler.add(chunk)
    assert reader.error is None
    return assembler.response()


def essentials(reply: ChatResponse) -> tuple[Any, ...]:
    usage = reply.usage
    counts = (usage.prompt_tokens, usage.completion_tokens) if usage else None
    calls = tuple((c.id, c.name, json.loads(c.arguments)) for c in reply.tool_calls)
    return reply.text, calls, reply.finish_reason, counts


@pytest.mark.parametrize("reply", REPLIES)
def test_a_chat_completion_round_trips(reply: ChatResponse) -> None:
    data = chat_completion_json(reply, model="m", completion_id="c1", created=1)
    assert essentials(decode_chat_reply(data)) == essentials(reply)


@pytest.mark.parametrize("reply", REPLIES)
def test_a_messages_reply_round_trips(reply: ChatResponse) -> None:
    data = message_json(reply, model="m", message_id="msg_1")
    assert essentials(decode_messages_reply(data))[:3] == essentials(reply)[:3]


@pytest.mark.parametrize("reply", REPLIES)
def test_a_responses_reply_round_trips(reply: ChatResponse) -> None:
    data = response_json(reply, model="m", response_id="r1", created=1)
    assert essentials(decode_responses_reply(data)) == essentials(reply)


def expected_stream() -> ChatResponse:
    assembler = StreamAssembler()
    for chunk in CHUNKS:
        assembler.add(chunk)
    return assembler.response()


def test_chat_chunks_round_trip_through_the_chat_reader() -> None:
    pieces = [chat_chunk_json(ChatChunk(), model="m", completion_id="c", created=1, first=True)]
    pieces += [chat_chunk_json(c, model="m", completion_id="c", created=1) for c in CHUNKS]
    data = b"".join(b"data: " + json.dumps(p).encode() + b"\n\n" for p in pieces)
    data += b"data: [DONE]\n\n"
    assert essentials(assembled(ChatEventReader(), data)) == essentials(expected_stream())


def test_messages_events_round_trip_through_the_messages_reader() -> None:
    writer = MessagesStreamWriter(model="m", message_id="msg_1")
    events = writer.start()
    for chunk in CHUNKS:
        events += writer.feed(chunk)
    events += writer.finish()
    names = [name for name, _ in events]
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"]
    assert names.count("content_block_start") == names.count("content_block_stop") == 2
    got = assembled(MessagesEventReader(), sse(events))
    assert essentials(got)[:3] == (*essentials(expected_stream())[:2], "tool_calls")


def test_responses_events_round_trip_through_the_responses_reader() -> None:
    writer = ResponsesStreamWriter(model="m", response_id="r1", created=1)
    events = writer.start()
    for chunk in CHUNKS:
        events += writer.feed(chunk)
    events += writer.finish()
    numbers = [data["sequence_number"] for _, data in events]
    assert numbers == list(range(len(events)))
    assert events[-1][0] == "response.completed"
    assert essentials(assembled(ResponsesEventReader(), sse(events))) == essentials(
        expected_stream()
    )


@pytest.mark.parametrize(
    "finish,expected",
    [
        ("stop", "end_turn"),
        ("length", "max_tokens"),
        ("tool_calls", "tool_use"),
        ("content_filter", "refusal"),
        (None, "end_turn"),
        ("other", "end_turn"),
    ],
)
def test_stop_reasons(finish: str | None, expected: str) -> None:
    assert stop_reason(finish) == expected


@pytest.mark.parametrize(
    "status,openai_type,anthropic_type",
    [
        (400, "invalid_request_error", "invalid_request_error"),
        (401, "authentication_error", "authentication_error"),
        (404, "not_found_error", "not_found_error"),
        (413, "invalid_request_error", "request_too_large"),
        (429, "rate_limit_error", "rate_limit_error"),
        (503, "api_error", "api_error"),
    ],
)
def test_error_shapes(status: int, openai_type: str, anthropic_type: str) -> None:
    assert openai_error(status, "m")["error"]["type"] == openai_type
    assert anthropic_error(status, "m") == {
        "type": "error",
        "error": {"type": anthropic_type, "message": "m"},
    }


def test_a_messages_request_reads_as_chat_parts() -> None:
    parts = messages_parts(
        {
            "model": "llama",
            "max_tokens": 50,
            "system": [{"type": "text", "text": "Be brief."}],
            "stop_sequences": ["END"],
            "stream": True,
            "metadata": {"user_id": "u1"},
            "tools": [{"name": "f", "input_schema": {"type": "object"}}],
            "tool_choice": {"type": "any", "disable_parallel_tool_use": True},
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "hi"},
                        {
                            "type": "image",
                            "source": {"type": "base64", "media_type": "image/png", "data": "AAA"},
                        },
                    ],
                },
                {
                    "role": "assistant",
                    "content": [
                        {"type": "thinking", "thinking": "x", "signature": "s"},
                        {"type": "tool_use", "id": "t1", "name": "f", "input": {"a": 1}},
                    ],
                },
                {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "42"}],
                },
            ],
        }
    )
    assert parts.stream and parts.model == "llama"
    assert parts.messages == [
        {"role": "system", "content": "Be brief."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "hi"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAA"}},
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "t1", "type": "function", "function": {"name": "f", "arguments": '{"a":1}'}}
            ],
        },
        {"role": "tool", "tool_call_id": "t1", "content": "42"},
    ]
    assert parts.params == {
        "max_tokens": 50,
        "stop": ["END"],
        "user": "u1",
        "tool_choice": "required",
        "parallel_tool_calls": False,
        "tools": [
            {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
        ],
    }


def test_a_responses_request_reads_as_chat_parts() -> None:
    parts = responses_parts(
        {
            "model": "llama",
            "instructions": "Be brief.",
            "max_output_tokens": 30,
            "reasoning": {"effort": "low"},
            "text": {"format": {"type": "json_schema", "name": "s", "schema": {"type": "object"}}},
            "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}}],
            "tool_choice": {"type": "function", "name": "f"},
            "input": [
                {"role": "user", "content": [{"type": "input_text", "text": "hi"}]},
                {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
                {"type": "function_call_output", "call_id": "c1", "output": "42"},
                {"type": "reasoning", "summary": []},
            ],
        }
    )
    assert parts.messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hi"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "42"},
    ]
    assert parts.params["max_tokens"] == 30 and parts.params["reasoning_effort"] == "low"
    assert parts.params["response_format"]["json_schema"]["name"] == "s"
    assert parts.params["tool_choice"] == {"type": "function", "function": {"name": "f"}}


@pytest.mark.parametrize(
    "reader,body",
    [
        (messages_parts, {"model": "m", "messages": []}),
        (
            messages_parts,
            {"model": "m", "messages": [{"role": "user", "content": [{"type": "document"}]}]},
        ),
        (responses_parts, {"model": "m", "input": "x", "previous_response_id": "r"}),
        (responses_parts, {"model": "m", "input": [{"type": "web_search_call"}]}),
        (chat_parts, {"messages": [{"role": "user", "content": "x"}]}),
        (
            chat_parts,
            {"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": "yes"},
        ),
    ],
)
def test_requests_that_cannot_be_read_are_refused(reader: Any, body: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequestError):
        reader(body)


def test_chat_parts_move_call_option_names_into_the_body() -> None:
    parts = chat_parts(
        {
            "model": "m",
            "messages": [{"role": "user", "content": "x"}],
            "timeout": 5,
            "temperature": 0,
        }
    )
    assert parts.params == {"temperature": 0, "extra_body": {"timeout": 5}}
    assert embedding_parts({"model": "e", "input": "x", "encoding_format": "base64"}) == (
        "e",
        ["x"],
        {},
    )


@pytest.mark.parametrize(
    "model,protocols",
    [
        ("databricks-gpt-5-1-codex-max", {"responses"}),
        ("databricks-gpt-5", {"chat", "responses"}),
        ("databricks-claude-sonnet-4-5", {"chat", "messages"}),
        ("databricks-meta-llama-3-3-70b-instruct", {"chat"}),
        ("databricks-gpt-oss-120b", {"chat"}),
    ],
)
def test_native_protocols(model: str, protocols: set[str]) -> None:
    assert native_protocols(model) == protocols


def test_native_bodies_get_the_output_cap_rules() -> None:
    body, adjustments = native_body("messages", {"max_tokens": 10**6}, 64000)
    assert body["max_tokens"] == 64000 and adjustments[0].rule == "max_tokens"
    body, adjustments = native_body("messages", {}, 64000)
    assert body["max_tokens"] == 64000 and adjustments[0].rule == "default_max_tokens"
    assert native_body("responses", {"max_output_tokens": 5}, 100) == ({"max_output_tokens": 5}, ())
    assert native_body("chat", {"x": 1}, 100) == ({"x": 1}, ())


def _scan(protocol: str, data: bytes, piece: int = 7) -> Usage | None:
    scanner = UsageScanner(protocol)
    for start in range(0, len(data), piece):
        scanner.feed(data[start : start + piece])
    return scanner.usage()


def test_usage_is_read_from_the_head_and_tail_of_a_relayed_stream() -> None:
    filler = [chat_chunk_json(ChatChunk(text="x" * 50), model="m", completion_id="c", created=1)]
    last = chat_chunk_json(ChatChunk(usage=USAGE), model="m", completion_id="c", created=1)
    chat = b"".join(b"data: " + json.dumps(p).encode() + b"\n\n" for p in filler * 2000 + [last])
    assert len(chat) > 200_000
    usage = _scan("chat", chat + b"data: [DONE]\n\n", piece=997)
    assert usage is not None and (usage.prompt_tokens, usage.completion_tokens) == (12, 5)
    writer = MessagesStreamWriter(model="m", message_id="msg_1")
    events = writer.start() + writer.feed(CHUNKS[0]) + writer.feed(CHUNKS[-1]) + writer.finish()
    events[0][1]["message"]["usage"] = {"input_tokens": 30, "cache_read_input_tokens": 10}
    usage = _scan("messages", sse(events))
    assert usage is not None
    # message_delta's input_tokens (12) is the final count; the cache read (10) stays.
    assert (usage.prompt_tokens, usage.completion_tokens, usage.cache_read_input_tokens) == (
        22,
        5,
        10,
    )
    writer_r = ResponsesStreamWriter(model="m", response_id="r1", created=1)
    events = writer_r.start() + writer_r.feed(CHUNKS[-1]) + writer_r.finish()
    usage = _scan("responses", sse(events))
    assert usage is not None and usage.completion_tokens == 5
    assert _scan("chat", b"data: {not json\n\n") is None
