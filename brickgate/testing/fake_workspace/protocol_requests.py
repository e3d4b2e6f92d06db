"""Responses and Messages request bodies read the way FakeWorkspace plans chat answers.

Each reader checks what Databricks rejects (reference §1.5, §2.2) and otherwise returns the
same request as a Chat Completions body, so one planner answers all three protocols.
"""

from __future__ import annotations

import json
from typing import Any

MAX_ID_CHARS = 64
_OUTPUT_ONLY = ("status", "namespace")


class Refusal(Exception):
    """A request the fake workspace answers with a 400; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def chat_from_responses(body: dict[str, Any]) -> dict[str, Any]:
    """The Chat Completions form of a Responses body; raises ``Refusal`` for what FMAPI refuses."""
    if body.get("previous_response_id"):
        raise Refusal(
            "Bad request: previous_response_id is not supported; send the whole conversation."
        )
    messages: list[dict[str, Any]] = []
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        messages.append({"role": "system", "content": instructions})
    raw = body.get("input")
    if isinstance(raw, str):
        messages.append({"role": "user", "content": raw})
    elif isinstance(raw, list):
        for position, item in enumerate(raw):
            if not isinstance(item, dict):
                raise Refusal(f"Bad request: input[{position}] must be an object.")
            _responses_item(item, position, messages)
    else:
        raise Refusal("Bad request: 'input' must be a string or a list of input items.")
    chat: dict[str, Any] = {"model": body.get("model"), "messages": messages}
    tools = body.get("tools")
    if isinstance(tools, list):
        chat["tools"] = [_flat_tool(tool) for tool in tools if isinstance(tool, dict)]
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "function":
        chat["tool_choice"] = {"type": "function", "function": {"name": choice.get("name")}}
    elif choice is not None:
        chat["tool_choice"] = choice
    if isinstance(body.get("max_output_tokens"), int):
        chat["max_tokens"] = body["max_output_tokens"]
    fmt = (body.get("text") or {}).get("format") if isinstance(body.get("text"), dict) else None
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        schema = {key: fmt[key] for key in ("name", "schema", "strict") if key in fmt}
        chat["response_format"] = {"type": "json_schema", "json_schema": schema}
    elif isinstance(fmt, dict):
        chat["response_format"] = {"type": fmt.get("type")}
    chat["stream"] = body.get("stream") is True
    return chat


def _responses_item(item: dict[str, Any], position: int, out: list[dict[str, Any]]) -> None:
    where = f"input[{position}]"
    for key in _OUTPUT_ONLY:
        if key in item:
            raise Refusal(f'Bad request: json: unknown field "{key}" in {where}')
    for key in ("id", "call_id"):
        value = item.get(key)
        if isinstance(value, str) and len(value) > MAX_ID_CHARS:
            raise Refusal(
                f"Bad request: {where}.{key} is {len(value)} characters long; ids may be at "
                f"most {MAX_ID_CHARS}."
            )
    if "name" in item and item.get("type") in (None, "message"):
        raise Refusal(f'Bad request: json: unknown field "name" in {where}')
    kind = item.get("type", "message")
    if kind == "message":
        if item.get("role") == "assistant" and "id" in item and not item["id"].startswith("msg_"):
            raise Refusal(f"Bad request: {where}.id must start with 'msg_'.")
        out.append({"role": item.get("role"), "content": _content(item.get("content"))})
    elif kind == "function_call":
        if "id" in item and not str(item["id"]).startswith("fc_"):
            raise Refusal(f"Bad request: {where}.id must start with 'fc_'.")
        call = {
            "id": item.get("call_id"),
            "type": "function",
            "function": {"name": item.get("name"), "arguments": item.get("arguments") or ""},
        }
        last = out[-1] if out else None
        if last is None or last.get("role") != "assistant":
            last = {"role": "assistant", "content": ""}
            out.append(last)
        last.setdefault("tool_calls", []).append(call)
    elif kind == "function_call_output":
        out.append(
            {"role": "tool", "tool_call_id": item.get("call_id"), "content": item.get("output")}
        )
    elif kind != "reasoning":
        raise Refusal(f"Bad request: {where} has an unsupported type {kind!r}.")


def _content(content: Any) -> Any:
    if not isinstance(content, list):
        return content
    parts: list[dict[str, Any]] = []
    for part in content:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind in ("input_text", "output_text", "text"):
            parts.append({"type": "text", "text": part.get("text", "")})
        elif kind == "input_image":
            parts.append({"type": "image_url", "image_url": {"url": part.get("image_url")}})
    return parts


def _flat_tool(tool: dict[str, Any]) -> dict[str, Any]:
    if "function" in tool:
        return tool
    function = {key: tool[key] for key in ("name", "description", "parameters") if key in tool}
    function.setdefault("parameters", {"type": "object", "properties": {}})
    return {"type": "function", "function": function}


def chat_from_messages(body: dict[str, Any]) -> dict[str, Any]:
    """The Chat Completions form of an Anthropic Messages body; raises ``Refusal``."""
    max_tokens = body.get("max_tokens")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool):
        raise Refusal("max_tokens: Field required")
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise Refusal("messages: at least one message is required")
    messages: list[dict[str, Any]] = []
    system = body.get("system")
    if system:
        messages.append({"role": "system", "content": _blocks_text(system)})
    for position, message in enumerate(raw):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise Refusal(f"messages.{position}.role: Input should be 'user' or 'assistant'")
        _anthropic_message(message, position, messages)
    chat: dict[str, Any] = {"model": body.get("model"), "messages": messages}
    chat["max_tokens"] = max_tokens
    tools = body.get("tools")
    if isinstance(tools, list):
        chat["tools"] = [_anthropic_tool(tool) for tool in tools if isinstance(tool, dict)]
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        kinds = {"auto": "auto", "any": "required", "none": "none"}
        kind = choice.get("type")
        chat["tool_choice"] = kinds.get(str(kind)) or {
            "type": "function",
            "function": {"name": choice.get("name")},
        }
    if isinstance(body.get("thinking"), dict):
        chat["thinking"] = body["thinking"]
    if body.get("stop_sequences"):
        chat["stop"] = body["stop_sequences"]
    chat["stream"] = body.get("stream") is True
    return chat


def _anthropic_message(message: dict[str, Any], position: int, out: list[dict[str, Any]]) -> None:
    role = message["role"]
    content = message.get("content")
    if isinstance(content, str):
        out.append({"role": role, "content": content})
        return
    if not isinstance(content, list):
        raise Refusal(f"messages.{position}.content: Input should be a string or a list")
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    for index, block in enumerate(content):
        kind = block.get("type") if isinstance(block, dict) else None
        where = f"messages.{position}.content.{index}"
        if kind == "text":
            texts.append(str(block.get("text", "")))
        elif kind == "tool_result":
            result = {"role": "tool", "tool_call_id": block.get("tool_use_id")}
            out.append({**result, "content": _blocks_text(block.get("content"))})
        elif kind == "tool_use" and role == "assistant":
            arguments = json.dumps(block.get("input") or {}, separators=(",", ":"))
            function = {"name": block.get("name"), "arguments": arguments}
            calls.append({"id": block.get("id"), "type": "function", "function": function})
        elif kind == "thinking" and role == "assistant":
            if not block.get("signature"):
                raise Refusal(f"{where}.thinking.signature: Field required")
        elif kind not in ("image", "document", "redacted_thinking"):
            raise Refusal(f"{where}: unexpected block type {kind!r}")
    if texts or calls:
        entry: dict[str, Any] = {"role": role, "content": " ".join(texts)}
        if calls:
            entry["tool_calls"] = calls
        out.append(entry)


def _anthropic_tool(tool: dict[str, Any]) -> dict[str, Any]:
    function = {"name": tool.get("name"), "description": tool.get("description", "")}
    function["parameters"] = tool.get("input_schema") or {"type": "object", "properties": {}}
    return {"type": "function", "function": function}


def _blocks_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(str(block.get("text", "")) for block in value if isinstance(block, dict))
    return ""


def has_cache_control(value: Any) -> bool:
    """True when ``value`` (a request body) marks any block, message or tool ``cache_control``."""
    if isinstance(value, dict):
        return "cache_control" in value or any(has_cache_control(v) for v in value.values())
    if isinstance(value, list):
        return any(has_cache_control(v) for v in value)
    return False
