"""Loopback servers for the benchmark: a minimal fast one (pre-encoded replies) or FakeWorkspace.

``python -m bench.server [--kind fast|fakews] [--ready-file F] [--max-seconds S]`` prints
``READY <port>`` once listening on 127.0.0.1 and exits on SIGTERM/SIGINT or after
``--max-seconds``. Both kinds answer ``POST /serving-endpoints/chat/completions``; a body with
``"stream": true`` gets N SSE chunks (``x-fake-chunks`` header or ``"fake_chunks"`` in the body,
default 200), each event its own HTTP/1.1 chunk, then ``data: [DONE]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
from collections.abc import Iterator

LOOPBACK = "127.0.0.1"
CREATED = 1732500000
ANSWER = (
    "Databricks Model Serving exposes foundation models behind an OpenAI-compatible REST API. "
    "You send a list of chat messages to the endpoint and receive a completion with token usage. "
    "Streaming responses arrive as server-sent events, one delta per event, and finish with a "
    "[DONE] sentinel."
)
TOKENS = [" " + word for word in ANSWER.split(" ")]
MAX_CHUNKS = 1_000_000
WHOLE_REPLY_CHUNKS = 200_000
"""Longer streams are written piece by piece, following the socket's flow control."""
MAX_BUFFER = 16 * 1024 * 1024
_CHAT_TARGETS = (b"/serving-endpoints/chat/completions", b"/ai-gateway/mlflow/v1/chat/completions")
_cache: dict[tuple[str, int], bytes] = {}


def _dumps(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _response(status: str, body: bytes, ctype: str = "application/json", extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: {ctype}\r\ncontent-length: {len(body)}\r\n"
        f"server: bench\r\n{extra}\r\n"
    )
    return head.encode() + body


def chat_response(model: str) -> bytes:
    """The whole HTTP response of a non-streamed chat completion (cached per model)."""
    key = (model, 0)
    if key not in _cache:
        body = _dumps(
            {
                "id": "chatcmpl-8f3c2a9b4d1e4f6a",
                "object": "chat.completion",
                "created": CREATED,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": ANSWER},
                        "finish_reason": "stop",
                        "logprobs": None,
                    }
                ],
                "usage": {"prompt_tokens": 38, "completion_tokens": 42, "total_tokens": 80},
            }
        )
        extra = f"x-request-id: 0f6d3b5e-2c4a\r\nserved-model-name: {model}\r\n"
        _cache[key] = _response("200 OK", body, extra=extra)
    return _cache[key]


_STREAM_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
    b"cache-control: no-cache\r\ntransfer-encoding: chunked\r\nserver: bench\r\n\r\n"
)


def _stream_event(model: str, i: int, n: int) -> bytes:
    base = {"id": "chatcmpl-8f3c", "object": "chat.completion.chunk", "created": CREATED}
    delta: dict[str, str] = {"content": TOKENS[(i - 1) % len(TOKENS)]} if i else {}
    if i == 0:
        delta = {"role": "assistant", "content": ""}
    chunk: dict[str, object] = {
        **base,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": None, "logprobs": None}],
    }
    if i == n - 1 and n > 1:
        chunk["choices"] = [{"index": 0, "delta": {}, "finish_reason": "stop"}]
        chunk["usage"] = {"prompt_tokens": 38, "completion_tokens": n - 2, "total_tokens": n}
    payload = b"data: " + _dumps(chunk) + b"\n\n"
    return b"%x\r\n%s\r\n" % (len(payload), payload)


_TAIL = b"%x\r\n%s\r\n" % (len(b"data: [DONE]\n\n"), b"data: [DONE]\n\n") + b"0\r\n\r\n"


def stream_response(model: str, n: int) -> bytes:
    """The whole HTTP response of a stream of ``n`` chunks (cached), chunked encoding."""
    key = (model, n)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    reply = b"".join([_STREAM_HEAD, *(_stream_event(model, i, n) for i in range(n)), _TAIL])
    if n <= 20_000:
        _cache[key] = reply
    return reply


