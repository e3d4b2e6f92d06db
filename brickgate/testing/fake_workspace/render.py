"""Shaping FakeWorkspace answers as Databricks JSON bodies and SSE events, fast."""

from __future__ import annotations

import hashlib
import json
import math
from functools import lru_cache
from itertools import cycle, islice
from typing import Any

from brickgate.testing.fake_workspace.catalog import EndpointSpec
from brickgate.testing.fake_workspace.exchange import Reply, dumps, error_reply
from brickgate.testing.fake_workspace.replies import ChatPlan

CREATED = 1732500000
SSE_DONE = b"data: [DONE]\n\n"
_SLOT = "\x00slot\x00"
_SLOT_JSON = json.dumps(_SLOT).encode()


def completion_body(spec: EndpointSpec, plan: ChatPlan) -> bytes:
    """Return the non-streaming ``chat.completion`` body for ``plan``."""
    message: dict[str, Any] = {"role": "assistant", "content": _content(spec, plan)}
    if plan.tool_call is not None:
        call = plan.tool_call
        message["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
        ]
    choice = {"index": 0, "message": message, "finish_reason": plan.finish_reason, "logprobs": None}
    return dumps(
        {
            "id": plan.ident,
            "object": "chat.completion",
            "created": CREATED,
            "model": spec.served_model,
            "choices": [choice],
            "usage": _usage(plan.prompt_tokens, plan.completion_tokens),
        }
    )


def stream_events(spec: EndpointSpec, plan: ChatPlan, chunks: int | None) -> list[bytes]:
    """Return the SSE events (each ``data: ...\\n\\n``) of ``plan``, ending with ``[DONE]``.

    ``chunks`` asks for that many ``data:`` chunks before ``[DONE]``: text pieces repeat to fill,
    and the count never drops below what the shape needs (reasoning, tool call, final chunk).
    """
    head = _reasoning_events(spec, plan, whole=chunks is not None)
    tail = _tool_events(spec, plan)
    if plan.citations:
        part = {"type": "text", "text": "", "citations": list(plan.citations)}
        tail.insert(0, _chunk(spec, plan, {"role": "assistant", "content": [part]}))
    pieces = _pieces(plan.text, plan.piece_chars)
    completion = plan.completion_tokens
    if chunks is not None and pieces:
        wanted = max(1, chunks - len(head) - len(tail) - 1)
        completion += wanted - len(pieces)
        pieces = list(islice(cycle(pieces), wanted))
    tail.append(_final_event(spec, plan, completion))
    return [*head, *_text_events(spec, plan, pieces), *tail, SSE_DONE]


def embedding_body(spec: EndpointSpec, inputs: list[str]) -> bytes:
    """Return the ``llm/v1/embeddings`` body: one deterministic vector per input, in order."""
    data = [
        {"index": i, "object": "embedding", "embedding": list(_vector(text, spec))}
        for i, text in enumerate(inputs)
    ]
    tokens = sum(len(text.split()) + 1 for text in inputs)
    return dumps(
        {
            "object": "list",
            "model": spec.served_model,
            "data": data,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
    )


def _content(spec: EndpointSpec, plan: ChatPlan) -> Any:
    if spec.family != "gpt-oss" and not plan.reasoning and not plan.citations:
        return plan.text if plan.text or plan.tool_call is None else None
    parts: list[dict[str, Any]] = []
    if plan.reasoning:
        summary: dict[str, Any] = {"type": "summary_text", "text": plan.reasoning}
        if plan.signature:
            summary["signature"] = plan.signature
        parts.append({"type": "reasoning", "summary": [summary]})
    if plan.text or plan.tool_call is None:
        text: dict[str, Any] = {"type": "text", "text": plan.text}
        if plan.citations:
            text["citations"] = list(plan.citations)
        parts.append(text)
    return parts


def _usage(prompt: int, completion: int | None) -> dict[str, int | None]:
    total = None if completion is None else prompt + completion
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total}


def _chunk(
    spec: EndpointSpec, plan: ChatPlan, delta: dict[str, Any], finish: str | None = None
) -> bytes:
    body: dict[str, Any] = {
        "id": plan.ident,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": spec.served_model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
    }
    if spec.family == "claude":
        body["usage"] = _usage(plan.prompt_tokens, None)
    return b"data: " + dumps(body) + b"\n\n"


def _reasoning_events(spec: EndpointSpec, plan: ChatPlan, whole: bool) -> list[bytes]:
    if not plan.reasoning:
        return []
    events = []
    for piece in [plan.reasoning] if whole else _pieces(plan.reasoning, None):
        part = {"type": "reasoning", "summary": [{"type": "summary_text", "text": piece}]}
        events.append(_chunk(spec, plan, {"role": "assistant", "content": [part]}))
    if plan.signature:
        summary = {"type": "summary_text", "text": "", "signature": plan.signature}
        part = {"type": "reasoning", "summary": [summary]}
        events.append(_chunk(spec, plan, {"role": "assistant", "content": [part]}))
    return events


