"""Anthropic Messages replies: stop reasons, usage, a non-streamed reply as a ``ChatResponse``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from brickgate.domain.chat import ChatResponse, Citation, ToolCall, Usage
from brickgate.domain.codec import excerpt
from brickgate.domain.errors import TransportError
from brickgate.domain.protocols.common import (
    CONTENT_FILTER,
    LENGTH,
    OTHER,
    STOP,
    TOOL_CALLS,
    as_int,
    optional_int,
)

_STOP_REASONS = {
    "end_turn": STOP,
    "stop_sequence": STOP,
    "tool_use": TOOL_CALLS,
    "max_tokens": LENGTH,
    "model_context_window_exceeded": LENGTH,
    "refusal": CONTENT_FILTER,
}


def messages_stop_reason(raw: Any) -> str | None:
    """The normalized finish reason for an Anthropic ``stop_reason`` (``None`` kept)."""
    if raw is None:
        return None
    return _STOP_REASONS.get(str(raw), OTHER)


def messages_usage(raw: Mapping[str, Any]) -> Usage:
    """The ``Usage`` of Anthropic counts: the prompt includes cache reads and writes."""
    fresh = as_int(raw.get("input_tokens"))
    read = optional_int(raw.get("cache_read_input_tokens"))
    written = optional_int(raw.get("cache_creation_input_tokens"))
    prompt = fresh + (read or 0) + (written or 0)
    completion = as_int(raw.get("output_tokens"))
    details = raw.get("output_tokens_details")
    reasoning = details.get("reasoning_tokens") if isinstance(details, Mapping) else None
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=prompt + completion,
        reasoning_tokens=optional_int(reasoning),
        cache_read_input_tokens=read,
        cache_creation_input_tokens=written,
    )


def thinking_part(thinking: str, signature: str | None) -> dict[str, Any]:
    """A ``thinking`` block as the chat-style reasoning part kept for replay."""
    entry: dict[str, Any] = {"type": "summary_text", "text": thinking}
    if signature:
        entry["signature"] = signature
    return {"type": "reasoning", "summary": [entry]}


def redacted_part(data: str) -> dict[str, Any]:
    """A ``redacted_thinking`` block as the chat-style reasoning part kept for replay."""
    return {"type": "reasoning", "summary": [{"type": "summary_encrypted_text", "data": data}]}


def decode_messages_reply(data: Mapping[str, Any]) -> ChatResponse:
    """The ``ChatResponse`` in a non-streamed Messages body.

    ``content_parts`` keeps thinking (with signatures) and text for replay when there was any
    thinking. Raises ``TransportError`` for a body without a ``content`` list.
    """
    try:
        return _reply(data)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise TransportError(
            f"the workspace returned a Messages body brickgate cannot read "
            f"({type(exc).__name__}); body starts: {excerpt(data)}"
        ) from None


def _reply(data: Mapping[str, Any]) -> ChatResponse:
    content = data["content"]
    if not isinstance(content, list):
        raise TypeError("'content' is not a list")
    texts: list[str] = []
    thoughts: list[str] | None = None
    calls: list[ToolCall] = []
    citations: list[Citation] = []
    parts: list[dict[str, Any]] = []
    for block in content:
        kind = block.get("type")
        if kind == "text":
            texts.append(block.get("text") or "")
            citations.extend(Citation(data=c) for c in block.get("citations") or ())
            parts.append({"type": "text", "text": block.get("text") or ""})
        elif kind == "thinking":
            thoughts = [*(thoughts or ()), block.get("thinking") or ""]
            parts.append(thinking_part(block.get("thinking") or "", block.get("signature")))
        elif kind == "redacted_thinking":
            thoughts = thoughts or []
            parts.append(redacted_part(block.get("data") or ""))
        elif kind == "tool_use":
            arguments = json.dumps(block.get("input") or {}, separators=(",", ":"))
            calls.append(
                ToolCall(id=block.get("id") or "", name=block["name"], arguments=arguments)
            )
    usage = data.get("usage")
    return ChatResponse(
        text="".join(texts),
        model=data.get("model") or "",
        id=data.get("id") or "",
        reasoning=None if thoughts is None else "".join(thoughts),
        tool_calls=tuple(calls),
        finish_reason=messages_stop_reason(data.get("stop_reason")),
        usage=messages_usage(usage) if isinstance(usage, Mapping) else None,
        citations=tuple(citations),
        content_parts=tuple(parts) if thoughts is not None else (),
    )
