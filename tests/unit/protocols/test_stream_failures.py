"""Stream readers: errors mid-stream, cut-off streams, tolerated extras, servers skipping deltas."""

from __future__ import annotations

import pytest

from brickgate.domain.chat import ToolCall
from brickgate.domain.errors import (
    BadRequestError,
    RateLimitError,
    ServerError,
    StreamError,
)
from brickgate.domain.protocols import MessagesEventReader, ResponsesEventReader

from .helpers import assemble, read_all, split_everywhere, sse, stream_bytes

MESSAGE_START = {"type": "message_start", "message": {"id": "m1", "usage": {"input_tokens": 3}}}
TEXT_START = {"type": "content_block_start", "index": 0, "content_block": {"type": "text"}}


def text_delta(text: str) -> dict[str, object]:
    return {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "text_delta", "text": text},
    }


def test_overloaded_error_mid_messages_stream_is_a_retryable_server_error() -> None:
    data = sse(
        MESSAGE_START,
        TEXT_START,
        text_delta("Hel"),
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
        text_delta("never"),
    )
    for pieces in split_everywhere(data):
        chunks, error, done = read_all(MessagesEventReader, pieces)
        assert [c.text for c in chunks] == ["Hel"]
        assert isinstance(error, ServerError) and "Overloaded" in str(error)
        assert not done


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("rate_limit_error", RateLimitError),
        ("invalid_request_error", BadRequestError),
        ("api_error", ServerError),
    ],
)
def test_messages_error_types_map_to_the_error_tree(kind: str, expected: type) -> None:
    data = sse(MESSAGE_START, {"type": "error", "error": {"type": kind, "message": "no"}})
    _, error, _ = read_all(MessagesEventReader, [data])
    assert type(error) is expected


def test_databricks_error_envelope_in_a_messages_stream() -> None:
    data = (
        sse(MESSAGE_START) + b'data: {"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow"}\n\n'
    )
    _, error, _ = read_all(MessagesEventReader, [data])
    assert isinstance(error, RateLimitError)


def test_a_messages_stream_cut_before_message_stop_is_a_stream_error() -> None:
    data = stream_bytes("messages_text.sse")
    cut = data[: data.index(b"event: message_stop")]
    chunks, error, done = read_all(MessagesEventReader, [cut])
    assert "".join(c.text for c in chunks) == "Hello there."
    assert isinstance(error, StreamError) and "message_stop" in str(error)
    assert not done


def test_a_responses_stream_cut_inside_an_event_says_so() -> None:
    data = stream_bytes("responses_text.sse")
    _, error, _ = read_all(ResponsesEventReader, [data[:-40]])
    assert isinstance(error, StreamError) and "cut off" in str(error)


def test_response_failed_raises_the_mapped_error_after_the_text() -> None:
    data = sse(
        {"type": "response.created", "response": {"id": "r1", "model": "gpt"}},
        {"type": "response.output_text.delta", "output_index": 0, "delta": "partial"},
        {
            "type": "response.failed",
            "response": {"status": "failed", "error": {"code": "server_error", "message": "boom"}},
        },
    )
    chunks, error, _ = read_all(ResponsesEventReader, [data])
    assert [c.text for c in chunks] == ["partial"]
    assert isinstance(error, ServerError) and "boom" in str(error)


def test_responses_error_event_with_a_rate_limit_code() -> None:
    data = sse({"type": "error", "code": "rate_limit_exceeded", "message": "slow down"})
    _, error, _ = read_all(ResponsesEventReader, [data])
    assert isinstance(error, RateLimitError) and "slow down" in str(error)


def test_bare_error_chunk_in_a_responses_stream() -> None:
    _, error, _ = read_all(ResponsesEventReader, [b'data: {"error": "upstream went away"}\n\n'])
    assert isinstance(error, ServerError) and "upstream went away" in str(error)


def test_a_trailing_done_after_response_completed_is_tolerated() -> None:
    data = stream_bytes("responses_text.sse") + b"data: [DONE]\n\n"
    assert read_all(ResponsesEventReader, [data]) == read_all(
        ResponsesEventReader, [stream_bytes("responses_text.sse")]
    )


def test_input_after_the_end_event_is_ignored() -> None:
    data = stream_bytes("messages_text.sse") + b"data: {not json\n\n"
    _, error, done = read_all(MessagesEventReader, [data])
    assert error is None and done


