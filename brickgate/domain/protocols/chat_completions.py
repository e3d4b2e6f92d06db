"""Chat Completions as the third protocol: a thin façade over the existing codec and reader.

The request body is already in Chat Completions form (``ChatRequest.body``); only the finish
reason is normalized here, to the vocabulary of ``protocols.common``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from brickgate.domain.chat import ChatChunk, ChatRequest, ChatResponse
from brickgate.domain.codec import decode_chat_response
from brickgate.domain.protocols.common import chat_finish_reason
from brickgate.domain.sse import ChunkReader


def encode_chat_body(request: ChatRequest, *, stream: bool) -> dict[str, Any]:
    """The Chat Completions body for ``request``: ``model`` first, ``stream`` set or removed."""
    body: dict[str, Any] = {"model": request.model}
    body.update(request.body)
    body["model"] = request.model
    body.pop("stream", None)
    if stream:
        body["stream"] = True
    return body


def decode_chat_reply(data: Mapping[str, Any]) -> ChatResponse:
    """The ``ChatResponse`` in a chat completion body, finish reason normalized.

    Raises ``TransportError`` when the body has no usable ``choices[0].message``.
    """
    reply = decode_chat_response(data)
    return replace(reply, finish_reason=chat_finish_reason(reply.finish_reason))


class ChatEventReader(ChunkReader):
    """``ChunkReader`` with finish reasons normalized (an ``EventReader[ChatChunk]``)."""

    __slots__ = ()

    def read(
        self, payloads: list[str], *, at_end: bool = False, into: list[ChatChunk] | None = None
    ) -> list[ChatChunk]:
        """Chunks in ``payloads``, as ``ChunkReader.read``, with normalized finish reasons."""
        chunks = super().read(payloads, at_end=at_end, into=into)
        for chunk in chunks:
            if chunk.finish_reason is not None:
                chunk.finish_reason = chat_finish_reason(chunk.finish_reason)
        return chunks
