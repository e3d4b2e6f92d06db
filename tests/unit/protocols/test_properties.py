"""Properties: encoders keep every text and tool call, readers are indifferent to byte splits."""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from brickgate.domain.chat import ChatRequest
from brickgate.domain.protocols import (
    MessagesEventReader,
    ResponsesEventReader,
    encode_messages_body,
    encode_responses_body,
)

from .helpers import assemble, read_all, sse

TEXT = st.text(min_size=1, max_size=20).filter(str.strip)
IDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=80)


@st.composite
def conversations(draw: st.DrawFn) -> list[dict[str, Any]]:
    turns: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 4))):
        turns.append({"role": "user", "content": draw(TEXT)})
        call_id = draw(IDS)
        arguments = json.dumps({"q": draw(st.text(max_size=10))})
        call = {
            "id": call_id,
            "type": "function",
            "function": {"name": "f", "arguments": arguments},
        }
        turns.append({"role": "assistant", "content": draw(TEXT), "tool_calls": [call]})
        turns.append({"role": "tool", "tool_call_id": call_id, "content": draw(TEXT)})
    return turns


@settings(max_examples=60, deadline=None)
@given(conversations())
def test_responses_keeps_every_text_and_call(turns: list[dict[str, Any]]) -> None:
    body = encode_responses_body(ChatRequest("m", {"messages": turns}), stream=False)
    items = body["input"]
    texts = [i["content"] for i in items if "role" in i]
    assert texts == [t["content"] for t in turns if t["role"] in ("user", "assistant")]
    calls = [i for i in items if i.get("type") == "function_call"]
    outputs = [i for i in items if i.get("type") == "function_call_output"]
    assert [c["call_id"] for c in calls] == [o["call_id"] for o in outputs]
    assert all(len(c["id"]) <= 64 and c["id"].startswith("fc_") for c in calls)
    assert [o["output"] for o in outputs] == [t["content"] for t in turns if t["role"] == "tool"]


@settings(max_examples=60, deadline=None)
@given(conversations())
def test_messages_keeps_every_text_and_call(turns: list[dict[str, Any]]) -> None:
    body = encode_messages_body(
        ChatRequest("m", {"messages": turns, "max_tokens": 10}), stream=False
    ).body
    roles = [m["role"] for m in body["messages"]]
    assert all(a != b for a, b in itertools.pairwise(roles))
    blocks = [b for m in body["messages"] for b in m["content"]]
    expected: list[Any] = []
    for turn in turns:
        if turn["role"] == "tool":
            expected.append(("result", turn["tool_call_id"], turn["content"]))
        else:
            expected.append(("text", turn["content"]))
        for call in turn.get("tool_calls") or ():
            arguments = json.loads(call["function"]["arguments"])
            expected.append(("use", call["id"], arguments))
    seen = [
        ("text", b["text"])
        if b["type"] == "text"
        else ("use", b["id"], b["input"])
        if b["type"] == "tool_use"
        else ("result", b["tool_use_id"], b["content"])
        for b in blocks
    ]
    assert seen == expected


@settings(max_examples=60, deadline=None)
@given(
    deltas=st.lists(st.text(max_size=6), max_size=8),
    cuts=st.lists(st.integers(min_value=0), max_size=8),
)
def test_random_text_streams_assemble_whatever_the_splits(
    deltas: list[str], cuts: list[int]
) -> None:
    streams = [
        (
            ResponsesEventReader,
            sse(
                *(
                    {"type": "response.output_text.delta", "output_index": 0, "delta": d}
                    for d in deltas
                ),
                {"type": "response.completed", "response": {"status": "completed"}},
            ),
        ),
        (
            MessagesEventReader,
            sse(
                *(
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "text_delta", "text": d},
                    }
                    for d in deltas
                ),
                {"type": "message_stop"},
            ),
        ),
    ]
    for reader, data in streams:
        points = sorted({0, len(data), *(cut % (len(data) + 1) for cut in cuts)})
        pieces = [data[a:b] for a, b in itertools.pairwise(points)]
        chunks, error, done = read_all(reader, pieces)
        assert error is None and done
        assert assemble(chunks).text == "".join(deltas)
