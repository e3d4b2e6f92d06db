"""Replies as OpenAI Chat Completions JSON: completions, stream chunks, embeddings, models, errors.

The reverse of ``chat_completions``: what the local gateway answers an OpenAI client with when
the reply came over another protocol (or was assembled by brickgate). Reasoning text goes in
``reasoning_content`` (the field OpenAI-compatible tools read); cached and reasoning token
counts go in ``prompt_tokens_details`` / ``completion_tokens_details``.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterable, Sequence
from typing import Any

from brickgate.domain.chat import ChatChunk, ChatResponse, EmbeddingResponse, ToolCallDelta, Usage

__all__ = [
    "ERROR_TYPES",
    "chat_chunk_json",
    "chat_completion_json",
    "embeddings_json",
    "models_json",
    "openai_error",
    "usage_json",
]

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


def usage_json(usage: Usage) -> dict[str, Any]:
    """``usage`` as OpenAI reports it (details only when known)."""
    out: dict[str, Any] = {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens or usage.prompt_tokens + usage.completion_tokens,
    }
    if usage.cache_read_input_tokens is not None:
        out["prompt_tokens_details"] = {"cached_tokens": usage.cache_read_input_tokens}
    if usage.reasoning_tokens is not None:
        out["completion_tokens_details"] = {"reasoning_tokens": usage.reasoning_tokens}
    return out


def chat_completion_json(
    reply: ChatResponse, *, model: str, completion_id: str, created: int
) -> dict[str, Any]:
    """A ``chat.completion`` object for ``reply`` (``model``: the name the caller asked for)."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    if reply.reasoning:
        message["reasoning_content"] = reply.reasoning
    if reply.tool_calls:
        message["tool_calls"] = [call.to_wire() for call in reply.tool_calls]
        if not reply.text:
            message["content"] = None
    out: dict[str, Any] = {
        "id": reply.id or completion_id,
        "object": "chat.completion",
        "created": created,
        "model": reply.model or model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": reply.finish_reason or "stop",
                "logprobs": None,
            }
        ],
    }
    if reply.usage is not None:
        out["usage"] = usage_json(reply.usage)
    return out


def _tool_delta(delta: ToolCallDelta) -> dict[str, Any]:
    function: dict[str, Any] = {"arguments": delta.arguments}
    if delta.name is not None:
        function["name"] = delta.name
    out: dict[str, Any] = {"index": delta.index, "function": function}
    if delta.id is not None:
        out["id"] = delta.id
        out["type"] = "function"
    return out


def chat_chunk_json(
    chunk: ChatChunk, *, model: str, completion_id: str, created: int, first: bool = False
) -> dict[str, Any]:
    """A ``chat.completion.chunk`` for ``chunk``; ``first`` adds ``role: assistant``.

    A chunk carrying only usage (the last one, with ``include_usage``) has empty ``choices``.
    """
    delta: dict[str, Any] = {"role": "assistant"} if first else {}
    if chunk.text or first:
        delta["content"] = chunk.text
    if chunk.reasoning:
        delta["reasoning_content"] = chunk.reasoning
    if chunk.tool_calls:
        delta["tool_calls"] = [_tool_delta(call) for call in chunk.tool_calls]
    out: dict[str, Any] = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": chunk.model or model,
        "choices": [],
    }
    if delta or chunk.finish_reason is not None or chunk.usage is None:
        out["choices"] = [
            {"index": 0, "delta": delta, "finish_reason": chunk.finish_reason, "logprobs": None}
        ]
    if chunk.usage is not None:
        out["usage"] = usage_json(chunk.usage)
    return out


def _base64(vector: Sequence[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")


def embeddings_json(
    reply: EmbeddingResponse, *, model: str, encoding_format: str | None = None
) -> dict[str, Any]:
    """An OpenAI embeddings ``list`` for ``reply``; ``encoding_format="base64"`` packs each
    vector as little-endian float32 (what the openai SDK asks for by default)."""
    packed = encoding_format == "base64"
    out: dict[str, Any] = {
        "object": "list",
        "data": [
            {
                "object": "embedding",
                "index": index,
                "embedding": _base64(vector) if packed else vector,
            }
            for index, vector in enumerate(reply.vectors)
        ],
        "model": reply.model or model,
    }
    usage = reply.usage
    out["usage"] = {
        "prompt_tokens": usage.prompt_tokens if usage else 0,
        "total_tokens": (usage.total_tokens or usage.prompt_tokens) if usage else 0,
    }
    return out


def models_json(names: Iterable[str], *, created: int = 0) -> dict[str, Any]:
    """An OpenAI model ``list`` naming each of ``names``, owned by ``databricks``."""
    return {
        "object": "list",
        "data": [
            {"id": name, "object": "model", "created": created, "owned_by": "databricks"}
            for name in names
        ],
    }


def openai_error(status: int, message: str, *, code: str | None = None) -> dict[str, Any]:
    """The OpenAI error body for an answer with ``status``."""
    kind = ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}
