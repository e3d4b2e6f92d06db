"""Deterministic chat answers for FakeWorkspace, planned from the request per model family."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from brickgate.testing.fake_workspace.catalog import EndpointSpec

_SNIPPET_CHARS = 200
_THINKING_BUDGET_MESSAGE = (
    '{"message":"`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our '
    "documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
    '#max-tokens-and-context-window-size"}'
)


@dataclass(frozen=True)
class ToolCallPlan:
    """The one tool call an answer makes."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class ChatPlan:
    """What the fake model answers, before it is shaped as a completion or a stream."""

    ident: str
    text: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    reasoning: str | None = None
    signature: str | None = None
    citations: tuple[dict[str, Any], ...] = ()
    tool_call: ToolCallPlan | None = None
    piece_chars: int | None = None


def text_of(content: Any) -> str:
    """Return the plain text of a message ``content`` (a string or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and "text" in part
        )
    return ""


def chat_problem(spec: EndpointSpec, request: dict[str, Any]) -> str | None:
    """Return the Databricks 400 message this chat request deserves, or None when it is valid."""
    messages = request.get("messages")
    if not isinstance(messages, list) or not messages:
        return "Bad request: 'messages' must be a non-empty list of chat messages."
    if not all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages):
        return "Bad request: every message needs a 'role' and a 'content'."
    max_tokens = request.get("max_tokens")
    if max_tokens is not None and (
        not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1
    ):
        return "Bad request: 'max_tokens' must be a positive integer."
    for tool in request.get("tools") or []:
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or "parameters" not in function:
            return (
                'Bad request: "parameters" is a required property for "function" object in '
                'parameter "tools"'
            )
    thinking = request.get("thinking")
    if spec.family == "claude" and isinstance(thinking, dict):
        budget = thinking.get("budget_tokens")
        if isinstance(budget, int) and isinstance(max_tokens, int) and budget >= max_tokens:
            return _THINKING_BUDGET_MESSAGE
    return None


def plan_chat(
    spec: EndpointSpec, request: dict[str, Any], digest: str, huge_bytes: int | None = None
) -> ChatPlan:
    """Decide the answer to a valid chat request; ``digest`` makes ids stable per request."""
    messages: list[dict[str, Any]] = request["messages"]
    snippet = _snippet(_last_text(messages, "user"))
    prompt_tokens = sum(len(text_of(m.get("content")).split()) + 4 for m in messages)
    ident = _ident(spec, digest)
    reasoning, signature = _reasoning(spec, request, snippet, digest)
    tool_call = _tool_call(spec, request, messages, snippet, digest)
    citations = _citations(spec, request, snippet)
    finish = "tool_calls" if tool_call else "stop"
    piece_chars = None
    if huge_bytes is not None:
        text = ("lorem ipsum dolor sit amet " * (huge_bytes // 27 + 2))[: huge_bytes + 1]
        piece_chars = 16384
    elif tool_call is not None:
        text = f"I'll call {tool_call.name} to answer that." if spec.family == "claude" else ""
    else:
        text = _answer_text(spec, request, messages, snippet)
        max_tokens = request.get("max_tokens")
        words = text.split(" ")
        fmt = request.get("response_format")
        is_json = isinstance(fmt, dict) and fmt.get("type") in ("json_object", "json_schema")
        if isinstance(max_tokens, int) and len(words) > max_tokens and not is_json:
            text, finish = " ".join(words[:max_tokens]), "length"
    completion = len(text.split()) + len((reasoning or "").split())
    if tool_call is not None:
        completion += len(tool_call.arguments) // 4 + 1
    return ChatPlan(
        ident=ident,
        text=text,
        finish_reason=finish,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion,
        reasoning=reasoning,
        signature=signature,
        citations=citations,
        tool_call=tool_call,
        piece_chars=piece_chars,
    )


def example_from_schema(schema: Any, hint: str, depth: int = 0) -> Any:
    """Return a value that satisfies a (simple) JSON schema, using ``hint`` for strings."""
    if not isinstance(schema, dict) or depth > 8:
        return hint
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            return example_from_schema(options[0], hint, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or (kind is None and "properties" in schema):
        props = schema.get("properties") or {}
        return {name: example_from_schema(sub, hint, depth + 1) for name, sub in props.items()}
    if kind == "array":
        return [example_from_schema(schema.get("items", {}), hint, depth + 1)]
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return float(schema.get("minimum", 1.0))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return hint


def _answer_text(
    spec: EndpointSpec, request: dict[str, Any], messages: list[dict[str, Any]], snippet: str
) -> str:
    fmt = request.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        spec_json = fmt.get("json_schema")
        schema = spec_json.get("schema", {}) if isinstance(spec_json, dict) else {}
        return json.dumps(example_from_schema(schema, snippet or "text"))
    if isinstance(fmt, dict) and fmt.get("type") == "json_object":
        return json.dumps({"answer": snippet})
    if messages[-1].get("role") == "tool":
        result = _snippet(text_of(messages[-1].get("content")))
        return f"The tool returned: {result}"
    if not snippet:
        return f"Hello from {spec.name} on FakeWorkspace."
    return f"FakeWorkspace {spec.name} says: you said {snippet}"


def _reasoning(
    spec: EndpointSpec, request: dict[str, Any], snippet: str, digest: str
) -> tuple[str | None, str | None]:
    thinking = request.get("thinking")
    wants = isinstance(thinking, dict) and thinking.get("type") == "enabled"
    if spec.family == "claude" and wants:
        text = f"The user wrote: {snippet}. A short, direct answer fits best."
        return text, "Er" + hashlib.sha256(digest.encode()).hexdigest() + "Ag=="
    if spec.family == "gpt-oss":
        return f"The user wrote: {snippet}. Answer plainly.", None
    return None, None


def _tool_call(
    spec: EndpointSpec,
    request: dict[str, Any],
    messages: list[dict[str, Any]],
    snippet: str,
    digest: str,
) -> ToolCallPlan | None:
    tools = request.get("tools")
    choice = request.get("tool_choice")
    if not isinstance(tools, list) or not tools or choice == "none":
        return None
    if messages[-1].get("role") == "tool":
        return None
    chosen = tools[0]["function"]
    if isinstance(choice, dict):
        wanted = (choice.get("function") or {}).get("name")
        chosen = next((t["function"] for t in tools if t["function"].get("name") == wanted), chosen)
    arguments = json.dumps(example_from_schema(chosen.get("parameters"), snippet or "text"))
    prefix = "toolu_bdrk_01" if spec.family == "claude" else "call_"
    return ToolCallPlan(prefix + digest[:22], str(chosen.get("name", "tool")), arguments)


def _citations(
    spec: EndpointSpec, request: dict[str, Any], snippet: str
) -> tuple[dict[str, Any], ...]:
    if spec.family != "claude":
        return ()
    has_document = any(
        isinstance(part, dict) and part.get("type") == "document"
        for message in request["messages"]
        if isinstance(message.get("content"), list)
        for part in message["content"]
    )
    if not (has_document or request.get("fake_citations")):
        return ()
    return (
        {
            "type": "char_location",
            "cited_text": snippet,
            "document_index": 0,
            "document_title": "Document 1",
            "start_char_index": 0,
            "end_char_index": len(snippet),
        },
    )


def _ident(spec: EndpointSpec, digest: str) -> str:
    if spec.family == "claude":
        return "msg_bdrk_01" + digest[:22]
    d = digest
    return f"chatcmpl_{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:32]}"


def _last_text(messages: list[dict[str, Any]], role: str) -> str:
    for message in reversed(messages):
        if message.get("role") == role:
            return text_of(message.get("content"))
    return ""


def _snippet(text: str) -> str:
    return " ".join(text.split())[:_SNIPPET_CHARS]
