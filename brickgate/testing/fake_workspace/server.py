"""The thread and event loop that run FakeWorkspace's HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from brickgate.testing.fake_workspace.connection import Connection
from brickgate.testing.fake_workspace.exchange import Incoming, Reply
from brickgate.testing.fake_workspace.faults import Fault

LOOPBACK = "127.0.0.1"
Handler = Callable[[Incoming], "tuple[Reply, Fault | None]"]


class LoopbackServer:
    """An asyncio HTTP/1.1 server on 127.0.0.1, run by one daemon thread until ``stop()``."""

    def __init__(self, handler: Handler, port: int = 0) -> None:
        self._handler = handler
        self.connections: set[Connection] = set()
        self._requested_port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._failure: BaseException | None = None

    def start(self) -> int:
        """Bind 127.0.0.1, start serving on a background thread and return the port.

        Raises ``OSError`` when the port cannot be bound.
        """
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((LOOPBACK, self._requested_port))
            sock.listen(1024)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        port: int = sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(sock, ready), name=f"FakeWorkspace:{port}", daemon=True
        )
        self._thread.start()
        ready.wait()
        if self._failure is not None:
            self._thread.join()
            raise self._failure
        return port

    def handler(self, incoming: Incoming) -> tuple[Reply, Fault | None]:
        """Answer one parsed request (called on the loop thread)."""
        return self._handler(incoming)

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run a coroutine on the server loop (called from the loop thread)."""
        assert self._loop is not None
        task = self._loop.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving, drop open connections and join the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        self._loop = self._thread = None

    def _run(self, sock: socket.socket, ready: threading.Event) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        try:
            server = loop.run_until_complete(
                loop.create_server(lambda: Connection(self), sock=sock, backlog=1024)
            )
        except BaseException as exc:
            self._failure = exc
            sock.close()
            loop.close()
            ready.set()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            server.close()
            for connection in list(self.connections):
                connection.abort()
            for task in list(self._tasks):
                task.cancel()
            pending = [*self._tasks, asyncio.sleep(0)]
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            with contextlib.suppress(asyncio.TimeoutError):
                loop.run_until_complete(asyncio.wait_for(server.wait_closed(), 2.0))
            loop.close()
