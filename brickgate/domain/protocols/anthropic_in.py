"""Anthropic Messages requests read into chat call parts, for models that do not speak Messages.

``system`` becomes a system message; ``text`` blocks text parts; ``image`` blocks
``image_url`` parts (base64 as a data URL); ``tool_use`` blocks assistant ``tool_calls``;
``tool_result`` blocks ``tool`` messages; ``thinking`` blocks are dropped (only Claude can
replay them). ``stop_sequences`` becomes ``stop``, tools ``{type: function}`` tools,
``tool_choice`` its chat form, ``metadata.user_id`` ``user``. Other Messages-only fields
(``thinking``, ``service_tier``...) are not sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from brickgate.domain.errors import InvalidRequestError
from brickgate.domain.protocols.openai_in import ChatParts, model_of, stream_flag

__all__ = ["messages_parts"]

_COPIED = ("max_tokens", "temperature", "top_p", "top_k")


def _text_of(content: Any, where: str) -> str:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise InvalidRequestError(f"{where} must be text or a list of blocks")
    texts = []
    for block in content:
        if not isinstance(block, Mapping) or block.get("type") != "text":
            raise InvalidRequestError(f"{where} may hold only text blocks here")
        texts.append(str(block.get("text", "")))
    return "\n".join(texts)


def _image(block: Mapping[str, Any], where: str) -> dict[str, Any]:
    source = block.get("source")
    if isinstance(source, Mapping) and source.get("type") == "base64":
        url = f"data:{source.get('media_type', 'image/png')};base64,{source.get('data', '')}"
    elif isinstance(source, Mapping) and source.get("type") == "url":
        url = str(source.get("url", ""))
    else:
        raise InvalidRequestError(f"{where}: an image needs a base64 or url source")
    return {"type": "image_url", "image_url": {"url": url}}


def _user(content: Any, where: str) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"role": "user", "content": content}]
    if not isinstance(content, list):
        raise InvalidRequestError(f"{where}.content must be text or a list of blocks")
    out: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    for position, block in enumerate(content):
        at = f"{where}.content[{position}]"
        kind = block.get("type") if isinstance(block, Mapping) else None
        if kind == "text":
            parts.append({"type": "text", "text": str(block.get("text", ""))})
        elif kind == "image":
            parts.append(_image(block, at))
        elif kind == "tool_result":
            result = block.get("content", "")
            out.append(
                {
                    "role": "tool",
                    "tool_call_id": str(block.get("tool_use_id", "")),
                    "content": _text_of(result, at) if result else "",
                }
            )
        else:
            raise InvalidRequestError(
                f"{at}: a {kind!r} block cannot be sent to this model; only text, image and "
                "tool_result blocks translate"
            )
    if parts:
        out.append({"role": "user", "content": parts})
    return out


def _assistant(content: Any, where: str) -> dict[str, Any]:
    if isinstance(content, str):
        return {"role": "assistant", "content": content}
    if not isinstance(content, list):
        raise InvalidRequestError(f"{where}.content must be text or a list of blocks")
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    for block in content:
        kind = block.get("type") if isinstance(block, Mapping) else None
        if kind == "text":
            texts.append(str(block.get("text", "")))
        elif kind == "tool_use":
            arguments = json.dumps(block.get("input") or {}, separators=(",", ":"))
            calls.append(
                {
                    "id": str(block.get("id", "")),
                    "type": "function",
                    "function": {"name": str(block.get("name", "")), "arguments": arguments},
                }
            )
    message: dict[str, Any] = {"role": "assistant", "content": "".join(texts) or None}
    if calls:
        message["tool_calls"] = calls
    return message


def _tools(tools: Any) -> list[dict[str, Any]]:
    if not isinstance(tools, list):
        raise InvalidRequestError("'tools' must be a list")
    out = []
    for tool in tools:
        if not isinstance(tool, Mapping) or "name" not in tool:
            raise InvalidRequestError("each tool needs a 'name'")
        function: dict[str, Any] = {
            "name": tool["name"],
            "parameters": tool.get("input_schema") or {"type": "object", "properties": {}},
        }
        if tool.get("description"):
            function["description"] = tool["description"]
        out.append({"type": "function", "function": function})
    return out


def _tool_choice(choice: Any, params: dict[str, Any]) -> None:
    if not isinstance(choice, Mapping):
        return
    kind = choice.get("type")
    if kind == "any":
        params["tool_choice"] = "required"
    elif kind == "tool":
        params["tool_choice"] = {"type": "function", "function": {"name": choice.get("name")}}
    elif kind in ("auto", "none"):
        params["tool_choice"] = kind
    if choice.get("disable_parallel_tool_use"):
        params["parallel_tool_calls"] = False


def messages_parts(body: Mapping[str, Any]) -> ChatParts:
    """The chat parts of a Messages request body (see the module notes).

    Raises ``InvalidRequestError`` for a missing model, messages that are not a non-empty
    list, or a block that has no chat counterpart (documents, server tools' results).
    """
    model = model_of(body, "Messages")
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise InvalidRequestError("'messages' must be a non-empty list")
    messages: list[dict[str, Any]] = []
    system = body.get("system")
    if system:
        messages.append({"role": "system", "content": _text_of(system, "system")})
    for position, message in enumerate(raw):
        where = f"messages[{position}]"
        if not isinstance(message, Mapping):
            raise InvalidRequestError(f"{where} must be an object")
        if message.get("role") == "assistant":
            messages.append(_assistant(message.get("content"), where))
        elif message.get("role") == "user":
            messages.extend(_user(message.get("content"), where))
        else:
            raise InvalidRequestError(f"{where}.role must be 'user' or 'assistant'")
    params: dict[str, Any] = {k: body[k] for k in _COPIED if body.get(k) is not None}
    if body.get("stop_sequences"):
        params["stop"] = list(body["stop_sequences"])
    if body.get("tools"):
        params["tools"] = _tools(body["tools"])
    _tool_choice(body.get("tool_choice"), params)
    metadata = body.get("metadata")
    if isinstance(metadata, Mapping) and metadata.get("user_id"):
        params["user"] = str(metadata["user_id"])
    return ChatParts(model, messages, params, stream_flag(body))
