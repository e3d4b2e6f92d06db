"""The fake transports' canned answers: one per operation, in each protocol's own shape."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

_CHAT_USAGE = {"prompt_tokens": 1, "completion_tokens": 10, "total_tokens": 11}
_RESPONSES_USAGE = {
    "input_tokens": 1,
    "input_tokens_details": {"cached_tokens": 0},
    "output_tokens": 10,
    "output_tokens_details": {"reasoning_tokens": 0},
    "total_tokens": 11,
}
_MESSAGES_USAGE = {
    "input_tokens": 1,
    "output_tokens": 10,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 0,
}


def canned_text(model: str) -> str:
    """The text every canned reply for ``model`` carries."""
    return f"This is a canned reply from the fake {model} endpoint."


def protocol_of(operation: str, path: Sequence[str]) -> str:
    """``chat``, ``responses`` or ``messages``: the shape ``operation`` answers in.

    A pass-through call answers in the shape its ``path`` names.
    """
    if operation.startswith("responses"):
        return "responses"
    if operation.startswith("messages"):
        return "messages"
    if operation.startswith("passthrough") and path:
        if path[-1] in ("responses", "open-responses"):
            return "responses"
        if path[-1] == "messages":
            return "messages"
    return "chat"


def canned_body(
    operation: str, model: str | None, body: Any, path: Sequence[str]
) -> dict[str, Any]:
    """The body the fake answers ``operation`` with when nothing is queued."""
    name = model or "model"
    if operation in ("chat", "responses", "messages", "passthrough"):
        kind = protocol_of(operation, path)
        if kind == "responses":
            return _canned_responses(name)
        if kind == "messages":
            return _canned_messages(name)
        return _canned_chat(name)
    if operation == "embed":
        inputs = body.get("input") if isinstance(body, dict) else None
        return _canned_embeddings(name, inputs or [])
    if operation == "endpoints":
        return {"endpoints": list(_CANNED_ENDPOINTS)}
    if operation == "endpoint":
        return _canned_endpoint(path[-1], "llm/v1/chat")
    if operation in ("statement-submit", "statement-poll"):
        return {
            "statement_id": "fake-statement",
            "status": {"state": "SUCCEEDED"},
            "result": {"data_array": [["0"]]},
        }
    if operation == "oauth-token":
        return {"access_token": "fake-oauth-access-token", "expires_in": 3600}
    return {}


def canned_stream_chunks(
    operation: str, model: str, path: Sequence[str]
) -> tuple[list[dict[str, Any]], bool]:
    """The canned stream's JSON events for ``operation``, and whether each is a named event
    (``event: <type>`` before its data, as Responses and Messages send them)."""
    words = canned_text(model).split(" ")
    pieces = [word if i == 0 else " " + word for i, word in enumerate(words)]
    kind = protocol_of(operation, path)
    if kind == "responses":
        return _responses_events(model, pieces), True
    if kind == "messages":
        return _messages_events(model, pieces), True
    base: dict[str, Any] = {"id": "fake-stream", "object": "chat.completion.chunk", "model": model}
    chunks: list[dict[str, Any]] = [
        {**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
        for piece in pieces
    ]
    usage = {"prompt_tokens": 1, "completion_tokens": len(pieces), "total_tokens": 11}
    final = {"index": 0, "delta": {}, "finish_reason": "stop"}
    chunks.append({**base, "choices": [final], "usage": usage})
    return chunks, False


def _responses_events(model: str, pieces: list[str]) -> list[dict[str, Any]]:
    text = "".join(pieces)
    item = {"type": "message", "id": "msg_fake", "role": "assistant", "content": []}
    part = {"type": "output_text", "text": "", "annotations": []}
    where = {"output_index": 0, "content_index": 0, "item_id": "msg_fake"}
    done_item = {**item, "status": "completed", "content": [{**part, "text": text}]}
    response = {"id": "resp_fake", "object": "response", "model": model, "output": []}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {**response, "status": "in_progress"}},
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {"type": "response.content_part.added", **where, "part": part},
        *({"type": "response.output_text.delta", **where, "delta": p} for p in pieces),
        {"type": "response.output_text.done", **where, "text": text},
        {"type": "response.content_part.done", **where, "part": {**part, "text": text}},
        {"type": "response.output_item.done", "output_index": 0, "item": done_item},
        {
            "type": "response.completed",
            "response": {
                **response,
                "status": "completed",
                "output": [done_item],
                "usage": _RESPONSES_USAGE,
            },
        },
    ]
    return [{**event, "sequence_number": n} for n, event in enumerate(events)]


def _messages_events(model: str, pieces: list[str]) -> list[dict[str, Any]]:
    start = {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }
    return [
        {"type": "message_start", "message": start},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        *(
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}}
            for p in pieces
        ),
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": len(pieces)},
        },
        {"type": "message_stop"},
    ]


def _canned_chat(model: str) -> dict[str, Any]:
    return {
        "id": "fake-chat",
        "object": "chat.completion",
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": canned_text(model)},
                "finish_reason": "stop",
            }
        ],
        "usage": dict(_CHAT_USAGE),
    }


def _canned_responses(model: str) -> dict[str, Any]:
    message = {
        "type": "message",
        "id": "msg_fake",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": canned_text(model), "annotations": []}],
    }
    return {
        "id": "resp_fake",
        "object": "response",
        "created_at": 0,
        "model": model,
        "status": "completed",
        "error": None,
        "incomplete_details": None,
        "output": [message],
        "usage": dict(_RESPONSES_USAGE),
    }


def _canned_messages(model: str) -> dict[str, Any]:
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": canned_text(model)}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": dict(_MESSAGES_USAGE),
    }


def _canned_embeddings(model: str, inputs: Sequence[str]) -> dict[str, Any]:
    data = [
        {"index": index, "object": "embedding", "embedding": _canned_vector(str(text))}
        for index, text in enumerate(inputs)
    ]
    tokens = sum(len(str(text).split()) for text in inputs)
    return {
        "object": "list",
        "model": model,
        "data": data,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def _canned_vector(text: str) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    return [round(byte / 127.5 - 1.0, 4) for byte in digest[:8]]


def _canned_endpoint(name: str, task: str) -> dict[str, Any]:
    return {
        "name": name,
        "task": task,
        "state": {"ready": "READY", "config_update": "NOT_UPDATING"},
    }


_CANNED_ENDPOINTS = (
    _canned_endpoint("databricks-meta-llama-3-3-70b-instruct", "llm/v1/chat"),
    _canned_endpoint("databricks-gte-large-en", "llm/v1/embeddings"),
)
