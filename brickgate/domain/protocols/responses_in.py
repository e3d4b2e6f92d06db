"""OpenAI Responses requests read into chat call parts, for models served over Chat.

``instructions`` becomes a system message; ``input`` text a user message; message items
messages (``input_text``/``output_text`` as text, ``input_image`` as ``image_url``);
``function_call`` items assistant ``tool_calls``; ``function_call_output`` items ``tool``
messages; ``reasoning`` items are dropped. ``max_output_tokens`` becomes ``max_tokens``,
``text.format`` ``response_format``, ``reasoning.effort`` ``reasoning_effort``; function tools
and ``tool_choice`` take their chat form. The gateway is stateless: ``previous_response_id``
is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brickgate.domain.errors import InvalidRequestError
from brickgate.domain.protocols.openai_in import ChatParts, model_of, stream_flag

__all__ = ["responses_parts"]

_COPIED = ("temperature", "top_p", "parallel_tool_calls", "user")
_ROLES = ("user", "assistant", "system", "developer")


def _content(content: Any, where: str) -> Any:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise InvalidRequestError(f"{where}.content must be text or a list of parts")
    parts: list[dict[str, Any]] = []
    for position, part in enumerate(content):
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind in ("input_text", "output_text", "text"):
            parts.append({"type": "text", "text": str(part.get("text", ""))})
        elif kind == "input_image" and part.get("image_url"):
            parts.append({"type": "image_url", "image_url": {"url": str(part["image_url"])}})
        else:
            raise InvalidRequestError(
                f"{where}.content[{position}]: a {kind!r} part cannot be sent to this model"
            )
    if all(part["type"] == "text" for part in parts):
        return "".join(part["text"] for part in parts)
    return parts


def _items(raw: Any) -> list[dict[str, Any]]:
    if isinstance(raw, str):
        return [{"role": "user", "content": raw}]
    if not isinstance(raw, list) or not raw:
        raise InvalidRequestError("'input' must be text or a non-empty list of items")
    messages: list[dict[str, Any]] = []
    for position, item in enumerate(raw):
        where = f"input[{position}]"
        if not isinstance(item, Mapping):
            raise InvalidRequestError(f"{where} must be an object")
        kind = item.get("type", "message")
        if kind == "message" and item.get("role") in _ROLES:
            messages.append({"role": item["role"], "content": _content(item.get("content"), where)})
        elif kind == "function_call":
            call = {
                "id": str(item.get("call_id", "")),
                "type": "function",
                "function": {
                    "name": str(item.get("name", "")),
                    "arguments": str(item.get("arguments", "")),
                },
            }
            last = messages[-1] if messages else None
            if last is not None and last["role"] == "assistant" and "tool_calls" in last:
                last["tool_calls"].append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output", "")
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": str(item.get("call_id", "")),
                    "content": output if isinstance(output, str) else _content(output, where),
                }
            )
        elif kind != "reasoning":
            raise InvalidRequestError(f"{where}: a {kind!r} item cannot be sent to this model")
    return messages


def _tools(tools: Any) -> list[dict[str, Any]]:
    out = []
    for tool in tools if isinstance(tools, list) else ():
        if not isinstance(tool, Mapping) or tool.get("type") != "function":
            raise InvalidRequestError("only function tools can be sent to this model")
        function = {
            k: tool[k] for k in ("name", "description", "parameters", "strict") if k in tool
        }
        out.append({"type": "function", "function": function})
    return out


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, Mapping) and choice.get("type") == "function":
        return {"type": "function", "function": {"name": choice.get("name")}}
    return choice


def _format(text: Any, params: dict[str, Any]) -> None:
    fmt = text.get("format") if isinstance(text, Mapping) else None
    if not isinstance(fmt, Mapping) or fmt.get("type") in (None, "text"):
        return
    if fmt.get("type") == "json_schema":
        schema = {k: fmt[k] for k in ("name", "schema", "strict", "description") if k in fmt}
        params["response_format"] = {"type": "json_schema", "json_schema": schema}
    else:
        params["response_format"] = {"type": fmt.get("type")}


def responses_parts(body: Mapping[str, Any]) -> ChatParts:
    """The chat parts of a Responses request body (see the module notes).

    Raises ``InvalidRequestError`` for a missing model or input, ``previous_response_id``,
    and items or parts with no chat counterpart.
    """
    model = model_of(body, "Responses")
    if body.get("previous_response_id"):
        raise InvalidRequestError(
            "previous_response_id needs server-side state, which the gateway does not keep; "
            "send the whole conversation in 'input'"
        )
    messages = _items(body.get("input"))
    if body.get("instructions"):
        messages.insert(0, {"role": "system", "content": str(body["instructions"])})
    params: dict[str, Any] = {k: body[k] for k in _COPIED if body.get(k) is not None}
    if body.get("max_output_tokens") is not None:
        params["max_tokens"] = body["max_output_tokens"]
    if body.get("tools"):
        params["tools"] = _tools(body["tools"])
    if body.get("tool_choice") is not None:
        params["tool_choice"] = _tool_choice(body["tool_choice"])
    _format(body.get("text"), params)
    reasoning = body.get("reasoning")
    if isinstance(reasoning, Mapping) and reasoning.get("effort"):
        params["reasoning_effort"] = reasoning["effort"]
    return ChatParts(model, messages, params, stream_flag(body))
