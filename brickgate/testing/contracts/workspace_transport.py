"""The workspace-transport contract: what every adapter of the workspace port does, sync or async.

A host application tests its own transport (or policy) by subclassing
``WorkspaceTransportContract``, setting ``__test__ = True`` and implementing ``make``::

    class TestMyTransport(WorkspaceTransportContract):
        __test__ = True

        def make(self, operation, *replies):
            server = MyScriptedServer(replies)           # answers in order, records requests
            transport = MyTransport(server.url, host=HOST)
            return Scripted(transport, lambda: [received_from_wire(*r) for r in server.seen])

``make(operation, *replies)`` returns a transport whose workspace answers the next requests
with ``replies`` in order: a ``JsonReply`` (status, headers, JSON body), a ``StreamReply`` (an
event stream) or a brickgate error standing for what the network did (``ConnectError``: the
connection was refused; ``TimeoutError``: no answer in time). ``operation`` names what the
replies answer (``"chat"``, ``"stream"``, ``"statement-submit"``...; see ``FakeTransport``).
The transport talks to ``HOST``. Tests are plain functions (no async plugin needed): an async
transport is driven on an event loop of its own. Every call is sent with ``max_retries=0``, so
the contract sees one exchange even through a retrying policy. pytest is needed only here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any, ClassVar, TypeVar
from urllib.parse import parse_qs

import pytest

from brickgate.domain.calls import FORM_TYPE, JSON_TYPE, Call, StreamCall
from brickgate.domain.calls.oauth import client_credentials_call
from brickgate.domain.calls.serving import (
    INVOCATIONS,
    chat_call,
    embed_call,
    endpoint_call,
    endpoints_call,
    stream_call,
)
from brickgate.domain.calls.statements import cancel_call, poll_call, submit_call
from brickgate.domain.chat import Adjustment, CallOptions, ChatChunk, ChatRequest, EmbeddingRequest
from brickgate.domain.credentials import OAuthClientCredentials, Secret
from brickgate.domain.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConnectError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    StreamError,
    TimeoutError,
    TransportError,
)
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.sql import StatementRequest
from brickgate.testing.contracts import _workspace_payloads as data
from brickgate.testing.contracts._workspace_port import (
    Port,
    Read,
    Received,
    Scripted,
    authorization_of,
    received_from_calls,
    received_from_wire,
)
from brickgate.testing.fake_script import JsonReply, Reply, StreamReply

__all__ = [
    "CLIENT_ID",
    "HOST",
    "Port",
    "Read",
    "Received",
    "Scripted",
    "WorkspaceTransportContract",
    "authorization_of",
    "received_from_calls",
    "received_from_wire",
]

HOST = WorkspaceHost.parse("adb-1234567890123456.7.azuredatabricks.net")
CLIENT_ID = "6f1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8"
CLIENT_SECRET = "dose" + "a1b2c3d4e5f60718" * 2
HELLO = ChatRequest("databricks-dbrx-instruct", {"messages": [{"role": "user", "content": "Hi"}]})
ONCE = CallOptions(max_retries=0)
SERVING = ("serving-endpoints",)
ENDPOINTS = ("api", "2.0", "serving-endpoints")
STATEMENTS = ("api", "2.0", "sql", "statements")
OAUTH = OAuthClientCredentials(host=HOST, client_id=CLIENT_ID, client_secret=Secret(CLIENT_SECRET))
BUSY = {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "busy"}

C = TypeVar("C", Call[Any], StreamCall[Any])


def once(call: C) -> C:
    """``call`` sent at most once, whatever the transport's retry policy."""
    return replace(call, max_retries=0)


def chat(request: ChatRequest = HELLO, options: CallOptions = ONCE, **how: Any) -> Call[Any]:
    """The chat call of ``request`` to ``HOST``."""
    return chat_call(HOST, request, options, **how)


def stream(request: ChatRequest = HELLO, options: CallOptions = ONCE) -> StreamCall[ChatChunk]:
    """The streamed chat call of ``request`` to ``HOST``."""
    return stream_call(HOST, request, options)


def embed(model: str, *inputs: str) -> Call[Any]:
    """The embedding call of ``inputs``."""
    return embed_call(HOST, EmbeddingRequest(model, inputs), ONCE)


def submit(statement: str = "SELECT 1") -> Call[Any]:
    """The statement submission of ``statement`` on warehouse ``wh-1``."""
    return once(submit_call(StatementRequest(statement, "wh-1", "5s")))


