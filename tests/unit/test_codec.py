"""The wire codec: chat responses, chunks, usage, embeddings and endpoints to domain values."""

from __future__ import annotations

import base64
import struct
from typing import Any

import pytest

from brickgate.domain.chat import ChatChunk, Citation, ToolCall, ToolCallDelta, Usage
from brickgate.domain.codec import (
    decode_chat_chunk,
    decode_chat_response,
    decode_embeddings,
    decode_usage,
    encode_embedding_body,
)
from brickgate.domain.endpoint_codec import decode_endpoint, decode_endpoint_list
from brickgate.domain.errors import StreamError, TransportError


def response(message: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "r1",
        "model": "served-model-1",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
    }
    body.update(extra)
    return body


def chunk(delta: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "c1",
        "model": "served-model-1",
        "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
    }
    body.update(extra)
    return body


class TestChatResponse:
    def test_string_content(self) -> None:
        reply = decode_chat_response(response({"role": "assistant", "content": "hi"}))
        assert (reply.text, reply.model, reply.id, reply.finish_reason) == (
            "hi",
            "served-model-1",
            "r1",
            "stop",
        )
        assert reply.reasoning is None
        assert reply.content_parts == ()

    def test_null_content_with_tool_calls(self) -> None:
        calls = [
            {"id": "t1", "type": "function", "function": {"name": "f", "arguments": '{"a":1}'}},
            {"id": "t2", "type": "function", "function": {"name": "g", "arguments": ""}},
            {"id": "t3", "type": "function", "function": {"name": "h"}},
        ]
        reply = decode_chat_response(response({"content": None, "tool_calls": calls}))
        assert reply.text == ""
        assert reply.tool_calls == (
            ToolCall("t1", "f", '{"a":1}'),
            ToolCall("t2", "g", "{}"),
            ToolCall("t3", "h", "{}"),
        )

    def test_object_arguments_are_encoded_as_json_text(self) -> None:
        calls = [{"id": "t", "function": {"name": "f", "arguments": {"x": [1, 2]}}}]
        (call,) = decode_chat_response(response({"content": "", "tool_calls": calls})).tool_calls
        assert call.arguments == '{"x":[1,2]}'

    def test_list_content_splits_text_reasoning_and_citations(self) -> None:
        parts = [
            {
                "type": "reasoning",
                "summary": [
                    {"type": "summary_text", "text": "think ", "signature": "sig"},
                    {"type": "summary_encrypted_text", "data": "opaque"},
                    {"type": "summary_text", "text": "more"},
                ],
            },
            {"type": "text", "text": "Hello ", "citations": [{"cited_text": "c"}]},
            {"type": "image", "image_url": "http://x"},
            {"type": "text", "text": "world"},
        ]
        reply = decode_chat_response(response({"content": parts}))
        assert reply.text == "Hello world"
        assert reply.reasoning == "think more"
        assert reply.citations == (Citation({"cited_text": "c"}),)
        assert reply.content_parts == tuple(parts)
        assert reply.to_message()["content"] == parts

    def test_reasoning_content_string_on_the_message(self) -> None:
        reply = decode_chat_response(response({"content": "ok", "reasoning_content": "because"}))
        assert (reply.text, reply.reasoning) == ("ok", "because")

    def test_usage_with_reasoning_and_cache_tokens(self) -> None:
        usage = {
            "prompt_tokens": 10,
            "completion_tokens": 5,
            "total_tokens": 15,
            "completion_tokens_details": {"reasoning_tokens": 3},
            "cache_read_input_tokens": 7,
            "cache_creation_input_tokens": 2,
        }
        reply = decode_chat_response(response({"content": "x"}, usage=usage))
        assert reply.usage == Usage(10, 5, 15, 3, 7, 2)

    def test_three_counts_other_than_the_usual_ones_are_all_kept(self) -> None:
        raw = {"prompt_tokens": 4, "total_tokens": 4, "reasoning_tokens": 0}
        assert decode_usage(raw) == Usage(4, 0, 4, reasoning_tokens=0)

    def test_top_level_reasoning_tokens_and_openai_cached_tokens(self) -> None:
        raw = {
            "prompt_tokens": 4,
            "completion_tokens": 6,
            "total_tokens": 10,
            "reasoning_tokens": 2,
            "prompt_tokens_details": {"cached_tokens": 1},
        }
        assert decode_usage(raw) == Usage(4, 6, 10, reasoning_tokens=2, cache_read_input_tokens=1)

    @pytest.mark.parametrize(
        ("body", "reason"),
        [
            ({}, "missing 'choices'"),
            ({"choices": []}, "empty 'choices'"),
            ({"choices": [{"text": "completion"}]}, "missing 'message'"),
            ({"choices": "x"}, "string indices"),
            ({"choices": [{"message": {"content": 5}}]}, "not iterable"),
        ],
    )
    def test_unusable_body_is_a_transport_error_naming_the_problem(
        self, body: dict[str, Any], reason: str
    ) -> None:
        with pytest.raises(TransportError, match="cannot read") as caught:
            decode_chat_response(body)
        assert reason in str(caught.value)

    def test_error_excerpt_is_short(self) -> None:
        with pytest.raises(TransportError) as caught:
            decode_chat_response({"junk": "x" * 10_000})
        assert len(str(caught.value)) < 500


