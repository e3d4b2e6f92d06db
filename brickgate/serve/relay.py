"""Sending a gateway reply: whole, or streamed with back-pressure, coalescing and disconnects."""

from __future__ import annotations

from collections.abc import Callable

import anyio
from starlette.responses import Response

from brickgate.serve.guard import Receive, Scope, Send
from brickgate.services.gateway_replies import GatewayReply, Tally

__all__ = ["Relay"]

_QUEUED_PIECES = 64
_BATCH_BYTES = 64 * 1024


class Relay(Response):
    """Sends a ``GatewayReply``; a stream is relayed piece by piece (each ``send`` awaited, so
    a slow reader slows the upstream read) and closed when the caller goes away."""

    def __init__(self, reply: GatewayReply, done: Callable[[Tally], None]) -> None:
        self.reply = reply
        self.done = done
        self.status_code = reply.status
        self.background = None

    def _head(self, length: int | None) -> list[tuple[bytes, bytes]]:
        headers = [(b"content-type", self.reply.media_type.encode("latin-1"))]
        if length is not None:
            headers.append((b"content-length", str(length).encode()))
        else:
            headers.append((b"cache-control", b"no-cache"))
        headers += [
            (k.encode("latin-1"), v.encode("latin-1")) for k, v in self.reply.headers.items()
        ]
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        reply = self.reply
        finished = False

        def finish() -> None:
            nonlocal finished
            if not finished:
                finished = True
                self.done(reply.tally)

        try:
            if reply.stream is None:
                start = {
                    "type": "http.response.start",
                    "status": reply.status,
                    "headers": self._head(len(reply.body)),
                }
                await send(start)
                finish()
                await send({"type": "http.response.body", "body": reply.body})
                return
            await self._stream(receive, send, finish)
        finally:
            finish()

    async def _stream(self, receive: Receive, send: Send, finish: Callable[[], None]) -> None:
        stream = self.reply.stream
        assert stream is not None
        tally = self.reply.tally
        pieces, taken = anyio.create_memory_object_stream[bytes](_QUEUED_PIECES)
        async with anyio.create_task_group() as group:

            async def watch() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                tally.status, tally.error = 499, tally.error or "ClientDisconnected"
                group.cancel_scope.cancel()

            async def pump() -> None:
                async with pieces:
                    try:
                        async for piece in stream:
                            try:
                                pieces.send_nowait(piece)
                            except anyio.WouldBlock:
                                await pieces.send(piece)
                    finally:
                        with anyio.CancelScope(shield=True):
                            await stream.aclose()  # type: ignore[attr-defined]

            group.start_soon(watch)
            group.start_soon(pump)
            start = {"type": "http.response.start", "status": self.reply.status}
            await send({**start, "headers": self._head(None)})
            async with taken:
                async for piece in taken:
                    batch, size = [piece], len(piece)
                    while size < _BATCH_BYTES:
                        try:
                            more = taken.receive_nowait()
                        except (anyio.WouldBlock, anyio.EndOfStream):
                            break
                        batch.append(more)
                        size += len(more)
                    body = batch[0] if len(batch) == 1 else b"".join(batch)
                    await send({"type": "http.response.body", "body": body, "more_body": True})
            finish()
            await send({"type": "http.response.body", "body": b""})
            group.cancel_scope.cancel()
