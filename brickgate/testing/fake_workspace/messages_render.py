"""FakeWorkspace answers in the Anthropic Messages shape: a message, its SSE events, errors."""

from __future__ import annotations

import json
from typing import Any

from brickgate.testing.fake_workspace.catalog import EndpointSpec
from brickgate.testing.fake_workspace.exchange import Reply, dumps
from brickgate.testing.fake_workspace.replies import ChatPlan
from brickgate.testing.fake_workspace.responses_render import CacheUse, named_event, pieces_of

_STOP_REASONS = {"stop": "end_turn", "tool_calls": "tool_use", "length": "max_tokens"}
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    503: "overloaded_error",
    504: "timeout_error",
    529: "overloaded_error",
}


def anthropic_error(status: int, message: str, kind: str | None = None) -> Reply:
    """An Anthropic error answer: ``{"type": "error", "error": {"type", "message"}}``."""
    fallback = "api_error" if status >= 500 else "invalid_request_error"
    error_type = kind or _ERROR_TYPES.get(status, fallback)
    body = {"type": "error", "error": {"type": error_type, "message": message}}
    return Reply(status, dumps({**body, "request_id": "req_fake_" + str(status)}))


def overloaded_event() -> bytes:
    """The mid-stream ``error`` event Claude sends when it is overloaded."""
    error = {"type": "overloaded_error", "message": "Overloaded"}
    return named_event({"type": "error", "error": error})


def _usage(plan: ChatPlan, cache: CacheUse) -> dict[str, int]:
    return {
        "input_tokens": max(0, plan.prompt_tokens - cache.read - cache.created),
        "output_tokens": plan.completion_tokens,
        "cache_creation_input_tokens": cache.created,
        "cache_read_input_tokens": cache.read,
    }


def _blocks(plan: ChatPlan) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if plan.reasoning:
        blocks.append(
            {"type": "thinking", "thinking": plan.reasoning, "signature": plan.signature or ""}
        )
    if plan.text or plan.tool_call is None:
        blocks.append({"type": "text", "text": plan.text})
    if plan.tool_call is not None:
        call = plan.tool_call
        tool_input = json.loads(call.arguments or "{}")
        blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": tool_input})
    return blocks


def _message(spec: EndpointSpec, plan: ChatPlan, cache: CacheUse) -> dict[str, Any]:
    return {
        "id": plan.ident,
        "type": "message",
        "role": "assistant",
        "model": spec.served_model,
        "content": _blocks(plan),
        "stop_reason": _STOP_REASONS.get(plan.finish_reason, "end_turn"),
        "stop_sequence": None,
        "usage": _usage(plan, cache),
    }


def messages_body(spec: EndpointSpec, plan: ChatPlan, cache: CacheUse) -> bytes:
    """The non-streamed Messages answer for ``plan``."""
    return dumps(_message(spec, plan, cache))


def messages_events(spec: EndpointSpec, plan: ChatPlan, cache: CacheUse) -> list[bytes]:
    """The Messages SSE events for ``plan``: ``message_start`` ... ``message_stop``, with a
    ``ping`` after the first block opens."""
    message = _message(spec, plan, cache)
    usage = message["usage"]
    start = {**message, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}
    events: list[dict[str, Any]] = [{"type": "message_start", "message": start}]
    for index, block in enumerate(message["content"]):
        events.extend(_block_events(index, block))
        if index == 0:
            events.append({"type": "ping"})
    delta = {"stop_reason": message["stop_reason"], "stop_sequence": None}
    events.append({"type": "message_delta", "delta": delta, "usage": usage})
    events.append({"type": "message_stop"})
    return [named_event(event) for event in events]


def _block_events(index: int, block: dict[str, Any]) -> list[dict[str, Any]]:
    kind = block["type"]
    at: dict[str, Any] = {"index": index}
    deltas: list[dict[str, Any]]
    opening: dict[str, Any]
    if kind == "thinking":
        opening = {"type": "thinking", "thinking": "", "signature": ""}
        deltas = [{"type": "thinking_delta", "thinking": p} for p in pieces_of(block["thinking"])]
        deltas.append({"type": "signature_delta", "signature": block["signature"]})
    elif kind == "tool_use":
        opening = {**block, "input": {}}
        arguments = json.dumps(block["input"], separators=(",", ":"))
        deltas = [{"type": "input_json_delta", "partial_json": p} for p in pieces_of(arguments)]
    else:
        opening = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": p} for p in pieces_of(block["text"])]
    return [
        {"type": "content_block_start", **at, "content_block": opening},
        *({"type": "content_block_delta", **at, "delta": delta} for delta in deltas),
        {"type": "content_block_stop", **at},
    ]
