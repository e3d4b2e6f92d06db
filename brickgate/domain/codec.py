"""Wire codec: Databricks JSON bodies to domain values and back, as lean pure functions.

Chunk decoding is on the streaming hot path: plain dict access, no validation layer. A body the
codec cannot read raises ``TransportError`` (a non-streamed answer) or ``StreamError`` (a chunk),
with a short excerpt of what arrived.
"""

from __future__ import annotations

import base64
import json
import sys
from array import array
from collections.abc import Mapping, Sequence
from typing import Any

from brickgate.domain.chat import (
    ChatChunk,
    ChatResponse,
    Citation,
    EmbeddingResponse,
    ToolCall,
    ToolCallDelta,
    Usage,
)
from brickgate.domain.errors import StreamError, TransportError

SHAPE_ERRORS = (AttributeError, IndexError, KeyError, TypeError, ValueError)
"""What reading a body of an unexpected shape raises: caught and reported as unreadable."""
_EXCERPT_CHARS = 200
_NO_PARTS: tuple[Mapping[str, Any], ...] = ()
_EMPTY: Mapping[str, Any] = {}


def excerpt(value: object, limit: int = _EXCERPT_CHARS) -> str:
    """A short one-line rendering of ``value`` for error messages (never a huge dump)."""
    text = value if isinstance(value, str) else _compact_json(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"


def _compact_json(value: object) -> str:
    try:
        return json.dumps(value, separators=(",", ":"), default=str)
    except (TypeError, ValueError):
        return repr(value)


def unreadable(what: str, data: object, reason: object) -> TransportError:
    """The ``TransportError`` for a ``what`` body the codec cannot read, with an excerpt."""
    return TransportError(
        f"the workspace returned a {what} brickgate cannot read ({reason}); "
        f"body starts: {excerpt(data)}. Check that the endpoint serves this task."
    )


def decode_usage(raw: Any, *, complete_only: bool = False) -> Usage | None:
    """The ``Usage`` in a ``usage`` object, or ``None`` when absent.

    With ``complete_only`` a usage whose ``completion_tokens`` or ``total_tokens`` is null (Claude
    sends those on every chunk until the last) gives ``None``.
    """
    if not raw:
        return None
    completion = raw.get("completion_tokens")
    total = raw.get("total_tokens")
    if completion is not None and total is not None:
        if len(raw) == 3 and "prompt_tokens" in raw:
            return Usage(raw["prompt_tokens"] or 0, completion, total)
    elif complete_only:
        return None
    prompt = raw.get("prompt_tokens") or 0
    if total is None:
        total = prompt + (completion or 0)
    reasoning = raw.get("reasoning_tokens")
    details = raw.get("completion_tokens_details")
    if reasoning is None and details:
        reasoning = details.get("reasoning_tokens")
    cache_read = raw.get("cache_read_input_tokens")
    prompt_details = raw.get("prompt_tokens_details")
    if cache_read is None and prompt_details:
        cache_read = prompt_details.get("cached_tokens")
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion or 0,
        total_tokens=total,
        reasoning_tokens=reasoning,
        cache_read_input_tokens=cache_read,
        cache_creation_input_tokens=raw.get("cache_creation_input_tokens"),
    )


def read_parts(
    parts: Sequence[Any],
) -> tuple[str, str | None, tuple[Citation, ...]]:
    """Text, reasoning (``None`` if no reasoning part) and citations from a list of content parts.

    ``text`` parts give text and citations; ``reasoning`` parts give the ``summary_text`` texts
    (``summary_encrypted_text`` is only kept in the raw parts, for replay).
    """
    texts: list[str] = []
    thoughts: list[str] | None = None
    citations: list[Citation] = []
    for part in parts:
        if isinstance(part, str):
            texts.append(part)
            continue
        kind = part.get("type")
        if kind == "text":
            texts.append(part.get("text") or "")
            cited = part.get("citations")
            if cited:
                citations.extend(Citation(data=item) for item in cited)
        elif kind == "reasoning":
            if thoughts is None:
                thoughts = []
            for item in part.get("summary") or ():
                if item.get("type") == "summary_text":
                    thoughts.append(item.get("text") or "")
    reasoning = None if thoughts is None else "".join(thoughts)
    return "".join(texts), reasoning, tuple(citations)


def _arguments(raw: Any) -> str:
    if isinstance(raw, str):
        return raw if raw.strip() else "{}"
    if raw is None:
        return "{}"
    return json.dumps(raw, separators=(",", ":"))


def _tool_call(raw: Mapping[str, Any]) -> ToolCall:
    function = raw["function"]
    return ToolCall(
        id=raw.get("id") or "",
        name=function["name"],
        arguments=_arguments(function.get("arguments")),
        type=raw.get("type") or "function",
    )


def _message_reasoning(message: Mapping[str, Any], from_parts: str | None) -> str | None:
    extra = message.get("reasoning_content")
    if extra is None:
        extra = message.get("reasoning")
    if not isinstance(extra, str):
        return from_parts
    return extra if from_parts is None else from_parts + extra


