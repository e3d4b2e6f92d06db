"""Request rules: small pure fixes to a chat body, chosen by the model family behind an endpoint."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from brickgate.domain.body_edits import fix_each
from brickgate.domain.chat import Adjustment
from brickgate.domain.errors import InvalidRequestError
from brickgate.domain.gemini_schema import clean_gemini_schema
from brickgate.domain.message_rules import (
    drop_empty_text_parts,
    drop_name_outside_user_messages,
    fill_empty_claude_tool_call_content,
    strip_provider_only_message_keys,
)
from brickgate.domain.model_family import ModelFamily, is_hosted_model, model_family

Rule = Callable[[dict[str, Any]], list[Adjustment]]


def rename_max_completion_tokens(body: dict[str, Any]) -> list[Adjustment]:
    """Send ``max_tokens``: rename ``max_completion_tokens``, or drop it when both are given.

    A ``None`` on either side counts as unset: ``max_tokens: null`` is replaced by the other
    value and a null ``max_completion_tokens`` is simply dropped.
    """
    if "max_completion_tokens" not in body:
        return []
    value = body.pop("max_completion_tokens")
    kept = body.get("max_tokens")
    if value is None:
        detail = "dropped max_completion_tokens (null)"
    elif kept is None:
        body["max_tokens"] = value
        detail = f"renamed max_completion_tokens ({value}) to max_tokens"
    else:
        detail = (
            f"dropped max_completion_tokens ({value}); kept max_tokens ({kept}): "
            "Databricks takes only max_tokens"
        )
    return [Adjustment("rename_max_completion_tokens", detail)]


def drop_stream_options_without_stream(body: dict[str, Any]) -> list[Adjustment]:
    """Drop ``stream_options`` from a request that does not stream (it is only valid with one)."""
    if "stream_options" not in body or body.get("stream") is True:
        return []
    del body["stream_options"]
    detail = "dropped stream_options: the request does not stream"
    return [Adjustment("drop_stream_options_without_stream", detail)]


def drop_stream_options(body: dict[str, Any]) -> list[Adjustment]:
    """Drop ``stream_options``, which Gemini endpoints reject."""
    if "stream_options" not in body:
        return []
    del body["stream_options"]
    return [Adjustment("drop_stream_options", "dropped stream_options: Gemini endpoints reject it")]


_FMAPI_UNSUPPORTED = ("presence_penalty", "frequency_penalty", "seed")


def drop_fmapi_unsupported_params(body: dict[str, Any]) -> list[Adjustment]:
    """Drop ``presence_penalty``, ``frequency_penalty`` and ``seed``, unknown to FMAPI."""
    dropped = [key for key in _FMAPI_UNSUPPORTED if key in body]
    if not dropped:
        return []
    shown = ", ".join(f"{key} ({body.pop(key)})" for key in dropped)
    detail = f"dropped {shown}: Foundation Model APIs do not support them"
    return [Adjustment("drop_fmapi_unsupported_params", detail)]


def _function(tool: Mapping[str, Any]) -> Mapping[str, Any] | None:
    function = tool.get("function")
    return function if isinstance(function, Mapping) else None


def _tool_places(body: Mapping[str, Any], positions: list[int]) -> str:
    names = []
    for position in positions:
        function = _function(body["tools"][position]) or {}
        name = function.get("name")
        names.append(
            f"tools[{position}] ({name})" if isinstance(name, str) else f"tools[{position}]"
        )
    return ", ".join(names)


def _without_strict(tool: Mapping[str, Any]) -> dict[str, Any] | None:
    function = _function(tool)
    if function is None or "strict" not in function:
        return None
    return {**tool, "function": {k: v for k, v in function.items() if k != "strict"}}


def drop_strict(body: dict[str, Any]) -> list[Adjustment]:
    """Drop top-level ``strict`` and ``tools[].function.strict`` (only GPT models accept them)."""
    places = ["the request"] if "strict" in body else []
    body.pop("strict", None)
    if positions := fix_each(body, "tools", _without_strict):
        places.append(_tool_places(body, positions))
    if not places:
        return []
    detail = f"dropped strict from {', '.join(places)}: only GPT endpoints accept it"
    return [Adjustment("drop_strict", detail)]


def _with_parameters(tool: Mapping[str, Any]) -> dict[str, Any] | None:
    function = _function(tool)
    if function is None or function.get("parameters") is not None:
        return None
    parameters = {"type": "object", "properties": {}}
    return {**tool, "function": {**function, "parameters": parameters}}


def add_missing_tool_parameters(body: dict[str, Any]) -> list[Adjustment]:
    """Give each function tool without ``parameters`` an empty object schema (required)."""
    positions = fix_each(body, "tools", _with_parameters)
    if not positions:
        return []
    places = _tool_places(body, positions)
    detail = f"added empty parameters to {places}: Databricks requires them"
    return [Adjustment("add_missing_tool_parameters", detail)]


THINKING_ANSWER_TOKENS = 4096


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_thinking_budget(body: dict[str, Any]) -> list[Adjustment]:
    """Make sure ``thinking.budget_tokens`` is below ``max_tokens`` (Claude's requirement).

    Without ``max_tokens`` it is set to the budget plus ``THINKING_ANSWER_TOKENS``.
    Raises ``InvalidRequestError`` for a budget that is not a positive integer, or one that is
    not below the ``max_tokens`` given.
    """
    thinking = body.get("thinking")
    if not isinstance(thinking, Mapping) or thinking.get("type") == "disabled":
        return []
    if "budget_tokens" not in thinking:
        return []
    budget = thinking["budget_tokens"]
    if not _is_int(budget) or budget <= 0:
        raise InvalidRequestError(
            f"thinking.budget_tokens must be a positive integer, got {budget!r}"
        )
    max_tokens = body.get("max_tokens")
    if max_tokens is None:
        body["max_tokens"] = budget + THINKING_ANSWER_TOKENS
        detail = (
            f"set max_tokens to {body['max_tokens']} (thinking.budget_tokens {budget} + "
            f"{THINKING_ANSWER_TOKENS} for the answer): Claude needs max_tokens above the budget"
        )
        return [Adjustment("check_thinking_budget", detail)]
    if _is_int(max_tokens) and budget >= max_tokens:
        raise InvalidRequestError(
            f"thinking.budget_tokens ({budget}) must be below max_tokens ({max_tokens}); "
            "raise max_tokens or lower the thinking budget"
        )
    return []


def strip_gemini_schema_keywords(body: dict[str, Any]) -> list[Adjustment]:
    """Remove JSON-Schema keywords Gemini rejects from tool parameters; ``const`` becomes ``enum``.

    Property names are never touched: a property called ``const`` or ``not`` survives.
    """
    removed_per_tool: list[str] = []

    def clean(tool: Mapping[str, Any]) -> dict[str, Any] | None:
        function = _function(tool)
        if function is None or not isinstance(function.get("parameters"), Mapping):
            return None
        removed: set[str] = set()
        parameters = clean_gemini_schema(function["parameters"], removed)
        if not removed:
            return None
        removed_per_tool.append(", ".join(sorted(removed)))
        return {**tool, "function": {**function, "parameters": parameters}}

    positions = fix_each(body, "tools", clean)
    if not positions:
        return []
    places = "; ".join(
        f"{_tool_places(body, [p])}: {removed}"
        for p, removed in zip(positions, removed_per_tool, strict=True)
    )
    detail = f"removed JSON-Schema keywords Gemini rejects from {places}"
    return [Adjustment("strip_gemini_schema_keywords", detail)]


COMMON_RULES: tuple[Rule, ...] = (
    rename_max_completion_tokens,
    drop_stream_options_without_stream,
    add_missing_tool_parameters,
    strip_provider_only_message_keys,
    drop_name_outside_user_messages,
    drop_empty_text_parts,
)
HOSTED_MODEL_RULES: tuple[Rule, ...] = (drop_fmapi_unsupported_params,)

RULES_BY_FAMILY: Mapping[ModelFamily, tuple[Rule, ...]] = {
    ModelFamily.GPT: COMMON_RULES,
    ModelFamily.GPT_OSS: (*COMMON_RULES, drop_strict),
    ModelFamily.LLAMA: (*COMMON_RULES, drop_strict),
    ModelFamily.OTHER: (*COMMON_RULES, drop_strict),
    ModelFamily.CLAUDE: (
        *COMMON_RULES,
        drop_strict,
        fill_empty_claude_tool_call_content,
        check_thinking_budget,
    ),
    ModelFamily.GEMINI: (
        *COMMON_RULES,
        drop_strict,
        drop_stream_options,
        strip_gemini_schema_keywords,
    ),
}


@lru_cache(maxsize=512)
def _rules_for(model: str) -> tuple[Rule, ...]:
    family_rules = RULES_BY_FAMILY[model_family(model)]
    return (*family_rules, *HOSTED_MODEL_RULES) if is_hosted_model(model) else family_rules


def apply_rules(model: str, body: dict[str, Any]) -> list[Adjustment]:
    """Apply the rules for ``model`` to ``body`` in place; return every change made.

    Nested objects of ``body`` are never mutated: a rule replaces what it changes with a copy.
    Raises ``InvalidRequestError`` when the body cannot be made valid for the model.
    """
    adjustments: list[Adjustment] = []
    for rule in _rules_for(model):
        adjustments.extend(rule(body))
    return adjustments
