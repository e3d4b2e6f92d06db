"""Requests as callers send them to an OpenAI-compatible gateway, read into chat call parts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from brickgate.domain.errors import InvalidRequestError
from brickgate.domain.params import CALL_OPTION_KEYS

__all__ = ["ChatParts", "chat_parts", "embedding_parts", "split_body"]


@dataclass(frozen=True)
class ChatParts:
    """A chat request taken apart: ``model``, chat ``messages``, the other body ``params``
    (as ``client.chat`` keywords), and whether the caller asked for a stream."""

    model: str
    messages: list[Any]
    params: dict[str, Any] = field(default_factory=dict)
    stream: bool = False


def model_of(body: Mapping[str, Any], protocol: str) -> str:
    """The ``model`` named in ``body``; ``InvalidRequestError`` when it is missing."""
    model = body.get("model")
    if not isinstance(model, str) or not model.strip():
        raise InvalidRequestError(f"the {protocol} request has no 'model'; name a serving endpoint")
    return model


def stream_flag(body: Mapping[str, Any]) -> bool:
    """The ``stream`` flag of ``body``; ``InvalidRequestError`` when it is not a boolean."""
    stream = body.get("stream", False)
    if stream is None:
        return False
    if not isinstance(stream, bool):
        raise InvalidRequestError("'stream' must be true or false")
    return stream


def split_body(rest: Mapping[str, Any]) -> dict[str, Any]:
    """Body keys as chat keywords: names that are brickgate call options (``timeout``,
    ``tags``...) go into ``extra_body`` so they reach the model as body fields."""
    params = {key: value for key, value in rest.items() if key not in CALL_OPTION_KEYS}
    extra = {key: value for key, value in rest.items() if key in CALL_OPTION_KEYS}
    if extra:
        params["extra_body"] = extra
    return params


def chat_parts(body: Mapping[str, Any]) -> ChatParts:
    """The parts of a Chat Completions request body.

    Raises ``InvalidRequestError`` for a missing model, messages that are not a non-empty list,
    or a ``stream`` that is not a boolean.
    """
    model = model_of(body, "chat completion")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise InvalidRequestError("'messages' must be a non-empty list of chat messages")
    rest = {k: v for k, v in body.items() if k not in ("model", "messages", "stream")}
    return ChatParts(model, messages, split_body(rest), stream_flag(body))


def embedding_parts(body: Mapping[str, Any]) -> tuple[str, list[str], dict[str, Any]]:
    """``(model, inputs, extra body fields)`` of an embeddings request body.

    Raises ``InvalidRequestError`` for a missing model or an ``input`` that is not text or a
    list of texts (token arrays are not supported).
    """
    model = model_of(body, "embeddings")
    raw = body.get("input")
    inputs = [raw] if isinstance(raw, str) else raw
    if not isinstance(inputs, list) or not inputs or not all(isinstance(i, str) for i in inputs):
        raise InvalidRequestError("'input' must be a text or a non-empty list of texts")
    extra = {
        k: v
        for k, v in body.items()
        if k not in ("model", "input", "encoding_format") and v is not None
    }
    return model, inputs, extra