class WorkspaceTransportContract:
    """Behaviour every ``WorkspaceTransport``/``AsyncWorkspaceTransport`` adapter shares.

    Subclasses implement ``make`` (see the module docstring) and set ``attached_authorization``
    to the ``Authorization`` value the adapter adds to calls that carry no credentials of
    their own (``None`` for a bare driver or fake; ``"Bearer <token>"`` behind an auth policy).
    """

    __test__ = False
    attached_authorization: ClassVar[str | None] = None

    def make(self, operation: str, *replies: Reply) -> Scripted:
        """A transport whose workspace answers ``operation`` with ``replies`` in order."""
        raise NotImplementedError

    @pytest.fixture(autouse=True)
    def _ports(self) -> Iterator[None]:
        self._opened: list[Port] = []
        yield
        for port in self._opened:
            port.finish()

    def port(self, operation: str, *replies: Reply) -> Port:
        """The transport ``make`` builds, driven synchronously; closed after the test."""
        opened = Port(self.make(operation, *replies))
        self._opened.append(opened)
        return opened

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

    # Headers

    def test_extra_headers_reach_the_workspace(self) -> None:
        port = self.port("chat", JsonReply(data.CHAT_REPLY))
        port.send(chat(options=CallOptions(extra_headers={"X-Trace": "abc"}, max_retries=0)))
        assert port.received()[0].headers.get("x-trace") == "abc"

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("Authorization", "Bearer other-secret"),
            ("HOST", "evil.example.com"),
            ("Content-Length", "0"),
            ("Transfer-Encoding", "chunked"),
            ("Connection", "close"),
            ("X-Bad", "a\r\nInjected: other-secret"),
        ],
    )
    def test_refused_extra_headers_send_nothing(self, name: str, value: str) -> None:
        port = self.port("chat", JsonReply(data.CHAT_REPLY))
        options = CallOptions(extra_headers={name: value}, max_retries=0)
        with pytest.raises(InvalidRequestError) as caught:
            port.send(chat(options=options))
        assert "other-secret" not in str(caught.value) and "evil" not in str(caught.value)
        assert port.sent() == 0

    # Error answers

    @pytest.mark.parametrize(
        ("status", "body", "expected", "code", "message"),
        [
            (400, data.ERROR_400, BadRequestError, "BAD_REQUEST",
             "`max_tokens` must be greater than `thinking.budget_tokens`"),
            (401, {"error_code": "UNAUTHENTICATED", "message": "Invalid Token"},
             AuthenticationError, "UNAUTHENTICATED", "Invalid Token"),
            (403, data.ERROR_403, PermissionDeniedError, "PERMISSION_DENIED",
             "User does not have permission 'View' on Endpoint gte-large-en"),
            (404, data.ERROR_404, NotFoundError, "RESOURCE_DOES_NOT_EXIST",
             "Endpoint with name 'dbdemos_customer_churn_endpoint'"),
            (500, {"error_code": "INTERNAL_ERROR", "message": "model crashed"}, ServerError,
             "INTERNAL_ERROR", "model crashed"),
            (503, BUSY, ServerError, "TEMPORARILY_UNAVAILABLE", "busy"),
        ],
    )  # fmt: skip
    def test_error_statuses_map_to_the_error_tree(
        self, status: int, body: dict[str, Any], expected: type[ApiError], code: str, message: str
    ) -> None:
        port = self.port("chat", JsonReply(body, status=status))
        with pytest.raises(expected) as caught:
            port.send(chat())
        assert (caught.value.status, caught.value.error_code) == (status, code)
        assert caught.value.message.startswith(message)
        assert port.sent() == 1

    def test_a_rate_limit_carries_retry_after(self) -> None:
        body = {"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "Exceeded workspace QPS"}
        port = self.port("chat", JsonReply(body, status=429, headers={"Retry-After": "7"}))
        with pytest.raises(RateLimitError) as caught:
            port.send(chat())
        assert caught.value.retry_after == 7.0
        assert caught.value.message == "Exceeded workspace QPS"

    @pytest.mark.parametrize("status", [301, 302, 307, 308])
    def test_a_redirect_is_refused_not_followed(self, status: int) -> None:
        moved = JsonReply({}, status=status, headers={"Location": "https://login.example.com/x"})
        port = self.port("endpoints", moved)
        with pytest.raises(ApiError, match="never follows redirects") as caught:
            port.send(once(endpoints_call(ONCE)))
        assert caught.value.status == status
        assert "login.example.com" in caught.value.message
        assert port.sent() == 1

    @pytest.mark.parametrize("operation", ["chat", "stream", "statement-submit"])
    def test_a_refused_connection_is_a_connect_error(self, operation: str) -> None:
        port = self.port(operation, ConnectError("[Errno 111] Connection refused"))
        with pytest.raises(ConnectError) as caught:
            if operation == "chat":
                port.send(chat())
            elif operation == "stream":
                port.open(stream())
            else:
                port.send(submit())
        assert type(caught.value) is ConnectError
        assert "refused" in str(caught.value).lower()

    @pytest.mark.parametrize("operation", ["chat", "stream", "embed"])
    def test_a_timeout_is_a_timeout_error(self, operation: str) -> None:
        port = self.port(operation, TimeoutError("timed out"))
        with pytest.raises(TimeoutError, match="timed out"):
            if operation == "chat":
                port.send(chat())
            elif operation == "stream":
                port.open(stream())
            else:
                port.send(embed("databricks-gte-large-en", "a"))

    def test_replies_are_used_in_order(self) -> None:
        port = self.port("chat", JsonReply(BUSY, status=503), JsonReply(data.CHAT_REPLY))
        with pytest.raises(ServerError):
            port.send(chat())
        assert port.send(chat()).model == "dbrx-instruct-071224"
        assert port.sent() == 2

    def test_a_closed_transport_refuses_calls_and_closes_again_quietly(self) -> None:
        port = self.port("chat", JsonReply(data.CHAT_REPLY), JsonReply(data.CHAT_REPLY))
        port.send(chat())
        port.close()
        with pytest.raises(TransportError, match="closed"):
            port.send(chat())
        with pytest.raises(TransportError, match="closed"):
            port.open(stream())
        port.close()
        assert port.sent() == 1

    # Statements

    def test_statement_submit(self) -> None:
        answer = {"statement_id": "01ef-abc", "status": {"state": "pending"}}
        port = self.port("statement-submit", JsonReply(answer))
        status = port.send(submit("SELECT 42"))
        assert (status.statement_id, status.state) == ("01ef-abc", "PENDING")
        [received] = port.received()
        assert (received.method, received.path) == ("POST", STATEMENTS)
        assert received.authorization == self.attached_authorization
        assert received.body is not None and b'"statement":"SELECT 42"' in received.body

    def test_statement_poll_reads_rows_and_errors(self) -> None:
        done = {
            "statement_id": "01ef/abc",
            "status": {"state": "SUCCEEDED"},
            "result": {"data_array": [["1", "a"], ["2", "b"]]},
        }
        failed = {
            "statement_id": "01ef/abc",
            "status": {
                "state": "FAILED",
                "sql_state": "42P01",
                "error": {"error_code": "BAD_REQUEST", "message": "no table t"},
            },
        }
        port = self.port("statement-poll", JsonReply(done), JsonReply(failed))
        assert port.send(once(poll_call("01ef/abc"))).rows == (("1", "a"), ("2", "b"))
        status = port.send(once(poll_call("01ef/abc")))
        assert (status.state, status.error_code, status.error_message, status.sql_state) == (
            "FAILED",
            "BAD_REQUEST",
            "no table t",
            "42P01",
        )
        assert [(r.method, r.path) for r in port.received()] == [
            ("GET", (*STATEMENTS, "01ef/abc"))
        ] * 2

    def test_statement_cancel(self) -> None:
        port = self.port("statement-cancel", JsonReply({}))
        assert port.send(once(cancel_call("01ef-abc"))) is None
        assert [(r.method, r.path) for r in port.received()] == [
            ("POST", (*STATEMENTS, "01ef-abc", "cancel"))
        ]

    def test_a_statement_answer_without_an_id_is_a_transport_error(self) -> None:
        port = self.port("statement-submit", JsonReply({"status": {"state": "PENDING"}}))
        with pytest.raises(TransportError, match="statement id"):
            port.send(submit())

    def test_a_refused_statement_is_mapped(self) -> None:
        body = {"error_code": "INVALID_PARAMETER_VALUE", "message": "warehouse wh-1 not found"}
        port = self.port("statement-submit", JsonReply(body, status=400))
        with pytest.raises(BadRequestError, match="wh-1 not found"):
            port.send(submit())

    # OAuth

    def test_oauth_token_is_issued_with_basic_client_auth(self) -> None:
        body = {"access_token": "eyJ-issued-token", "token_type": "Bearer", "expires_in": 1800}
        port = self.port("oauth-token", JsonReply(body))
        issued = port.send(client_credentials_call(OAUTH))
        assert (issued.token.get_secret_value(), issued.expires_in) == ("eyJ-issued-token", 1800)
        [received] = port.received()
        assert (received.method, received.path) == ("POST", ("oidc", "v1", "token"))
        assert received.authorization == authorization_of(
            client_credentials_call(OAUTH).request.auth
        )
        assert received.content_type == FORM_TYPE and received.body is not None
        form = parse_qs(received.body.decode())
        assert form == {"grant_type": ["client_credentials"], "scope": ["all-apis"]}

    def test_an_oauth_refusal_names_the_client_never_the_secret(self) -> None:
        body = {"error": "invalid_client", "error_description": "Client authentication failed"}
        port = self.port("oauth-token", JsonReply(body, status=401))
        with pytest.raises(AuthenticationError) as caught:
            port.send(client_credentials_call(OAUTH))
        assert CLIENT_ID in str(caught.value)
        assert CLIENT_SECRET not in str(caught.value) and CLIENT_SECRET not in repr(caught.value)

    def test_an_oauth_answer_without_a_token_is_an_authentication_error(self) -> None:
        port = self.port("oauth-token", JsonReply({"token_type": "Bearer"}))
        with pytest.raises(AuthenticationError, match="access_token"):
            port.send(client_credentials_call(OAUTH))

    def test_a_busy_token_endpoint_is_a_server_error(self) -> None:
        port = self.port("oauth-token", JsonReply(BUSY, status=503))
        with pytest.raises(ServerError):
            port.send(client_credentials_call(OAUTH))