def stream_pieces(model: str, n: int, per_piece: int = 4096) -> Iterator[bytes]:
    """The same response as ``stream_response``, in pieces of about ``per_piece`` events.

    The middle events repeat with the token list, so one cycle of them is built once.
    """
    cycle = b"".join(_stream_event(model, i, n) for i in range(1, len(TOKENS) + 1))
    repeats = max(1, per_piece // len(TOKENS))
    yield _STREAM_HEAD + _stream_event(model, 0, n)
    i = 1
    while i + len(TOKENS) * repeats < n - 1:
        yield cycle * repeats
        i += len(TOKENS) * repeats
    yield b"".join(_stream_event(model, j, n) for j in range(i, n)) + _TAIL


def _header(head: bytes, low: bytes, name: bytes) -> bytes | None:
    i = low.find(b"\r\n" + name + b":")
    if i < 0:
        return None
    i += len(name) + 3
    j = head.find(b"\r\n", i)
    return head[i : j if j >= 0 else len(head)].strip()


class LongStream:
    """A stream too long to build in memory: written by ``FastProtocol`` piece by piece."""

    def __init__(self, model: str, n: int) -> None:
        self.model = model
        self.n = n


def _answer(method: bytes, target: bytes, body: bytes, chunks: bytes | None) -> bytes | LongStream:
    path = target.partition(b"?")[0]
    if path == b"/healthz":
        return _response("200 OK", b"ok", "text/plain")
    if method != b"POST" or path not in _CHAT_TARGETS:
        return _response("404 Not Found", b'{"error_code":"ENDPOINT_NOT_FOUND","message":"no"}')
    try:
        request = json.loads(body)
    except ValueError:
        return _response("400 Bad Request", b'{"error_code":"BAD_REQUEST","message":"json"}')
    model = str(request.get("model") or "bench-llm")
    if request.get("stream") is not True:
        return chat_response(model)
    wanted = request.get("fake_chunks", chunks or 200)
    n = max(1, min(int(wanted), MAX_CHUNKS))
    return stream_response(model, n) if n <= WHOLE_REPLY_CHUNKS else LongStream(model, n)


class FastProtocol(asyncio.Protocol):
    """HTTP/1.1 keep-alive with content-length request bodies; replies are pre-encoded bytes."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.writing: asyncio.Task[None] | None = None
        self.can_write = asyncio.Event()
        self.can_write.set()

    def pause_writing(self) -> None:
        self.can_write.clear()

    def resume_writing(self) -> None:
        self.can_write.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.can_write.set()
        if self.writing is not None:
            self.writing.cancel()

    async def _write_long(self, long: LongStream) -> None:
        transport = self.transport
        assert transport is not None
        for piece in stream_pieces(long.model, long.n):
            await self.can_write.wait()
            if transport.is_closing():
                return
            transport.write(piece)
        self.writing = None
        if self.buf:
            self.data_received(b"")

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        transport = self.transport
        assert transport is not None
        buf = self.buf + data if self.buf else data
        if self.writing is not None:
            self.buf = buf
            return
        if len(buf) > MAX_BUFFER:
            transport.close()
            return
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buf[:end]
            low = head.lower()
            length = _header(head, low, b"content-length")
            start = end + 4
            stop = start + (int(length) if length else 0)
            if len(buf) < stop:
                break
            method, target, _ = head.split(b" ", 2)
            chunks = _header(head, low, b"x-fake-chunks")
            answer = _answer(method, target, buf[start:stop], chunks)
            buf = buf[stop:]
            if isinstance(answer, LongStream):
                self.buf = buf
                self.writing = asyncio.ensure_future(self._write_long(answer))
                return
            transport.write(answer)
        self.buf = buf


def _announce(port: int, ready_file: str | None) -> None:
    if ready_file:
        with open(ready_file + ".tmp", "w") as handle:
            handle.write(str(port))
        os.replace(ready_file + ".tmp", ready_file)
    print(f"READY {port}", flush=True)


async def _run_fast(ready_file: str | None, max_seconds: float) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(FastProtocol, LOOPBACK, 0, backlog=1024)
    chat_response("bench-llm")
    await _wait_for_stop(server.sockets[0].getsockname()[1], ready_file, max_seconds)
    server.close()


async def _wait_for_stop(port: int, ready_file: str | None, max_seconds: float) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    _announce(port, ready_file)
    try:
        await asyncio.wait_for(stop.wait(), timeout=max_seconds)
    except asyncio.TimeoutError:
        print("bench server: --max-seconds reached, exiting", flush=True)


async def _run_fakews(ready_file: str | None, max_seconds: float, token: str) -> None:
    from brickgate.testing import FakeWorkspace

    with FakeWorkspace(token=token, record=False) as workspace:
        await _wait_for_stop(workspace.port, ready_file, max_seconds)


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGTERM/SIGINT or ``--max-seconds``."""
    from bench import TOKEN

    parser = argparse.ArgumentParser(prog="python -m bench.server", description=__doc__)
    parser.add_argument("--kind", choices=["fast", "fakews"], default="fast")
    parser.add_argument("--ready-file")
    parser.add_argument("--max-seconds", type=float, default=900.0)
    args = parser.parse_args(argv)
    if args.kind == "fast":
        asyncio.run(_run_fast(args.ready_file, args.max_seconds))
    else:
        asyncio.run(_run_fakews(args.ready_file, args.max_seconds, TOKEN))


if __name__ == "__main__":
    main()
