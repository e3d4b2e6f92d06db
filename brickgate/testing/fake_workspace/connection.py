"""FakeWorkspace's HTTP/1.1 server: one asyncio loop on a background thread, loopback only."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Coroutine
from typing import Any, Protocol

from brickgate.testing.fake_workspace.exchange import Incoming, Reply, error_reply
from brickgate.testing.fake_workspace.faults import Fault
from brickgate.testing.fake_workspace.routes import MAX_REQUEST_BYTES
from brickgate.testing.fake_workspace.wire import (
    CHUNK_END,
    chunk,
    dechunk,
    encode,
    head,
    parse_json,
)

_MAX_HEAD_BYTES = 64 * 1024
_MAX_BUFFERED = 64 * 1024 * 1024
_GARBAGE_EVENT = b'data: {"id": "chatcmpl_garbled", "choices": [{"delta": {"content": \n\n'


class _BadRequest(Exception):
    pass


class ConnectionHost(Protocol):
    """What a connection needs from its server."""

    connections: set[Connection]

    def handler(self, incoming: Incoming) -> tuple[Reply, Fault | None]:
        """Answer one parsed request."""
        ...

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run a coroutine on the server loop."""
        ...


class Connection(asyncio.Protocol):
    """One client connection: parses pipelined requests and writes answers in order."""

    def __init__(self, server: ConnectionHost) -> None:
        self._server = server
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._busy = False
        self._skip = 0
        self._pending: tuple[Incoming, bool] | None = None
        self._continued = False
        self._writable = asyncio.Event()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._writable.set()
        self._server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        self._writable.set()
        self._server.connections.discard(self)

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    def abort(self) -> None:
        """Drop the connection at once."""
        if self._transport is not None:
            self._transport.abort()

    def data_received(self, data: bytes) -> None:
        if self._skip:
            used = min(self._skip, len(data))
            self._skip -= used
            data = data[used:]
            if self._skip == 0 and self._pending is not None:
                pending, self._pending = self._pending, None
                self._dispatch(*pending)
        self._buffer += data
        if not self._busy:
            self._serve_buffered()
        elif len(self._buffer) > _MAX_BUFFERED and self._transport is not None:
            self._transport.close()

    def _serve_buffered(self) -> None:
        while not self._busy and self._transport is not None and not self._skip:
            try:
                parsed = self._parse()
            except _BadRequest as exc:
                reply = error_reply(400, "BAD_REQUEST", f"Bad request: {exc}")
                self._transport.write(encode(reply, close=True))
                self._transport.close()
                return
            if parsed is None:
                return
            self._dispatch(*parsed)

    def _parse(self) -> tuple[Incoming, bool] | None:
        buf = self._buffer
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            if len(buf) > _MAX_HEAD_BYTES:
                raise _BadRequest("request headers are larger than 64 KB")
            return None
        lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise _BadRequest("malformed request line")
        method, target, version = parts
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                raise _BadRequest("malformed header line")
            headers[name.strip().lower()] = value.strip()
        connection = headers.get("connection", "").lower()
        close = connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive")
        path, _, query = target.partition("?")
        start = end + 4
        if "chunked" in headers.get("transfer-encoding", "").lower():
            try:
                decoded = dechunk(buf, start)
            except ValueError:
                raise _BadRequest("malformed chunked request body") from None
            if decoded is None:
                if len(buf) > _MAX_BUFFERED:
                    raise _BadRequest("chunked request body is far too large")
                self._continue(headers)
                return None
            body, used = decoded
            del buf[:used]
        else:
            try:
                length = int(headers.get("content-length", "0"))
            except ValueError:
                raise _BadRequest("invalid Content-Length") from None
            if length > MAX_REQUEST_BYTES:
                return self._too_large(method, path, query, headers, start, length, close)
            if len(buf) - start < length:
                self._continue(headers)
                return None
            body = bytes(buf[start : start + length])
            del buf[: start + length]
        self._continued = False
        incoming = Incoming(method, path, query, headers, body, len(body), parse_json(body))
        incoming.too_large = len(body) > MAX_REQUEST_BYTES
        return incoming, close

    def _too_large(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        start: int,
        length: int,
        close: bool,
    ) -> tuple[Incoming, bool] | None:
        taken = min(len(self._buffer) - start, length)
        del self._buffer[: start + taken]
        incoming = Incoming(method, path, query, headers, b"", length, None, too_large=True)
        if taken < length:
            self._skip = length - taken
            self._pending = (incoming, close)
            return None
        return incoming, close

    def _continue(self, headers: dict[str, str]) -> None:
        wants = headers.get("expect", "").lower() == "100-continue"
        if wants and not self._continued and self._transport is not None:
            self._continued = True
            self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def _dispatch(self, incoming: Incoming, close: bool) -> None:
        transport = self._transport
        if transport is None:
            return
        try:
            reply, fault = self._server.handler(incoming)
        except Exception as exc:  # the fake must answer even when it has a bug
            fault = None
            reply = error_reply(500, "INTERNAL_ERROR", f"FakeWorkspace failed: {exc!r}")
        if fault is None or not fault.changes_wire:
            transport.write(encode(reply, close))
            if close:
                transport.close()
            return
        self._busy = True
        transport.pause_reading()
        self._server.spawn(self._send_slowly(reply, fault, close))

    async def _send_slowly(self, reply: Reply, fault: Fault, close: bool) -> None:
        try:
            await asyncio.sleep(fault.delay_before_headers)
            if self._transport is None:
                return
            if fault.reset_before_headers:
                await self._reset()
                return
            if reply.events is None:
                await self._send_body(reply, fault, close)
            else:
                await self._send_events(reply, fault, close)
        finally:
            self._busy = False
            if self._transport is not None and not self._transport.is_closing():
                self._transport.resume_reading()
                self._serve_buffered()

    async def _send_body(self, reply: Reply, fault: Fault, close: bool) -> None:
        body = reply.body
        cut = fault.cut_after_chunks is not None
        self._write(head(reply, len(body), close or cut))
        if fault.reset_after_headers:
            await self._reset()
        elif cut:
            self._write(body[: len(body) // 2])
            self._close()
        else:
            self._write(body)
            if close:
                self._close()

    async def _send_events(self, reply: Reply, fault: Fault, close: bool) -> None:
        events = list(reply.events or ())
        if fault.malformed_sse_after is not None:
            events.insert(min(fault.malformed_sse_after, len(events) - 1), _GARBAGE_EVENT)
        cut = fault.cut_after_chunks
        if cut is not None:
            events = events[:-1][:cut]
        elif fault.reset_after_headers:
            events = []
        self._write(head(reply, None, close or cut is not None))
        for number, event in enumerate(events):
            self._write(chunk(event))
            if number % 64 == 63:
                await self._writable.wait()
        if fault.reset_after_headers:
            await self._reset()
            return
        self._write(CHUNK_END)
        if close or cut is not None:
            self._close()

    def _write(self, data: bytes) -> None:
        if self._transport is not None:
            self._transport.write(data)

    def _close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    async def _reset(self) -> None:
        """Close with a TCP RST once what was written has left for the kernel."""
        transport = self._transport
        if transport is None:
            return
        for _ in range(1000):
            if transport.get_write_buffer_size() == 0:
                break
            await asyncio.sleep(0.001)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