def _tool_events(spec: EndpointSpec, plan: ChatPlan) -> list[bytes]:
    call = plan.tool_call
    if call is None:
        return []
    index = 1 if spec.family == "claude" else 0
    if spec.family != "claude":
        first = {"index": index, "id": call.id, "type": "function"}
        first["function"] = {"name": call.name, "arguments": call.arguments}
        return [_chunk(spec, plan, {"role": "assistant", "content": None, "tool_calls": [first]})]
    opening = {"index": index, "id": call.id, "type": "function"}
    opening["function"] = {"name": call.name, "arguments": ""}
    events = [_chunk(spec, plan, {"role": "assistant", "content": None, "tool_calls": [opening]})]
    step = max(1, math.ceil(len(call.arguments) / 3))
    for start in range(0, len(call.arguments), step):
        fragment = {"index": index, "function": {"arguments": call.arguments[start : start + step]}}
        delta = {"role": "assistant", "content": None, "tool_calls": [fragment]}
        events.append(_chunk(spec, plan, delta))
    return events


def _final_event(spec: EndpointSpec, plan: ChatPlan, completion: int) -> bytes:
    body = {
        "id": plan.ident,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": spec.served_model,
        "choices": [
            {
                "index": 0,
                "delta": {"role": "assistant", "content": ""},
                "finish_reason": plan.finish_reason,
                "logprobs": None,
            }
        ],
        "usage": _usage(plan.prompt_tokens, completion),
    }
    return b"data: " + dumps(body) + b"\n\n"


def _text_events(spec: EndpointSpec, plan: ChatPlan, pieces: list[str]) -> list[bytes]:
    if not pieces:
        return []
    base: dict[str, Any] = {
        "id": plan.ident,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": spec.served_model,
        "choices": [
            {
                "index": 0,
                "delta": {"role": "assistant", "content": _SLOT},
                "finish_reason": None,
                "logprobs": None,
            }
        ],
    }
    if spec.family == "claude":
        base["usage"] = _usage(plan.prompt_tokens, None)
    elif spec.family == "llama":
        base["usage"] = {"prompt_tokens": plan.prompt_tokens, "completion_tokens": _SLOT}
        base["usage"]["total_tokens"] = _SLOT
    parts = (b"data: " + dumps(base) + b"\n\n").split(_SLOT_JSON)
    encoded: dict[str, bytes] = {}
    events = []
    for count, piece in enumerate(pieces, start=1):
        text = encoded.get(piece)
        if text is None:
            text = encoded[piece] = json.dumps(piece).encode()
        if len(parts) == 2:
            events.append(parts[0] + text + parts[1])
        else:
            done = str(count).encode()
            total = str(plan.prompt_tokens + count).encode()
            events.append(parts[0] + text + parts[1] + done + parts[2] + total + parts[3])
    return events


def _pieces(text: str, size: int | None) -> list[str]:
    if not text:
        return []
    if size is not None:
        return [text[i : i + size] for i in range(0, len(text), size)]
    words = text.split(" ")
    return [words[0], *(" " + word for word in words[1:])]


@lru_cache(maxsize=4096)
def _vector_for(text: str, dims: int, normalized: bool) -> tuple[float, ...]:
    raw = hashlib.shake_256(text.encode()).digest(dims)
    values = [(b - 127.5) / 1275.0 for b in raw]
    if normalized:
        norm = math.sqrt(sum(v * v for v in values)) or 1.0
        values = [v / norm for v in values]
    return tuple(round(v, 6) for v in values)


def _vector(text: str, spec: EndpointSpec) -> tuple[float, ...]:
    return _vector_for(text, spec.dimensions, spec.normalized)


def embeddings_reply(spec: EndpointSpec, body: dict[str, Any]) -> Reply:
    """The answer to an embeddings request for ``spec``: vectors, or the 400 it deserves."""
    if not spec.is_embedding:
        return error_reply(
            400,
            "BAD_REQUEST",
            f"Bad request: endpoint '{spec.name}' serves {spec.task}, not embeddings.",
        )
    raw = body.get("input")
    inputs = [raw] if isinstance(raw, str) else raw
    if not isinstance(inputs, list) or not inputs or not all(isinstance(t, str) for t in inputs):
        return error_reply(
            400,
            "BAD_REQUEST",
            "Bad request: 'input' must be a string or a non-empty list of strings.",
        )
    headers = (("served-model-name", spec.name),)
    return Reply(200, embedding_body(spec, inputs), headers=headers)