class TestChatChunk:
    def test_text_delta(self) -> None:
        decoded = decode_chat_chunk(chunk({"role": "assistant", "content": "Hi"}))
        assert decoded == ChatChunk(text="Hi", model="served-model-1", id="c1")

    @pytest.mark.parametrize("content", [None, ""])
    def test_empty_content(self, content: str | None) -> None:
        assert decode_chat_chunk(chunk({"content": content})).text == ""

    def test_list_content_with_reasoning_and_citations(self) -> None:
        parts = [
            {"type": "reasoning", "summary": [{"type": "summary_text", "text": "hm"}]},
            {"type": "text", "text": "A", "citations": [{"n": 1}]},
        ]
        decoded = decode_chat_chunk(chunk({"content": parts}))
        assert (decoded.text, decoded.reasoning) == ("A", "hm")
        assert decoded.citations == (Citation({"n": 1}),)
        assert decoded.content_parts == tuple(parts)

    def test_reasoning_content_delta(self) -> None:
        decoded = decode_chat_chunk(chunk({"content": None, "reasoning_content": "thinking"}))
        assert (decoded.text, decoded.reasoning) == ("", "thinking")

    def test_tool_call_fragments_keep_the_server_index(self) -> None:
        first = {
            "index": 1,
            "id": "t",
            "type": "function",
            "function": {"name": "f", "arguments": ""},
        }
        later = {"index": 1, "function": {"arguments": '{"a"'}}
        assert decode_chat_chunk(chunk({"tool_calls": [first]})).tool_calls == (
            ToolCallDelta(1, "t", "f", ""),
        )
        assert decode_chat_chunk(chunk({"tool_calls": [later]})).tool_calls == (
            ToolCallDelta(1, None, None, '{"a"'),
        )

    def test_tool_call_without_index_uses_its_position(self) -> None:
        calls = [{"id": "a", "function": {"name": "f"}}, {"id": "b", "function": {"name": "g"}}]
        indexes = [d.index for d in decode_chat_chunk(chunk({"tool_calls": calls})).tool_calls]
        assert indexes == [0, 1]

    def test_incomplete_usage_is_dropped_complete_usage_kept(self) -> None:
        partial = {"prompt_tokens": 15, "completion_tokens": None, "total_tokens": None}
        full = {"prompt_tokens": 15, "completion_tokens": 345, "total_tokens": 360}
        assert decode_chat_chunk(chunk({"content": "x"}, usage=partial)).usage is None
        assert decode_chat_chunk(chunk({"content": "x"}, usage=full)).usage == Usage(15, 345, 360)

    def test_chunk_without_choices_carries_usage(self) -> None:
        body = {
            "id": "c",
            "model": "m",
            "choices": [],
            "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
        }
        assert decode_chat_chunk(body) == ChatChunk(usage=Usage(1, 2, 3), model="m", id="c")

    def test_finish_reason(self) -> None:
        body = chunk({"content": ""})
        body["choices"][0]["finish_reason"] = "length"
        assert decode_chat_chunk(body).finish_reason == "length"

    @pytest.mark.parametrize(
        "body",
        [
            {"choices": "x"},
            {"choices": [{"delta": {"content": 3}}]},
            {"choices": [{"delta": {"tool_calls": [{"function": "f"}]}}]},
            {"choices": [1]},
        ],
    )
    def test_unreadable_chunk_is_a_stream_error(self, body: dict[str, Any]) -> None:
        with pytest.raises(StreamError, match="cannot read"):
            decode_chat_chunk(body)


