"""The calls the workspace-transport contract sends, each sent at most once, to ``HOST``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeVar

from brickgate.domain.calls import Call, StreamCall
from brickgate.domain.calls.serving import chat_call, embed_call, stream_call
from brickgate.domain.calls.statements import submit_call
from brickgate.domain.chat import CallOptions, ChatChunk, ChatRequest, EmbeddingRequest
from brickgate.domain.credentials import OAuthClientCredentials, Secret
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.sql import StatementRequest

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
