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

from typing import Any

import pytest

from brickgate.domain.calls.serving import endpoints_call
from brickgate.domain.chat import CallOptions
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
    TimeoutError,
    TransportError,
)
from brickgate.testing.contracts import _workspace_payloads as data
from brickgate.testing.contracts._workspace_calls import (
    BUSY,
    CLIENT_ID,
    HOST,
    ONCE,
    chat,
    embed,
    once,
    stream,
    submit,
)
from brickgate.testing.contracts._workspace_port import (
    Port,
    Read,
    Received,
    Scripted,
    authorization_of,
    received_from_calls,
    received_from_wire,
)
from brickgate.testing.contracts._workspace_serving import ServingContract
from brickgate.testing.contracts._workspace_statements import StatementAndTokenContract
from brickgate.testing.fake_script import JsonReply

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


class WorkspaceTransportContract(ServingContract, StatementAndTokenContract):
    """Behaviour every ``WorkspaceTransport``/``AsyncWorkspaceTransport`` adapter shares.

    Subclasses implement ``make`` (see the module docstring) and set ``attached_authorization``
    to the ``Authorization`` value the adapter adds to calls that carry no credentials of
    their own (``None`` for a bare driver or fake; ``"Bearer <token>"`` behind an auth policy).
    """

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
