"""Token usage read from a relayed SSE stream without parsing every event.

A pass-through stream is handed on byte for byte; to count its tokens, ``UsageScanner`` keeps
only the first and last few kilobytes (where every protocol reports usage: Chat in the last
chunk, Messages in ``message_start`` and ``message_delta``, Responses in
``response.completed``) and decodes just the ``data:`` lines there that mention ``"usage"``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from brickgate.domain.chat import Usage
from brickgate.domain.codec import decode_usage
from brickgate.domain.protocols.anthropic_reply import messages_usage
from brickgate.domain.protocols.choice import MESSAGES, RESPONSES
from brickgate.domain.protocols.responses_reply import responses_usage

__all__ = ["UsageScanner"]

_HEAD = 16 * 1024
_TAIL = 64 * 1024
_FINAL = ("response.completed", "response.incomplete", "response.failed")


class UsageScanner:
    """Keeps the head and tail of a raw stream in ``protocol``; ``usage()`` reads them."""

    __slots__ = ("_head", "_head_size", "_protocol", "_tail", "_tail_size")

    def __init__(self, protocol: str) -> None:
        self._protocol = protocol
        self._head: list[bytes] = []
        self._head_size = 0
        self._tail: list[bytes] = []
        self._tail_size = 0

    def feed(self, piece: bytes) -> None:
        """Remember ``piece`` if it falls in the head or (for now) the tail.

        The tail is trimmed to its last ``_TAIL`` bytes whenever it holds twice that, so a
        piece costs an append, and memory stays under ``3 * _TAIL`` plus one piece.
        """
        if self._head_size < _HEAD:
            self._head.append(piece)
            self._head_size += len(piece)
            return
        self._tail.append(piece)
        self._tail_size += len(piece)
        if self._tail_size >= 2 * _TAIL:
            kept = b"".join(self._tail)[-_TAIL:]
            self._tail = [kept]
            self._tail_size = len(kept)

    def _events(self) -> Iterator[Mapping[str, Any]]:
        for blob in (b"".join(self._head), b"".join(self._tail)):
            for line in blob.split(b"\n"):
                if not line.startswith(b"data:") or b'"usage"' not in line:
                    continue
                try:
                    data = json.loads(line[5:])
                except ValueError:
                    continue
                if isinstance(data, Mapping):
                    yield data

    def usage(self) -> Usage | None:
        """The last usage the stream reported, or ``None``."""
        found: Usage | None = None
        anthropic: dict[str, Any] = {}
        for data in self._events():
            if self._protocol == MESSAGES:
                message = data.get("message")
                raw = message.get("usage") if isinstance(message, Mapping) else data.get("usage")
                if isinstance(raw, Mapping):
                    anthropic.update({k: v for k, v in raw.items() if v is not None})
                    found = messages_usage(anthropic)
            elif self._protocol == RESPONSES:
                response = data.get("response")
                if data.get("type") in _FINAL and isinstance(response, Mapping):
                    found = responses_usage(response.get("usage")) or found
            else:
                found = decode_usage(data.get("usage"), complete_only=True) or found
        return found
