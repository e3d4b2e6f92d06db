"""Wire protocols: one ``ChatRequest``, three encoders; three replies and streams, one shape.

Chat Completions (``chat_completions``), OpenAI Responses (``responses``, ``responses_stream``)
and Anthropic Messages (``anthropic``, ``anthropic_stream``) each encode a ``ChatRequest`` body,
decode a non-streamed reply into a ``ChatResponse`` and read their SSE stream into
``ChatChunk``s with finish reasons in one vocabulary (``common``). ``choice`` picks the
protocol for a model. All pure.
"""

from __future__ import annotations

from brickgate.domain.protocols.anthropic import (
    ANTHROPIC_VERSION,
    MessagesBody,
    decode_messages_reply,
    encode_messages_body,
)
from brickgate.domain.protocols.anthropic_stream import MessagesEventReader
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
from brickgate.domain.protocols.common import FINISH_REASONS, chat_finish_reason
from brickgate.domain.protocols.responses import decode_responses_reply, encode_responses_body
from brickgate.domain.protocols.responses_stream import ResponsesEventReader

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
