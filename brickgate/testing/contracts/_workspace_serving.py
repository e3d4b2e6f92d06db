"""The contract's serving calls: chat, streams, embeddings and the endpoint listing."""

from __future__ import annotations

import pytest

from brickgate.domain.calls import JSON_TYPE
from brickgate.domain.calls.serving import INVOCATIONS, endpoint_call, endpoints_call
from brickgate.domain.calls.statements import poll_call
from brickgate.domain.chat import Adjustment, ChatRequest
from brickgate.domain.errors import InvalidRequestError, NotFoundError, RateLimitError, StreamError
from brickgate.testing.contracts import _workspace_payloads as data
from brickgate.testing.contracts._workspace_calls import (
    ENDPOINTS,
    HELLO,
    ONCE,
    SERVING,
    chat,
    embed,
    once,
    stream,
)
from brickgate.testing.contracts._workspace_port import PortContract
from brickgate.testing.fake_script import JsonReply, StreamReply


class ServingContract(PortContract):
    """Chat, stream, embedding and endpoint calls: results, paths and refusals."""

    # Chat

    def test_chat_plain_reply(self) -> None:
        reply = self.port("chat", JsonReply(data.CHAT_REPLY)).send(chat())
        assert reply.text == "Hello! I'm an AI assistant. I'm doing well. How can I help?"
        assert reply.model == "dbrx-instruct-071224"
        assert reply.finish_reason == "stop"
        assert reply.usage is not None and reply.usage.total_tokens == 268
        assert reply.tool_calls == ()

    def test_chat_tool_calls(self) -> None:
        reply = self.port("chat", JsonReply(data.TOOL_CALL_REPLY)).send(chat())
        assert [(c.id, c.name, c.arguments) for c in reply.tool_calls] == [
            ("toolu_bdrk_01", "shell", '{"command":"ls"}')
        ]
        assert reply.finish_reason == "tool_calls"

    def test_chat_list_content_with_reasoning(self) -> None:
        reply = self.port("chat", JsonReply(data.REASONING_REPLY)).send(chat())
        assert reply.text == "# 5 Question and Answer Pairs"
        assert reply.reasoning == "i'm thinking."
        assert len(reply.content_parts) == 2

    def test_chat_keeps_the_request_adjustments(self) -> None:
        adjusted = ChatRequest(HELLO.model, HELLO.body, (Adjustment("max-tokens", "renamed"),))
        reply = self.port("chat", JsonReply(data.CHAT_REPLY)).send(chat(adjusted))
        assert reply.adjustments == adjusted.adjustments

    def test_chat_body_reaches_its_path_unchanged(self) -> None:
        port = self.port("chat", JsonReply(data.CHAT_REPLY))
        call = chat()
        port.send(call)
        [received] = port.received()
        assert (received.method, received.path) == ("POST", (*SERVING, "chat", "completions"))
        assert (received.content_type, received.body) == (JSON_TYPE, call.request.content)

    def test_calls_carry_the_adapters_authorization(self) -> None:
        port = self.port("chat", JsonReply(data.CHAT_REPLY))
        port.send(chat())
        assert port.received()[0].authorization == self.attached_authorization

    def test_invocations_name_the_endpoint_in_one_segment(self) -> None:
        port = self.port("chat", JsonReply(data.CHAT_REPLY))
        port.send(chat(ChatRequest("my endpoint/v2", HELLO.body), surface=INVOCATIONS))
        [received] = port.received()
        assert received.path == (*SERVING, "my endpoint/v2", "invocations")
        assert received.body is not None and b'"model"' not in received.body

    # Streams

    def test_stream_chunks_and_text(self) -> None:
        read = self.port("stream", StreamReply(data.STREAM_CHUNKS)).read(stream())
        assert read.error is None
        assert "".join(chunk.text for chunk in read.events) == "Hello world!"
        assert [chunk.finish_reason for chunk in read.events] == [None, None, "stop"]
        assert read.events[-1].usage is not None and read.events[-1].usage.total_tokens == 231

    def test_stream_request_asks_for_events(self) -> None:
        port = self.port("stream", StreamReply(data.STREAM_CHUNKS))
        call = stream()
        port.read(call)
        [received] = port.received()
        assert (received.method, received.path) == ("POST", (*SERVING, "chat", "completions"))
        assert received.body == call.request.content
        assert received.body is not None and b'"stream":true' in received.body

    def test_stream_cumulative_usage(self) -> None:
        chunks = data.CUMULATIVE_USAGE_CHUNKS
        read = self.port("stream", StreamReply(chunks)).read(stream())
        assert len(read.events) == len(chunks) and read.error is None
        assert "".join(c.text for c in read.events) == "36939x 2"
        assert read.events[-1].usage.total_tokens == 55

    def test_stream_tool_calls_indexed_from_one(self) -> None:
        read = self.port("stream", StreamReply(sse=data.TWO_TOOL_CALLS_SSE)).read(stream())
        assert read.error is None
        assert "".join(chunk.text for chunk in read.events).startswith("I'll run both `ls`")
        assert {d.index for chunk in read.events for d in chunk.tool_calls} == {1, 2}
        assert len([d.name for chunk in read.events for d in chunk.tool_calls if d.name]) == 2
        assert read.events[-1].finish_reason == "tool_calls"

    def test_a_stream_without_done_raises_after_its_chunks(self) -> None:
        read = self.port("stream", StreamReply(data.STREAM_CHUNKS, done=False)).read(stream())
        assert "".join(chunk.text for chunk in read.events) == "Hello world!"
        assert isinstance(read.error, StreamError) and "[DONE]" in str(read.error)

    def test_a_stream_error_payload_is_mapped_after_the_chunks_before_it(self) -> None:
        error = {"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "Exceeded workspace QPS"}
        reply = StreamReply([data.STREAM_CHUNKS[0], error])
        read = self.port("stream", reply).read(stream())
        assert [chunk.text for chunk in read.events] == ["Hello"]
        assert isinstance(read.error, RateLimitError)
        assert read.error.error_code == "REQUEST_LIMIT_EXCEEDED"

    def test_a_stream_error_status_raises_from_opening(self) -> None:
        port = self.port("stream", JsonReply(data.ERROR_404, status=404))
        with pytest.raises(NotFoundError) as caught:
            port.open(stream())
        assert caught.value.request_id == data.NOT_FOUND_REQUEST_ID

    def test_a_stream_closed_early_closes_again_quietly(self) -> None:
        port = self.port("stream", StreamReply(data.STREAM_CHUNKS))
        opened = port.open(stream())
        assert [chunk.text for chunk in opened.take(1)] == ["Hello"]
        opened.close()
        opened.close()
        assert port.sent() == 1

    # Embeddings and endpoints

    def test_embeddings_come_back_in_input_order(self) -> None:
        port = self.port("embed", JsonReply(data.SHUFFLED_EMBEDDINGS))
        reply = port.send(embed("databricks-gte-large-en", "a", "b", "c"))
        assert reply.vectors == [[0.1], [0.2], [0.3]]
        [received] = port.received()
        assert (received.method, received.path) == ("POST", (*SERVING, "embeddings"))

    def test_embeddings_payload(self) -> None:
        port = self.port("embed", JsonReply(data.EMBEDDINGS_REPLY))
        reply = port.send(embed("databricks-bge-large-en", "hello"))
        assert reply.model == "bge-large-en-v1.5"
        assert reply.vectors[0][:2] == [0.06768798828125, -0.01291656494140625]

    def test_endpoints_list(self) -> None:
        body = {"endpoints": [data.endpoint_body("a"), data.endpoint_body("b", "NOT_READY")]}
        port = self.port("endpoints", JsonReply(body))
        listed = port.send(once(endpoints_call(ONCE)))
        assert [(e.name, e.task, e.ready) for e in listed] == [
            ("a", "llm/v1/chat", True),
            ("b", "llm/v1/chat", False),
        ]
        assert [(r.method, r.path, r.body) for r in port.received()] == [("GET", ENDPOINTS, None)]

    def test_endpoint_detail(self) -> None:
        name = "databricks-gte-large-en"
        port = self.port("endpoint", JsonReply(data.endpoint_body(name)))
        found = port.send(endpoint_call(name, ONCE))
        assert (found.name, found.ready, found.served_entities) == (name, True, (f"{name}-entity",))
        assert [(r.method, r.path) for r in port.received()] == [("GET", (*ENDPOINTS, name))]

    @pytest.mark.parametrize("name", ["../../api/2.0/x", "a?b#c", "my endpoint/v2", "50%/é"])
    def test_a_path_segment_arrives_whole(self, name: str) -> None:
        port = self.port("endpoint", JsonReply(data.endpoint_body(name)))
        assert port.send(endpoint_call(name, ONCE)).name == name
        assert port.received()[0].path == (*ENDPOINTS, name)

    @pytest.mark.parametrize("name", ["", ".", "..", "   "])
    def test_path_escape_names_are_refused_before_sending(self, name: str) -> None:
        port = self.port("endpoint", JsonReply(data.endpoint_body("x")))
        with pytest.raises(InvalidRequestError):
            port.send(endpoint_call(name, ONCE))
        with pytest.raises(InvalidRequestError):
            port.send(chat(ChatRequest(name, HELLO.body)))
        with pytest.raises(InvalidRequestError):
            port.send(poll_call(name))
        assert port.sent() == 0