def test_malformed_json_is_a_stream_error() -> None:
    _, error, _ = read_all(ResponsesEventReader, [b"data: {nope}\n\ndata: {}\n\n"])
    assert isinstance(error, StreamError) and "malformed" in str(error)


def test_data_lines_without_blank_lines_are_read_one_by_one() -> None:
    events = [
        '{"type":"response.output_text.delta","output_index":0,"delta":"a"}',
        '{"type":"response.output_text.delta","output_index":0,"delta":"b"}',
        '{"type":"response.completed","response":{"status":"completed"}}',
    ]
    data = "".join(f"data: {e}\n" for e in events).encode() + b"\n"
    chunks, error, done = read_all(ResponsesEventReader, [data])
    assert "".join(c.text for c in chunks) == "ab" and error is None and done


def test_done_events_carry_what_the_deltas_did_not() -> None:
    data = sse(
        {"type": "response.output_text.delta", "output_index": 0, "delta": "Hel"},
        {"type": "response.output_text.done", "output_index": 0, "text": "Hello"},
        {
            "type": "response.output_item.done",
            "output_index": 1,
            "item": {"type": "function_call", "call_id": "c1", "name": "f", "arguments": '{"a":1}'},
        },
        {"type": "response.completed", "response": {"status": "completed"}},
    )
    reply = assemble(read_all(ResponsesEventReader, [data])[0])
    assert reply.text == "Hello"
    assert reply.tool_calls == (ToolCall("c1", "f", '{"a":1}'),)
    assert reply.finish_reason == "tool_calls"


def test_two_responses_tool_calls_are_numbered_in_order() -> None:
    def call(position: int, call_id: str) -> dict[str, object]:
        item = {
            "type": "function_call",
            "call_id": call_id,
            "name": f"f{position}",
            "arguments": "",
        }
        return {"type": "response.output_item.added", "output_index": position, "item": item}

    def args(position: int, delta: str) -> dict[str, object]:
        return {
            "type": "response.function_call_arguments.delta",
            "output_index": position,
            "delta": delta,
        }

    data = sse(
        call(1, "c1"),
        call(3, "c2"),
        args(3, "{}"),
        args(1, '{"x":'),
        args(1, "1}"),
        {"type": "response.completed", "response": {"status": "completed"}},
    )
    reply = assemble(read_all(ResponsesEventReader, [data])[0])
    assert reply.tool_calls == (ToolCall("c1", "f1", '{"x":1}'), ToolCall("c2", "f3", "{}"))


@pytest.mark.parametrize(
    ("status", "details", "finish"),
    [
        ("incomplete", {"reason": "max_output_tokens"}, "length"),
        ("incomplete", {"reason": "content_filter"}, "content_filter"),
        ("incomplete", None, "other"),
    ],
)
def test_response_incomplete_finish_reasons(status: str, details: object, finish: str) -> None:
    response = {"status": status, "incomplete_details": details}
    data = sse({"type": "response.incomplete", "response": response})
    chunks, error, done = read_all(ResponsesEventReader, [data])
    assert error is None and done
    assert chunks[-1].finish_reason == finish


def test_messages_redacted_thinking_and_citations_are_kept() -> None:
    citation = {"type": "char_location", "cited_text": "x"}
    data = sse(
        MESSAGE_START,
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "redacted_thinking", "data": "ENC"},
        },
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "citations_delta", "citation": citation},
        },
        {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Hi"}},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "refusal"},
            "usage": {"output_tokens": 2},
        },
        {"type": "message_stop"},
    )
    reply = assemble(read_all(MessagesEventReader, [data])[0])
    assert reply.content_parts[0] == {
        "type": "reasoning",
        "summary": [{"type": "summary_encrypted_text", "data": "ENC"}],
    }
    assert reply.text == "Hi" and reply.citations[0].data == citation
    assert reply.finish_reason == "content_filter"


@pytest.mark.parametrize(
    ("raw", "finish"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("tool_use", "tool_calls"),
        ("max_tokens", "length"),
        ("model_context_window_exceeded", "length"),
        ("refusal", "content_filter"),
        ("pause_turn", "other"),
    ],
)
def test_messages_stop_reasons(raw: str, finish: str) -> None:
    data = sse(
        MESSAGE_START,
        {"type": "message_delta", "delta": {"stop_reason": raw}},
        {"type": "message_stop"},
    )
    assert read_all(MessagesEventReader, [data])[0][-1].finish_reason == finish
