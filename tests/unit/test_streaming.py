"""StreamAssembler: text, reasoning, tool calls by index, last full usage, parts for replay."""

from __future__ import annotations

from brickgate.domain.chat import Adjustment, ChatChunk, Citation, ToolCall, ToolCallDelta, Usage
from brickgate.domain.streaming import StreamAssembler


def assemble(*chunks: ChatChunk) -> StreamAssembler:
    assembler = StreamAssembler()
    for chunk in chunks:
        assembler.add(chunk)
    return assembler


def test_empty_stream_gives_an_empty_response() -> None:
    reply = StreamAssembler().response()
    assert (reply.text, reply.model, reply.reasoning, reply.tool_calls, reply.usage) == (
        "",
        "",
        None,
        (),
        None,
    )


def test_text_and_reasoning_are_concatenated_separately() -> None:
    reply = assemble(
        ChatChunk(reasoning="Let me ", model="m", id="r"),
        ChatChunk(reasoning="think."),
        ChatChunk(text="Hello "),
        ChatChunk(text="world", finish_reason="stop"),
    ).response()
    assert (reply.text, reply.reasoning, reply.model, reply.id) == (
        "Hello world",
        "Let me think.",
        "m",
        "r",
    )
    assert reply.finish_reason == "stop"
    assert reply.content_parts == ()


def test_tool_calls_merge_by_index_starting_at_one_and_are_ordered() -> None:
    reply = assemble(
        ChatChunk(tool_calls=(ToolCallDelta(2, "b", "second", ""),)),
        ChatChunk(tool_calls=(ToolCallDelta(1, "a", "first", '{"x"'),)),
        ChatChunk(tool_calls=(ToolCallDelta(2, arguments='{"y": 2}'),)),
        ChatChunk(tool_calls=(ToolCallDelta(1, arguments=": 1}"),)),
    ).response()
    assert reply.tool_calls == (
        ToolCall("a", "first", '{"x": 1}'),
        ToolCall("b", "second", '{"y": 2}'),
    )


def test_tool_call_without_arguments_gets_empty_object() -> None:
    reply = assemble(ChatChunk(tool_calls=(ToolCallDelta(0, "a", "ping"),))).response()
    assert reply.tool_calls == (ToolCall("a", "ping", "{}"),)


def test_first_fragment_id_and_name_win() -> None:
    reply = assemble(
        ChatChunk(tool_calls=(ToolCallDelta(0, "a", "f", "{"),)),
        ChatChunk(tool_calls=(ToolCallDelta(0, None, "f", "}"),)),
    ).response()
    assert reply.tool_calls == (ToolCall("a", "f", "{}"),)


def test_a_new_id_at_a_reused_index_is_a_new_call() -> None:
    reply = assemble(
        ChatChunk(tool_calls=(ToolCallDelta(0, "a", "f", '{"n": 1}'),)),
        ChatChunk(tool_calls=(ToolCallDelta(0, "b", "g", '{"n": 2}'),)),
    ).response()
    assert [(c.id, c.name, c.arguments) for c in reply.tool_calls] == [
        ("a", "f", '{"n": 1}'),
        ("b", "g", '{"n": 2}'),
    ]


def test_usage_is_the_last_complete_one_never_a_sum() -> None:
    reply = assemble(
        ChatChunk(text="a", usage=Usage(30, 20, 50)),
        ChatChunk(text="b", usage=None),
        ChatChunk(text="c", usage=Usage(30, 36, 66)),
        ChatChunk(text="", usage=None, finish_reason="stop"),
    ).response()
    assert reply.usage == Usage(30, 36, 66)


def test_finish_reason_is_the_last_non_null() -> None:
    reply = assemble(ChatChunk(finish_reason="tool_calls"), ChatChunk(text="x")).response()
    assert reply.finish_reason == "tool_calls"


def test_citations_are_kept_apart_from_text() -> None:
    cite = Citation({"cited_text": "The sky is blue."})
    reply = assemble(ChatChunk(text="Blue"), ChatChunk(citations=(cite,))).response()
    assert (reply.text, reply.citations) == ("Blue", (cite,))


def test_response_works_mid_stream_for_partials() -> None:
    assembler = assemble(ChatChunk(text="par", model="m"))
    assert assembler.response().text == "par"
    assembler.add(ChatChunk(text="tial"))
    assert assembler.response().text == "partial"


def test_adjustments_are_attached() -> None:
    adjustment = Adjustment("max_tokens", "renamed")
    assert StreamAssembler().response([adjustment]).adjustments == (adjustment,)


def reasoning_part(text: str, signature: str | None = None) -> dict[str, object]:
    entry: dict[str, object] = {"type": "summary_text", "text": text}
    if signature:
        entry["signature"] = signature
    return {"type": "reasoning", "summary": [entry]}


def test_streamed_reasoning_parts_are_rebuilt_with_their_signature_for_replay() -> None:
    reply = assemble(
        ChatChunk(reasoning="I'm ", content_parts=(reasoning_part("I'm "),)),
        ChatChunk(reasoning="thinking.", content_parts=(reasoning_part("thinking."),)),
        ChatChunk(content_parts=(reasoning_part("", "SIG"),)),
        ChatChunk(text="Answer", content_parts=({"type": "text", "text": "Answer"},)),
        ChatChunk(text=" done"),
    ).response()
    assert reply.reasoning == "I'm thinking."
    assert reply.text == "Answer done"
    assert reply.content_parts == (
        {
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": "I'm thinking.", "signature": "SIG"}],
        },
        {"type": "text", "text": "Answer done"},
    )
    assert reply.to_message()["content"] == list(reply.content_parts)


def test_a_signature_closes_a_reasoning_block() -> None:
    reply = assemble(
        ChatChunk(content_parts=(reasoning_part("one", "S1"),)),
        ChatChunk(content_parts=(reasoning_part("two", "S2"),)),
    ).response()
    assert [part["summary"][0]["text"] for part in reply.content_parts] == ["one", "two"]
    assert reply.reasoning == ""


def test_text_before_the_first_part_is_kept_in_order() -> None:
    encrypted = {"type": "reasoning", "summary": [{"type": "summary_encrypted_text", "data": "x"}]}
    reply = assemble(
        ChatChunk(text="Hi "),
        ChatChunk(content_parts=(encrypted,)),
        ChatChunk(text="there", content_parts=({"type": "text", "text": "there"},)),
    ).response()
    assert reply.content_parts == (
        {"type": "text", "text": "Hi "},
        encrypted,
        {"type": "text", "text": "there"},
    )
    assert reply.reasoning == ""


def test_text_parts_keep_their_citations() -> None:
    part = {"type": "text", "text": "Blue", "citations": [{"n": 1}]}
    reply = assemble(ChatChunk(text="Blue", content_parts=(part,))).response()
    assert reply.content_parts == (part,)


def test_returned_parts_are_copies() -> None:
    assembler = assemble(ChatChunk(content_parts=(reasoning_part("a"),)))
    first = assembler.response().content_parts
    first[0]["summary"][0]["text"] = "changed"
    assert assembler.response().content_parts[0]["summary"][0]["text"] == "a"
