"""Chat messages as Anthropic Messages ``system`` and turns: text, image, thinking, tool blocks."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from brickgate.domain.protocols.common import (
    parts_of,
    present,
    refuse,
    tool_arguments,
)

PROTOCOL = "Anthropic Messages API"
_NATIVE_PARTS = frozenset({"text", "image", "document", "tool_result", "search_result"})


def system_and_turns(messages: list[Mapping[str, Any]]) -> tuple[Any, list[dict[str, Any]]]:
    """The top-level ``system`` (``None``, one string or text blocks) and the user/assistant turns.

    Raises ``InvalidRequestError``, naming the field, for what Messages has no block for.
    """
    system: list[dict[str, Any]] = []
    turns: list[dict[str, Any]] = []
    for position, message in enumerate(messages):
        where = f"messages[{position}]"
        role = message.get("role")
        content = message.get("content")
        if present(message, "name"):
            raise refuse(PROTOCOL, f"{where}.name", "Messages has no message names")
        if role in ("system", "developer"):
            blocks = _user_blocks(content, where, text_only=True)
        elif role == "user":
            blocks = _user_blocks(content, where, text_only=False)
        elif role == "assistant":
            blocks = _assistant_blocks(message, where)
        elif role == "tool":
            blocks = [_tool_result(message, where)]
        else:
            raise refuse(PROTOCOL, f"{where}.role {role!r}", "expected a chat role")
        if "cache_control" in message:
            if not blocks:
                raise refuse(PROTOCOL, f"{where}.cache_control", "the message has no content")
            blocks[-1]["cache_control"] = message["cache_control"]
        if role in ("system", "developer"):
            system.extend(blocks)
            continue
        wire_role = "assistant" if role == "assistant" else "user"
        if turns and turns[-1]["role"] == wire_role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": wire_role, "content": blocks})
    return _system(system), turns


def _system(blocks: list[dict[str, Any]]) -> Any:
    if not blocks:
        return None
    if any("cache_control" in block for block in blocks):
        return blocks
    return "\n\n".join(block["text"] for block in blocks)


def _user_blocks(content: Any, where: str, *, text_only: bool) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for position, part in enumerate(parts_of(content, where, PROTOCOL)):
        at = f"{where}.content[{position}]"
        kind = part.get("type")
        if kind in ("text", "input_text"):
            block: dict[str, Any] = {"type": "text", "text": part.get("text") or ""}
            for key in ("cache_control", "citations"):
                if key in part:
                    block[key] = part[key]
        elif text_only:
            raise refuse(PROTOCOL, f"{at} of type {kind!r}", "a system prompt is text only")
        elif kind == "image_url":
            block = _image(part, at)
        elif kind in _NATIVE_PARTS:
            block = dict(part)
        else:
            raise refuse(PROTOCOL, f"{at} of type {kind!r}", "it has no Messages block")
        blocks.append(block)
    return blocks


def _image(part: Mapping[str, Any], at: str) -> dict[str, Any]:
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, Mapping) else image
    if not isinstance(url, str):
        raise refuse(PROTOCOL, f"{at}.image_url", "expected {'url': ...}")
    if url.startswith("data:"):
        header, _, data = url[5:].partition(",")
        media_type, _, encoding = header.partition(";")
        if encoding != "base64" or not data:
            raise refuse(PROTOCOL, f"{at}.image_url", "a data: URL must be base64")
        source: dict[str, Any] = {"type": "base64", "media_type": media_type, "data": data}
    else:
        source = {"type": "url", "url": url}
    block: dict[str, Any] = {"type": "image", "source": source}
    if "cache_control" in part:
        block["cache_control"] = part["cache_control"]
    return block


def _assistant_blocks(message: Mapping[str, Any], where: str) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for position, part in enumerate(parts_of(message.get("content"), where, PROTOCOL)):
        kind = part.get("type")
        if kind == "reasoning":
            blocks.extend(_thinking(part))
        elif kind == "text":
            if str(part.get("text") or "").strip():
                block = {"type": "text", "text": part["text"]}
                if "cache_control" in part:
                    block["cache_control"] = part["cache_control"]
                blocks.append(block)
        elif kind in ("thinking", "redacted_thinking", "tool_use"):
            blocks.append(dict(part))
        else:
            raise refuse(PROTOCOL, f"{where}.content[{position}] of type {kind!r}", "no block")
    for position, call in enumerate(message.get("tool_calls") or ()):
        at = f"{where}.tool_calls[{position}]"
        call_id, name, arguments = tool_arguments(call, at)
        try:
            arguments_object = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            raise refuse(PROTOCOL, f"{at}.function.arguments", "it is not JSON") from None
        blocks.append({"type": "tool_use", "id": call_id, "name": name, "input": arguments_object})
    return blocks


def _thinking(part: Mapping[str, Any]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for item in part.get("summary") or ():
        if item.get("type") == "summary_text" and item.get("signature"):
            blocks.append(
                {
                    "type": "thinking",
                    "thinking": item.get("text") or "",
                    "signature": item["signature"],
                }
            )
        elif item.get("type") == "summary_encrypted_text" and item.get("data"):
            blocks.append({"type": "redacted_thinking", "data": item["data"]})
    return blocks


def _tool_result(message: Mapping[str, Any], where: str) -> dict[str, Any]:
    call_id = message.get("tool_call_id")
    if not isinstance(call_id, str) or not call_id:
        raise refuse(PROTOCOL, f"{where}.tool_call_id", "a tool result needs its call id")
    content = message.get("content")
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": call_id}
    if isinstance(content, str):
        block["content"] = content
    else:
        block["content"] = _user_blocks(content, where, text_only=False)
    if message.get("is_error") is True:
        block["is_error"] = True
    return block