def decode_chat_response(data: Mapping[str, Any]) -> ChatResponse:
    """The ``ChatResponse`` in a non-streamed chat completion body.

    ``content`` may be a string, ``null`` or a list of parts (text with citations, reasoning);
    the list is kept in ``content_parts`` for replay. Raises ``TransportError`` when the body has
    no usable ``choices[0].message``.
    """
    try:
        choices = data["choices"]
        if not choices:
            raise ValueError("empty 'choices'")
        choice = choices[0]
        message = choice["message"]
        content = message.get("content")
        reasoning: str | None = None
        citations: tuple[Citation, ...] = ()
        parts = _NO_PARTS
        if content is None or isinstance(content, str):
            text = content or ""
        else:
            text, reasoning, citations = read_parts(content)
            parts = tuple(content)
        calls = message.get("tool_calls")
        return ChatResponse(
            text=text,
            model=data.get("model") or "",
            id=data.get("id") or "",
            reasoning=_message_reasoning(message, reasoning),
            tool_calls=tuple(_tool_call(call) for call in calls) if calls else (),
            finish_reason=choice.get("finish_reason"),
            usage=decode_usage(data.get("usage")),
            citations=citations,
            content_parts=parts,
        )
    except SHAPE_ERRORS as exc:
        raise unreadable("chat response", data, shape_reason(exc)) from None


def shape_reason(exc: Exception) -> str:
    """Why a body did not have the expected shape, from the ``SHAPE_ERRORS`` raised reading it."""
    if isinstance(exc, KeyError):
        return f"missing {exc.args[0]!r}"
    return str(exc) or type(exc).__name__


def _delta_tool_calls(raw: Sequence[Mapping[str, Any]]) -> tuple[ToolCallDelta, ...]:
    deltas = []
    for position, call in enumerate(raw):
        function = call.get("function") or {}
        index = call.get("index")
        deltas.append(
            ToolCallDelta(
                position if index is None else index,
                call.get("id"),
                function.get("name"),
                function.get("arguments") or "",
            )
        )
    return tuple(deltas)


def decode_chat_chunk(data: Mapping[str, Any]) -> ChatChunk:
    """The ``ChatChunk`` in one streamed ``data:`` payload.

    ``usage`` is set only when its counts are complete. Tool-call fragments keep the server's
    ``index``. Raises ``StreamError`` for a payload that is not a chat chunk.
    """
    try:
        raw_usage = data.get("usage")
        usage = decode_usage(raw_usage, complete_only=True) if raw_usage else None
        choices = data.get("choices")
        if not choices:
            model = data.get("model") or ""
            return ChatChunk("", "", (), None, usage, model, data.get("id") or "", (), ())
        choice = choices[0]
        delta = choice.get("delta") or choice.get("message") or _EMPTY
        content = delta.get("content")
        reasoning: str | None = ""
        citations: tuple[Citation, ...] = ()
        parts = _NO_PARTS
        if content is None or content.__class__ is str:
            text = content or ""
        else:
            text, reasoning, citations = read_parts(content)
            parts = tuple(content)
        if "reasoning_content" in delta or "reasoning" in delta:
            extra = delta.get("reasoning_content") or delta.get("reasoning")
            if extra.__class__ is str:
                reasoning = (reasoning or "") + extra
        calls = delta.get("tool_calls")
        return ChatChunk(
            text,
            reasoning or "",
            _delta_tool_calls(calls) if calls else (),
            choice.get("finish_reason"),
            usage,
            data.get("model") or "",
            data.get("id") or "",
            citations,
            parts,
        )
    except SHAPE_ERRORS as exc:
        raise StreamError(
            "the stream carried a chunk brickgate cannot read "
            f"({shape_reason(exc)}): {excerpt(data)}"
        ) from None


def _vector(raw: Any) -> list[float]:
    if isinstance(raw, str):
        floats = array("f")
        floats.frombytes(base64.b64decode(raw))
        if sys.byteorder == "big":
            floats.byteswap()
        return floats.tolist()
    return list(raw)


def decode_embeddings(data: Mapping[str, Any]) -> EmbeddingResponse:
    """The ``EmbeddingResponse`` in an embeddings body, vectors sorted back into input order.

    Raises ``TransportError`` when the body has no ``data`` list of embeddings.
    """
    try:
        items = data["data"]
        ordered = sorted(items, key=lambda item: item.get("index", 0))
        return EmbeddingResponse(
            vectors=[_vector(item["embedding"]) for item in ordered],
            model=data.get("model") or "",
            usage=decode_usage(data.get("usage")),
        )
    except SHAPE_ERRORS as exc:
        raise unreadable("embeddings response", data, shape_reason(exc)) from None


def encode_embedding_body(inputs: Sequence[str], extra: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of an embeddings request (without ``model``); ``extra`` keys win."""
    return {"input": list(inputs), **extra}
