"""The contract's view of a transport: what reached the workspace; either port driven in sync."""

from __future__ import annotations

import asyncio
import base64
import inspect
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar
from urllib.parse import unquote

import pytest

from brickgate.domain.calls import BasicAuth, Call, StreamCall, WireAuth
from brickgate.domain.errors import BrickgateError
from brickgate.ports.workspace import AsyncWorkspaceTransport, WorkspaceTransport
from brickgate.testing.fake_script import RecordedCall, Reply

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Received:
    """One request as it reached the workspace (or a fake's script).

    ``path`` holds the decoded path segments (``("api", "2.0", "serving-endpoints")``),
    ``headers`` the caller's extra headers with lower-case names, ``authorization`` the
    ``Authorization`` value sent (``None``: none), ``body`` the request body.
    """

    method: str
    path: tuple[str, ...]
    headers: Mapping[str, str] = field(default_factory=dict)
    authorization: str | None = None
    content_type: str | None = None
    body: bytes | None = None


def authorization_of(auth: WireAuth | None) -> str | None:
    """The ``Authorization`` header value an HTTP transport sends for ``auth``."""
    if auth is None:
        return None
    if isinstance(auth, BasicAuth):
        pair = f"{auth.user}:{auth.password.get_secret_value()}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")
    return "Bearer " + auth.token.get_secret_value()


def received_from_calls(calls: Sequence[RecordedCall]) -> list[Received]:
    """What a fake transport's recorded ``calls`` would have sent."""
    return [
        Received(
            call.request.method,
            call.request.path,
            dict(call.request.headers or {}),
            authorization_of(call.request.auth),
            call.request.content_type,
            call.request.content,
        )
        for call in calls
    ]


_WIRE_HEADERS = frozenset(
    {"accept", "accept-encoding", "authorization", "content-type", "content-length", "host"}
    | {"user-agent", "connection"}
)


def received_from_wire(
    method: str, raw_path: str | bytes, headers: Mapping[str, str], body: bytes | None
) -> Received:
    """A ``Received`` from an HTTP request: ``raw_path`` as sent (percent-encoded, no query).

    Headers the HTTP layer sets itself (accept, user agent, framing...) are left out of
    ``headers``; ``Authorization`` and ``Content-Type`` get their own fields.
    """
    path = raw_path.decode("ascii") if isinstance(raw_path, bytes) else raw_path
    segments = tuple(unquote(part) for part in path.partition("?")[0].split("/")[1:])
    lowered = {name.lower(): value for name, value in headers.items()}
    return Received(
        method,
        segments,
        {name: value for name, value in lowered.items() if name not in _WIRE_HEADERS},
        lowered.get("authorization"),
        lowered.get("content-type"),
        body or None,
    )


@dataclass(frozen=True)
class Scripted:
    """A transport under test and what has reached its workspace so far.

    ``transport`` is a ``WorkspaceTransport`` or an ``AsyncWorkspaceTransport``; ``received``
    returns every request that reached the workspace (or the fake's script), in order.
    """

    transport: WorkspaceTransport | AsyncWorkspaceTransport
    received: Callable[[], Sequence[Received]]


@dataclass
class Read:
    """What reading a stream gave: the events, then the error that ended it (if any)."""

    events: list[Any]
    error: BrickgateError | None


class OpenStream:
    """An open event stream of either kind, read synchronously a few events at a time."""

    def __init__(self, port: Port, stream: Any) -> None:
        self._port = port
        self._stream = stream
        self._events: Any = None

    def _next(self) -> tuple[bool, Any]:
        port = self._port
        if self._events is None:
            self._events = aiter(self._stream) if port.asynchronous else iter(self._stream)
        if port.asynchronous:
            result: tuple[bool, Any] = port.run(_next_async(self._events))
            return result
        return _next_sync(self._events)

    def take(self, count: int) -> list[Any]:
        """Up to ``count`` more events (fewer at the end); raises what the stream raises."""
        taken: list[Any] = []
        while len(taken) < count:
            more, event = self._next()
            if not more:
                break
            taken.append(event)
        return taken

    def read(self) -> Read:
        """Every remaining event, and the brickgate error that ended the stream (if any)."""
        events: list[Any] = []
        try:
            while True:
                more, event = self._next()
                if not more:
                    return Read(events, None)
                events.append(event)
        except BrickgateError as error:
            return Read(events, error)

    def close(self) -> None:
        """Close the stream (the port says closing is idempotent)."""
        if self._port.asynchronous:
            self._port.run(self._stream.aclose())
        else:
            self._stream.close()


class Port:
    """Drives a transport of either kind synchronously, on a loop of its own when async."""

    def __init__(self, scripted: Scripted) -> None:
        self.transport: Any = scripted.transport
        self._received = scripted.received
        self.asynchronous = inspect.iscoroutinefunction(self.transport.send)
        self._loop: asyncio.AbstractEventLoop | None = None

    def run(self, awaitable: Any) -> Any:
        """Run ``awaitable`` to completion on this port's event loop."""
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(awaitable)

    def send(self, call: Call[T]) -> T:
        """``transport.send(call)``."""
        if self.asynchronous:
            result: T = self.run(self.transport.send(call))
            return result
        sent: T = self.transport.send(call)
        return sent

    def open(self, call: StreamCall[Any]) -> OpenStream:
        """``transport.open(call)``, as a stream read synchronously."""
        if self.asynchronous:
            return OpenStream(self, self.run(self.transport.open(call)))
        return OpenStream(self, self.transport.open(call))

    def read(self, call: StreamCall[Any]) -> Read:
        """Open ``call`` and read it to its end (errors of the opening itself propagate)."""
        stream = self.open(call)
        try:
            return stream.read()
        finally:
            stream.close()

    def close(self) -> None:
        """Close the transport."""
        if self.asynchronous:
            self.run(self.transport.aclose())
        else:
            self.transport.close()

    def received(self) -> list[Received]:
        """Every request that reached the workspace so far."""
        return list(self._received())

    def sent(self) -> int:
        """How many requests reached the workspace so far."""
        return len(self._received())

    def finish(self) -> None:
        """Close the transport and this port's event loop (at the end of a test)."""
        try:
            self.close()
        finally:
            if self._loop is not None:
                self._loop.run_until_complete(self._loop.shutdown_asyncgens())
                self._loop.close()
                self._loop = None


async def _next_async(events: Any) -> tuple[bool, Any]:
    try:
        return True, await anext(events)
    except StopAsyncIteration:
        return False, None


def _next_sync(events: Iterator[Any]) -> tuple[bool, Any]:
    try:
        return True, next(events)
    except StopIteration:
        return False, None


class PortContract:
    """What every part of the contract stands on: ``make``, and ports closed after each test."""

    __test__ = False
    attached_authorization: ClassVar[str | None] = None

    def make(self, operation: str, *replies: Reply) -> Scripted:
        """A transport whose workspace answers ``operation`` with ``replies`` in order."""
        raise NotImplementedError

    @pytest.fixture(autouse=True)
    def _ports(self) -> Iterator[None]:
        self._opened: list[Port] = []
        yield
        for port in self._opened:
            port.finish()

    def port(self, operation: str, *replies: Reply) -> Port:
        """The transport ``make`` builds, driven synchronously; closed after the test."""
        opened = Port(self.make(operation, *replies))
        self._opened.append(opened)
        return opened
