"""The chat-transport contract, written once and run by every adapter, sync and async."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

import pytest

from brickgate.adapters.transport.fake import JsonReply, Operation, Reply, StreamReply
from brickgate.domain.chat import (
    CallOptions,
    ChatChunk,
    ChatRequest,
    ChatResponse,
    EmbeddingRequest,
    EmbeddingResponse,
    Endpoint,
)
from brickgate.domain.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    StreamError,
    TimeoutError,
    TransportError,
)

PAYLOADS = Path(__file__).resolve().parent.parent / "data" / "payloads"
NO_OPTIONS = CallOptions()
HELLO = ChatRequest("databricks-dbrx-instruct", {"messages": [{"role": "user", "content": "Hi"}]})


def payload(name: str) -> Any:
    """A JSON payload file from tests/data/payloads."""
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def payload_lines(name: str) -> list[dict[str, Any]]:
    """A JSON-lines payload file: one SSE ``data:`` object per line."""
    text = (PAYLOADS / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def endpoint_body(name: str, ready: str = "READY", task: str = "llm/v1/chat") -> dict[str, Any]:
    """A serving-endpoint object as ``GET /api/2.0/serving-endpoints`` returns it."""
    return {
        "name": name,
        "task": task,
        "state": {"ready": ready, "config_update": "NOT_UPDATING"},
        "config": {"served_entities": [{"name": f"{name}-entity"}]},
    }


TOOL_CALL_BODY = {
    "id": "msg_bdrk_01",
    "object": "chat.completion",
    "model": "us.anthropic.claude-sonnet-4-20250514-v1:0",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "I'll look.",
                "tool_calls": [
                    {
                        "id": "toolu_bdrk_01",
                        "type": "function",
                        "function": {"name": "shell", "arguments": '{"command":"ls"}'},
                    }
                ],
            },
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
}


class Harness(Protocol):
    """One adapter seen through async calls; ``stream`` returns every chunk (consumed)."""

    async def chat(self, request: ChatRequest, options: CallOptions = NO_OPTIONS) -> ChatResponse:
        """Chat through the adapter."""
        ...

    async def stream(
        self, request: ChatRequest, options: CallOptions = NO_OPTIONS
    ) -> list[ChatChunk]:
        """Open a stream and read it to the end."""
        ...

    async def embed(self, request: EmbeddingRequest) -> EmbeddingResponse:
        """Embed through the adapter."""
        ...

    async def endpoints(self) -> list[Endpoint]:
        """List endpoints."""
        ...

    async def endpoint(self, name: str) -> Endpoint:
        """Describe one endpoint."""
        ...

    def sent(self) -> int:
        """How many requests reached the workspace (or the fake's script)."""
        ...


class ChatTransportContract:
    """Behaviour every ``ChatTransport``/``AsyncChatTransport`` adapter shares.

    Subclasses implement ``make(operation, *replies)``: a harness whose adapter answers
    ``operation`` with ``replies`` in order, however the adapter receives them (wire bytes
    through ``httpx.MockTransport``, or the fake's script).
    """

    __test__ = False

    def make(self, operation: Operation, *replies: Reply) -> Harness:
        raise NotImplementedError

    async def test_chat_plain_reply(self) -> None:
        harness = self.make("chat", JsonReply(payload("litellm_chat_response_dbrx.json")))
        reply = await harness.chat(HELLO)
        assert reply.text == "Hello! I'm an AI assistant. I'm doing well. How can I help?"
        assert reply.model == "dbrx-instruct-071224"
        assert reply.finish_reason == "stop"
        assert reply.usage is not None and reply.usage.total_tokens == 268
        assert reply.tool_calls == ()

    async def test_chat_tool_calls(self) -> None:
        harness = self.make("chat", JsonReply(TOOL_CALL_BODY))
        reply = await harness.chat(HELLO)
        assert [(c.id, c.name, c.arguments) for c in reply.tool_calls] == [
            ("toolu_bdrk_01", "shell", '{"command":"ls"}')
        ]
        assert reply.finish_reason == "tool_calls"

    async def test_chat_list_content_with_reasoning(self) -> None:
        choices = payload("litellm_claude_reasoning_choices.json")
        harness = self.make("chat", JsonReply({"model": "claude", "choices": choices}))
        reply = await harness.chat(HELLO)
        assert reply.text == "# 5 Question and Answer Pairs"
        assert reply.reasoning == "i'm thinking."
        assert len(reply.content_parts) == 2

    async def test_chat_keeps_the_request_adjustments(self) -> None:
        from brickgate.domain.chat import Adjustment

        adjusted = ChatRequest(HELLO.model, HELLO.body, (Adjustment("max-tokens", "renamed"),))
        harness = self.make("chat", JsonReply(payload("litellm_chat_response_dbrx.json")))
        reply = await harness.chat(adjusted)
        assert reply.adjustments == adjusted.adjustments

    async def test_stream_chunks_and_text(self) -> None:
        chunks = payload_lines("litellm_stream_chunks_dbrx.jsonl")
        harness = self.make("stream", StreamReply(chunks))
        received = await harness.stream(HELLO)
        assert "".join(chunk.text for chunk in received) == "Hello world!"
        assert [chunk.finish_reason for chunk in received] == [None, None, "stop"]
        assert received[-1].usage is not None and received[-1].usage.total_tokens == 231

    async def test_stream_cumulative_usage_llama(self) -> None:
        chunks = payload_lines("ai_bridge_stream_chunks_llama31.jsonl")
        harness = self.make("stream", StreamReply(chunks))
        received = await harness.stream(HELLO)
        assert len(received) == len(chunks)
        assert "".join(c.text for c in received) == "".join(
            c["choices"][0]["delta"].get("content") or "" for c in chunks
        )

    async def test_stream_tool_calls_indexed_from_one(self) -> None:
        raw = (PAYLOADS / "goose_databricks_claude_stream_two_tool_calls.sse").read_bytes()
        harness = self.make("stream", StreamReply(sse=raw))
        received = await harness.stream(HELLO)
        text = "".join(chunk.text for chunk in received)
        assert text.startswith("I'll run both `ls` commands")
        indexes = {d.index for chunk in received for d in chunk.tool_calls}
        assert indexes == {1, 2}
        names = [d.name for chunk in received for d in chunk.tool_calls if d.name]
        assert len(names) == 2
        assert received[-1].finish_reason == "tool_calls"

    async def test_stream_without_done_raises_stream_error_after_chunks(self) -> None:
        chunks = payload_lines("litellm_stream_chunks_dbrx.jsonl")
        harness = self.make("stream", StreamReply(chunks, done=False))
        with pytest.raises(StreamError, match=r"\[DONE\]"):
            await harness.stream(HELLO)

    async def test_stream_error_payload_is_mapped(self) -> None:
        error = {"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "Exceeded workspace QPS"}
        first = payload_lines("litellm_stream_chunks_dbrx.jsonl")[0]
        harness = self.make("stream", StreamReply([first, error]))
        with pytest.raises(RateLimitError) as caught:
            await harness.stream(HELLO)
        assert caught.value.error_code == "REQUEST_LIMIT_EXCEEDED"

    async def test_stream_error_status_raises_from_opening(self) -> None:
        body = payload("error_404_resource_does_not_exist.json")
        harness = self.make("stream", JsonReply(body, status=404))
        with pytest.raises(NotFoundError) as caught:
            await harness.stream(HELLO)
        assert caught.value.request_id == "28e113da-9127-4b02-b211-c08df9e8e397"

    async def test_embeddings_come_back_in_input_order(self) -> None:
        body = {
            "object": "list",
            "model": "gte-large-en",
            "data": [
                {"index": 2, "object": "embedding", "embedding": [0.3]},
                {"index": 0, "object": "embedding", "embedding": [0.1]},
                {"index": 1, "object": "embedding", "embedding": [0.2]},
            ],
            "usage": {"prompt_tokens": 3, "total_tokens": 3},
        }
        harness = self.make("embed", JsonReply(body))
        reply = await harness.embed(EmbeddingRequest("databricks-gte-large-en", ("a", "b", "c")))
        assert reply.vectors == [[0.1], [0.2], [0.3]]

    async def test_embeddings_payload(self) -> None:
        harness = self.make("embed", JsonReply(payload("litellm_embedding_response_bge.json")))
        reply = await harness.embed(EmbeddingRequest("databricks-bge-large-en", ("hello",)))
        assert reply.model == "bge-large-en-v1.5"
        assert reply.vectors[0][:2] == [0.06768798828125, -0.01291656494140625]

    async def test_endpoints_list(self) -> None:
        body = {"endpoints": [endpoint_body("a"), endpoint_body("b", ready="NOT_READY")]}
        harness = self.make("endpoints", JsonReply(body))
        listed = await harness.endpoints()
        assert [(e.name, e.task, e.ready) for e in listed] == [
            ("a", "llm/v1/chat", True),
            ("b", "llm/v1/chat", False),
        ]

    async def test_endpoint_detail(self) -> None:
        harness = self.make("endpoint", JsonReply(endpoint_body("databricks-gte-large-en")))
        found = await harness.endpoint("databricks-gte-large-en")
        assert (found.name, found.ready, found.served_entities) == (
            "databricks-gte-large-en",
            True,
            ("databricks-gte-large-en-entity",),
        )

    async def test_endpoint_name_with_slashes_stays_one_segment(self) -> None:
        name = "../../api/2.0/x"
        harness = self.make("endpoint", JsonReply(endpoint_body(name)))
        assert (await harness.endpoint(name)).name == name

    @pytest.mark.parametrize("name", ["", ".", "..", "   "])
    async def test_path_escape_names_are_refused_before_sending(self, name: str) -> None:
        harness = self.make("endpoint", JsonReply(endpoint_body("x")))
        with pytest.raises(InvalidRequestError):
            await harness.endpoint(name)
        with pytest.raises(InvalidRequestError):
            await harness.chat(ChatRequest(name, HELLO.body))
        assert harness.sent() == 0

    async def test_authorization_header_cannot_be_overridden(self) -> None:
        harness = self.make("chat", JsonReply(payload("litellm_chat_response_dbrx.json")))
        options = CallOptions(extra_headers={"authorization": "Bearer other"})
        with pytest.raises(InvalidRequestError) as caught:
            await harness.chat(HELLO, options)
        assert "other" not in str(caught.value)
        assert harness.sent() == 0

    @pytest.mark.parametrize(
        ("status", "body", "expected", "code", "message"),
        [
            (400, "error_400_bad_request_claude_thinking.json", BadRequestError, "BAD_REQUEST",
             "`max_tokens` must be greater than `thinking.budget_tokens`"),
            (401, {"error_code": "UNAUTHENTICATED", "message": "Invalid Token"},
             AuthenticationError, "UNAUTHENTICATED", "Invalid Token"),
            (403, "error_403_permission_denied.json", PermissionDeniedError, "PERMISSION_DENIED",
             "User does not have permission 'View' on Endpoint gte-large-en"),
            (404, "error_404_resource_does_not_exist.json", NotFoundError,
             "RESOURCE_DOES_NOT_EXIST", "Endpoint with name 'dbdemos_customer_churn_endpoint'"),
            (500, {"error_code": "INTERNAL_ERROR", "message": "model crashed"}, ServerError,
             "INTERNAL_ERROR", "model crashed"),
        ],
    )  # fmt: skip
    async def test_error_statuses_map_to_the_error_tree(
        self, status: int, body: Any, expected: type[ApiError], code: str, message: str
    ) -> None:
        data = payload(body) if isinstance(body, str) else body
        harness = self.make("chat", JsonReply(data, status=status))
        with pytest.raises(expected) as caught:
            await harness.chat(HELLO)
        assert (caught.value.status, caught.value.error_code) == (status, code)
        assert caught.value.message.startswith(message)

    async def test_rate_limit_carries_retry_after(self) -> None:
        body = {"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "Exceeded workspace QPS"}
        harness = self.make("chat", JsonReply(body, status=429, headers={"Retry-After": "7"}))
        with pytest.raises(RateLimitError) as caught:
            await harness.chat(HELLO)
        assert caught.value.retry_after == 7.0
        assert caught.value.message == "Exceeded workspace QPS"

    async def test_a_refused_connection_is_a_transport_error(self) -> None:
        harness = self.make("chat", TransportError("connection refused"))
        with pytest.raises(TransportError) as caught:
            await harness.chat(HELLO)
        assert type(caught.value) is TransportError
        assert "refused" in str(caught.value).lower()

    @pytest.mark.parametrize("operation", ["chat", "stream", "embed"])
    async def test_a_timeout_is_a_timeout_error(self, operation: Operation) -> None:
        harness = self.make(operation, TimeoutError("timed out"))
        with pytest.raises(TimeoutError, match="timed out"):
            if operation == "chat":
                await harness.chat(HELLO)
            elif operation == "stream":
                await harness.stream(HELLO)
            else:
                await harness.embed(EmbeddingRequest("databricks-gte-large-en", ("a",)))

    async def test_replies_are_used_in_order(self) -> None:
        body = payload("litellm_chat_response_dbrx.json")
        failure = {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "busy"}
        harness = self.make("chat", JsonReply(failure, status=503), JsonReply(body))
        with pytest.raises(ServerError):
            await harness.chat(HELLO)
        assert (await harness.chat(HELLO)).model == "dbrx-instruct-071224"
        assert harness.sent() == 2
