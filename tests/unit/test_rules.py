"""Request rules: family detection, each rule alone, the family tables and the seed vectors."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from brickgate.domain.errors import BadRequestError, InvalidRequestError
from brickgate.domain.message_rules import (
    drop_empty_text_parts,
    drop_name_outside_user_messages,
    fill_empty_claude_tool_call_content,
    strip_provider_only_message_keys,
)
from brickgate.domain.model_family import ModelFamily, is_hosted_model, model_family
from brickgate.domain.rules import (
    COMMON_RULES,
    HOSTED_MODEL_RULES,
    RULES_BY_FAMILY,
    THINKING_ANSWER_TOKENS,
    Rule,
    add_missing_tool_parameters,
    apply_rules,
    check_thinking_budget,
    drop_fmapi_unsupported_params,
    drop_stream_options,
    drop_stream_options_without_stream,
    drop_strict,
    rename_max_completion_tokens,
    strip_gemini_schema_keywords,
)

SEED = json.loads((Path(__file__).parent.parent / "data" / "seed_vectors.json").read_text())
LLAMA = "databricks-meta-llama-3-3-70b-instruct"


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("databricks-claude-sonnet-4-5", ModelFamily.CLAUDE),
        ("system.ai.claude-sonnet-4-5", ModelFamily.CLAUDE),
        ("databricks-claude-3-7-sonnet", ModelFamily.CLAUDE),
        ("databricks-gpt-oss-120b", ModelFamily.GPT_OSS),
        ("databricks-gpt-oss-20b", ModelFamily.GPT_OSS),
        ("databricks-gpt-5-2", ModelFamily.GPT),
        ("databricks-gpt-5", ModelFamily.GPT),
        ("system.ai.gpt-5", ModelFamily.GPT),
        ("my-gpt4o-endpoint", ModelFamily.GPT),
        ("databricks-meta-llama-3-3-70b-instruct", ModelFamily.LLAMA),
        ("databricks-llama-4-maverick", ModelFamily.LLAMA),
        ("databricks-gemini-2-5-pro", ModelFamily.GEMINI),
        ("system.ai.gemini-3-5-flash", ModelFamily.GEMINI),
        ("databricks-gemma-3-12b", ModelFamily.OTHER),
        ("databricks-qwen3-next-80b-a3b-instruct", ModelFamily.OTHER),
        ("databricks-dbrx-instruct", ModelFamily.OTHER),
        ("my-chat-endpoint", ModelFamily.OTHER),
        ("chatgptish", ModelFamily.OTHER),
        ("", ModelFamily.OTHER),
        ("  DATABRICKS-CLAUDE-OPUS-4-6 ", ModelFamily.CLAUDE),
    ],
)
def test_model_family(model: str, family: ModelFamily) -> None:
    assert model_family(model) is family


@pytest.mark.parametrize(
    ("model", "hosted"),
    [
        ("databricks-gpt-5", True),
        ("system.ai.gpt-5", True),
        ("my-gpt-5-proxy", False),
        ("azure-openai-gpt-4o", False),
    ],
)
def test_is_hosted_model(model: str, hosted: bool) -> None:
    assert is_hosted_model(model) is hosted


TOOL_CALL = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
PARAMS = {"type": "object", "properties": {"q": {"type": "string"}}}


def _tool(**function: Any) -> dict[str, Any]:
    return {"type": "function", "function": {"name": "f", "parameters": PARAMS, **function}}


# (rule, input body, expected body, expected adjustment details; [] = no change)
RULE_TABLE: list[tuple[Rule, dict[str, Any], dict[str, Any], list[str]]] = [
    (
        rename_max_completion_tokens,
        {"max_completion_tokens": 4096},
        {"max_tokens": 4096},
        ["renamed max_completion_tokens (4096) to max_tokens"],
    ),
    (
        rename_max_completion_tokens,
        {"max_tokens": 500, "max_completion_tokens": 100},
        {"max_tokens": 500},
        [
            "dropped max_completion_tokens (100); kept max_tokens (500): "
            "Databricks takes only max_tokens"
        ],
    ),
    (
        rename_max_completion_tokens,
        {"max_completion_tokens": 0},
        {"max_tokens": 0},
        ["renamed max_completion_tokens (0) to max_tokens"],
    ),
    (rename_max_completion_tokens, {"max_tokens": 7}, {"max_tokens": 7}, []),
    (
        drop_stream_options_without_stream,
        {"stream_options": {"include_usage": True}},
        {},
        ["dropped stream_options: the request does not stream"],
    ),
    (
        drop_stream_options_without_stream,
        {"stream": True, "stream_options": {"include_usage": True}},
        {"stream": True, "stream_options": {"include_usage": True}},
        [],
    ),
    (
        drop_stream_options,
        {"stream": True, "stream_options": {"include_usage": True}},
        {"stream": True},
        ["dropped stream_options: Gemini endpoints reject it"],
    ),
    (
        drop_fmapi_unsupported_params,
        {"seed": 7, "presence_penalty": 0.5, "temperature": 0.2},
        {"temperature": 0.2},
        ["dropped presence_penalty (0.5), seed (7): Foundation Model APIs do not support them"],
    ),
    (drop_fmapi_unsupported_params, {"top_k": 3}, {"top_k": 3}, []),
    (
        drop_strict,
        {"strict": True, "tools": [_tool(strict=True), _tool(), "not-a-tool"]},
        {"tools": [_tool(), _tool(), "not-a-tool"]},
        ["dropped strict from the request, tools[0] (f): only GPT endpoints accept it"],
    ),
    (drop_strict, {"tools": [_tool()]}, {"tools": [_tool()]}, []),
    (
        add_missing_tool_parameters,
        {"tools": [{"type": "function", "function": {"name": "now"}}, _tool()]},
        {
            "tools": [
                {
                    "type": "function",
                    "function": {"name": "now", "parameters": {"type": "object", "properties": {}}},
                },
                _tool(),
            ]
        },
        ["added empty parameters to tools[0] (now): Databricks requires them"],
    ),
    (
        strip_provider_only_message_keys,
        {
            "messages": [
                {"role": "user", "content": "hi", "name": "ann"},
                {
                    "role": "assistant",
                    "content": "x",
                    "tool_calls": [TOOL_CALL],
                    "reasoning_content": "r",
                    "reasoning_details": [],
                    "refusal": None,
                    "function_call": None,
                },
                {"role": "tool", "tool_call_id": "call_1", "content": "42", "annotations": []},
            ]
        },
        {
            "messages": [
                {"role": "user", "content": "hi", "name": "ann"},
                {"role": "assistant", "content": "x", "tool_calls": [TOOL_CALL]},
                {"role": "tool", "tool_call_id": "call_1", "content": "42"},
            ]
        },
        [
            "removed keys Databricks rejects from messages[1] (reasoning_content, "
            "reasoning_details, refusal, function_call); messages[2] (annotations)"
        ],
    ),
    (
        drop_name_outside_user_messages,
        {
            "messages": [
                {"role": "system", "content": "s", "name": "sys"},
                {"role": "user", "content": "u", "name": "ann"},
                {"role": "assistant", "content": "a", "name": "bot"},
            ]
        },
        {
            "messages": [
                {"role": "system", "content": "s"},
                {"role": "user", "content": "u", "name": "ann"},
                {"role": "assistant", "content": "a"},
            ]
        },
        ["removed name from messages[0], messages[2]: only user messages may carry one"],
    ),
    (
        drop_empty_text_parts,
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": ""},
                        {"type": "text", "text": "hi"},
                        {"type": "image_url", "image_url": {"url": "data:"}},
                    ],
                },
                {"role": "user", "content": [{"type": "text", "text": "  "}]},
                {"role": "user", "content": ""},
            ]
        },
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "hi"},
                        {"type": "image_url", "image_url": {"url": "data:"}},
                    ],
                },
                {"role": "user", "content": ""},
                {"role": "user", "content": ""},
            ]
        },
        ["removed empty text parts from messages[0], messages[1]"],
    ),
    (
        check_thinking_budget,
        {"thinking": {"type": "enabled", "budget_tokens": 2048}, "max_tokens": 4096},
        {"thinking": {"type": "enabled", "budget_tokens": 2048}, "max_tokens": 4096},
        [],
    ),
    (
        check_thinking_budget,
        {"thinking": {"type": "enabled", "budget_tokens": 2048}},
        {
            "thinking": {"type": "enabled", "budget_tokens": 2048},
            "max_tokens": 2048 + THINKING_ANSWER_TOKENS,
        },
        [
            f"set max_tokens to {2048 + THINKING_ANSWER_TOKENS} (thinking.budget_tokens 2048 + "
            f"{THINKING_ANSWER_TOKENS} for the answer): Claude needs max_tokens above the budget"
        ],
    ),
    (
        check_thinking_budget,
        {"thinking": {"type": "disabled", "budget_tokens": 9000}, "max_tokens": 10},
        {"thinking": {"type": "disabled", "budget_tokens": 9000}, "max_tokens": 10},
        [],
    ),
]

CLAUDE_CONTENT_TABLE: list[tuple[Any, bool]] = [
    ("", True),
    ("   \n", True),
    (None, True),
    ([], True),
    ([{"type": "text", "text": ""}, {"type": "text", "text": " "}], True),
    ("Calling the tool.", False),
    ([{"type": "text", "text": "ok"}], False),
    ([{"type": "reasoning", "summary": []}], False),
]


@pytest.mark.parametrize(("rule", "body", "expected", "details"), RULE_TABLE)
def test_rule_alone(
    rule: Rule, body: dict[str, Any], expected: dict[str, Any], details: list[str]
) -> None:
    original = copy.deepcopy(body)
    given = dict(body)
    adjustments = rule(given)
    assert given == expected
    assert [a.detail for a in adjustments] == details
    assert {a.rule for a in adjustments} <= {rule.__name__}
    assert body == original, "a rule must not mutate nested input objects"


@pytest.mark.parametrize(("content", "filled"), CLAUDE_CONTENT_TABLE)
def test_claude_assistant_tool_call_content(content: Any, filled: bool) -> None:
    message = {"role": "assistant", "content": content, "tool_calls": [TOOL_CALL]}
    body: dict[str, Any] = {"messages": [message]}
    adjustments = fill_empty_claude_tool_call_content(body)
    assert body["messages"][0]["content"] == (" " if filled else content)
    assert len(adjustments) == int(filled)
    assert message["content"] == content


@pytest.mark.parametrize(
    "message",
    [
        {"role": "assistant", "content": ""},
        {"role": "assistant", "content": "", "tool_calls": []},
        {"role": "user", "content": "", "tool_calls": [TOOL_CALL]},
    ],
)
def test_claude_content_left_alone_without_assistant_tool_calls(message: dict[str, Any]) -> None:
    body: dict[str, Any] = {"messages": [message]}
    assert fill_empty_claude_tool_call_content(body) == []
    assert body["messages"][0] == message


def test_claude_content_fills_a_message_without_content_key() -> None:
    body: dict[str, Any] = {"messages": [{"role": "assistant", "tool_calls": [TOOL_CALL]}]}
    fill_empty_claude_tool_call_content(body)
    assert body["messages"][0]["content"] == " "


@pytest.mark.parametrize(
    ("thinking", "max_tokens", "message"),
    [
        (
            {"type": "enabled", "budget_tokens": 8192},
            8192,
            "thinking.budget_tokens (8192) must be below max_tokens (8192)",
        ),
        (
            {"type": "enabled", "budget_tokens": 10000},
            4096,
            "thinking.budget_tokens (10000) must be below max_tokens (4096)",
        ),
        ({"budget_tokens": 0}, 100, "thinking.budget_tokens must be a positive integer, got 0"),
        ({"budget_tokens": "1k"}, 100, "positive integer, got '1k'"),
        ({"budget_tokens": True}, 100, "positive integer, got True"),
    ],
)
def test_thinking_budget_that_cannot_work_is_refused(
    thinking: dict[str, Any], max_tokens: int, message: str
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        check_thinking_budget({"thinking": thinking, "max_tokens": max_tokens})
    assert message in str(caught.value)
    assert isinstance(caught.value, BadRequestError)
    assert caught.value.status == 400


def test_gemini_schema_keywords_stripped_but_property_names_kept() -> None:
    parameters = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "const": {"type": "string", "const": "fixed"},
            "additionalProperties": {"type": "integer", "exclusiveMinimum": 0},
            "tags": {
                "type": "array",
                "items": {"type": "string", "propertyNames": {"pattern": "x"}},
            },
            "choice": {"anyOf": [{"type": "string", "examples": ["a"]}, {"type": "null"}]},
        },
        "required": ["const"],
    }
    tools = [{"type": "function", "function": {"name": "pick", "parameters": parameters}}]
    original = copy.deepcopy(tools)
    body: dict[str, Any] = {"tools": tools}
    adjustments = strip_gemini_schema_keywords(body)
    assert body["tools"][0]["function"]["parameters"] == {
        "type": "object",
        "properties": {
            "const": {"type": "string", "enum": ["fixed"]},
            "additionalProperties": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "choice": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
        "required": ["const"],
    }
    assert [a.detail for a in adjustments] == [
        "removed JSON-Schema keywords Gemini rejects from tools[0] (pick): $schema, "
        "additionalProperties, const (now enum), examples, exclusiveMinimum, propertyNames"
    ]
    assert tools == original


def test_gemini_schema_clean_tools_untouched() -> None:
    body: dict[str, Any] = {"tools": [_tool()]}
    assert strip_gemini_schema_keywords(body) == []
    assert body == {"tools": [_tool()]}


def test_every_family_has_rules_and_only_gpt_keeps_strict() -> None:
    assert set(RULES_BY_FAMILY) == set(ModelFamily)
    for family, rules in RULES_BY_FAMILY.items():
        assert rules[: len(COMMON_RULES)] == COMMON_RULES
        assert (drop_strict in rules) is (family is not ModelFamily.GPT)
    assert fill_empty_claude_tool_call_content in RULES_BY_FAMILY[ModelFamily.CLAUDE]
    assert check_thinking_budget in RULES_BY_FAMILY[ModelFamily.CLAUDE]
    assert strip_gemini_schema_keywords in RULES_BY_FAMILY[ModelFamily.GEMINI]
    assert drop_stream_options in RULES_BY_FAMILY[ModelFamily.GEMINI]


@pytest.mark.parametrize(
    ("model", "keeps_strict"),
    [
        ("databricks-gpt-5-2", True),
        ("system.ai.gpt-5", True),
        ("databricks-gpt-oss-120b", False),
        ("databricks-claude-sonnet-4-5", False),
        (LLAMA, False),
        ("databricks-gemini-2-5-pro", False),
        ("my-endpoint", False),
    ],
)
def test_apply_rules_strict_by_family(model: str, keeps_strict: bool) -> None:
    body: dict[str, Any] = {"tools": [_tool(strict=True)], "strict": True}
    apply_rules(model, body)
    assert ("strict" in body) is keeps_strict
    assert ("strict" in body["tools"][0]["function"]) is keeps_strict


@pytest.mark.parametrize(
    ("model", "dropped"),
    [(LLAMA, True), ("system.ai.claude-sonnet-4-5", True), ("my-llama-finetune", False)],
)
def test_fmapi_unsupported_params_dropped_only_for_hosted_models(model: str, dropped: bool) -> None:
    body: dict[str, Any] = {"frequency_penalty": 0.1, "seed": 1}
    adjustments = apply_rules(model, body)
    assert (body == {}) is dropped
    assert (drop_fmapi_unsupported_params.__name__ in {a.rule for a in adjustments}) is dropped


def test_stream_options_kept_for_streaming_non_gemini_and_dropped_for_gemini() -> None:
    streaming = {"stream": True, "stream_options": {"include_usage": True}}
    claude = dict(streaming)
    gemini = dict(streaming)
    apply_rules("databricks-claude-sonnet-4-5", claude)
    apply_rules("databricks-gemini-2-5-flash", gemini)
    assert claude == streaming
    assert gemini == {"stream": True}


def test_claude_replay_gets_every_fix_in_one_pass() -> None:
    body: dict[str, Any] = {
        "messages": [
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "content": [{"type": "text", "text": ""}],
                "tool_calls": [TOOL_CALL],
                "reasoning_details": [{"type": "reasoning.text"}],
                "name": "bot",
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
        ],
        "max_completion_tokens": 1000,
        "thinking": {"type": "enabled", "budget_tokens": 512},
    }
    adjustments = apply_rules("databricks-claude-opus-4-5", body)
    assert body["messages"][1] == {"role": "assistant", "content": " ", "tool_calls": [TOOL_CALL]}
    assert body["max_tokens"] == 1000
    assert "max_completion_tokens" not in body
    assert [a.rule for a in adjustments] == [
        "rename_max_completion_tokens",
        "strip_provider_only_message_keys",
        "drop_name_outside_user_messages",
        "drop_empty_text_parts",
        "fill_empty_claude_tool_call_content",
    ]


def test_claude_thinking_budget_checked_after_rename() -> None:
    body = {"max_completion_tokens": 1024, "thinking": {"type": "enabled", "budget_tokens": 1024}}
    with pytest.raises(InvalidRequestError, match=r"budget_tokens \(1024\).*max_tokens \(1024\)"):
        apply_rules("databricks-claude-sonnet-4-5", body)


def test_every_rule_reports_under_its_own_name() -> None:
    all_rules = {rule for rules in RULES_BY_FAMILY.values() for rule in rules}
    all_rules |= set(HOSTED_MODEL_RULES)
    tested = {row[0] for row in RULE_TABLE} | {
        fill_empty_claude_tool_call_content,
        strip_gemini_schema_keywords,
    }
    assert all_rules == tested


# The seed's body_transform vectors. brickgate differs on purpose where the seed would send
# both max_tokens and max_completion_tokens, or a null max_tokens: Databricks takes max_tokens
# only, so the extra field is dropped (and reported) and null counts as unset.
DELIBERATE_DIFFERENCES: dict[str, dict[str, Any]] = {
    "does not convert when both max_tokens and max_completion_tokens exist": {
        "model": "databricks-meta-llama-3-1-70b-instruct",
        "messages": [{"role": "user", "content": "hello"}],
        "max_tokens": 2048,
    },
    "does NOT rename when both present": {"max_tokens": 500},
    '{"max_completion_tokens":null}': {},
    '{"max_tokens":null,"max_completion_tokens":5}': {"max_tokens": 5},
}


def _leading_json(text: str) -> Any:
    return json.JSONDecoder().raw_decode(text)[0]


def _seed_vectors() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    section = SEED["body_transform"]
    vectors = [
        (vector["test"], vector["input_json"], vector["expected_output_json"])
        for vector in section["seed_tests"] + section["followup_adversarial_tests"]
        if "input_json" in vector
    ]
    for observation in section["derived_observations"]:
        text = observation["input_text"]
        parsed = json.loads(text)
        behaviour = observation["seed_behaviour"]
        if isinstance(parsed, dict):
            expected = parsed if behaviour == "unchanged" else _leading_json(behaviour)
            vectors.append((text, parsed, expected))
    return vectors


def test_seed_vectors_are_all_covered() -> None:
    names = {name for name, _, _ in _seed_vectors()}
    assert len(names) == 12
    assert set(DELIBERATE_DIFFERENCES) <= names


@pytest.mark.parametrize(("name", "given", "seed_expected"), _seed_vectors())
def test_seed_body_transform_vector(
    name: str, given: dict[str, Any], seed_expected: dict[str, Any]
) -> None:
    body = copy.deepcopy(given)
    adjustments = apply_rules(str(body.get("model", LLAMA)), body)
    expected = DELIBERATE_DIFFERENCES.get(name, seed_expected)
    assert body == expected
    if name in DELIBERATE_DIFFERENCES:
        assert expected != seed_expected
        assert [a.rule for a in adjustments] == ["rename_max_completion_tokens"]
    assert (adjustments == []) is (body == given)
