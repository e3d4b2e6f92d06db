"""Hostile loopback HTTP servers: trickle, silence, endless, bomb, deep JSON, echo."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

TOKEN = "zq9Xk2LmP4vR7tY1wB6nC3dF8hJ0sA5eUoIi"
"""Not ``dapi``-shaped: only redaction by value can catch it."""

Behaviour = Callable[[socket.socket, bytes, threading.Event], None]


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            return data
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        piece = conn.recv(65536)
        if not piece:
            break
        body += piece
    return head


def authorization(head: bytes) -> str:
    """The ``Authorization`` header value of a request head."""
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"authorization":
            return value.strip().decode()
    return ""


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        conn = self.request
        head = _read_request(conn)
        with suppress(OSError):
            self.server.behaviour(conn, head, self.server.stopping)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, behaviour: Behaviour) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.behaviour = behaviour
        self.stopping = threading.Event()


@contextmanager
def serving(behaviour: Behaviour) -> Iterator[str]:
    """Run ``behaviour`` for every connection; yields the server's ``http://`` URL."""
    server = _Server(behaviour)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()


def trickle(conn: socket.socket, data: bytes, stop: threading.Event, every: float = 0.05) -> None:
    """Send ``data`` one byte at a time, forever (repeating its last byte) until stopped."""
    position = 0
    while not stop.is_set():
        conn.sendall(data[position : position + 1] or data[-1:])
        position += 1
        time.sleep(every)


def trickled_headers(conn: socket.socket, head: bytes, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    trickle(conn, b"X-Slow: " + b"a" * 10_000, stop)


def trickled_body(conn: socket.socket, head: bytes, stop: threading.Event) -> None:
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
    )
    trickle(conn, b"{" + b" " * 99_999, stop)


def silent_stream(conn: socket.socket, head: bytes, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n")
    stop.wait(30)


def endless_comments(conn: socket.socket, head: bytes, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n")
    while not stop.is_set():
        conn.sendall(b": keep-alive\n\n")
        time.sleep(0.05)


def endless_body(conn: socket.socket, head: bytes, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
    block = b"[" + b"0," * (1 << 19)
    while not stop.is_set():
        conn.sendall(block)


def endless_event(conn: socket.socket, head: bytes, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: ")
    block = b"x" * (1 << 20)
    while not stop.is_set():
        conn.sendall(block)


def _bomb_blocks() -> tuple[bytes, bytes]:
    """The start of an endless gzip stream of zeros, and a block that adds 1 MiB each time."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_SYNC_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_SYNC_FLUSH)
    return first, block


def gzip_bomb(content_type: bytes) -> Behaviour:
    """An endless gzip body (about 1000 times smaller than what it expands to)."""
    first, block = _bomb_blocks()

    def behaviour(conn: socket.socket, head: bytes, stop: threading.Event) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: " + content_type + b"\r\n"
            b"Content-Encoding: gzip\r\nConnection: close\r\n\r\n" + first
        )
        while not stop.is_set():
            conn.sendall(block * 64)

    return behaviour


def reply(status: bytes, body: bytes, *headers: bytes) -> Behaviour:
    """A fixed answer; ``{auth}`` in ``body`` or a header becomes the request's Authorization."""

    def behaviour(conn: socket.socket, head: bytes, stop: threading.Event) -> None:
        echo = authorization(head).encode()
        lines = [b"HTTP/1.1 " + status.replace(b"{auth}", echo)]
        lines.extend(h.replace(b"{auth}", echo) for h in headers)
        content = body.replace(b"{auth}", echo)
        lines.append(b"Content-Length: " + str(len(content)).encode())
        conn.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + content)

    return behaviour


DEEP = b"[" * 200_000 + b"]" * 200_000
