"""Request rules for the messages of a chat body: what providers reject in replayed history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brickgate.domain.body_edits import fix_each, messages_places
from brickgate.domain.chat import Adjustment

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

    positions = fix_each(body, "messages", strip)
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
    positions = fix_each(body, "messages", _without_name)
    if not positions:
        return []
    places = messages_places(positions)
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
    positions = fix_each(body, "messages", _without_empty_text_parts)
    if not positions:
        return []
    detail = f"removed empty text parts from {messages_places(positions)}"
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
    positions = fix_each(body, "messages", _with_placeholder_content)
    if not positions:
        return []
    detail = (
        f"set the empty content of {messages_places(positions)} to ' ': "
        "Claude rejects empty text next to tool calls"
    )
    return [Adjustment("fill_empty_claude_tool_call_content", detail)]
