"""OpenAI Responses: a ``ChatRequest`` as a Responses body, and a non-streamed reply read back.

Mapping (reference §3): leading system/developer messages become ``instructions`` (later ones
stay input items); user parts become ``input_text``/``input_image``; assistant text becomes an
assistant input message and each tool call a ``function_call`` item (``id`` = ``fc_`` + call id);
tool results become ``function_call_output``; tools are flattened; ``max_tokens`` becomes
``max_output_tokens``; ``reasoning_effort`` becomes ``reasoning.effort``; ``response_format``
becomes ``text.format``. Every id replayed is cut to 64 characters. Use is stateless:
``store`` is false and the whole conversation is sent each turn. Reasoning parts of earlier
assistant turns are model state the Responses API cannot take back without encrypted content
(which brickgate does not request), so they are not replayed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brickgate.domain.chat import ChatRequest
from brickgate.domain.protocols.common import (
    parts_of,
    plain_text,
    present,
    refuse,
    short_id,
    tool_arguments,
)
from brickgate.domain.protocols.responses_reply import decode_responses_reply

__all__ = ["decode_responses_reply", "encode_responses_body"]


PROTOCOL = "Responses API"
_REFUSED = {
    "stop": "stop sequences are not supported; remove 'stop' or use protocol='chat'",
    "presence_penalty": "remove it or use protocol='chat'",
    "frequency_penalty": "remove it or use protocol='chat'",
    "logit_bias": "remove it or use protocol='chat'",
    "logprobs": "remove it or use protocol='chat'",
    "top_logprobs": "remove it or use protocol='chat'",
    "seed": "remove it or use protocol='chat'",
    "top_k": "remove it or use protocol='chat'",
    "thinking": "it is Claude's setting; use reasoning_effort (reasoning.effort) instead",
    "previous_response_id": "brickgate sends the whole conversation each turn (stateless)",
}
_TRANSPORT_KEYS = ("model", "stream", "stream_options")


def encode_responses_body(request: ChatRequest, *, stream: bool) -> dict[str, Any]:
    """The Responses body for ``request`` (``stream`` set when streaming).

    Keys with no Responses counterpart that are not listed in the module mapping are passed
    through unchanged. Raises ``InvalidRequestError``, naming the field, for what the Responses
    API cannot carry (``stop``, penalties, ``n`` > 1, ``thinking``, ``store: true``,
    ``cache_control``, a message ``name``, non-text tool results...).
    """
    body = {key: value for key, value in request.body.items() if value is not None}
    for key in _TRANSPORT_KEYS:
        body.pop(key, None)
    for key, why in _REFUSED.items():
        if key in body:
            raise refuse(PROTOCOL, repr(key), why)
    if body.pop("n", 1) != 1:
        raise refuse(PROTOCOL, "'n' > 1", "ask once per completion or use protocol='chat'")
    if body.pop("store", False) is not False:
        raise refuse(PROTOCOL, "'store': true", "brickgate uses the Responses API statelessly")
    out: dict[str, Any] = {"model": request.model}
    instructions, items = _input(body.pop("messages", None) or [])
    if instructions:
        out["instructions"] = instructions
    out["input"] = items
    if "tools" in body:
        out["tools"] = [_tool(tool, f"tools[{i}]") for i, tool in enumerate(body.pop("tools"))]
    if "tool_choice" in body:
        out["tool_choice"] = _tool_choice(body.pop("tool_choice"))
    cap = body.pop("max_completion_tokens", None)
    legacy = body.pop("max_tokens", None)
    cap = legacy if cap is None else cap
    if cap is not None:
        out["max_output_tokens"] = cap
    _reasoning(body, out)
    _text_format(body, out)
    out.update(body)
    out["store"] = False
    if stream:
        out["stream"] = True
    return out


def _input(messages: list[Mapping[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    instructions: list[str] = []
    items: list[dict[str, Any]] = []
    for position, message in enumerate(messages):
        where = f"messages[{position}]"
        role = message.get("role")
        content = message.get("content")
        if present(message, "name"):
            raise refuse(PROTOCOL, f"{where}.name", "Databricks rejects names on input messages")
        if "cache_control" in message:
            raise refuse(
                PROTOCOL, f"{where}.cache_control", "prompt caching needs protocol='messages'"
            )
        if role in ("system", "developer"):
            text = plain_text(content, where, PROTOCOL)
            if not items:
                instructions.append(text)
            else:
                items.append({"role": role, "content": text})
        elif role == "user":
            items.append({"role": "user", "content": _user_content(content, where)})
        elif role == "assistant":
            items.extend(_assistant_items(message, where))
        elif role == "tool":
            call_id = message.get("tool_call_id")
            if not isinstance(call_id, str) or not call_id:
                raise refuse(PROTOCOL, f"{where}.tool_call_id", "a tool result needs its call id")
            output = plain_text(content, where, PROTOCOL)
            items.append(
                {"type": "function_call_output", "call_id": short_id(call_id), "output": output}
            )
        else:
            raise refuse(PROTOCOL, f"{where}.role {role!r}", "expected a chat role")
    return "\n\n".join(instructions), items


def _user_content(content: Any, where: str) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    parts: list[dict[str, Any]] = []
    for position, part in enumerate(parts_of(content, where, PROTOCOL)):
        at = f"{where}.content[{position}]"
        if "cache_control" in part:
            raise refuse(
                PROTOCOL, f"{at}.cache_control", "prompt caching needs protocol='messages'"
            )
        kind = part.get("type")
        if kind == "text":
            parts.append({"type": "input_text", "text": part.get("text") or ""})
        elif kind == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, Mapping) else image
            if not isinstance(url, str):
                raise refuse(PROTOCOL, f"{at}.image_url", "expected {'url': ...}")
            converted: dict[str, Any] = {"type": "input_image", "image_url": url}
            if isinstance(image, Mapping) and image.get("detail"):
                converted["detail"] = image["detail"]
            parts.append(converted)
        elif kind in ("input_text", "input_image", "input_file"):
            parts.append(dict(part))
        else:
            raise refuse(PROTOCOL, f"{at} of type {kind!r}", "only text, images and files")
    return parts


def _assistant_items(message: Mapping[str, Any], where: str) -> list[dict[str, Any]]:
    texts: list[str] = []
    for position, part in enumerate(parts_of(message.get("content"), where, PROTOCOL)):
        kind = part.get("type")
        if kind in ("text", "output_text"):
            texts.append(str(part.get("text") or ""))
        elif kind != "reasoning":
            raise refuse(PROTOCOL, f"{where}.content[{position}] of type {kind!r}", "text only")
    items: list[dict[str, Any]] = []
    text = "".join(texts)
    if text.strip():
        items.append({"role": "assistant", "content": text})
    for position, call in enumerate(message.get("tool_calls") or ()):
        call_id, name, arguments = tool_arguments(call, f"{where}.tool_calls[{position}]")
        items.append(
            {
                "type": "function_call",
                "id": short_id(call_id, "fc_"),
                "call_id": short_id(call_id),
                "name": name,
                "arguments": arguments,
            }
        )
    return items


def _tool(tool: Mapping[str, Any], where: str) -> dict[str, Any]:
    if "cache_control" in tool:
        raise refuse(PROTOCOL, f"{where}.cache_control", "prompt caching needs protocol='messages'")
    if tool.get("type") != "function" or "function" not in tool:
        return dict(tool)
    function = tool["function"]
    if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
        raise refuse(PROTOCOL, f"{where}.function", "expected {'name': ..., 'parameters': ...}")
    flat: dict[str, Any] = {"type": "function", "name": function["name"]}
    for key in ("description", "parameters", "strict"):
        if function.get(key) is not None:
            flat[key] = function[key]
    return flat


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, Mapping) and isinstance(choice.get("function"), Mapping):
        return {"type": "function", "name": choice["function"].get("name")}
    return choice


def _reasoning(body: dict[str, Any], out: dict[str, Any]) -> None:
    effort = body.pop("reasoning_effort", None)
    reasoning = body.pop("reasoning", None)
    if effort is None and reasoning is None:
        return
    merged = dict(reasoning) if isinstance(reasoning, Mapping) else {}
    if effort is not None:
        merged.setdefault("effort", effort)
    out["reasoning"] = merged


def _text_format(body: dict[str, Any], out: dict[str, Any]) -> None:
    response_format = body.pop("response_format", None)
    if response_format is None:
        return
    kind = response_format.get("type") if isinstance(response_format, Mapping) else None
    if kind in ("text", "json_object"):
        fmt: dict[str, Any] = {"type": kind}
    elif kind == "json_schema":
        schema = response_format.get("json_schema")
        if not isinstance(schema, Mapping) or "schema" not in schema:
            raise refuse(PROTOCOL, "response_format.json_schema", "expected {name, schema}")
        fmt = {"type": "json_schema", "name": schema.get("name") or "response"}
        for key in ("schema", "strict", "description"):
            if schema.get(key) is not None:
                fmt[key] = schema[key]
    else:
        raise refuse(
            PROTOCOL, f"response_format of type {kind!r}", "text, json_object, json_schema"
        )
    text = dict(body.pop("text", None) or {})
    text["format"] = fmt
    out["text"] = text
