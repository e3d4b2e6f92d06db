"""HTTP/1.1 framing for FakeWorkspace: response heads, chunked bodies, request bodies."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from brickgate.testing.fake_workspace.exchange import Reply

CHUNK_END = b"0\r\n\r\n"
_REASONS = {status.value: status.phrase for status in HTTPStatus}


def head(reply: Reply, length: int | None, close: bool) -> bytes:
    """Return the status line and headers; ``length=None`` means a chunked body."""
    status = reply.status
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}", "server: brickgate-fakews"]
    if length is None:
        lines += [f"content-type: {reply.content_type}; charset=utf-8", "cache-control: no-cache"]
        lines.append("transfer-encoding: chunked")
    else:
        lines += [f"content-type: {reply.content_type}", f"content-length: {length}"]
    lines += [f"{name}: {value}" for name, value in reply.headers]
    if close:
        lines.append("connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunk(data: bytes) -> bytes:
    """Return ``data`` framed as one HTTP chunk."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def encode(reply: Reply, close: bool) -> bytes:
    """Return the whole HTTP response for ``reply`` (cached on it for keep-alive answers)."""
    if reply.wire is not None and not close:
        return reply.wire
    if reply.events is None:
        wire = head(reply, len(reply.body), close) + reply.body
    else:
        wire = b"".join([head(reply, None, close), *map(chunk, reply.events), CHUNK_END])
    if not close:
        reply.wire = wire
    return wire


def dechunk(buf: bytearray, pos: int) -> tuple[bytes, int] | None:
    """Decode a chunked request body at ``pos``: (body, end offset), or None if incomplete."""
    out: list[bytes] = []
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            return None
        size = int(bytes(buf[pos:eol]).split(b";", 1)[0], 16)
        pos = eol + 2
        if size == 0:
            end = buf.find(b"\r\n\r\n", pos - 2)
            return None if end < 0 else (b"".join(out), end + 4)
        if len(buf) < pos + size + 2:
            return None
        out.append(bytes(buf[pos : pos + size]))
        pos += size + 2


def parse_json(body: bytes) -> Any:
    """Return the parsed JSON body, or None when it is empty or not JSON."""
    if not body or body[:1] not in b"{[":
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None
