"""What the gateway hands its driving adapter: replies (whole or streamed), tallies, errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio

from brickgate.domain.calls import Answer
from brickgate.domain.calls.answers import json_object
from brickgate.domain.chat import Adjustment, ChatResponse, Usage
from brickgate.domain.errors import (
    ApiError,
    BrickgateError,
    StreamError,
    TimeoutError,
    TransportError,
)
from brickgate.domain.protocols.anthropic_out import anthropic_error
from brickgate.domain.protocols.anthropic_reply import decode_messages_reply
from brickgate.domain.protocols.chat_completions import decode_chat_reply
from brickgate.domain.protocols.choice import CHAT, MESSAGES, RESPONSES
from brickgate.domain.protocols.openai_out import openai_error
from brickgate.domain.protocols.responses_reply import decode_responses_reply
from brickgate.domain.protocols.usage_scan import UsageScanner
from brickgate.ports._async.workspace import AsyncEventStream

__all__ = [
    "ADJUSTMENTS_HEADER",
    "GatewayReply",
    "Tally",
    "adjustments_header",
    "error_body",
    "error_reply",
    "error_status",
    "json_bytes",
    "raw_stream",
    "sse_event",
    "usage_of",
]

_DECODERS: dict[str, Callable[[Mapping[str, Any]], ChatResponse]] = {
    CHAT: decode_chat_reply,
    MESSAGES: decode_messages_reply,
    RESPONSES: decode_responses_reply,
}
ADJUSTMENTS_HEADER = "x-brickgate-adjustments"
JSON_TYPE = "application/json"
EVENT_STREAM = "text/event-stream"
_MAX_HEADER = 2000


@dataclass
class Tally:
    """What one request came to, filled in as it runs: for the usage ledger and the metrics.

    ``protocol`` is the caller's (``chat``, ``messages``, ``responses``, ``embeddings``,
    ``models``), ``upstream`` the one used towards Databricks, ``passthrough`` whether the body
    went through unchanged.
    """

    protocol: str
    model: str = ""
    upstream: str = ""
    passthrough: bool = False
    status: int = 200
    usage: Usage | None = None
    request_id: str = ""
    error: str | None = None

    def note(self, usage: Usage | None) -> None:
        """Keep ``usage`` when it is given (the last report wins)."""
        if usage is not None:
            self.usage = usage


@dataclass
class GatewayReply:
    """An answer to send: ``body`` whole, or ``stream`` piece by piece (closed when done)."""

    status: int
    tally: Tally
    body: bytes = b""
    stream: AsyncIterator[bytes] | None = None
    media_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)


def json_bytes(data: Any) -> bytes:
    """Compact JSON bytes."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def sse_event(data: Any, event: str | None = None) -> bytes:
    """One server-sent event carrying ``data`` as JSON (``event:`` line when named)."""
    head = f"event: {event}\n".encode() if event else b""
    return head + b"data: " + json_bytes(data) + b"\n\n"


def adjustments_header(adjustments: Iterable[Adjustment]) -> dict[str, str]:
    """The ``x-brickgate-adjustments`` header for ``adjustments`` (none when empty).

    Printable ASCII only, at most 2000 characters, entries joined by ``"; "``.
    """
    text = "; ".join(str(adjustment) for adjustment in adjustments)
    if not text:
        return {}
    safe = "".join(char if " " <= char <= "~" else "?" for char in text)
    if len(safe) > _MAX_HEADER:
        safe = safe[: _MAX_HEADER - 3] + "..."
    return {ADJUSTMENTS_HEADER: safe}


def error_status(error: BaseException) -> int:
    """The HTTP status to answer ``error`` with: the workspace's for an ``ApiError``, 504 for
    a timeout, 502 when the workspace could not be reached or broke a stream, 500 otherwise."""
    if isinstance(error, ApiError):
        return error.status if 400 <= error.status <= 599 else 502
    if isinstance(error, TimeoutError):
        return 504
    if isinstance(error, (TransportError, StreamError)):
        return 502
    return 500


def _message(error: BaseException) -> str:
    if isinstance(error, ApiError):
        return error.message
    if isinstance(error, BrickgateError):
        return str(error)
    return f"the gateway failed ({type(error).__name__}); see its log"


def error_body(protocol: str, status: int, message: str, code: str | None = None) -> bytes:
    """The error body in ``protocol``'s shape (Anthropic for ``messages``, OpenAI otherwise)."""
    if protocol == "messages":
        return json_bytes(anthropic_error(status, message))
    return json_bytes(openai_error(status, message, code=code))


def error_reply(tally: Tally, error: BaseException) -> GatewayReply:
    """``error`` answered in the caller's protocol, with the status ``error_status`` picks."""
    status = error_status(error)
    tally.status, tally.error = status, type(error).__name__
    code = error.error_code if isinstance(error, ApiError) else None
    headers: dict[str, str] = {}
    if isinstance(error, ApiError) and error.retry_after is not None:
        headers["retry-after"] = str(max(0, round(error.retry_after)))
    body = error_body(tally.protocol, status, _message(error), code)
    return GatewayReply(status, tally, body, headers=headers)


async def raw_stream(
    events: AsyncEventStream[bytes], tally: Tally, scanner: UsageScanner
) -> AsyncIterator[bytes]:
    """The upstream bytes unchanged; ``scanner`` reads usage on the side; closes ``events``."""
    feed = scanner.feed
    try:
        async for piece in events:
            feed(piece)
            yield piece
        tally.note(scanner.usage())
    except BrickgateError as error:
        tally.status, tally.error = error_status(error), type(error).__name__
        yield sse_event(
            json.loads(error_body(tally.protocol, tally.status, _message(error))), "error"
        )
    finally:
        with anyio.CancelScope(shield=True):
            await events.aclose()


def usage_of(protocol: str, answer: Answer) -> Usage | None:
    """The usage in a relayed non-streamed ``answer`` in ``protocol`` (``None`` if unreadable)."""
    try:
        return _DECODERS[protocol](json_object(answer)).usage
    except BrickgateError:
        return None
