"""Choosing the protocol per model and request, and the hint on a "Responses only" refusal."""

from __future__ import annotations

from typing import Any

import pytest

from brickgate.domain.calls import Answer
from brickgate.domain.calls.answers import encode_json
from brickgate.domain.calls.serving import chat_call, stream_call
from brickgate.domain.chat import CallOptions, ChatRequest
from brickgate.domain.errors import (
    BadRequestError,
    InvalidRequestError,
    NotFoundError,
    ResponsesOnlyError,
)
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.protocols import (
    ProtocolChoice,
    choose_protocol,
    decide_protocol,
    is_responses_only,
    responses_only_hint,
)

USER = {"role": "user", "content": "Hi"}
CACHED = [
    {
        "role": "user",
        "content": [{"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}}],
    }
]
SIGNED = [
    USER,
    {
        "role": "assistant",
        "content": [
            {
                "type": "reasoning",
                "summary": [{"type": "summary_text", "text": "t", "signature": "s"}],
            }
        ],
    },
]
UNSIGNED = [
    USER,
    {
        "role": "assistant",
        "content": [{"type": "reasoning", "summary": [{"type": "summary_text", "text": "t"}]}],
    },
]
TOOLS = [{"type": "function", "function": {"name": "f"}}]


@pytest.mark.parametrize(
    ("model", "body", "expected"),
    [
        ("databricks-gpt-5-1-codex-max", None, "responses"),
        ("databricks-gpt-5-1-codex-mini", {"messages": [USER]}, "responses"),
        ("system.ai.gpt-5-3-codex", None, "responses"),
        ("databricks-gpt-5-4", {"messages": [USER], "tools": TOOLS}, "responses"),
        ("databricks-gpt-5-4", {"messages": [USER]}, "chat"),
        ("databricks-gpt-5-4-mini", {"messages": [USER], "tools": TOOLS}, "chat"),
        ("databricks-gpt-5", {"messages": [USER], "tools": TOOLS}, "chat"),
        ("databricks-claude-sonnet-4-5", {"messages": CACHED}, "messages"),
        ("databricks-claude-sonnet-4-5", {"messages": SIGNED}, "messages"),
        ("databricks-claude-sonnet-4-5", {"messages": UNSIGNED}, "chat"),
        (
            "databricks-claude-sonnet-4-5",
            {"messages": [USER], "tools": [{**TOOLS[0], "cache_control": {}}]},
            "messages",
        ),
        (
            "databricks-claude-sonnet-4-5",
            {"messages": [USER, {"role": "assistant", "content": [{"type": "thinking"}]}]},
            "messages",
        ),
        ("databricks-claude-sonnet-4-5", {"messages": [USER]}, "chat"),
        ("databricks-claude-sonnet-4-5", None, "chat"),
        ("databricks-llama-4-maverick", {"messages": CACHED}, "chat"),
        ("databricks-gemini-2-5-pro", None, "chat"),
    ],
)
def test_auto_table(model: str, body: dict[str, Any] | None, expected: str) -> None:
    assert choose_protocol(model, body=body) == expected


def test_auto_says_why() -> None:
    assert decide_protocol("databricks-gpt-5-1-codex-max") == ProtocolChoice(
        "responses", "databricks-gpt-5-1-codex-max only supports the Responses API"
    )
    assert decide_protocol("databricks-claude-opus-4-6", body={"messages": CACHED}).reason == (
        "cache_control needs the Anthropic Messages API"
    )
    assert decide_protocol("databricks-llama-4-maverick") == ProtocolChoice("chat", "")


def test_a_remembered_refusal_sends_an_unknown_model_to_responses() -> None:
    choice = decide_protocol("my-new-gpt", responses_only={"my-new-gpt"})
    assert choice.protocol == "responses" and "learned" in choice.reason
    assert choose_protocol("my-new-gpt") == "chat"


@pytest.mark.parametrize("requested", ["chat", "responses"])
def test_an_explicit_protocol_is_taken_as_given(requested: str) -> None:
    assert choose_protocol("databricks-gpt-5-1-codex-max", requested) == requested


def test_messages_only_for_claude_and_unknown_values_refused() -> None:
    assert choose_protocol("databricks-claude-haiku-4-5", "messages") == "messages"
    with pytest.raises(InvalidRequestError, match="Anthropic models only"):
        choose_protocol("databricks-gpt-5", "messages")
    with pytest.raises(InvalidRequestError, match="protocol='anthropic'"):
        choose_protocol("databricks-gpt-5", "anthropic")


REFUSAL = {
    "error_code": "BAD_REQUEST",
    "message": "Bad Request: Model databricks-gpt-5-1-codex-max only supports the Responses API. "
    "Please use /serving-endpoints/responses instead.",
}
HOST = WorkspaceHost.parse("adb-1.2.azuredatabricks.net")
REQUEST = ChatRequest("databricks-gpt-5-1-codex-max", {"messages": [USER]})


def test_chat_calls_turn_the_refusal_into_a_responses_only_error_with_a_hint() -> None:
    answer = Answer(400, {}, encode_json(REFUSAL))
    for call in (
        chat_call(HOST, REQUEST, CallOptions()),
        stream_call(HOST, REQUEST, CallOptions()),
    ):
        error = call.fail(answer)
        assert isinstance(error, ResponsesOnlyError) and isinstance(error, BadRequestError)
        assert "protocol='responses'" in error.message
        assert is_responses_only(error)


def test_other_refusals_are_left_alone() -> None:
    other = chat_call(HOST, REQUEST, CallOptions()).fail(Answer(400, {}, b'{"message":"bad"}'))
    assert type(other) is BadRequestError and not is_responses_only(other)
    missing = NotFoundError("only supports the Responses API", status=404)
    assert responses_only_hint(missing, "m") is missing
