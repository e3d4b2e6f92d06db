"""Request rules: small pure fixes to a chat body, chosen by the model family behind an endpoint."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from enum import Enum
from functools import lru_cache
from typing import Any

from brickgate.domain.chat import Adjustment
from brickgate.domain.errors import InvalidRequestError
from brickgate.domain.gemini_schema import clean_gemini_schema

Rule = Callable[[dict[str, Any]], list[Adjustment]]


class ModelFamily(str, Enum):
    """The model family an endpoint name points at; it decides which request rules apply."""

    LLAMA = "llama"
    CLAUDE = "claude"
    GPT = "gpt"
    GPT_OSS = "gpt-oss"
    GEMINI = "gemini"
    OTHER = "other"

    def __str__(self) -> str:
        return self.value


_HOSTED_PREFIXES = ("databricks-", "system.ai.")
_WORD_SPLIT = re.compile(r"[-_.:/]+")
_GPT_WORD = re.compile(r"gpt[0-9][0-9a-z]*")
_FAMILY_WORDS = {
    "gptoss": ModelFamily.GPT_OSS,
    "claude": ModelFamily.CLAUDE,
    "gemini": ModelFamily.GEMINI,
}


def model_family(model: str) -> ModelFamily:
    """The family of ``model`` (``databricks-claude-sonnet-4-5`` is CLAUDE); unknown is OTHER."""
    words = [word for word in _WORD_SPLIT.split(model.strip().lower()) if word]
    for position, word in enumerate(words):
        if word == "gpt":
            following = words[position + 1] if position + 1 < len(words) else ""
            return ModelFamily.GPT_OSS if following == "oss" else ModelFamily.GPT
        if _GPT_WORD.fullmatch(word):
            return ModelFamily.GPT
        if word in _FAMILY_WORDS:
            return _FAMILY_WORDS[word]
        if word.startswith("llama"):
            return ModelFamily.LLAMA
    return ModelFamily.OTHER


def is_hosted_model(model: str) -> bool:
    """True for Databricks-hosted pay-per-token names (``databricks-*``, ``system.ai.*``)."""
    return model.strip().lower().startswith(_HOSTED_PREFIXES)


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


def _fix_each(
    body: dict[str, Any], key: str, fix: Callable[[Mapping[str, Any]], dict[str, Any] | None]
) -> list[int]:
    """Replace each dict item of ``body[key]`` that ``fix`` rewrites; return their positions."""
    items = body.get(key)
    if not isinstance(items, list):
        return []
    fixed: list[Any] | None = None
    changed: list[int] = []
    for position, item in enumerate(items):
        new_item = fix(item) if isinstance(item, Mapping) else None
        if new_item is not None:
            if fixed is None:
                fixed = list(items)
            fixed[position] = new_item
            changed.append(position)
    if fixed is not None:
        body[key] = fixed
    return changed


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


def _messages_places(positions: list[int]) -> str:
    return ", ".join(f"messages[{position}]" for position in positions)


def _without_strict(tool: Mapping[str, Any]) -> dict[str, Any] | None:
    function = _function(tool)
    if function is None or "strict" not in function:
        return None
    return {**tool, "function": {k: v for k, v in function.items() if k != "strict"}}


def drop_strict(body: dict[str, Any]) -> list[Adjustment]:
    """Drop top-level ``strict`` and ``tools[].function.strict`` (only GPT models accept them)."""
    places = ["the request"] if "strict" in body else []
    body.pop("strict", None)
    if positions := _fix_each(body, "tools", _without_strict):
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
    positions = _fix_each(body, "tools", _with_parameters)
    if not positions:
        return []
    places = _tool_places(body, positions)
    detail = f"added empty parameters to {places}: Databricks requires them"
    return [Adjustment("add_missing_tool_parameters", detail)]


_MESSAGE_KEYS = frozenset({"role", "content", "tool_calls", "tool_call_id", "name"})


def strip_provider_only_message_keys(body: dict[str, Any]) -> list[Adjustment]:
    """Keep only ``role, content, tool_calls, tool_call_id, name`` in each message.

    Replayed history from other providers carries keys such as ``reasoning_content``,
    ``reasoning_details``, ``thinking_blocks``, ``refusal`` or ``annotations`` that
    Databricks models reject ("Extra inputs are not permitted").
    """
    removed: list[str] = []

    def strip(message: Mapping[str, Any]) -> dict[str, Any] | None:
        extra = [key for key in message if key not in _MESSAGE_KEYS]
        if not extra:
            return None
        removed.append(", ".join(map(str, extra)))
        return {k: v for k, v in message.items() if k in _MESSAGE_KEYS}

    positions = _fix_each(body, "messages", strip)
    if not positions:
        return []
    places = "; ".join(
        f"messages[{p}] ({keys})" for p, keys in zip(positions, removed, strict=True)
    )
    detail = f"removed keys Databricks rejects from {places}"
    return [Adjustment("strip_provider_only_message_keys", detail)]


def _without_name(message: Mapping[str, Any]) -> dict[str, Any] | None:
    if "name" not in message or message.get("role") == "user":
        return None
    return {k: v for k, v in message.items() if k != "name"}


def drop_name_outside_user_messages(body: dict[str, Any]) -> list[Adjustment]:
    """Remove ``name`` from every message that is not a user message (Databricks rejects it)."""
    positions = _fix_each(body, "messages", _without_name)
    if not positions:
        return []
    places = _messages_places(positions)
    detail = f"removed name from {places}: only user messages may carry one"
    return [Adjustment("drop_name_outside_user_messages", detail)]


def _is_empty_text_part(part: Any) -> bool:
    if not isinstance(part, Mapping) or part.get("type") != "text":
        return False
    text = part.get("text")
    return text is None or (isinstance(text, str) and not text.strip())


def _without_empty_text_parts(message: Mapping[str, Any]) -> dict[str, Any] | None:
    content = message.get("content")
    if not isinstance(content, list) or not any(map(_is_empty_text_part, content)):
        return None
    kept = [part for part in content if not _is_empty_text_part(part)]
    return {**message, "content": kept or ""}


def drop_empty_text_parts(body: dict[str, Any]) -> list[Adjustment]:
    """Remove blank text parts from list contents; a list left empty becomes ``""``."""
    positions = _fix_each(body, "messages", _without_empty_text_parts)
    if not positions:
        return []
    detail = f"removed empty text parts from {_messages_places(positions)}"
    return [Adjustment("drop_empty_text_parts", detail)]


def _is_blank_content(content: Any) -> bool:
    if content is None:
        return True
    if isinstance(content, str):
        return not content.strip()
    return isinstance(content, list) and all(map(_is_empty_text_part, content))


def _with_placeholder_content(message: Mapping[str, Any]) -> dict[str, Any] | None:
    if (
        message.get("role") == "assistant"
        and message.get("tool_calls")
        and _is_blank_content(message.get("content"))
    ):
        return {**message, "content": " "}
    return None


def fill_empty_claude_tool_call_content(body: dict[str, Any]) -> list[Adjustment]:
    """Give an assistant message with tool calls and blank content the content ``" "``.

    Claude rejects empty text blocks ("text content blocks must be non-empty").
    """
    positions = _fix_each(body, "messages", _with_placeholder_content)
    if not positions:
        return []
    detail = (
        f"set the empty content of {_messages_places(positions)} to ' ': "
        "Claude rejects empty text next to tool calls"
    )
    return [Adjustment("fill_empty_claude_tool_call_content", detail)]


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

    positions = _fix_each(body, "tools", clean)
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


def rules_for(model: str) -> tuple[Rule, ...]:
    """The rules ``apply_rules`` runs for ``model``, in order."""
    return _rules_for(model)


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