class TestEmbeddings:
    def test_vectors_in_input_order(self) -> None:
        body = {
            "model": "gte",
            "data": [
                {"index": 1, "embedding": [0.5]},
                {"index": 0, "embedding": [0.25]},
            ],
            "usage": {"prompt_tokens": 4, "total_tokens": 4},
        }
        decoded = decode_embeddings(body)
        assert decoded.vectors == [[0.25], [0.5]]
        assert decoded.model == "gte"
        assert decoded.usage == Usage(4, 0, 4)

    def test_base64_vectors(self) -> None:
        raw = base64.b64encode(struct.pack("<2f", 0.5, -1.0)).decode()
        assert decode_embeddings({"data": [{"index": 0, "embedding": raw}]}).vectors == [
            [0.5, -1.0]
        ]

    def test_missing_data_is_a_transport_error(self) -> None:
        with pytest.raises(TransportError, match="embeddings response"):
            decode_embeddings({"predictions": []})

    def test_encode_body(self) -> None:
        assert encode_embedding_body(["a", "b"], {"instruction": "q"}) == {
            "input": ["a", "b"],
            "instruction": "q",
        }


ENDPOINT = {
    "name": "databricks-claude-sonnet-4-5",
    "task": "llm/v1/chat",
    "description": "Claude",
    "endpoint_type": "FOUNDATION_MODEL_API",
    "state": {"ready": "READY", "config_update": "NOT_UPDATING"},
    "config": {
        "served_entities": [
            {"name": "claude", "foundation_model": {"name": "system.ai.claude-sonnet-4-5"}}
        ]
    },
}


class TestEndpoints:
    def test_full_endpoint(self) -> None:
        endpoint = decode_endpoint(ENDPOINT)
        assert endpoint.name == "databricks-claude-sonnet-4-5"
        assert endpoint.task == "llm/v1/chat"
        assert endpoint.ready is True
        assert endpoint.state == "READY"
        assert endpoint.config_update == "NOT_UPDATING"
        assert endpoint.endpoint_type == "FOUNDATION_MODEL_API"
        assert endpoint.foundation_model == "system.ai.claude-sonnet-4-5"
        assert endpoint.served_entities == ("claude",)
        assert endpoint.description == "Claude"

    def test_not_ready_and_minimal(self) -> None:
        endpoint = decode_endpoint({"name": "x", "state": {"ready": "NOT_READY"}})
        assert (endpoint.ready, endpoint.task, endpoint.served_entities) == (False, None, ())

    def test_served_models_and_entity_names(self) -> None:
        body = {
            "name": "x",
            "config": {"served_models": [{"model_name": "m"}, {"entity_name": "e"}]},
        }
        assert decode_endpoint(body).served_entities == ("m", "e")

    def test_list(self) -> None:
        endpoints = decode_endpoint_list({"endpoints": [ENDPOINT, {"name": "other"}]})
        assert [e.name for e in endpoints] == ["databricks-claude-sonnet-4-5", "other"]

    def test_empty_workspace_lists_nothing(self) -> None:
        assert decode_endpoint_list({}) == []

    @pytest.mark.parametrize("body", [{"endpoints": {"name": "x"}}, {"endpoints": [{"task": "t"}]}])
    def test_unreadable_list(self, body: dict[str, Any]) -> None:
        with pytest.raises(TransportError, match="cannot read"):
            decode_endpoint_list(body)
