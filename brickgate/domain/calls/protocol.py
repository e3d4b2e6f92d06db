"""One entry for a chat call over any protocol: chat completions, Responses or Messages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from brickgate.domain.calls import Call, StreamCall
from brickgate.domain.calls.headers import tags_header
from brickgate.domain.calls.serving import SERVING, Surface, chat_call, stream_call
from brickgate.domain.chat import CallOptions, ChatChunk, ChatRequest, ChatResponse
from brickgate.domain.errors import InvalidRequestError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.protocols.choice import CHAT, MESSAGES, RESPONSES, Protocol

__all__ = ["protocol_call", "protocol_stream_call"]


def _tagged(options: CallOptions, tags: Mapping[str, str] | None) -> CallOptions:
    header = tags_header(tags)
    if not header:
        return options
    return replace(options, extra_headers={**header, **options.extra_headers})


def _unknown(protocol: str) -> InvalidRequestError:
    return InvalidRequestError(
        f"protocol {protocol!r} is not one of chat, responses, messages; choose one first "
        "(choose_protocol resolves 'auto')"
    )


def protocol_call(
    protocol: Protocol,
    host: WorkspaceHost,
    request: ChatRequest,
    options: CallOptions,
    *,
    surface: Surface = SERVING,
    discovering: bool = False,
    tags: Mapping[str, str] | None = None,
    default_max_tokens: int | None = None,
) -> Call[ChatResponse]:
    """The non-streamed chat call for ``request`` over ``protocol``.

    ``tags`` become the AI Gateway request-tags header; ``default_max_tokens`` fills a missing
    ``max_tokens`` on Messages (and is reported in the reply's adjustments). Raises
    ``InvalidRequestError`` (nothing sent) for what the protocol cannot carry.
    """
    if protocol == RESPONSES:
        from brickgate.domain.calls.responses import responses_call

        return responses_call(
            host, request, options, surface=surface, discovering=discovering, tags=tags
        )
    if protocol == MESSAGES:
        from brickgate.domain.calls.messages import messages_call
        from brickgate.domain.protocols.anthropic import with_max_tokens

        return messages_call(
            host,
            with_max_tokens(request, default_max_tokens),
            options,
            surface=surface,
            discovering=discovering,
            tags=tags,
        )
    if protocol != CHAT:
        raise _unknown(protocol)
    return chat_call(
        host, request, _tagged(options, tags), surface=surface, discovering=discovering
    )


def protocol_stream_call(
    protocol: Protocol,
    host: WorkspaceHost,
    request: ChatRequest,
    options: CallOptions,
    *,
    surface: Surface = SERVING,
    discovering: bool = False,
    tags: Mapping[str, str] | None = None,
) -> StreamCall[ChatChunk]:
    """The streamed chat call for ``request`` over ``protocol`` (same arguments and errors).

    For Messages, fill ``max_tokens`` with ``protocols.anthropic.with_max_tokens`` first so the
    stream can report the adjustment.
    """
    if protocol == RESPONSES:
        from brickgate.domain.calls.responses import responses_stream_call

        return responses_stream_call(
            host, request, options, surface=surface, discovering=discovering, tags=tags
        )
    if protocol == MESSAGES:
        from brickgate.domain.calls.messages import messages_stream_call

        return messages_stream_call(
            host, request, options, surface=surface, discovering=discovering, tags=tags
        )
    if protocol != CHAT:
        raise _unknown(protocol)
    return stream_call(
        host, request, _tagged(options, tags), surface=surface, discovering=discovering
    )
