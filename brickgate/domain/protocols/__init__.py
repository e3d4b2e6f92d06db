"""Wire protocols: one ``ChatRequest``, three encoders; three replies and streams, one shape.

Chat Completions (``chat_completions``), OpenAI Responses (``responses``, ``responses_stream``)
and Anthropic Messages (``anthropic``, ``anthropic_stream``) each encode a ``ChatRequest`` body,
decode a non-streamed reply into a ``ChatResponse`` and read their SSE stream into
``ChatChunk``s with finish reasons in one vocabulary (``common``). ``choice`` picks the
protocol for a model. All pure; each name is imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from brickgate._lazy import lazy_exports

if TYPE_CHECKING:
    from brickgate.domain.protocols.anthropic import (
        ANTHROPIC_VERSION,
        MessagesBody,
        decode_messages_reply,
        encode_messages_body,
    )
    from brickgate.domain.protocols.anthropic_stream import (
        MessagesEventReader,
    )
    from brickgate.domain.protocols.chat_completions import (
        ChatEventReader,
        decode_chat_reply,
        encode_chat_body,
    )
    from brickgate.domain.protocols.choice import (
        CHAT,
        MESSAGES,
        PROTOCOLS,
        RESPONSES,
        Protocol,
        ProtocolChoice,
        choose_protocol,
        decide_protocol,
        is_responses_only,
        responses_only_hint,
    )
    from brickgate.domain.protocols.common import (
        FINISH_REASONS,
        chat_finish_reason,
    )
    from brickgate.domain.protocols.responses import (
        decode_responses_reply,
        encode_responses_body,
    )
    from brickgate.domain.protocols.responses_stream import (
        ResponsesEventReader,
    )

_LAZY = {
    "ANTHROPIC_VERSION": "brickgate.domain.protocols.anthropic",
    "CHAT": "brickgate.domain.protocols.choice",
    "ChatEventReader": "brickgate.domain.protocols.chat_completions",
    "FINISH_REASONS": "brickgate.domain.protocols.common",
    "MESSAGES": "brickgate.domain.protocols.choice",
    "MessagesBody": "brickgate.domain.protocols.anthropic",
    "MessagesEventReader": "brickgate.domain.protocols.anthropic_stream",
    "PROTOCOLS": "brickgate.domain.protocols.choice",
    "Protocol": "brickgate.domain.protocols.choice",
    "ProtocolChoice": "brickgate.domain.protocols.choice",
    "RESPONSES": "brickgate.domain.protocols.choice",
    "ResponsesEventReader": "brickgate.domain.protocols.responses_stream",
    "chat_finish_reason": "brickgate.domain.protocols.common",
    "choose_protocol": "brickgate.domain.protocols.choice",
    "decide_protocol": "brickgate.domain.protocols.choice",
    "decode_chat_reply": "brickgate.domain.protocols.chat_completions",
    "decode_messages_reply": "brickgate.domain.protocols.anthropic",
    "decode_responses_reply": "brickgate.domain.protocols.responses",
    "encode_chat_body": "brickgate.domain.protocols.chat_completions",
    "encode_messages_body": "brickgate.domain.protocols.anthropic",
    "encode_responses_body": "brickgate.domain.protocols.responses",
    "is_responses_only": "brickgate.domain.protocols.choice",
    "responses_only_hint": "brickgate.domain.protocols.choice",
}


__getattr__, __dir__ = lazy_exports(globals(), _LAZY)


__all__ = [
    "ANTHROPIC_VERSION",
    "CHAT",
    "FINISH_REASONS",
    "MESSAGES",
    "PROTOCOLS",
    "RESPONSES",
    "ChatEventReader",
    "MessagesBody",
    "MessagesEventReader",
    "Protocol",
    "ProtocolChoice",
    "ResponsesEventReader",
    "chat_finish_reason",
    "choose_protocol",
    "decide_protocol",
    "decode_chat_reply",
    "decode_messages_reply",
    "decode_responses_reply",
    "encode_chat_body",
    "encode_messages_body",
    "encode_responses_body",
    "is_responses_only",
    "responses_only_hint",
]
