"""Anthropic Messages: a ``ChatRequest`` as a Messages body, and a non-streamed reply read back.

Mapping (reference §3): system/developer messages are lifted into the top-level ``system``
(a list of text blocks when any carries ``cache_control``, else one string); a message-level
``cache_control`` goes on the message's last block; user parts become
``text``/``image`` blocks (``cache_control`` kept); assistant turns become ``thinking`` blocks
(reasoning parts with a signature, replayed unchanged), ``text`` and ``tool_use`` blocks; tool
results become ``tool_result`` blocks in a user turn; consecutive turns of one role are merged;
tools become ``{name, description, input_schema}``; ``stop`` becomes ``stop_sequences``;
``user`` becomes ``metadata.user_id``.
``max_tokens`` is required: when absent the caller's default (the catalog's cap) is used and
reported as an adjustment. Reasoning parts without a signature come from another protocol and
cannot be replayed to Claude, so they are left out; whitespace-only assistant text is too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from brickgate.domain.chat import Adjustment, ChatRequest
from brickgate.domain.errors import InvalidRequestError
from brickgate.domain.protocols.anthropic_reply import decode_messages_reply
from brickgate.domain.protocols.common import (
    parts_of,
    present,
    refuse,
    tool_arguments,
)

__all__ = [
    "ANTHROPIC_VERSION",
    "MessagesBody",
    "decode_messages_reply",
    "encode_messages_body",
    "with_max_tokens",
]


PROTOCOL = "Anthropic Messages API"
ANTHROPIC_VERSION = "2023-06-01"
_REFUSED = {
    "n": "ask once per completion or use protocol='chat'",
    "presence_penalty": "remove it or use protocol='chat'",
    "frequency_penalty": "remove it or use protocol='chat'",
    "logit_bias": "remove it or use protocol='chat'",
    "logprobs": "remove it or use protocol='chat'",
    "top_logprobs": "remove it or use protocol='chat'",
    "seed": "remove it or use protocol='chat'",
    "reasoning_effort": "use thinking={'type': 'enabled', 'budget_tokens': N} instead",
}
_TRANSPORT_KEYS = ("model", "stream", "stream_options")
_NATIVE_PARTS = frozenset({"text", "image", "document", "tool_result", "search_result"})


@dataclass(frozen=True, slots=True)
class MessagesBody:
    """An encoded Messages body and the adjustments encoding made (a default ``max_tokens``)."""

    body: dict[str, Any]
    adjustments: tuple[Adjustment, ...] = ()


def encode_messages_body(
    request: ChatRequest, *, stream: bool, default_max_tokens: int | None = None
) -> MessagesBody:
    """The Messages body for ``request``; ``default_max_tokens`` fills a missing ``max_tokens``.

    Unlisted keys (``temperature``, ``top_p``, ``top_k``, ``metadata``, ``thinking``...) pass
    through. Raises ``InvalidRequestError``, naming the field, for what Messages cannot carry
    (penalties, ``n`` > 1, ``reasoning_effort``, a ``response_format`` other than text, parts
    it has no block for), for no ``max_tokens`` and no default, and for a thinking budget not
    below ``max_tokens``.
    """
    body = {key: value for key, value in request.body.items() if value is not None}
    for key in _TRANSPORT_KEYS:
        body.pop(key, None)
    if body.get("n", 1) == 1:
        body.pop("n", None)
    for key, why in _REFUSED.items():
        if key in body:
            raise refuse(PROTOCOL, repr(key), why)
    response_format = body.pop("response_format", None)
    if response_format is not None and dict(response_format) != {"type": "text"}:
        raise refuse(PROTOCOL, "response_format", "structured output needs protocol='chat'")
    system, messages = _messages(body.pop("messages", None) or [])
    out: dict[str, Any] = {"model": request.model}
    adjustments: tuple[Adjustment, ...] = ()
    cap = body.pop("max_completion_tokens", None)
    legacy = body.pop("max_tokens", None)
    cap = legacy if cap is None else cap
    if cap is None:
        if default_max_tokens is None:
            raise refuse(PROTOCOL, "a request without 'max_tokens'", "set max_tokens")
        cap = default_max_tokens
        adjustments = (_default_adjustment(cap),)
    out["max_tokens"] = cap
    _check_budget(body.get("thinking"), cap)
    if system is not None:
        out["system"] = system
    out["messages"] = messages
    if "tools" in body:
        out["tools"] = [_tool(tool, f"tools[{i}]") for i, tool in enumerate(body.pop("tools"))]
    parallel = body.pop("parallel_tool_calls", None)
    if "tool_choice" in body or parallel is False:
        choice = _tool_choice(body.pop("tool_choice", "auto"))
        if parallel is False:
            choice["disable_parallel_tool_use"] = True
        out["tool_choice"] = choice
    user = body.pop("user", None)
    if user is not None:
        body["metadata"] = {**(body.get("metadata") or {}), "user_id": user}
    stop = body.pop("stop", None)
    if stop is not None:
        out["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    out.update(body)
    if stream:
        out["stream"] = True
    return MessagesBody(out, adjustments)


def with_max_tokens(request: ChatRequest, default_max_tokens: int | None) -> ChatRequest:
    """``request`` with ``max_tokens`` set to ``default_max_tokens`` when it has none.

    The change is added to ``adjustments``; a request that has a cap, or no default, is
    returned unchanged.
    """
    body = request.body
    if default_max_tokens is None or any(
        body.get(key) is not None for key in ("max_tokens", "max_completion_tokens")
    ):
        return request
    return replace(
        request,
        body={**body, "max_tokens": default_max_tokens},
        adjustments=(*request.adjustments, _default_adjustment(default_max_tokens)),
    )


def _default_adjustment(cap: int) -> Adjustment:
    return Adjustment("default_max_tokens", f"set max_tokens to {cap} (required by Messages)")


def _check_budget(thinking: Any, cap: Any) -> None:
    if not isinstance(thinking, Mapping) or thinking.get("type") == "disabled":
        return
    budget = thinking.get("budget_tokens")
    if isinstance(budget, int) and isinstance(cap, int) and budget >= cap:
        raise InvalidRequestError(
            f"thinking.budget_tokens ({budget}) must be below max_tokens ({cap}); "
            "lower the budget or raise max_tokens"
        )


def _messages(messages: list[Mapping[str, Any]]) -> tuple[Any, list[dict[str, Any]]]:
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


def _tool(tool: Mapping[str, Any], where: str) -> dict[str, Any]:
    if "function" not in tool:
        return dict(tool)
    function = tool["function"]
    if tool.get("type") != "function" or not isinstance(function, Mapping):
        raise refuse(PROTOCOL, f"{where}", "expected a function tool")
    if not isinstance(function.get("name"), str):
        raise refuse(PROTOCOL, f"{where}.function.name", "a tool needs a name")
    schema = function.get("parameters") or {"type": "object", "properties": {}}
    converted: dict[str, Any] = {"name": function["name"], "input_schema": schema}
    if function.get("description"):
        converted["description"] = function["description"]
    if "cache_control" in tool:
        converted["cache_control"] = tool["cache_control"]
    return converted


def _tool_choice(choice: Any) -> dict[str, Any]:
    if choice in ("auto", "none"):
        return {"type": choice}
    if choice == "required":
        return {"type": "any"}
    if isinstance(choice, Mapping):
        function = choice.get("function")
        if isinstance(function, Mapping) and isinstance(function.get("name"), str):
            return {"type": "tool", "name": function["name"]}
        if choice.get("type") in ("auto", "any", "none", "tool"):
            return dict(choice)
    raise refuse(PROTOCOL, f"tool_choice {choice!r}", "expected auto, none, required or a function")
