"""Anthropic Messages calls: a chat request over ``/anthropic/v1/messages`` (serving or gateway).

Paths: ``/serving-endpoints/anthropic/v1/messages`` and the AI Gateway's
``/ai-gateway/anthropic/v1/messages`` (``/anthropic/v1/messages`` on a dedicated gateway host).
Every request carries ``anthropic-version: 2023-06-01`` unless the caller's extra headers set
one; ``anthropic-beta`` and other extra headers pass through. Claude prompt caching
(``cache_control``) passes through in the body.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from brickgate.domain.calls import Answer, Call, StreamCall
from brickgate.domain.calls.answers import json_object
from brickgate.domain.calls.routes import gateway_path, model_request
from brickgate.domain.calls.serving import (
    GATEWAY,
    INVOCATIONS,
    SERVING,
    Surface,
    check_segment,
    surface_fail,
)
from brickgate.domain.chat import CallOptions, ChatChunk, ChatRequest, ChatResponse
from brickgate.domain.errors import InvalidRequestError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.protocols.anthropic import (
    ANTHROPIC_VERSION,
    decode_messages_reply,
    encode_messages_body,
)
from brickgate.domain.protocols.anthropic_stream import MessagesEventReader

__all__ = ["messages_call", "messages_path", "messages_stream_call"]

_VERSION_HEADER = {"anthropic-version": ANTHROPIC_VERSION}


def messages_path(host: WorkspaceHost, surface: Surface) -> tuple[str, ...]:
    """The path of a Messages call on ``surface``.

    Raises ``InvalidRequestError`` for the ``invocations`` surface (it answers in chat form).
    """
    if surface == INVOCATIONS:
        raise InvalidRequestError(
            "the Anthropic Messages API has no per-endpoint invocations path; use the "
            "serving-endpoints or ai-gateway surface"
        )
    if surface == GATEWAY:
        return gateway_path(host, "anthropic", "v1", "messages")
    return ("serving-endpoints", "anthropic", "v1", "messages")


def messages_call(
    host: WorkspaceHost,
    request: ChatRequest,
    options: CallOptions,
    *,
    surface: Surface = SERVING,
    discovering: bool = False,
    tags: Mapping[str, str] | None = None,
    default_max_tokens: int | None = None,
) -> Call[ChatResponse]:
    """A non-streamed chat over Anthropic Messages.

    ``default_max_tokens`` (the catalog's cap) fills a missing ``max_tokens``; the reply's
    adjustments are ``request.adjustments`` plus that one. Raises ``InvalidRequestError``
    (nothing sent) for a model name that cannot be sent, a body Messages cannot carry (or no
    ``max_tokens`` and no default), bad tags or extra headers.
    """
    check_segment(request.model, what="model (endpoint) name")
    encoded = encode_messages_body(request, stream=False, default_max_tokens=default_max_tokens)
    adjustments = request.adjustments + encoded.adjustments

    def decode(answer: Answer) -> ChatResponse:
        reply = decode_messages_reply(json_object(answer))
        return replace(reply, adjustments=adjustments) if adjustments else reply

    return Call(
        "the Messages request",
        model_request(
            messages_path(host, surface),
            encoded.body,
            options,
            stream=False,
            tags=tags,
            defaults=_VERSION_HEADER,
        ),
        decode,
        surface_fail(surface, discovering),
        max_retries=options.max_retries,
        operation="messages",
    )


def messages_stream_call(
    host: WorkspaceHost,
    request: ChatRequest,
    options: CallOptions,
    *,
    surface: Surface = SERVING,
    discovering: bool = False,
    tags: Mapping[str, str] | None = None,
    default_max_tokens: int | None = None,
) -> StreamCall[ChatChunk]:
    """A streamed chat over Anthropic Messages, read until ``message_stop``.

    A ``StreamCall`` carries no adjustments: to report a default ``max_tokens``, pass the
    request through ``protocols.anthropic.with_max_tokens`` first and hand its adjustments to
    the stream.
    """
    check_segment(request.model, what="model (endpoint) name")
    encoded = encode_messages_body(request, stream=True, default_max_tokens=default_max_tokens)
    return StreamCall(
        "the streaming Messages request",
        model_request(
            messages_path(host, surface),
            encoded.body,
            options,
            stream=True,
            tags=tags,
            defaults=_VERSION_HEADER,
        ),
        MessagesEventReader,
        surface_fail(surface, discovering),
        max_retries=options.max_retries,
        operation="messages-stream",
    )
