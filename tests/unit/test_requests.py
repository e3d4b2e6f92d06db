"""The chat request builder: messages, model names, parameter merge, rules and max_tokens caps."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from brickgate.domain.catalog import Catalog, ModelSpec
from brickgate.domain.chat import Message
from brickgate.domain.errors import InvalidRequestError
from brickgate.domain.requests import (
    MAX_MODEL_NAME_LENGTH,
    build_chat_request,
    normalize_messages,
    validate_model_name,
)

SEED = json.loads((Path(__file__).parent.parent / "data" / "seed_vectors.json").read_text())
CLAUDE = "databricks-claude-sonnet-4-5"
HI = [{"role": "user", "content": "hi"}]


def _spec(model: str) -> ModelSpec:
    spec = Catalog().get(model)
    assert spec is not None
    return spec


def test_a_string_is_one_user_message() -> None:
    assert normalize_messages("Hello") == [{"role": "user", "content": "Hello"}]


def test_dicts_are_copied_and_messages_converted() -> None:
    given = {"role": "system", "content": "be brief"}
    message = Message(role="assistant", content="ok", extra={"reasoning_content": "r"})
    wire = normalize_messages([given, message])
    assert wire == [given, {"role": "assistant", "content": "ok", "reasoning_content": "r"}]
    wire[0]["content"] = "changed"
    assert given["content"] == "be brief"


@pytest.mark.parametrize(
    ("messages", "message"),
    [
        ([], "messages is empty"),
        ((), "messages is empty"),
        (["hi"], "messages[0] is a str; expected a dict"),
        ([{"role": "user", "content": "a"}, 3], "messages[1] is a int"),
        ([{"role": "user"}, {"content": "x"}], "messages[1] has no 'role'"),
        ([{"role": "bot", "content": "x"}], "messages[0] has role 'bot'; expected one of"),
        ([{"role": ["user"], "content": "x"}], "messages[0] has role ['user']"),
        ([{"role": None, "content": "x"}], "messages[0] has role None"),
        ({"role": "user", "content": "x"}, "got a dict (wrap a single message in a list)"),
        (Message(role="user", content="x"), "got a Message"),
        (b"hello", "got a bytes"),
        (None, "got a NoneType"),
    ],
)
def test_invalid_messages(messages: Any, message: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        normalize_messages(messages)
    assert message in caught.value.message


@pytest.mark.parametrize(
    "name",
    [
        "databricks-claude-sonnet-4-6",
        "system.ai.gemini-3-5-flash",
        "system.ai.gpt-5",
        "my_endpoint-2",
        "a" * MAX_MODEL_NAME_LENGTH,
    ],
)
def test_valid_model_names(name: str) -> None:
    assert validate_model_name(name) == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "the model name is empty"),
        ("a" * (MAX_MODEL_NAME_LENGTH + 1), "257 characters long"),
        (" databricks-gpt-5", "is not an endpoint name"),
        ("databricks-gpt-5\n", "is not an endpoint name"),
        ("my model", "is not an endpoint name"),
        ("a/b", "is not an endpoint name"),
        ("../x", "is not an endpoint name"),
        ("system.ai..gpt-5", "is not an endpoint name"),
        ("system.ai.", "is not an endpoint name"),
        (".hidden", "is not an endpoint name"),
        ("https://evil", "is not an endpoint name"),
        ("gpt-5?x=1", "is not an endpoint name"),
        ("endpoint%2F..", "is not an endpoint name"),
        ("databricks/system.ai.gemini-3-5-flash-lite", "pass 'system.ai.gemini-3-5-flash-lite'"),
    ],
)
def test_invalid_model_names(name: str, message: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        validate_model_name(name)
    assert message in str(caught.value)


def test_fork_model_id_vectors() -> None:
    for vector in SEED["downstream_fork_vectors"]["model_id_validation"]:
        if vector["expected"] is None:
            with pytest.raises(InvalidRequestError):
                validate_model_name(vector["input"])
        else:
            assert validate_model_name(vector["input"]) == vector["expected"]


def test_a_token_pasted_as_model_name_is_not_echoed() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        validate_model_name("adb-1.azuredatabricks.net::dapi0123456789abcdef")
    assert "dapi0123456789abcdef" not in str(caught.value)
    assert "looks like it contains a token" in str(caught.value)


def test_body_merges_messages_params_and_extra_body() -> None:
    request = build_chat_request(
        "databricks-gpt-5-2",
        "Hello",
        params={"temperature": 0.2, "top_p": None, "max_tokens": 100},
        extra_body={"temperature": 0.7, "reasoning_effort": "low"},
    )
    assert request.model == "databricks-gpt-5-2"
    assert request.body == {
        "messages": [{"role": "user", "content": "Hello"}],
        "temperature": 0.7,
        "max_tokens": 100,
        "reasoning_effort": "low",
    }
    assert request.adjustments == ()


def test_extra_body_passes_through_the_rules() -> None:
    request = build_chat_request(
        CLAUDE,
        HI,
        params={},
        extra_body={"max_completion_tokens": 512, "strict": True, "seed": 3},
    )
    assert request.body == {"messages": HI, "max_tokens": 512}
    assert [a.rule for a in request.adjustments] == [
        "rename_max_completion_tokens",
        "drop_strict",
        "drop_fmapi_unsupported_params",
    ]


def test_messages_in_extra_body_replace_and_are_checked() -> None:
    request = build_chat_request(
        "databricks-gpt-5", "ignored", params={}, extra_body={"messages": [Message("user", "x")]}
    )
    assert request.body["messages"] == [{"role": "user", "content": "x"}]
    with pytest.raises(InvalidRequestError, match=r"messages\[0\] has no 'role'"):
        build_chat_request("databricks-gpt-5", "x", params={}, extra_body={"messages": [{}]})


@pytest.mark.parametrize(
    ("stream", "params", "extra_body", "expected"),
    [
        (True, {}, None, True),
        (False, {}, None, None),
        (True, {"stream": True}, None, True),
        (False, {"stream": False}, None, None),
        (False, {"stream": None}, None, None),
        (True, {}, {"stream": True}, True),
    ],
)
def test_stream_flag(
    stream: bool, params: dict[str, Any], extra_body: dict[str, Any] | None, expected: Any
) -> None:
    request = build_chat_request(
        "databricks-gpt-5", HI, params=params, extra_body=extra_body, stream=stream
    )
    assert request.body.get("stream") == expected


@pytest.mark.parametrize(
    ("stream", "params", "extra_body", "message"),
    [
        (False, {"stream": True}, None, "use stream(...)"),
        (False, {}, {"stream": True}, "use stream(...)"),
        (True, {}, {"stream": False}, "use chat(...)"),
        (False, {"model": "databricks-gpt-5-2"}, None, "names a different model"),
        (False, {}, {"model": "other"}, "names a different model"),
        (False, {"messages": HI}, None, "not in params"),
    ],
)
def test_conflicting_reserved_fields(
    stream: bool, params: dict[str, Any], extra_body: dict[str, Any] | None, message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build_chat_request(
            "databricks-gpt-5", HI, params=params, extra_body=extra_body, stream=stream
        )


def test_the_body_never_carries_the_model() -> None:
    request = build_chat_request(
        "databricks-gpt-5", HI, params={"model": "databricks-gpt-5"}, extra_body={}
    )
    assert "model" not in request.body


@pytest.mark.parametrize(
    ("model", "max_tokens", "expected", "adjusted"),
    [
        (CLAUDE, 100_000, 64_000, True),
        (CLAUDE, 64_000, 64_000, False),
        (CLAUDE, 10, 10, False),
        ("databricks-llama-4-maverick", 10**6, 10**6, False),
    ],
)
def test_max_tokens_clamped_to_the_model_cap(
    model: str, max_tokens: int, expected: int, adjusted: bool
) -> None:
    request = build_chat_request(
        model, HI, params={"max_tokens": max_tokens}, spec=Catalog().get(model)
    )
    assert request.body["max_tokens"] == expected
    clamps = [a for a in request.adjustments if a.rule == "clamp_max_tokens"]
    assert len(clamps) == int(adjusted)
    if adjusted:
        assert clamps[0].detail == (
            f"lowered max_tokens from {max_tokens} to {expected}, the most {model} can return"
        )


def test_no_clamp_without_a_spec() -> None:
    request = build_chat_request(CLAUDE, HI, params={"max_completion_tokens": 10**6})
    assert request.body["max_tokens"] == 10**6


def test_clamp_that_breaks_the_thinking_budget_is_refused() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        build_chat_request(
            CLAUDE,
            HI,
            params={
                "max_tokens": 100_000,
                "thinking": {"type": "enabled", "budget_tokens": 70_000},
            },
            spec=_spec(CLAUDE),
        )
    assert "thinking.budget_tokens (70000)" in str(caught.value)
    assert "at most 64000 tokens" in str(caught.value)


def test_thinking_without_max_tokens_gets_room_for_the_answer() -> None:
    request = build_chat_request(
        CLAUDE,
        HI,
        params={"thinking": {"type": "enabled", "budget_tokens": 1024}},
        spec=_spec(CLAUDE),
    )
    assert request.body["max_tokens"] > 1024
    assert [a.rule for a in request.adjustments] == ["check_thinking_budget"]


@pytest.mark.parametrize("value", [0, -5, "100", 1.5, True])
def test_max_tokens_must_be_a_positive_integer(value: Any) -> None:
    with pytest.raises(InvalidRequestError, match="max_tokens must be a positive integer"):
        build_chat_request("databricks-gpt-5", HI, params={"max_tokens": value})


def test_caller_objects_are_never_mutated() -> None:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "q", "name": "ann"},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "1"}], "refusal": None},
    ]
    tools = [{"type": "function", "function": {"name": "f", "strict": True}}]
    params: dict[str, Any] = {"tools": tools, "max_completion_tokens": 10}
    before = copy.deepcopy((messages, params))
    request = build_chat_request(CLAUDE, messages, params=params, spec=_spec(CLAUDE))
    assert (messages, params) == before
    assert request.body["messages"][1] == {
        "role": "assistant",
        "content": " ",
        "tool_calls": [{"id": "1"}],
    }
    assert "strict" not in request.body["tools"][0]["function"]


def test_invalid_model_name_fails_before_anything_else() -> None:
    with pytest.raises(InvalidRequestError, match="not an endpoint name"):
        build_chat_request("../admin", [], params={})
