"""Every example stream of the reference decodes to the same chunks however its bytes are split."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brickgate.domain.chat import ToolCall, Usage
from brickgate.domain.protocols import MessagesEventReader, ResponsesEventReader

from .helpers import Reader, assemble, read_all, split_everywhere, stream_bytes

STREAMS: list[tuple[str, Reader]] = [
    ("responses_text.sse", ResponsesEventReader),
    ("responses_tool_call.sse", ResponsesEventReader),
    ("messages_text.sse", MessagesEventReader),
    ("messages_thinking_tool.sse", MessagesEventReader),
]


@pytest.mark.parametrize(("name", "reader"), STREAMS)
def test_every_split_gives_the_same_chunks(name: str, reader: Reader) -> None:
    data = stream_bytes(name)
    whole, error, done = read_all(reader, [data])
    assert error is None and done
    for pieces in split_everywhere(data):
        assert read_all(reader, pieces) == (whole, None, True)


@pytest.mark.parametrize(("name", "reader"), STREAMS)
def test_crlf_line_ends_give_the_same_chunks(name: str, reader: Reader) -> None:
    data = stream_bytes(name)
    assert read_all(reader, [data.replace(b"\n", b"\r\n")]) == read_all(reader, [data])


@pytest.mark.parametrize(("name", "reader"), STREAMS)
@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=12))
def test_any_number_of_cuts_gives_the_same_chunks(
    name: str, reader: Reader, cuts: list[int]
) -> None:
    data = stream_bytes(name)
    points = sorted({0, len(data), *(cut % (len(data) + 1) for cut in cuts)})
    pieces = [data[a:b] for a, b in itertools.pairwise(points)]
    assert read_all(reader, pieces) == read_all(reader, [data])


def test_responses_text_stream() -> None:
    chunks, _, _ = read_all(ResponsesEventReader, [stream_bytes("responses_text.sse")])
    assert [c.text for c in chunks if c.text] == ["Hi there,", " friend!"]
    reply = assemble(chunks)
    assert reply.text == "Hi there, friend!"
    assert reply.id == "resp_01c6" and reply.model == "gpt-5.5-2026-04-23"
    assert reply.finish_reason == "stop"
    assert reply.usage == Usage(12, 30, 42, reasoning_tokens=16, cache_read_input_tokens=0)


def test_responses_text_is_keyed_by_output_index_not_item_id() -> None:
    chunks, _, _ = read_all(ResponsesEventReader, [stream_bytes("responses_text.sse")])
    assert "".join(c.text for c in chunks) == "Hi there, friend!"


def test_responses_tool_call_stream() -> None:
    chunks, _, _ = read_all(ResponsesEventReader, [stream_bytes("responses_tool_call.sse")])
    reply = assemble(chunks)
    assert reply.tool_calls == (ToolCall("call_ab", "get_weather", '{"city":"Melbourne"}'),)
    assert reply.finish_reason == "tool_calls"
    assert reply.usage == Usage(50, 20, 70, reasoning_tokens=0, cache_read_input_tokens=32)


def test_messages_text_stream() -> None:
    chunks, _, _ = read_all(MessagesEventReader, [stream_bytes("messages_text.sse")])
    reply = assemble(chunks)
    assert reply.text == "Hello there."
    assert reply.id == "msg_bdrk_01Ab"
    assert reply.finish_reason == "stop"
    assert reply.usage == Usage(25, 6, 31)
    assert reply.content_parts == ()


def test_messages_thinking_tool_stream_keeps_the_signature_for_replay() -> None:
    chunks, _, _ = read_all(MessagesEventReader, [stream_bytes("messages_thinking_tool.sse")])
    reply = assemble(chunks)
    assert reply.reasoning == "User wants Oslo weather."
    assert reply.tool_calls == (ToolCall("toolu_bdrk_01X", "get_weather", '{"city":"Oslo"}'),)
    assert reply.finish_reason == "tool_calls"
    assert reply.usage == Usage(
        410 + 1536, 88, 410 + 1536 + 88, cache_read_input_tokens=1536, cache_creation_input_tokens=0
    )
    assert reply.content_parts == (
        {
            "type": "reasoning",
            "summary": [
                {"type": "summary_text", "text": "User wants Oslo weather.", "signature": "EqQB..."}
            ],
        },
    )
