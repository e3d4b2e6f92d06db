"""Every recorded payload in tests/data/payloads decodes into domain values with its content."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

import pytest

from brickgate.domain.chat import ChatChunk, ChatResponse, Citation, ToolCall, Usage
from brickgate.domain.codec import (
    decode_chat_chunk,
    decode_chat_response,
    decode_embeddings,
    decode_usage,
)
from brickgate.domain.errors import StreamError
from brickgate.domain.sse import aiter_chunks, iter_chunks
from brickgate.domain.streaming import StreamAssembler
from tests.conftest import DATA

PAYLOADS = DATA / "payloads"
GOOSE = "goose_databricks_claude_stream_two_tool_calls.sse"
LLAMA = "ai_bridge_stream_chunks_llama31.jsonl"
DBRX = "litellm_stream_chunks_dbrx.jsonl"


def load(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text())


def sse_bytes(name: str) -> bytes:
    """The stream as SSE bytes: .sse verbatim, .jsonl lines framed as events plus [DONE]."""
    raw = (PAYLOADS / name).read_bytes()
    if name.endswith(".sse"):
        return raw
    lines = [line for line in raw.decode().splitlines() if line.strip()]
    return "".join(f"data: {line}\n\n" for line in [*lines, "[DONE]"]).encode()


def assemble(chunks: Iterable[ChatChunk]) -> ChatResponse:
    assembler = StreamAssembler()
    for chunk in chunks:
        assembler.add(chunk)
    return assembler.response()


def test_every_payload_has_its_source_sidecar() -> None:
    data = [p for p in PAYLOADS.iterdir() if not p.name.endswith(".source.txt")]
    assert len(data) == 16
    for path in data:
        assert (PAYLOADS / f"{path.name}.source.txt").is_file(), path.name


class TestChatResponses:
    def test_llama31(self) -> None:
        reply = decode_chat_response(load("ai_bridge_chat_response_llama31.json"))
        assert reply.model == "meta-llama-3.1-70b-instruct-072424"
        assert reply.id == "chatcmpl_id"
        assert reply.text.startswith("To calculate the result of 36939 multiplied by 8922.4")
        assert reply.text.endswith("= 329,511,111.6")
        assert reply.finish_reason == "stop"
        assert reply.usage == Usage(30, 36, 66)
        assert reply.tool_calls == ()

    def test_dbrx_with_null_details(self) -> None:
        reply = decode_chat_response(load("litellm_chat_response_dbrx.json"))
        assert reply.model == "dbrx-instruct-071224"
        assert reply.id == "chatcmpl_3f78f09a-489c-4b8d-a587-f162c7497891"
        assert reply.text == "Hello! I'm an AI assistant. I'm doing well. How can I help?"
        assert reply.usage == Usage(230, 38, 268)
        assert reply.tool_calls == ()

    def test_claude_reasoning_with_signature(self) -> None:
        (choice,) = load("litellm_claude_reasoning_choices.json")
        reply = decode_chat_response({"model": "claude", "choices": [choice]})
        assert reply.text == "# 5 Question and Answer Pairs"
        assert reply.reasoning == "i'm thinking."
        assert reply.content_parts == tuple(choice["message"]["content"])
        assert reply.content_parts[0]["summary"][0]["signature"].startswith("ErcBCkgIAhAB")

    def test_gptoss_reasoning_without_signature(self) -> None:
        (choice,) = load("litellm_gptoss_reasoning_choices_no_signature.json")
        reply = decode_chat_response({"choices": [choice]})
        assert (reply.text, reply.reasoning) == (
            "Response without signature",
            "i'm thinking without signature.",
        )

    def test_claude_citations_in_message_and_chunk(self) -> None:
        data = load("litellm_claude_citations_choice_and_chunk.json")
        cited = {
            "type": "char_location",
            "cited_text": "The sky is blue.",
            "document_index": 0,
            "document_title": "My Document",
            "start_char_index": 0,
            "end_char_index": 50,
        }
        reply = decode_chat_response({"choices": [data["choice"]]})
        assert (reply.text, reply.citations) == ("Blue", (Citation(cited),))
        chunk = decode_chat_chunk(data["chunk"])
        assert (chunk.text, chunk.citations, chunk.model, chunk.id) == (
            "",
            (Citation(cited),),
            "test",
            "1",
        )


class TestSingleChunksAndUsage:
    def test_mlflow_llama2_chunk_with_bare_uuid_id(self) -> None:
        chunk = decode_chat_chunk(load("mlflow_predict_stream_chunk_llama2.json"))
        assert chunk.id == "82a834f5-089d-4fc0-ad6c-db5c7d6a6129"
        assert chunk.model == "llama-2-70b-chat-030424"
        assert chunk.text == "Hello"
        assert chunk.usage == Usage(11, 1, 12)

    def test_spiceai_claude_usage_fragments(self) -> None:
        data = load("spiceai_issue6600_claude_stream_usage_fragments.json")
        assert decode_usage(data["intermediate_chunk_usage"], complete_only=True) is None
        assert decode_usage(data["final_chunk_usage"], complete_only=True) == Usage(15, 345, 360)

    def test_bge_embedding(self) -> None:
        reply = decode_embeddings(load("litellm_embedding_response_bge.json"))
        assert reply.model == "bge-large-en-v1.5"
        (vector,) = reply.vectors
        assert vector[:2] == [0.06768798828125, -0.01291656494140625]
        assert vector[-1] == -0.030364990234375
        assert len(vector) == 5
        assert reply.usage == Usage(8, 0, 8)


EXPECTED_STREAMS: dict[str, dict[str, Any]] = {
    GOOSE: {
        "chunks": 18,
        "model": "us.anthropic.claude-sonnet-4-20250514-v1:0",
        "id": "msg_bdrk_014pifLTHsNZz6Lmtw1ywgDJ",
        "text": "I'll run both `ls` commands in a single turn for you - one on the current "
        "directory and one on the `working_dir`.",
        "tool_calls": (
            ToolCall(
                "toolu_bdrk_01RMTd7R9DzQjEEWgDwzcBsU", "developer__shell", '{"command": "ls"}'
            ),
            ToolCall(
                "toolu_bdrk_016bgVTGZdpjP8ehjMWp9cWW",
                "developer__shell",
                '{"command": "ls working_dir"}',
            ),
        ),
        "finish_reason": "tool_calls",
        "usage": Usage(4982, 122, 5104),
    },
    LLAMA: {
        "chunks": 6,
        "model": "meta-llama-3.1-70b-instruct-072424",
        "id": "chatcmpl_bb1fce87-f14e-4ae1-ac22-89facc74898a",
        "text": "36939x8922.4 = 329,511,111.6",
        "tool_calls": (),
        "finish_reason": "stop",
        "usage": Usage(30, 36, 66),
    },
    DBRX: {
        "chunks": 3,
        "model": "dbrx-instruct-071224",
        "id": "chatcmpl_8a7075d1-956e-4960-b3a6-892cd4649ff3",
        "text": "Hello world!",
        "tool_calls": (),
        "finish_reason": "stop",
        "usage": Usage(230, 1, 231),
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED_STREAMS))
class TestStreams:
    def test_assembled_response(self, name: str) -> None:
        expected = EXPECTED_STREAMS[name]
        chunks = list(iter_chunks([sse_bytes(name)]))
        assert len(chunks) == expected["chunks"]
        reply = assemble(chunks)
        assert reply.model == expected["model"]
        assert reply.id == expected["id"]
        assert reply.text == expected["text"]
        assert reply.tool_calls == expected["tool_calls"]
        assert reply.finish_reason == expected["finish_reason"]
        assert reply.usage == expected["usage"]
        assert reply.reasoning is None

    def test_every_two_piece_split_gives_identical_chunks(self, name: str) -> None:
        raw = sse_bytes(name)
        whole = list(iter_chunks([raw]))
        for cut in range(len(raw) + 1):
            assert list(iter_chunks([raw[:cut], raw[cut:]])) == whole, cut

    def test_one_byte_pieces_give_identical_chunks_and_response(self, name: str) -> None:
        raw = sse_bytes(name)
        whole = list(iter_chunks([raw]))
        bytewise = list(iter_chunks(raw[i : i + 1] for i in range(len(raw))))
        assert bytewise == whole
        assert assemble(bytewise) == assemble(whole)

    def test_crlf_framing_gives_identical_chunks(self, name: str) -> None:
        raw = sse_bytes(name)
        crlf = raw.replace(b"\n", b"\r\n")
        pieces = [crlf[i : i + 5] for i in range(0, len(crlf), 5)]
        assert list(iter_chunks(pieces)) == list(iter_chunks([raw]))

    def test_without_done_the_stream_error_follows_every_chunk(self, name: str) -> None:
        raw = sse_bytes(name).replace(b"data: [DONE]", b": no done")
        seen: list[ChatChunk] = []
        with pytest.raises(StreamError, match=r"ended before \[DONE\]"):
            for chunk in iter_chunks([raw]):
                seen.append(chunk)
        assert assemble(seen) == assemble(iter_chunks([sse_bytes(name)]))

    async def test_async_twin_gives_identical_chunks(self, name: str) -> None:
        raw = sse_bytes(name)

        async def pieces() -> AsyncIterator[bytes]:
            for i in range(0, len(raw), 11):
                yield raw[i : i + 11]

        result = [chunk async for chunk in aiter_chunks(pieces())]
        assert result == list(iter_chunks([raw]))


def test_goose_stream_reframed_with_blank_lines_decodes_the_same() -> None:
    raw = sse_bytes(GOOSE)
    framed = raw.replace(b"\n", b"\n\n")
    assert list(iter_chunks([framed])) == list(iter_chunks([raw]))


def test_goose_tool_call_indexes_start_at_one() -> None:
    indexes = [d.index for c in iter_chunks([sse_bytes(GOOSE)]) for d in c.tool_calls]
    assert sorted(set(indexes)) == [1, 2]


def test_goose_usage_is_only_on_the_last_chunk() -> None:
    usages = [c.usage for c in iter_chunks([sse_bytes(GOOSE)])]
    assert usages[:-1] == [None] * 17
    assert usages[-1] == Usage(4982, 122, 5104)
